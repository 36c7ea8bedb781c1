//! Code templates (lifecycle spec §1), with the **component** token: the draft box a 开发小程序
//! uploads into, the template library built from it (200 templates, 85065), and deleting a
//! template (85064 for an unknown id).

mod add;
mod delete;
mod draft_list;
mod list;

pub use add::*;
pub use delete::*;
pub use draft_list::*;
pub use list::*;

use serde::{Deserialize, Serialize};

/// A category of a standard template (`category_list[]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TemplateCategory {
    /// First-level name.
    #[serde(default)]
    pub first_class: String,
    /// First-level id.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub first_id: u64,
    /// Second-level name.
    #[serde(default)]
    pub second_class: String,
    /// Second-level id.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub second_id: u64,
}
