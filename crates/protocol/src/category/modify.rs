//! POST /cgi-bin/wxopen/modifycategory — spec §6.5. Only a rejected category may be modified
//! (53307), and only its qualifications (53306).

use super::CategoryRequest;
use crate::endpoint::Empty;

crate::endpoint! {
    /// Resubmit a rejected category's qualifications.
    ModifyCategory {
        name: "modifycategory",
        method: Post,
        path: "/cgi-bin/wxopen/modifycategory",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: CategoryRequest,
        response: Empty,
    }
}
