//! GET /wxa/queryquota — lifecycle spec §2.11: the **component's** audit quota, shared by all
//! its Mini Programs (any of their tokens gives the same numbers).

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// The component's audit and expedite quota this month.
    QueryQuota {
        name: "queryquota",
        method: Get,
        path: "/wxa/queryquota",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: Empty,
        response: QueryQuotaResponse,
    }
}

/// Response of queryquota.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueryQuotaResponse {
    /// Submissions left this month.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub rest: u64,
    /// The monthly quota.
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub limit: u64,
    /// Expedites left this month.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub speedup_rest: u64,
    /// The monthly expedite quota.
    #[serde(default, deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub speedup_limit: u64,
}

impl QueryQuotaResponse {
    /// The quota.
    pub fn new(rest: u64, limit: u64, speedup_rest: u64, speedup_limit: u64) -> Self {
        QueryQuotaResponse {
            rest,
            limit,
            speedup_rest,
            speedup_limit,
        }
    }
}
