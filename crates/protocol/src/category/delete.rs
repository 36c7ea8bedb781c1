//! POST /cgi-bin/wxopen/deletecategory — spec §6.3. A category under review cannot be deleted
//! (53308). Deleting twice does no harm, so a lost answer may be retried.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Delete a category.
    DeleteCategory {
        name: "deletecategory",
        method: Post,
        path: "/cgi-bin/wxopen/deletecategory",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: DeleteCategoryRequest,
        response: Empty,
    }
}

/// Request of deletecategory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteCategoryRequest {
    /// First-level id.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub first: u64,
    /// Second-level id.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub second: u64,
}
