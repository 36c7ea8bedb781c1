//! POST /wxa/modify_domain_directly — lifecycle spec §4.3 (mode B): the same body and answer as
//! modify_domain, written straight to the Mini Program without the component's registration;
//! the domains take effect after the next commit or release.

use super::{ModifyDomainRequest, ModifyDomainResponse};

crate::endpoint! {
    /// Change or read the server domains directly.
    ModifyDomainDirectly {
        name: "modify_domain_directly",
        method: Post,
        path: "/wxa/modify_domain_directly",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: Idempotent,
        request: ModifyDomainRequest,
        response: ModifyDomainResponse,
    }
}
