//! GET /wxa/get_latest_auditstatus — lifecycle spec §2.8: the latest audit. Real answers spell
//! the screenshots `ScreenShot` or `screenshot` and send `auditid` as a number or a string: both
//! are read; the emulator writes `ScreenShot` and a number.

use super::CodeAuditStatus;
use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// The latest audit's status.
    GetLatestAuditStatus {
        name: "get_latest_auditstatus",
        method: Get,
        path: "/wxa/get_latest_auditstatus",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: GetLatestAuditStatusResponse,
    }
}

/// Response of get_latest_auditstatus.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetLatestAuditStatusResponse {
    /// The audit's id.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub auditid: u64,
    /// 0 approved, 1 rejected, 2 auditing, 3 withdrawn, 4 delayed.
    pub status: CodeAuditStatus,
    /// Why rejected or delayed.
    #[serde(default)]
    pub reason: String,
    /// `|`-separated media ids.
    #[serde(default, rename = "ScreenShot", alias = "screenshot")]
    pub screenshot: String,
    /// The audited version.
    #[serde(default)]
    pub user_version: String,
    /// Its description.
    #[serde(default)]
    pub user_desc: String,
    /// Submitted at (unix seconds).
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub submit_audit_time: u64,
}

impl GetLatestAuditStatusResponse {
    /// The latest audit.
    pub fn new(auditid: u64, status: CodeAuditStatus) -> Self {
        GetLatestAuditStatusResponse {
            auditid,
            status,
            reason: String::new(),
            screenshot: String::new(),
            user_version: String::new(),
            user_desc: String::new(),
            submit_audit_time: 0,
        }
    }
}
