//! POST /wxa/grayrelease — lifecycle spec §2.15: releases the approved version to a share of
//! users, raised call by call. 85079 no live version, 85080 the audit did not pass, 85081 a share
//! outside 0–100 (or 0 without a flag), 85082 a share not higher than the last.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Start or raise a gray release.
    GrayRelease {
        name: "grayrelease",
        method: Post,
        path: "/wxa/grayrelease",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: GrayReleaseRequest,
        response: Empty,
    }
}

/// Request of grayrelease.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GrayReleaseRequest {
    /// 0–100.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub gray_percentage: u64,
    /// Members and developers first.
    #[serde(default)]
    pub support_debuger_first: bool,
    /// Testers first.
    #[serde(default)]
    pub support_experiencer_first: bool,
}

impl GrayReleaseRequest {
    /// This share of users, no one first.
    pub fn new(gray_percentage: u64) -> Self {
        GrayReleaseRequest {
            gray_percentage,
            ..Default::default()
        }
    }
}
