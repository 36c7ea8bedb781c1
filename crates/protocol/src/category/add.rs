//! POST /cgi-bin/wxopen/addcategory — spec §6.2. Spends the change quota of the period (53300).

use super::CategoryRequest;
use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Add categories.
    AddCategory {
        name: "addcategory",
        method: Post,
        path: "/cgi-bin/wxopen/addcategory",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: AddCategoryRequest,
        response: Empty,
    }
}

/// Request of addcategory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddCategoryRequest {
    /// The categories to add.
    pub categories: Vec<CategoryRequest>,
}
