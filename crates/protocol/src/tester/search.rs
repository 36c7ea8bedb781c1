//! POST /wxa/changewxasearchstatus — lifecycle spec §7: `status` 0 searchable, 1 hidden
//! (85084 any other value, 85083 the flag is banned).

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Show or hide the Mini Program in search.
    ChangeWxaSearchStatus {
        name: "changewxasearchstatus",
        method: Post,
        path: "/wxa/changewxasearchstatus",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: WxaSearchStatus,
        response: Empty,
    }
}

/// `{"status": 0|1}`: the request of changewxasearchstatus and the answer of
/// getwxasearchstatus.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WxaSearchStatus {
    /// 0 searchable, 1 not searchable.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub status: u64,
}

impl WxaSearchStatus {
    /// Searchable (true) or hidden.
    pub fn new(searchable: bool) -> Self {
        WxaSearchStatus {
            status: if searchable { 0 } else { 1 },
        }
    }
}
