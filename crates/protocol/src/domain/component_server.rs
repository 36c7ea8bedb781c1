//! POST /cgi-bin/component/modify_wxa_server_domain — lifecycle spec §4.5: the server domains
//! the **component** registers (no scheme, `;`-separated), which its Mini Programs may then use.

use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Change or read the component's registered server domains.
    ModifyWxaServerDomain {
        name: "modify_wxa_server_domain",
        method: Post,
        path: "/cgi-bin/component/modify_wxa_server_domain",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: ModifyWxaServerDomainRequest,
        response: ModifyWxaServerDomainResponse,
    }
}

/// Request of modify_wxa_server_domain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModifyWxaServerDomainRequest {
    /// `add`, `delete`, `set`, `get`.
    pub action: String,
    /// Domains without scheme, `;`-separated.
    #[serde(default)]
    pub wxa_server_domain: String,
    /// Also change the published (全网发布) configuration.
    #[serde(default)]
    pub is_modify_published_together: bool,
}

impl ModifyWxaServerDomainRequest {
    /// `action` with these domains, published configuration included.
    pub fn new(action: impl Into<String>, domains: &[&str]) -> Self {
        ModifyWxaServerDomainRequest {
            action: action.into(),
            wxa_server_domain: domains.join(";"),
            is_modify_published_together: true,
        }
    }
}

/// Response of modify_wxa_server_domain (`;`-separated lists).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModifyWxaServerDomainResponse {
    /// The published configuration.
    #[serde(default)]
    pub published_wxa_server_domain: String,
    /// The testing configuration.
    #[serde(default)]
    pub testing_wxa_server_domain: String,
    /// Rejected.
    #[serde(default)]
    pub invalid_wxa_server_domain: String,
}
