//! Component (第三方平台) authorization: the component token, pre-auth codes, exchanging an
//! authorization code, refreshing authorizer tokens, and reading authorizers.
//!
//! Doc: developers.weixin.qq.com `.../Third-party_Platforms/2.0/api/ThirdParty/token/*`
//! (see `docs/spec/protocol-notes.md` §1).

mod authorizer_info;
mod authorizer_list;
mod authorizer_token;
mod component_token;
mod preauthcode;
mod query_auth;

pub use authorizer_info::*;
pub use authorizer_list::*;
pub use authorizer_token::*;
pub use component_token::*;
pub use preauthcode::*;
pub use query_auth::*;

use serde::{Deserialize, Serialize};

/// One permission set (权限集) the account granted, as `func_info[]` carries it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FuncInfo {
    /// The permission set.
    pub funcscope_category: FuncscopeCategory,
    /// Present for sets that need the admin's extra confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_info: Option<ConfirmInfo>,
}

impl FuncInfo {
    /// A set by its funcscope id.
    pub fn new(id: u32) -> Self {
        FuncInfo {
            funcscope_category: FuncscopeCategory {
                id,
                kind: None,
                name: None,
                desc: None,
            },
            confirm_info: None,
        }
    }
}

/// The id (and, in the newer docs, type, name and description) of a permission set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FuncscopeCategory {
    /// The funcscope id (see [`crate::permission`]).
    #[serde(deserialize_with = "crate::wire::flex_u64_as_u32")]
    pub id: u32,
    /// Newer docs: the set's type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<serde_json::Value>,
    /// Newer docs: the set's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Newer docs: the set's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
}

/// Confirmation state of a permission set that needs the admin's confirmation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmInfo {
    /// Whether confirmation is needed (0/1).
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub need_confirm: u64,
    /// Whether it was confirmed (0/1).
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub already_confirm: u64,
    /// Whether it can be confirmed (0/1).
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub can_confirm: u64,
}
