//! GET /wxa/get_category — lifecycle spec §2.5: the Mini Program's **approved** categories, as
//! submit_audit's `item_list` takes them (empty when none). Not getcategory (basic info).

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Categories usable in submit_audit.
    GetAuditCategories {
        name: "get_category",
        method: Get,
        path: "/wxa/get_category",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: GetAuditCategoriesResponse,
    }
}

/// Response of get_category.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetAuditCategoriesResponse {
    /// The approved categories.
    #[serde(default)]
    pub category_list: Vec<AuditCategory>,
}

/// One category (names are strings, ids numbers; the third level is optional).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditCategory {
    /// First-level name.
    #[serde(default)]
    pub first_class: String,
    /// Second-level name.
    #[serde(default)]
    pub second_class: String,
    /// Third-level name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_class: Option<String>,
    /// First-level id.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub first_id: u64,
    /// Second-level id.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub second_id: u64,
    /// Third-level id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::flex_opt_u64::deserialize"
    )]
    pub third_id: Option<u64>,
}
