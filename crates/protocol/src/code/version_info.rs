//! POST /wxa/getversioninfo — lifecycle spec §2.12: the trial (`exp_info`) and live
//! (`release_info`) versions, each absent when there is none. Body `{}`.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// The trial and live version.
    GetVersionInfo {
        name: "getversioninfo",
        method: Post,
        path: "/wxa/getversioninfo",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: Empty,
        response: GetVersionInfoResponse,
    }
}

/// Response of getversioninfo.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetVersionInfoResponse {
    /// The trial version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp_info: Option<ExpInfo>,
    /// The live version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_info: Option<ReleaseInfo>,
}

/// The trial version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExpInfo {
    /// Commit time.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub exp_time: u64,
    /// `user_version` of the commit.
    #[serde(default)]
    pub exp_version: String,
    /// `user_desc` of the commit.
    #[serde(default)]
    pub exp_desc: String,
}

impl ExpInfo {
    /// A trial version.
    pub fn new(exp_time: u64, exp_version: impl Into<String>, exp_desc: impl Into<String>) -> Self {
        ExpInfo {
            exp_time,
            exp_version: exp_version.into(),
            exp_desc: exp_desc.into(),
        }
    }
}

/// The live version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReleaseInfo {
    /// Release time.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub release_time: u64,
    /// `user_version` of the released commit.
    #[serde(default)]
    pub release_version: String,
    /// `user_desc` of the released commit.
    #[serde(default)]
    pub release_desc: String,
}

impl ReleaseInfo {
    /// A live version.
    pub fn new(release_time: u64, release_version: impl Into<String>, release_desc: impl Into<String>) -> Self {
        ReleaseInfo {
            release_time,
            release_version: release_version.into(),
            release_desc: release_desc.into(),
        }
    }
}
