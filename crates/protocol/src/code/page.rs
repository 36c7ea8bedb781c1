//! GET /wxa/get_page — lifecycle spec §2.2: the pages of the committed package (86001 without a
//! commit), for `item_list[].address` of submit_audit.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// The page list of the trial version.
    GetPage {
        name: "get_page",
        method: Get,
        path: "/wxa/get_page",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: GetPageResponse,
    }
}

/// Response of get_page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetPageResponse {
    /// `pages/index/index`, …
    #[serde(default)]
    pub page_list: Vec<String>,
}

impl GetPageResponse {
    /// These pages.
    pub fn new(page_list: Vec<String>) -> Self {
        GetPageResponse { page_list }
    }
}
