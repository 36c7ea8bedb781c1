//! GET /wxa/security/get_code_privacy_info — lifecycle spec §2.4: the result of the privacy-API
//! scan every commit starts; 61039 while it runs (about a minute).

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// The privacy-API scan result of the last commit.
    GetCodePrivacyInfo {
        name: "get_code_privacy_info",
        method: Get,
        path: "/wxa/security/get_code_privacy_info",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: GetCodePrivacyInfoResponse,
    }
}

/// Response of get_code_privacy_info.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetCodePrivacyInfoResponse {
    /// Privacy APIs the code uses without permission (`wx.getLocation`, …).
    #[serde(default)]
    pub without_auth_list: Vec<String>,
    /// Privacy APIs the code uses that are not configured.
    #[serde(default)]
    pub without_conf_list: Vec<String>,
}
