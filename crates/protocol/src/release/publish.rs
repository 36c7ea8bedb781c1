//! POST /wxa/release — lifecycle spec §2.13: publishes the most recent approved version. The
//! body must be `{}` (an empty body is 44002). 85019 no audited version, 85020 the audit did not
//! pass, 85052 already released. Not blindly retryable: a repeat after a lost answer reads 85052,
//! so reconcile with getversioninfo (`release_info`).

use crate::endpoint::Empty;

crate::endpoint! {
    /// Release the approved version.
    Release {
        name: "release",
        method: Post,
        path: "/wxa/release",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: Empty,
        response: Empty,
    }
}
