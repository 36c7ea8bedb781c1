//! POST /wxa/modify_domain — lifecycle spec §4.2 (mode A): `add`, `delete`, `set` or `get` the
//! Mini Program's server domains, each registered on the component first (85018 otherwise),
//! 50 changes a month. The answer lists the domains after the change plus what was filtered out.

use super::ServerDomains;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Change or read the server domains (through the component).
    ModifyDomain {
        name: "modify_domain",
        method: Post,
        path: "/wxa/modify_domain",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: ModifyDomainRequest,
        response: ModifyDomainResponse,
    }
}

/// Request of modify_domain (and modify_domain_directly).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModifyDomainRequest {
    /// `add`, `delete`, `set` or `get`.
    pub action: String,
    /// The domains (ignored for `get`).
    #[serde(flatten)]
    pub domains: ServerDomains,
}

impl ModifyDomainRequest {
    /// `action` with these domains.
    pub fn new(action: impl Into<String>, domains: ServerDomains) -> Self {
        ModifyDomainRequest {
            action: action.into(),
            domains,
        }
    }

    /// `get`.
    pub fn get() -> Self {
        Self::new("get", ServerDomains::default())
    }
}

/// Response of modify_domain: the domains after the change, and the ones filtered out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModifyDomainResponse {
    /// The Mini Program's domains now.
    #[serde(flatten)]
    pub domains: ServerDomains,
    /// `invalid_requestdomain`, … : filtered out.
    #[serde(default)]
    pub invalid_requestdomain: Vec<String>,
    /// Filtered out.
    #[serde(default)]
    pub invalid_wsrequestdomain: Vec<String>,
    /// Filtered out.
    #[serde(default)]
    pub invalid_uploaddomain: Vec<String>,
    /// Filtered out.
    #[serde(default)]
    pub invalid_downloaddomain: Vec<String>,
    /// Filtered out.
    #[serde(default)]
    pub invalid_udpdomain: Vec<String>,
    /// Filtered out.
    #[serde(default)]
    pub invalid_tcpdomain: Vec<String>,
    /// Domains without ICP filing.
    #[serde(default)]
    pub no_icp_domain: Vec<String>,
}

impl ModifyDomainResponse {
    /// The domains now, nothing filtered out.
    pub fn new(domains: ServerDomains) -> Self {
        ModifyDomainResponse {
            domains,
            ..Default::default()
        }
    }
}
