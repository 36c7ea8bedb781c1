//! POST /cgi-bin/account/fastregister — spec §1.3.
//!
//! Called with the **Official Account's** authorizer_access_token and the `ticket` the
//! fastregisterauth page appended to the redirect_uri. Not retryable: a repeated ticket answers
//! 61058 even when the first call succeeded, so a lost response must be reconciled from the
//! `authorized` push or api_get_authorizer_list, never by calling again.

use crate::id::{AppId, AuthorizationCode, Ticket};
use crate::wire::StrBool;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Register a Mini Program reusing the Official Account's entity.
    FastRegister {
        name: "fastregister",
        method: Post,
        path: "/cgi-bin/account/fastregister",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: FastRegisterRequest,
        response: FastRegisterResponse,
    }
}

/// Request of fastregister.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FastRegisterRequest {
    /// 公众号扫码授权的凭证 — from the redirect back from the fastregisterauth page.
    pub ticket: Ticket,
}

/// Response of fastregister (the spec's example sends `errmsg: ""` and the booleans as strings).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FastRegisterResponse {
    /// The new Mini Program.
    pub appid: AppId,
    /// Exchange it at once with api_query_auth and keep the refresh token.
    pub authorization_code: AuthorizationCode,
    /// Whether reusing the account's WeChat verification succeeded.
    #[serde(default)]
    pub is_wx_verify_succ: StrBool,
    /// Whether the Mini Program was linked to the account (WxJava omits it; defaults to false).
    #[serde(default)]
    pub is_link_succ: StrBool,
}

impl FastRegisterResponse {
    /// The new Mini Program, its code, and whether verification reuse and linking succeeded.
    pub fn new(
        appid: AppId,
        authorization_code: AuthorizationCode,
        is_wx_verify_succ: bool,
        is_link_succ: bool,
    ) -> Self {
        FastRegisterResponse {
            appid,
            authorization_code,
            is_wx_verify_succ: StrBool(is_wx_verify_succ),
            is_link_succ: StrBool(is_link_succ),
        }
    }
}
