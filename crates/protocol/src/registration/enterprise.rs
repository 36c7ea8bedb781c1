//! POST /wxa/component/fastregisterenterpriseweapp?action=create|query — 快速注册企业小程序,
//! new version (`registration-routes.md` §1.2).
//!
//! Component token (WeChat's newer docs name it `access_token`; the emulator accepts both
//! names). Since 2026-04-30 only `new_version: true` is served: the body carries the
//! enterprise's name, its 18-character unified social credit code and the platform's phone, and
//! the answer an `authorize_url` the legal person opens within 24 h. The result comes as a
//! `notify_third_fasteregister` push ([`crate::event::RegistrationPush`]) and `authorized`.
//! Create is not retryable: a second create for the same subject answers 89249 for 24 h.

use super::task::{ActionEndpoint, RegisterTaskResponse, TaskQueryRequest};
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Start an enterprise registration task.
    EnterpriseCreate {
        name: "fastregisterenterpriseweapp",
        method: Post,
        path: "/wxa/component/fastregisterenterpriseweapp",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: EnterpriseCreateRequest,
        response: RegisterTaskResponse,
    }
}

impl ActionEndpoint for EnterpriseCreate {
    const ACTION: &'static str = "create";
}

crate::endpoint! {
    /// Where an enterprise registration task stands.
    EnterpriseQuery {
        name: "fastregisterenterpriseweapp_query",
        method: Post,
        path: "/wxa/component/fastregisterenterpriseweapp",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: TaskQueryRequest,
        response: RegisterTaskResponse,
    }
}

impl ActionEndpoint for EnterpriseQuery {
    const ACTION: &'static str = "query";
}

/// `action=create` body, new version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EnterpriseCreateRequest {
    /// 企业名, as on the business licence.
    pub name: String,
    /// The 18-character 统一社会信用代码 (the new version takes no other code type).
    pub code: String,
    /// 第三方联系电话 (required in the new version).
    pub component_phone: String,
    /// Must be `true`: the old version has been offline since 2026-04-30.
    pub new_version: bool,
}

impl EnterpriseCreateRequest {
    /// A new-version request.
    pub fn new(name: impl Into<String>, code: impl Into<String>, component_phone: impl Into<String>) -> Self {
        EnterpriseCreateRequest {
            name: name.into(),
            code: code.into(),
            component_phone: component_phone.into(),
            new_version: true,
        }
    }
}

/// The 18-character unified social credit code: digits and upper-case letters (the emulator
/// answers 89255 otherwise). Not a checksum check: WeChat's own check is not documented.
pub fn is_credit_code(code: &str) -> bool {
    code.len() == 18 && code.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}
