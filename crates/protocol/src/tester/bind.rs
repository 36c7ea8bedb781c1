//! POST /wxa/bind_tester — lifecycle spec §6: lets a WeChat user open the trial version.
//! 85001 unknown wechatid, 85002 too many testers, 85004 already bound.

use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Bind a tester.
    BindTester {
        name: "bind_tester",
        method: Post,
        path: "/wxa/bind_tester",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: BindTesterRequest,
        response: BindTesterResponse,
    }
}

/// Request of bind_tester.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BindTesterRequest {
    /// The tester's WeChat id (微信号).
    pub wechatid: String,
}

impl BindTesterRequest {
    /// Binds this WeChat id.
    pub fn new(wechatid: impl Into<String>) -> Self {
        BindTesterRequest {
            wechatid: wechatid.into(),
        }
    }
}

/// Response of bind_tester.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BindTesterResponse {
    /// An opaque id for the person.
    #[serde(default)]
    pub userstr: String,
}
