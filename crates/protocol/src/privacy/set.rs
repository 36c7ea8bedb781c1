//! POST /cgi-bin/component/setprivacysetting — lifecycle spec §5.1: sets the development guide
//! (`privacy_ver` 2, default) or the live guide's owner settings (1; 86074 without a live guide).

use super::{OwnerSetting, PrivacySetting};
use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Set the privacy guide.
    SetPrivacySetting {
        name: "setprivacysetting",
        method: Post,
        path: "/cgi-bin/component/setprivacysetting",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: SetPrivacySettingRequest,
        response: Empty,
    }
}

/// Request of setprivacysetting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SetPrivacySettingRequest {
    /// 1 live, 2 development (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_ver: Option<u64>,
    /// The owner.
    pub owner_setting: OwnerSetting,
    /// The keys and their purposes (version 2 only; absent for version 1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub setting_list: Vec<PrivacySetting>,
}

impl SetPrivacySettingRequest {
    /// The development guide.
    pub fn development(owner_setting: OwnerSetting, setting_list: Vec<PrivacySetting>) -> Self {
        SetPrivacySettingRequest {
            privacy_ver: Some(super::PRIVACY_VER_DEV),
            owner_setting,
            setting_list,
        }
    }

    /// The live guide's owner settings.
    pub fn live(owner_setting: OwnerSetting) -> Self {
        SetPrivacySettingRequest {
            privacy_ver: Some(super::PRIVACY_VER_LIVE),
            owner_setting,
            setting_list: Vec::new(),
        }
    }
}
