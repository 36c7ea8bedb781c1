//! POST /wxa/addtotemplate — lifecycle spec §1.3: turns a draft into a template. The new
//! template's id is not returned; read it with gettemplatelist. 85064 unknown draft, 85065 the
//! library (200) is full. Not blindly retryable: a repeat adds a second template.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Add a draft to the template library.
    AddToTemplate {
        name: "addtotemplate",
        method: Post,
        path: "/wxa/addtotemplate",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: AddToTemplateRequest,
        response: Empty,
    }
}

/// Request of addtotemplate (`draft_id` is read as a number or a string, as the docs disagree).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AddToTemplateRequest {
    /// From gettemplatedraftlist.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub draft_id: u64,
    /// 0 普通模板 (default), 1 标准模板 (legacy: standard templates are retired).
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub template_type: u64,
}

impl AddToTemplateRequest {
    /// A normal template from this draft.
    pub fn new(draft_id: u64) -> Self {
        AddToTemplateRequest {
            draft_id,
            template_type: 0,
        }
    }
}
