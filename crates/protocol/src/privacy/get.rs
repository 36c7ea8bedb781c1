//! POST /cgi-bin/component/getprivacysetting — lifecycle spec §5.2: a guide, and the privacy
//! keys the last commit's scan found (`privacy_list`).

use super::{OwnerSetting, PrivacySetting};
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Read the privacy guide.
    GetPrivacySetting {
        name: "getprivacysetting",
        method: Post,
        path: "/cgi-bin/component/getprivacysetting",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: GetPrivacySettingRequest,
        response: GetPrivacySettingResponse,
    }
}

/// Request of getprivacysetting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetPrivacySettingRequest {
    /// 1 live, 2 development (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_ver: Option<u64>,
}

impl GetPrivacySettingRequest {
    /// This version.
    pub fn new(privacy_ver: u64) -> Self {
        GetPrivacySettingRequest {
            privacy_ver: Some(privacy_ver),
        }
    }
}

/// Response of getprivacysetting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetPrivacySettingResponse {
    /// 1 when a committed package exists.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub code_exist: u64,
    /// Keys found in the latest commit.
    #[serde(default)]
    pub privacy_list: Vec<String>,
    /// The guide's keys.
    #[serde(default)]
    pub setting_list: Vec<PrivacySetting>,
    /// Last change.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub update_time: u64,
    /// The owner.
    #[serde(default)]
    pub owner_setting: OwnerSetting,
}
