//! GET /cgi-bin/wxopen/getcategory — spec §6.4: the categories set, their audit, and the quota.

use crate::account::AuditStatus;
use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// The categories set on the account.
    GetCategory {
        name: "getcategory",
        method: Get,
        path: "/cgi-bin/wxopen/getcategory",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: GetCategoryResponse,
    }
}

/// Response of getcategory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetCategoryResponse {
    /// The categories set.
    #[serde(default)]
    pub categories: Vec<SetCategory>,
    /// Changes allowed per period.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub limit: u64,
    /// Changes left this period.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub quota: u64,
    /// The most categories an account may have.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub category_limit: u64,
}

/// One category set on the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SetCategory {
    /// First-level id.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub first: u64,
    /// First-level name.
    #[serde(default)]
    pub first_name: String,
    /// Second-level id.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub second: u64,
    /// Second-level name.
    #[serde(default)]
    pub second_name: String,
    /// 1 reviewing, 2 rejected, 3 approved.
    pub audit_status: AuditStatus,
    /// Why it was rejected.
    #[serde(default)]
    pub audit_reason: String,
}

impl GetCategoryResponse {
    /// The categories set, the change limit and what is left of it, and the most categories.
    pub fn new(categories: Vec<SetCategory>, limit: u64, quota: u64, category_limit: u64) -> Self {
        GetCategoryResponse {
            categories,
            limit,
            quota,
            category_limit,
        }
    }
}

impl SetCategory {
    /// A category set on the account, with its names and audit state.
    pub fn new(
        first: u64,
        first_name: impl Into<String>,
        second: u64,
        second_name: impl Into<String>,
        audit_status: AuditStatus,
        audit_reason: impl Into<String>,
    ) -> Self {
        SetCategory {
            first,
            first_name: first_name.into(),
            second,
            second_name: second_name.into(),
            audit_status,
            audit_reason: audit_reason.into(),
        }
    }
}
