//! POST /wxa/get_auditstatus — lifecycle spec §2.8: one audit's status; 85012 for an unknown
//! id.

use super::CodeAuditStatus;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// The status of an audit.
    GetAuditStatus {
        name: "get_auditstatus",
        method: Post,
        path: "/wxa/get_auditstatus",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: GetAuditStatusRequest,
        response: GetAuditStatusResponse,
    }
}

/// Request of get_auditstatus.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetAuditStatusRequest {
    /// From submit_audit.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub auditid: u64,
}

impl GetAuditStatusRequest {
    /// The status of this audit.
    pub fn new(auditid: u64) -> Self {
        GetAuditStatusRequest { auditid }
    }
}

/// Response of get_auditstatus.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetAuditStatusResponse {
    /// 0 approved, 1 rejected, 2 auditing, 3 withdrawn, 4 delayed.
    pub status: CodeAuditStatus,
    /// Why rejected (1) or delayed (4).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// `|`-separated media ids of rejection screenshots (WeChat also spells it `ScreenShot`).
    #[serde(default, alias = "ScreenShot", skip_serializing_if = "String::is_empty")]
    pub screenshot: String,
}

impl GetAuditStatusResponse {
    /// A status with its reason and screenshots (empty when none).
    pub fn new(status: CodeAuditStatus, reason: impl Into<String>, screenshot: impl Into<String>) -> Self {
        GetAuditStatusResponse {
            status,
            reason: reason.into(),
            screenshot: screenshot.into(),
        }
    }
}
