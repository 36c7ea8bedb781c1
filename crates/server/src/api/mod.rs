//! The REST API (`/api/v1`, JSON, API keys) and the router of the whole service.
//!
//! Every error has one shape, `{"code", "message", "remedy"}` ([`ApiError`]); a workflow that
//! stopped on a WeChat error shows that error's catalog meaning and remedy the same way. Requests
//! carry `Authorization: Bearer <key>`; keys are stored as SHA-256 hashes ([`keys`]). The OpenAPI
//! document is at `/api/v1/openapi.json` ([`openapi`]). Requests refused before a handler runs
//! (content type, malformed JSON, a body over [`extract::BODY_LIMIT`], a bad path parameter, an
//! unknown route or method) answer the same shape ([`extract`]).

pub mod extract;
pub mod keys;
pub mod model;
pub mod openapi;
mod registrations;
mod resources;
mod trials;

pub(crate) use registrations::view as registration_view;

use crate::startup::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde::Serialize;
use std::sync::Arc;

/// The one error shape of the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ApiError {
    /// HTTP status (not serialized).
    #[serde(skip)]
    #[schema(ignore)]
    pub status: StatusCode,
    /// Machine-readable code (`not_found`, `invalid_request`, a WeChat errcode, …).
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// What to do about it.
    pub remedy: String,
}

impl ApiError {
    /// An error with a status, code, message and remedy.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>, remedy: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
            remedy: remedy.into(),
        }
    }

    /// 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
            "Check the id or appid in the URL.",
        )
    }

    /// 400.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            message,
            "Fix the request as the message says; see /api/v1/openapi.json.",
        )
    }

    /// 500, logged with its cause; the body says nothing internal.
    pub fn unexpected(e: anyhow::Error) -> Self {
        tracing::error!(error = %format!("{e:#}"), "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side",
            "Try again; if it persists, see the service's logs.",
        )
    }

    /// A WeChat call made on the request's behalf failed.
    pub fn wechat(e: &fastreg_client::Error) -> Self {
        let f = crate::failure::Failure::from_client(e);
        Self::new(StatusCode::BAD_GATEWAY, &f.code, f.message, f.remedy)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::unexpected(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self)).into_response()
    }
}

/// The whole service's routes: API, callbacks, push receivers, health and metrics.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api-keys", post(keys::create).get(keys::list))
        .route("/api-keys/{id}", delete(keys::revoke))
        .route("/authorizers", get(resources::list_authorizers))
        .route("/authorizers/{appid}", get(resources::get_authorizer))
        .route("/official-accounts", get(resources::list_official_accounts))
        .route("/mini-programs", get(resources::list_mini_programs))
        .route("/authorizations", post(resources::create_authorization))
        .route("/authorizations/{id}", get(resources::get_authorization))
        .route("/registrations", post(registrations::create).get(registrations::list))
        .route("/registrations/{id}", get(registrations::get))
        .route("/registrations/{id}/restart", post(registrations::restart))
        .route("/registrations/{id}/qr.svg", get(registrations::qr_svg))
        .route("/registrations/{id}/qr.png", get(registrations::qr_png))
        .route("/mini-programs/{appid}/verify-beta", post(trials::verify_beta))
        .route("/mini-programs/{appid}/beta-name", put(trials::beta_name))
        .route("/beta-verifications/{id}", get(trials::get_beta_verification))
        .route("/beta-verifications/{id}/qr.svg", get(trials::beta_verification_qr_svg))
        .route("/beta-verifications/{id}/qr.png", get(trials::beta_verification_qr_png))
        .route("/trials", get(trials::list_trials))
        .route("/mini-programs/{appid}", get(resources::get_mini_program))
        .route("/mini-programs/{appid}/setup", put(resources::attach_setup))
        .route("/mini-programs/{appid}/nickname-audit", get(resources::nickname_audit))
        .route(
            "/mini-programs/{appid}/categories/catalog",
            get(resources::category_catalog),
        )
        .route(
            "/mini-programs/{appid}/categories/{category}",
            delete(resources::delete_category),
        )
        .route(
            "/mini-programs/{appid}/categories/{category}/resubmit",
            post(resources::resubmit_category),
        )
        .route("/mini-programs/{appid}/rebind", post(resources::create_rebind))
        .route("/rebind-tasks/{id}", get(resources::get_rebind))
        .route("/jobs", get(resources::list_jobs))
        .route("/jobs/{id}", get(resources::get_job))
        .route("/audit-log", get(resources::audit_log))
        .layer(axum::middleware::from_fn_with_state(state.clone(), keys::require_key))
        .route("/openapi.json", get(openapi::document))
        .route_layer(axum::middleware::from_fn(crate::telemetry::note_route))
        .fallback(extract::unknown_route)
        .layer(axum::extract::DefaultBodyLimit::max(extract::BODY_LIMIT))
        .with_state(state.clone());
    // Around the whole API rather than each route, so it also sees what the router adds (the
    // `Allow` header of a 405).
    let api = tower::Layer::layer(&axum::middleware::from_fn(extract::json_errors), api);
    Router::new()
        .nest_service("/api/v1", api)
        .route("/healthz", get(crate::telemetry::healthz))
        .route("/metrics", get(crate::telemetry::metrics))
        .route("/wechat/component/events", post(crate::event::component_events))
        .route(
            "/wechat/authorizers/{appid}/events",
            post(crate::event::authorizer_events),
        )
        .merge(callbacks(state.clone()))
        .with_state(state)
}

/// The pages WeChat sends an admin back to, with the console's security headers.
fn callbacks(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/callback/authorize", get(crate::callback::authorize))
        .route("/callback/fastregister", get(crate::callback::fastregister))
        .route("/callback/rebind", get(crate::callback::rebind))
        .layer(axum::middleware::from_fn_with_state(
            state,
            crate::console::security_headers,
        ))
}

/// The layers around the whole service (API, console, callbacks, pushes): every request is
/// traced, and refused at the edge if it carries a control character ([`crate::edge`]).
pub fn outer_layers(router: Router, metrics: Arc<crate::telemetry::Metrics>) -> Router {
    router
        .route_layer(axum::middleware::from_fn(crate::telemetry::note_route))
        .layer(axum::middleware::from_fn(crate::edge::refuse_control_characters))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                // The path only: queries carry `state`, tickets and codes.
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::telemetry::track_http,
        ))
}
