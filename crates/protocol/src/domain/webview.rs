//! POST /wxa/setwebviewdomain — lifecycle spec §4.4 (mode A): the business (web-view) domains.
//! No `action` copies every business domain the component registered; otherwise `add`,
//! `delete`, `set` or `get`, each domain registered on the component (89021 otherwise).

use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Change or read the business domains.
    SetWebviewDomain {
        name: "setwebviewdomain",
        method: Post,
        path: "/wxa/setwebviewdomain",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: SetWebviewDomainRequest,
        response: SetWebviewDomainResponse,
    }
}

/// Request of setwebviewdomain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SetWebviewDomainRequest {
    /// `add`, `delete`, `set`, `get`; absent: copy all the component's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `https://…`, no port.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webviewdomain: Vec<String>,
}

impl SetWebviewDomainRequest {
    /// `action` with these domains (`None`: copy all the component's).
    pub fn new(action: Option<&str>, webviewdomain: Vec<String>) -> Self {
        SetWebviewDomainRequest {
            action: action.map(str::to_owned),
            webviewdomain,
        }
    }
}

/// Response of setwebviewdomain: the business domains now (the SDKs read them on `get`; the
/// emulator always sends them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SetWebviewDomainResponse {
    /// The domains.
    #[serde(default)]
    pub webviewdomain: Vec<String>,
}

impl SetWebviewDomainResponse {
    /// These domains.
    pub fn new(webviewdomain: Vec<String>) -> Self {
        SetWebviewDomainResponse { webviewdomain }
    }
}
