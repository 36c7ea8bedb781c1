//! GET /wxa/undocodeaudit — lifecycle spec §2.9: withdraws the audit in progress (status 3).
//! Its own quota per Mini Program: 5 a day and 10 a month in the current docs, 1 a day in older
//! ones (87013). Not blindly retryable: a repeat spends the quota again or fails.

use crate::endpoint::Empty;

crate::endpoint! {
    /// Withdraw the audit in progress.
    UndoCodeAudit {
        name: "undocodeaudit",
        method: Get,
        path: "/wxa/undocodeaudit",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: NotIdempotent,
        request: Empty,
        response: Empty,
    }
}
