//! POST /cgi-bin/component/api_create_preauthcode — a pre_auth_code for the componentloginpage
//! (protocol-notes §1; the docs disagree on its lifetime: 600 s in the examples, 1800 s in text).

use crate::id::{AppId, Secret};
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Create a pre_auth_code.
    CreatePreAuthCode {
        name: "api_create_preauthcode",
        method: Post,
        path: "/cgi-bin/component/api_create_preauthcode",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: CreatePreAuthCodeRequest,
        response: CreatePreAuthCodeResponse,
    }
}

/// Request of api_create_preauthcode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatePreAuthCodeRequest {
    /// The component's appid.
    pub component_appid: AppId,
}

/// Response of api_create_preauthcode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatePreAuthCodeResponse {
    /// The code to put in the componentloginpage URL.
    pub pre_auth_code: Secret,
    /// Seconds it lives.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub expires_in: u64,
}

impl CreatePreAuthCodeResponse {
    /// A code living `expires_in` seconds.
    pub fn new(pre_auth_code: Secret, expires_in: u64) -> Self {
        CreatePreAuthCodeResponse {
            pre_auth_code,
            expires_in,
        }
    }
}
