//! POST /cgi-bin/account/componentrebindadmin — spec §7.3.
//!
//! Takes the **Mini Program's** authorizer_access_token (as WxJava's `WxOpenMaBasicService`
//! calls it; EasyWeChat has no method for this endpoint). The `taskid` is single use (85060
//! afterwards), so it is not retryable.

use crate::endpoint::Empty;
use crate::id::TaskId;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Complete an admin rebind.
    RebindAdmin {
        name: "componentrebindadmin",
        method: Post,
        path: "/cgi-bin/account/componentrebindadmin",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: RebindAdminRequest,
        response: Empty,
    }
}

/// Request of componentrebindadmin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebindAdminRequest {
    /// 换绑管理员任务序列号 — from the redirect back from the rebind page.
    pub taskid: TaskId,
}
