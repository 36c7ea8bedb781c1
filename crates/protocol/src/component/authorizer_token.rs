//! POST /cgi-bin/component/api_authorizer_token — a fresh authorizer_access_token from the
//! refresh token (protocol-notes §1). An invalid refresh token answers 61023.

use crate::id::{AccessToken, AppId, RefreshToken};
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Refresh an authorizer's access token.
    AuthorizerToken {
        name: "api_authorizer_token",
        method: Post,
        path: "/cgi-bin/component/api_authorizer_token",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: AuthorizerTokenRequest,
        response: AuthorizerTokenResponse,
    }
}

/// Request of api_authorizer_token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthorizerTokenRequest {
    /// The component's appid.
    pub component_appid: AppId,
    /// The authorizer.
    pub authorizer_appid: AppId,
    /// Its refresh token.
    pub authorizer_refresh_token: RefreshToken,
}

/// Response of api_authorizer_token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthorizerTokenResponse {
    /// The new access token.
    pub authorizer_access_token: AccessToken,
    /// Seconds it lives (7200).
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub expires_in: u64,
    /// Normally the same refresh token; if it differs, store it before using the access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_refresh_token: Option<RefreshToken>,
}

impl AuthorizerTokenResponse {
    /// A new access token living `expires_in` seconds, with the refresh token to keep.
    pub fn new(
        authorizer_access_token: AccessToken,
        expires_in: u64,
        authorizer_refresh_token: Option<RefreshToken>,
    ) -> Self {
        AuthorizerTokenResponse {
            authorizer_access_token,
            expires_in,
            authorizer_refresh_token,
        }
    }
}
