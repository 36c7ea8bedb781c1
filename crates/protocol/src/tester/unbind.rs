//! POST /wxa/unbind_tester — lifecycle spec §6: by `wechatid` or by `userstr`.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Unbind a tester.
    UnbindTester {
        name: "unbind_tester",
        method: Post,
        path: "/wxa/unbind_tester",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: UnbindTesterRequest,
        response: Empty,
    }
}

/// Request of unbind_tester: one of the two.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnbindTesterRequest {
    /// The WeChat id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechatid: Option<String>,
    /// The id bind_tester returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userstr: Option<String>,
}

impl UnbindTesterRequest {
    /// By WeChat id.
    pub fn wechatid(wechatid: impl Into<String>) -> Self {
        UnbindTesterRequest {
            wechatid: Some(wechatid.into()),
            userstr: None,
        }
    }

    /// By userstr.
    pub fn userstr(userstr: impl Into<String>) -> Self {
        UnbindTesterRequest {
            wechatid: None,
            userstr: Some(userstr.into()),
        }
    }
}
