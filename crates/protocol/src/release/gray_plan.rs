//! GET /wxa/getgrayreleaseplan — lifecycle spec §2.15: the gray plan (status 0 initial,
//! 1 running, 2 paused, 3 done, 4 deleted).

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// The gray release plan.
    GetGrayReleasePlan {
        name: "getgrayreleaseplan",
        method: Get,
        path: "/wxa/getgrayreleaseplan",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: GetGrayReleasePlanResponse,
    }
}

/// Response of getgrayreleaseplan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetGrayReleasePlanResponse {
    /// The plan.
    pub gray_release_plan: GrayReleasePlan,
}

/// A gray plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GrayReleasePlan {
    /// 0 initial, 1 running, 2 paused, 3 done, 4 deleted.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub status: u64,
    /// When it was created.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub create_timestamp: u64,
    /// The share of users.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub gray_percentage: u64,
    /// Members and developers first.
    #[serde(default)]
    pub support_debuger_first: bool,
    /// Testers first.
    #[serde(default)]
    pub support_experiencer_first: bool,
}

impl GrayReleasePlan {
    /// A plan.
    pub fn new(status: u64, create_timestamp: u64, gray_percentage: u64) -> Self {
        GrayReleasePlan {
            status,
            create_timestamp,
            gray_percentage,
            ..Default::default()
        }
    }
}
