//! POST /cgi-bin/component/api_get_authorizer_list — every account authorized to the component,
//! paged (at most 500 a page). The service uses it to reconcile a fastregister whose response
//! was lost: the new Mini Program shows up here.

use crate::id::{AppId, RefreshToken};
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// List the component's authorizers.
    GetAuthorizerList {
        name: "api_get_authorizer_list",
        method: Post,
        path: "/cgi-bin/component/api_get_authorizer_list",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: GetAuthorizerListRequest,
        response: GetAuthorizerListResponse,
    }
}

/// The most a page may hold.
pub const AUTHORIZER_LIST_MAX_COUNT: u32 = 500;

/// Request of api_get_authorizer_list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GetAuthorizerListRequest {
    /// The component's appid.
    pub component_appid: AppId,
    /// Offset, from 0.
    #[serde(deserialize_with = "crate::wire::flex_u64_as_u32")]
    pub offset: u32,
    /// Page size, at most 500.
    #[serde(deserialize_with = "crate::wire::flex_u64_as_u32")]
    pub count: u32,
}

/// Response of api_get_authorizer_list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetAuthorizerListResponse {
    /// How many authorizers in all.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub total_count: u64,
    /// This page.
    #[serde(default)]
    pub list: Vec<AuthorizerListItem>,
}

/// One authorizer of the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthorizerListItem {
    /// The authorizer.
    pub authorizer_appid: AppId,
    /// Its refresh token.
    pub refresh_token: RefreshToken,
    /// When it authorized (unix seconds).
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub auth_time: u64,
}

impl GetAuthorizerListResponse {
    /// One page of `total_count` authorizers.
    pub fn new(total_count: u64, list: Vec<AuthorizerListItem>) -> Self {
        GetAuthorizerListResponse { total_count, list }
    }
}

impl AuthorizerListItem {
    /// An authorizer with its refresh token and the time it authorized.
    pub fn new(authorizer_appid: AppId, refresh_token: RefreshToken, auth_time: u64) -> Self {
        AuthorizerListItem {
            authorizer_appid,
            refresh_token,
            auth_time,
        }
    }
}
