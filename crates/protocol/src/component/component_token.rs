//! POST /cgi-bin/component/api_component_token — the component_access_token (protocol-notes §1).
//!
//! Takes the latest component_verify_ticket pushed to the authorization-event URL. No token in
//! the query. Lives 7200 s; fetching a new one invalidates the old after a short overlap.

use crate::id::{AccessToken, AppId, Secret};
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Fetch a component_access_token.
    ComponentToken {
        name: "api_component_token",
        method: Post,
        path: "/cgi-bin/component/api_component_token",
        token: None,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: ComponentTokenRequest,
        response: ComponentTokenResponse,
    }
}

/// Request of api_component_token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComponentTokenRequest {
    /// The component's appid.
    pub component_appid: AppId,
    /// The component's appsecret.
    pub component_appsecret: Secret,
    /// The latest verify ticket WeChat pushed.
    pub component_verify_ticket: Secret,
}

/// Response of api_component_token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComponentTokenResponse {
    /// The token.
    pub component_access_token: AccessToken,
    /// Seconds it lives (7200).
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub expires_in: u64,
}

impl ComponentTokenRequest {
    /// The request for `component_appid` with its secret and the latest verify ticket.
    pub fn new(component_appid: AppId, component_appsecret: Secret, component_verify_ticket: Secret) -> Self {
        ComponentTokenRequest {
            component_appid,
            component_appsecret,
            component_verify_ticket,
        }
    }
}

impl ComponentTokenResponse {
    /// A token living `expires_in` seconds.
    pub fn new(component_access_token: AccessToken, expires_in: u64) -> Self {
        ComponentTokenResponse {
            component_access_token,
            expires_in,
        }
    }
}
