//! POST /wxa/deletetemplate — lifecycle spec §1.5: 85064 for an unknown id.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Delete a template from the library.
    DeleteTemplate {
        name: "deletetemplate",
        method: Post,
        path: "/wxa/deletetemplate",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: DeleteTemplateRequest,
        response: Empty,
    }
}

/// Request of deletetemplate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeleteTemplateRequest {
    /// From gettemplatelist.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub template_id: u64,
}

impl DeleteTemplateRequest {
    /// Deletes this template.
    pub fn new(template_id: u64) -> Self {
        DeleteTemplateRequest { template_id }
    }
}
