//! POST /wxa/speedupaudit — lifecycle spec §2.10: expedite an audit (89402 not in the queue,
//! 89404 already expedited, 89405 no expedite quota left this month).

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Expedite an audit.
    SpeedupAudit {
        name: "speedupaudit",
        method: Post,
        path: "/wxa/speedupaudit",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: SpeedupAuditRequest,
        response: Empty,
    }
}

/// Request of speedupaudit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpeedupAuditRequest {
    /// From submit_audit.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub auditid: u64,
}

impl SpeedupAuditRequest {
    /// Expedites this audit.
    pub fn new(auditid: u64) -> Self {
        SpeedupAuditRequest { auditid }
    }
}
