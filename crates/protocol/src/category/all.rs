//! GET /cgi-bin/wxopen/getallcategories — spec §6.1. The tree is flat: every node lists its
//! `father` and `children`; the root node has id 0 and no name.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Every category the account may set.
    GetAllCategories {
        name: "getallcategories",
        method: Get,
        path: "/cgi-bin/wxopen/getallcategories",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: GetAllCategoriesResponse,
    }
}

/// Response of getallcategories.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetAllCategoriesResponse {
    /// The catalog (some answers spell it `categories_list`).
    #[serde(alias = "categories_list")]
    pub category_list: CategoryList,
}

/// The catalog's nodes.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CategoryList {
    /// Every node.
    #[serde(default)]
    pub categories: Vec<CategoryNode>,
}

/// One node of the catalog.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CategoryNode {
    /// Category id.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub id: u64,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// 1 first level, 2 second level.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub level: u64,
    /// Parent id (0 for first level).
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub father: u64,
    /// Child ids.
    #[serde(default)]
    pub children: Vec<u64>,
    /// 1 sensitive: qualifications and an audit needed; 0 not.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub sensitive_type: u64,
    /// The qualifications a sensitive category needs: any one `exter_list` item, all of its
    /// `inner_list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualify: Option<Qualify>,
}

/// Qualifications of a category.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Qualify {
    /// Alternatives: one of them must be satisfied.
    #[serde(default)]
    pub exter_list: Vec<QualifyAlternative>,
    /// A remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

/// One alternative set of qualification documents.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QualifyAlternative {
    /// The documents of this alternative.
    #[serde(default)]
    pub inner_list: Vec<QualifyDocument>,
}

/// One qualification document.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QualifyDocument {
    /// The document's name.
    #[serde(default)]
    pub name: String,
    /// An example's URL.
    #[serde(default)]
    pub url: String,
}

impl GetAllCategoriesResponse {
    /// The catalog's nodes.
    pub fn new(categories: Vec<CategoryNode>) -> Self {
        GetAllCategoriesResponse {
            category_list: CategoryList { categories },
        }
    }
}

impl CategoryNode {
    /// A node; `qualify` is `None` (set it for a sensitive category).
    pub fn new(
        id: u64,
        name: impl Into<String>,
        level: u64,
        father: u64,
        children: Vec<u64>,
        sensitive_type: u64,
    ) -> Self {
        CategoryNode {
            id,
            name: name.into(),
            level,
            father,
            children,
            sensitive_type,
            qualify: None,
        }
    }
}

impl Qualify {
    /// Alternatives of documents, and a remark.
    pub fn new(exter_list: Vec<QualifyAlternative>, remark: Option<String>) -> Self {
        Qualify { exter_list, remark }
    }
}

impl QualifyAlternative {
    /// The documents of one alternative.
    pub fn new(inner_list: Vec<QualifyDocument>) -> Self {
        QualifyAlternative { inner_list }
    }
}

impl QualifyDocument {
    /// A document by name, with an example's URL.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Self {
        QualifyDocument {
            name: name.into(),
            url: url.into(),
        }
    }
}
