//! POST /wxa/component/fastregisterbetaweapp — 创建试用小程序 (`registration-routes.md` §3.1).
//!
//! Component token (`access_token`). `{name, openid}` → `{unique_id, authorize_url}`. WeChat
//! appends “的体验小程序” to the name; the user named by `openid` confirms within 24 h and
//! becomes the admin. The result is `notify_third_fastregisterbetaapp` (no auth_code) followed by
//! `authorized`, whose code api_query_auth exchanges. A trial lives 14 days unless converted
//! with [`super::VerifyBeta`].

use serde::{Deserialize, Serialize};

/// The suffix WeChat forces on a trial's name.
pub const TRIAL_NAME_SUFFIX: &str = "的体验小程序";

crate::endpoint! {
    /// Create a trial Mini Program.
    BetaCreate {
        name: "fastregisterbetaweapp",
        method: Post,
        path: "/wxa/component/fastregisterbetaweapp",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: BetaCreateRequest,
        response: BetaCreateResponse,
    }
}

/// Body of fastregisterbetaweapp.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BetaCreateRequest {
    /// 4–30 characters, without brand keywords; WeChat appends [`TRIAL_NAME_SUFFIX`].
    pub name: String,
    /// The future admin's openid (not a WeChat id).
    pub openid: String,
}

impl BetaCreateRequest {
    /// A request.
    pub fn new(name: impl Into<String>, openid: impl Into<String>) -> Self {
        BetaCreateRequest {
            name: name.into(),
            openid: openid.into(),
        }
    }
}

/// Answer of fastregisterbetaweapp.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BetaCreateResponse {
    /// Matches the push's `info.unique_id`.
    pub unique_id: String,
    /// The page the admin opens within 24 h.
    pub authorize_url: String,
}

impl BetaCreateResponse {
    /// An answer.
    pub fn new(unique_id: impl Into<String>, authorize_url: impl Into<String>) -> Self {
        BetaCreateResponse {
            unique_id: unique_id.into(),
            authorize_url: authorize_url.into(),
        }
    }
}
