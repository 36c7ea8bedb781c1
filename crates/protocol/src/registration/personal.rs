//! POST /wxa/component/fastregisterpersonalweapp?action=create|query — 快速注册个人小程序, new
//! version (`registration-routes.md` §2).
//!
//! Component token. The new version takes only the user's WeChat id (`wxuser`) and the
//! platform's phone; the answer's `authorize_url` is scanned by the user within 24 h (ID, face,
//! phone). The result comes as `notify_third_fasteregister` (personal) and `authorized`.

use super::task::{ActionEndpoint, RegisterTaskResponse, TaskQueryRequest};
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Start a personal registration task.
    PersonalCreate {
        name: "fastregisterpersonalweapp",
        method: Post,
        path: "/wxa/component/fastregisterpersonalweapp",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: PersonalCreateRequest,
        response: RegisterTaskResponse,
    }
}

impl ActionEndpoint for PersonalCreate {
    const ACTION: &'static str = "create";
}

crate::endpoint! {
    /// Where a personal registration task stands.
    PersonalQuery {
        name: "fastregisterpersonalweapp_query",
        method: Post,
        path: "/wxa/component/fastregisterpersonalweapp",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: TaskQueryRequest,
        response: RegisterTaskResponse,
    }
}

impl ActionEndpoint for PersonalQuery {
    const ACTION: &'static str = "query";
}

/// `action=create` body, new version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PersonalCreateRequest {
    /// 个人用户微信号 (the WeChat id, not the nickname).
    pub wxuser: String,
    /// 第三方联系电话.
    pub component_phone: String,
    /// Must be `true`.
    pub new_version: bool,
}

impl PersonalCreateRequest {
    /// A new-version request.
    pub fn new(wxuser: impl Into<String>, component_phone: impl Into<String>) -> Self {
        PersonalCreateRequest {
            wxuser: wxuser.into(),
            component_phone: component_phone.into(),
            new_version: true,
        }
    }
}
