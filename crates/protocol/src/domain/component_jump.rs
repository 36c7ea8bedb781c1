//! POST /cgi-bin/component/modify_wxa_jump_domain — lifecycle spec §4.5: the business (jump)
//! domains the **component** registers, which setwebviewdomain copies to its Mini Programs.

use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Change or read the component's registered business domains.
    ModifyWxaJumpDomain {
        name: "modify_wxa_jump_domain",
        method: Post,
        path: "/cgi-bin/component/modify_wxa_jump_domain",
        token: Component,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: ModifyWxaJumpDomainRequest,
        response: ModifyWxaJumpDomainResponse,
    }
}

/// Request of modify_wxa_jump_domain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModifyWxaJumpDomainRequest {
    /// `add`, `delete`, `set`, `get`.
    pub action: String,
    /// Domains without scheme, `;`-separated.
    #[serde(default)]
    pub wxa_jump_h5_domain: String,
    /// Also change the published configuration.
    #[serde(default)]
    pub is_modify_published_together: bool,
}

impl ModifyWxaJumpDomainRequest {
    /// `action` with these domains, published configuration included.
    pub fn new(action: impl Into<String>, domains: &[&str]) -> Self {
        ModifyWxaJumpDomainRequest {
            action: action.into(),
            wxa_jump_h5_domain: domains.join(";"),
            is_modify_published_together: true,
        }
    }
}

/// Response of modify_wxa_jump_domain (`;`-separated lists).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModifyWxaJumpDomainResponse {
    /// The published configuration.
    #[serde(default)]
    pub published_wxa_jump_h5_domain: String,
    /// The testing configuration.
    #[serde(default)]
    pub testing_wxa_jump_h5_domain: String,
    /// Rejected.
    #[serde(default)]
    pub invalid_wxa_jump_h5_domain: String,
}
