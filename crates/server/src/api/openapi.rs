//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`, generated (utoipa)
//! from the handlers' `#[utoipa::path]` and the request and answer types they use
//! ([`super::model`]), so it cannot drift from what is served: a test checks every route is in it,
//! and the integration tests validate every answer they get against it.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Server};
use utoipa::{Modify, OpenApi};

const DESCRIPTION: &str = "Registration of Mini Programs on every route — reusing an Official Account's entity \
(复用公众号主体快速注册小程序), enterprise (快速注册企业小程序), personal (快速注册个人小程序) and trial (试用小程序, with its \
conversion) — authorizations, registrations, setup, admin rebind, jobs. Every error is {code, message, remedy}, \
including a request refused before it is read (415, 400, 422, 413, 404, 405). Request bodies are JSON, at most \
10 MiB. Times are unix milliseconds.";

/// The document's generator.
#[derive(OpenApi)]
#[openapi(
    info(title = "fastreg service API", description = DESCRIPTION),
    security(("apiKey" = [])),
    modifiers(&Frame),
    paths(
        super::keys::create, super::keys::list, super::keys::revoke,
        super::resources::list_authorizers, super::resources::get_authorizer,
        super::resources::list_official_accounts, super::resources::list_mini_programs,
        super::resources::create_authorization, super::resources::get_authorization,
        super::registrations::create, super::registrations::list, super::registrations::get,
        super::registrations::restart, super::registrations::qr_svg, super::registrations::qr_png,
        crate::recovery::abandon_registration,
        super::trials::verify_beta, super::trials::beta_name, super::trials::get_beta_verification,
        super::trials::beta_verification_qr_svg, super::trials::beta_verification_qr_png, super::trials::list_trials,
        super::resources::get_mini_program, super::resources::attach_setup, super::resources::nickname_audit,
        super::resources::category_catalog, super::resources::resubmit_category, super::resources::delete_category,
        super::resources::create_rebind, super::resources::get_rebind,
        super::resources::list_jobs, super::resources::get_job, crate::recovery::retry_job,
        super::resources::audit_log,
    ),
    components(schemas(crate::routes::input::RouteInput)),
    tags(
        (name = "registrations", description = "Registering a Mini Program, on every route"),
        (name = "trials", description = "Trial Mini Programs and their conversion"),
        (name = "accounts", description = "The accounts that authorized this platform, and authorizing one"),
        (name = "mini-programs", description = "A Mini Program's setup, categories and admin rebind"),
        (name = "jobs", description = "The durable queue, and the audit log"),
        (name = "api-keys", description = "The API's keys"),
    )
)]
pub struct ApiDoc;

/// What the attributes cannot say: the server prefix and the bearer key scheme.
struct Frame;

impl Modify for Frame {
    fn modify(&self, doc: &mut Document) {
        doc.servers = Some(vec![Server::new("/api/v1")]);
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document, as JSON.
pub fn spec() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<serde_json::Value> {
    Json(spec())
}
