//! POST /wxa/get_effective_domain — lifecycle spec §4.4: the Mini Program's own, the component's,
//! the direct and the effective (after the next release) server domains. Body `{}`.

use super::ServerDomains;
use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// The server domains from each source, and the effective ones.
    GetEffectiveDomain {
        name: "get_effective_domain",
        method: Post,
        path: "/wxa/get_effective_domain",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: Empty,
        response: GetEffectiveDomainResponse,
    }
}

/// Response of get_effective_domain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetEffectiveDomainResponse {
    /// Set on the Mini Program itself (mode A).
    #[serde(default)]
    pub mp_domain: ServerDomains,
    /// Registered on the component.
    #[serde(default)]
    pub third_domain: ServerDomains,
    /// Set directly (mode B).
    #[serde(default)]
    pub direct_domain: ServerDomains,
    /// What applies after the next release.
    #[serde(default)]
    pub effective_domain: ServerDomains,
}
