//! GET /wxa/revertgrayrelease — lifecycle spec §2.15: cancels the gray plan; the old live version
//! stays.

use crate::endpoint::Empty;

crate::endpoint! {
    /// Cancel the gray release.
    RevertGrayRelease {
        name: "revertgrayrelease",
        method: Get,
        path: "/wxa/revertgrayrelease",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: Empty,
    }
}
