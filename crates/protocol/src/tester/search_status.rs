//! GET /wxa/getwxasearchstatus — lifecycle spec §7: `status` 0 searchable, 1 hidden.

use super::WxaSearchStatus;
use crate::endpoint::Empty;

crate::endpoint! {
    /// Whether the Mini Program can be found in search.
    GetWxaSearchStatus {
        name: "getwxasearchstatus",
        method: Get,
        path: "/wxa/getwxasearchstatus",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: WxaSearchStatus,
    }
}
