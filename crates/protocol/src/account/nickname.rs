//! The name (spec §3): check it (§3.1 POST /cgi-bin/wxverify/checkwxverifynickname), set it
//! (§3.2 POST /wxa/setnickname, which may open an audit) and follow the audit (§3.3 POST
//! /wxa/api_wxa_querynickname; the result is also pushed as `wxa_nickname_audit`).

use crate::id::AuditId;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Check a name before setting it (§3.1).
    CheckNickname {
        name: "checkwxverifynickname",
        method: Post,
        path: "/cgi-bin/wxverify/checkwxverifynickname",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: CheckNicknameRequest,
        response: CheckNicknameResponse,
    }
}

/// Request of checkwxverifynickname.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckNicknameRequest {
    /// The name to check.
    pub nick_name: String,
}

/// Response of checkwxverifynickname.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CheckNicknameResponse {
    /// Whether the name hit a keyword policy; if so, materials may be supplied with setnickname.
    #[serde(default, deserialize_with = "crate::wire::flex_bool::deserialize")]
    pub hit_condition: bool,
    /// What to show the user about the hit.
    #[serde(default)]
    pub wording: String,
}

crate::endpoint! {
    /// Set or change the name (§3.2). Opens an audit when materials are needed.
    SetNickname {
        name: "setnickname",
        method: Post,
        path: "/wxa/setnickname",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: SetNicknameRequest,
        response: SetNicknameResponse,
    }
}

/// Request of setnickname. Materials are temporary media ids (media/upload).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SetNicknameRequest {
    /// The name.
    pub nick_name: String,
    /// ID card photo — required for individual accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_card: Option<String>,
    /// Organization code certificate or business license — required for organizations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Other material 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naming_other_stuff_1: Option<String>,
    /// Other material 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naming_other_stuff_2: Option<String>,
    /// Other material 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naming_other_stuff_3: Option<String>,
    /// Other material 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naming_other_stuff_4: Option<String>,
    /// Other material 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naming_other_stuff_5: Option<String>,
}

impl SetNicknameRequest {
    /// The other materials that are present and non-empty.
    pub fn other_stuff(&self) -> Vec<&str> {
        [
            &self.naming_other_stuff_1,
            &self.naming_other_stuff_2,
            &self.naming_other_stuff_3,
            &self.naming_other_stuff_4,
            &self.naming_other_stuff_5,
        ]
        .into_iter()
        .filter_map(|s| s.as_deref())
        .filter(|s| !s.is_empty())
        .collect()
    }
}

/// Response of setnickname.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SetNicknameResponse {
    /// Explanation of the materials.
    #[serde(default)]
    pub wording: String,
    /// The audit, when the name needs one (absent when the name was set at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_id: Option<AuditId>,
}

crate::endpoint! {
    /// Query a name audit (§3.3).
    QueryNicknameAudit {
        name: "api_wxa_querynickname",
        method: Post,
        path: "/wxa/api_wxa_querynickname",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: QueryNicknameAuditRequest,
        response: QueryNicknameAuditResponse,
    }
}

/// Request of api_wxa_querynickname.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryNicknameAuditRequest {
    /// The audit from setnickname (sent as a number; a string is accepted on decode).
    pub audit_id: AuditId,
}

/// The state of an audit (`audit_stat`; also category `audit_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "u64")]
pub enum AuditStatus {
    /// 1 — under review.
    Reviewing,
    /// 2 — rejected.
    Rejected,
    /// 3 — approved.
    Approved,
}

impl TryFrom<u64> for AuditStatus {
    type Error = String;
    fn try_from(n: u64) -> Result<Self, String> {
        match n {
            1 => Ok(AuditStatus::Reviewing),
            2 => Ok(AuditStatus::Rejected),
            3 => Ok(AuditStatus::Approved),
            other => Err(format!(
                "audit status {other} is not 1 (reviewing), 2 (rejected) or 3 (approved)"
            )),
        }
    }
}

impl<'de> Deserialize<'de> for AuditStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = crate::wire::flex_u64::deserialize(d)?;
        AuditStatus::try_from(n).map_err(serde::de::Error::custom)
    }
}

impl From<AuditStatus> for u64 {
    fn from(s: AuditStatus) -> u64 {
        match s {
            AuditStatus::Reviewing => 1,
            AuditStatus::Rejected => 2,
            AuditStatus::Approved => 3,
        }
    }
}

/// Response of api_wxa_querynickname.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueryNicknameAuditResponse {
    /// The name under audit.
    #[serde(default)]
    pub nickname: String,
    /// 1 reviewing, 2 rejected, 3 approved.
    pub audit_stat: AuditStatus,
    /// Why it was rejected.
    #[serde(default)]
    pub fail_reason: String,
    /// When it was submitted (unix seconds).
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub create_time: u64,
    /// When it was decided (unix seconds; 0 while reviewing).
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub audit_time: u64,
}

impl CheckNicknameResponse {
    /// Whether the name hit a keyword policy, and the wording shown for it.
    pub fn new(hit_condition: bool, wording: impl Into<String>) -> Self {
        CheckNicknameResponse {
            hit_condition,
            wording: wording.into(),
        }
    }
}

impl SetNicknameResponse {
    /// The wording about materials, and the audit if the name needs one.
    pub fn new(wording: impl Into<String>, audit_id: Option<AuditId>) -> Self {
        SetNicknameResponse {
            wording: wording.into(),
            audit_id,
        }
    }
}

impl QueryNicknameAuditResponse {
    /// The audit of `nickname`: its state, the reason of a rejection, when it was submitted and
    /// decided (0 while reviewing).
    pub fn new(
        nickname: impl Into<String>,
        audit_stat: AuditStatus,
        fail_reason: impl Into<String>,
        create_time: u64,
        audit_time: u64,
    ) -> Self {
        QueryNicknameAuditResponse {
            nickname: nickname.into(),
            audit_stat,
            fail_reason: fail_reason.into(),
            create_time,
            audit_time,
        }
    }
}
