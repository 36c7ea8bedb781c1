//! POST /cgi-bin/account/modifysignature — spec §5. 5 changes a month (53200); blacklisted
//! keywords answer 53201.

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Change the description (功能介绍).
    ModifySignature {
        name: "modifysignature",
        method: Post,
        path: "/cgi-bin/account/modifysignature",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: ModifySignatureRequest,
        response: Empty,
    }
}

/// Request of modifysignature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModifySignatureRequest {
    /// The new description.
    pub signature: String,
}
