//! POST /wxa/change_visitstatus — lifecycle spec §2.17: pause (`close`) or resume (`open`) the
//! live Mini Program's service. 85021 when the status would not change, 85022 another action.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Open or close the service.
    ChangeVisitStatus {
        name: "change_visitstatus",
        method: Post,
        path: "/wxa/change_visitstatus",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: ChangeVisitStatusRequest,
        response: Empty,
    }
}

/// Request of change_visitstatus.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChangeVisitStatusRequest {
    /// `open` or `close`.
    pub action: String,
}

impl ChangeVisitStatusRequest {
    /// `open` (true) or `close` (false).
    pub fn new(open: bool) -> Self {
        ChangeVisitStatusRequest {
            action: if open { "open" } else { "close" }.to_owned(),
        }
    }
}
