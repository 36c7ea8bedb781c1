//! Categories (spec §6): what may be set (§6.1 getallcategories), add (§6.2), delete (§6.3),
//! what is set (§6.4 getcategory), modify qualifications (§6.5). Sensitive categories
//! (`sensitive_type` 1) need qualification images and an audit (pushed as `wxa_category_audit`).
//! Note the spec's real spelling `certicates`.

mod add;
mod all;
mod delete;
mod get;
mod modify;

pub use add::*;
pub use all::*;
pub use delete::*;
pub use get::*;
pub use modify::*;

use serde::{Deserialize, Serialize};

/// A qualification image of a category: its name (`key`) and a temporary media id (`value`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// 资质名称 — the qualification's name.
    pub key: String,
    /// 资质图片 — a temporary media id.
    pub value: String,
}

/// A category to add or modify, with its qualifications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRequest {
    /// First-level id.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub first: u64,
    /// Second-level id.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub second: u64,
    /// Qualifications (empty for non-sensitive categories). The spelling is WeChat's.
    #[serde(default)]
    pub certicates: Vec<Certificate>,
}
