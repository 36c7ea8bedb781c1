//! POST /cgi-bin/component/api_query_auth — exchange an authorization code for the authorizer's
//! tokens (protocol-notes §1). The code is single use: this call is not retryable.

use super::FuncInfo;
use crate::id::{AccessToken, AppId, AuthorizationCode, RefreshToken};
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Exchange an authorization_code (from fastregister, the login page or a push).
    QueryAuth {
        name: "api_query_auth",
        method: Post,
        path: "/cgi-bin/component/api_query_auth",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: QueryAuthRequest,
        response: QueryAuthResponse,
    }
}

/// Request of api_query_auth.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryAuthRequest {
    /// The component's appid.
    pub component_appid: AppId,
    /// The code to exchange.
    pub authorization_code: AuthorizationCode,
}

/// Response of api_query_auth.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueryAuthResponse {
    /// What the account authorized, and its tokens.
    pub authorization_info: AuthorizationInfo,
}

/// The authorizer's tokens and permission sets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthorizationInfo {
    /// The authorizer (Official Account or Mini Program).
    pub authorizer_appid: AppId,
    /// Returned only when the account has API permission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_access_token: Option<AccessToken>,
    /// Seconds the access token lives (7200).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::flex_opt_u64::deserialize"
    )]
    pub expires_in: Option<u64>,
    /// Keep it: it is how every later access token is obtained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_refresh_token: Option<RefreshToken>,
    /// The permission sets granted.
    #[serde(default)]
    pub func_info: Vec<FuncInfo>,
}

impl QueryAuthResponse {
    /// The answer carrying `authorization_info`.
    pub fn new(authorization_info: AuthorizationInfo) -> Self {
        QueryAuthResponse { authorization_info }
    }
}

impl AuthorizationInfo {
    /// What `authorizer_appid` authorized: its tokens (set the optional fields) and sets.
    pub fn new(authorizer_appid: AppId, func_info: Vec<FuncInfo>) -> Self {
        AuthorizationInfo {
            authorizer_appid,
            authorizer_access_token: None,
            expires_in: None,
            authorizer_refresh_token: None,
            func_info,
        }
    }
}
