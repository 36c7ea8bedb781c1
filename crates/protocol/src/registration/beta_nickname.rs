//! POST /wxa/setbetaweappnickname — 修改试用小程序名称 (`registration-routes.md` §3.4).
//!
//! The trial's authorizer token; `{name}` → `{errcode, errmsg}`. The suffix “的体验小程序” is
//! forced; brand keywords answer 86011; a Mini Program that is not a trial answers 91020 (after
//! conversion, use setnickname). No push.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Rename a trial Mini Program.
    SetBetaNickname {
        name: "setbetaweappnickname",
        method: Post,
        path: "/wxa/setbetaweappnickname",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: SetBetaNicknameRequest,
        response: Empty,
    }
}

/// Body of setbetaweappnickname.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SetBetaNicknameRequest {
    /// The new name (WeChat appends “的体验小程序”).
    pub name: String,
}

impl SetBetaNicknameRequest {
    /// A request.
    pub fn new(name: impl Into<String>) -> Self {
        SetBetaNicknameRequest { name: name.into() }
    }
}
