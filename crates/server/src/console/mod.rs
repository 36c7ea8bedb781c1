//! The operator console: server-rendered pages under `/console` where a platform operator takes
//! an Official Account through authorization, fast registration, the new Mini Program's setup and
//! an admin rebind, and sees what the jobs are doing — in Chinese or English, on a desktop or a
//! phone.
//!
//! The console is a face on the service's workflows, not a second implementation: each form
//! calls what the REST API calls ([`crate::authorization::start`], [`crate::registration::start`],
//! [`crate::setup::store_plan`] and [`crate::setup::attach`], [`crate::setup::resubmit_category`],
//! [`crate::setup::delete_category`], [`crate::rebind::start`], [`crate::registration::abandon`],
//! [`crate::job::Queue::retry`]) and each
//! page reads the rows those workflows keep. WeChat is called from a page only where no workflow
//! exists: the live account info (getaccountbasicinfo, getcategory), the category catalog and the
//! name check an operator asks for before submitting a name.
//!
//! Where to start reading:
//! - [`auth`]: users (argon2), sessions in the database, the session cookie, CSRF tokens, and
//!   [`bootstrap_admin`], which creates the first user with a one-time password;
//! - `i18n`: the language of a request (`?lang=`, then a cookie, then `Accept-Language`) and how a
//!   WeChat error is explained with the catalog's words in both languages;
//! - `view`: the page layout and the pieces every page shares;
//! - `accounts`, `mini_programs`, `jobs`: the pages, one module per part of the menu;
//! - `error`: what the operator is told when a request fails (user-facing words apart from the
//!   logged cause, vaultwarden style).
//!
//! WeChat sends the browser back to the service's own `/callback/…` pages after the admin
//! confirms. [`mount`] wraps those with one middleware: a browser that carries a console session
//! is sent on to the console's result page for that workflow, while the admin's phone, which has
//! no session, still sees the plain "received" page.
//!
//! Scripts and styles are the two vendored files of `crates/server/assets/` (no CDN); every page
//! works without the script, which only adds live status updates, the name check in place, file
//! checks before upload and the avatar's square crop preview.

mod accounts;
pub mod auth;
mod error;
mod i18n;
mod jobs;
mod mini_programs;
mod new_mini_program;
pub mod sign_in;
mod trials;
mod view;

pub use auth::{bootstrap_admin, reset_admin_password, reset_password};
pub use error::ConsoleError;
pub use i18n::Lang;
/// The console's security headers (CSP, frame and sniffing refusals, no caching), also put on
/// the `/callback/…` pages.
pub use view::headers as security_headers;

use crate::startup::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

/// The largest form the console accepts: a name's materials are up to seven 2 MiB images.
const BODY_LIMIT: usize = 20 * 1024 * 1024;

/// The service's router with the console added: its pages, and the return from WeChat's pages
/// to the console for browsers signed in to it.
pub fn mount(app: Router, state: AppState) -> Router {
    app.merge(router(state.clone()))
        .layer(axum::middleware::from_fn_with_state(state, accounts::return_to_console))
}

/// The console's own routes.
fn router(state: AppState) -> Router {
    let console = Router::new()
        .route("/console", get(home))
        .route("/console/", get(home))
        .route("/console/login", get(auth::login_page).post(auth::login))
        .route("/console/logout", post(auth::logout))
        .route(
            "/console/password",
            get(auth::password_page).post(auth::change_password),
        )
        .route("/console/accounts", get(accounts::list))
        .route("/console/accounts/{appid}", get(accounts::account))
        .route(
            "/console/accounts/{appid}/registrations",
            post(accounts::start_registration),
        )
        .route("/console/authorizations", post(accounts::start_authorization))
        .route("/console/authorizations/{id}", get(accounts::authorization))
        .route("/console/registrations/{id}", get(accounts::registration))
        .route(
            "/console/registrations/{id}/abandon",
            post(accounts::abandon_registration),
        )
        .route("/console/mini-programs", get(mini_programs::list))
        .route("/console/mini-programs/{appid}", get(mini_programs::page))
        .route(
            "/console/mini-programs/{appid}/nickname/check",
            post(mini_programs::check_nickname),
        )
        .route(
            "/console/mini-programs/{appid}/nickname",
            post(mini_programs::set_nickname),
        )
        .route("/console/mini-programs/{appid}/avatar", post(mini_programs::set_avatar))
        .route(
            "/console/mini-programs/{appid}/signature",
            post(mini_programs::set_signature),
        )
        .route(
            "/console/mini-programs/{appid}/categories/new",
            get(mini_programs::category_form),
        )
        .route(
            "/console/mini-programs/{appid}/categories",
            post(mini_programs::add_category),
        )
        .route(
            "/console/mini-programs/{appid}/categories/{category}/resubmit",
            post(mini_programs::resubmit_category),
        )
        .route(
            "/console/mini-programs/{appid}/categories/{category}/delete",
            post(mini_programs::delete_category),
        )
        .route(
            "/console/mini-programs/{appid}/steps/{step}/retry",
            post(mini_programs::retry_step),
        )
        .route(
            "/console/mini-programs/{appid}/rebind",
            post(mini_programs::start_rebind),
        )
        .route("/console/rebinds/{id}", get(mini_programs::rebind))
        .route("/console/new", get(new_mini_program::page))
        .route(
            "/console/new/{id}",
            get(new_mini_program::live).post(new_mini_program::start),
        )
        .route("/console/new/{id}/qr.svg", get(new_mini_program::qr))
        .route("/console/new/{id}/restart", post(new_mini_program::restart))
        .route("/console/trials", get(trials::list))
        .route("/console/trials/{appid}", get(trials::page))
        .route("/console/trials/{appid}/rename", post(trials::rename))
        .route("/console/trials/{appid}/convert", post(trials::convert))
        .route("/console/beta-verifications/{id}/qr.svg", get(trials::qr))
        .route("/console/jobs", get(jobs::page))
        .route("/console/jobs/{id}/retry", post(jobs::retry))
        .route("/console/assets/{file}", get(asset))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(state.clone(), view::headers))
        .layer(axum::middleware::from_fn(i18n::remember));
    Router::new()
        .route("/", get(|| async { Redirect::to("/console/") }))
        .merge(console)
        .with_state(state)
}

async fn home() -> Redirect {
    Redirect::to("/console/accounts")
}

const CSS: &str = include_str!("../../assets/console.css");
const JS: &str = include_str!("../../assets/console.js");

/// `GET /console/assets/{file}`: the two vendored files.
async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "console.css" => (CSS, "text/css; charset=utf-8"),
        "console.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// The value of cookie `name`, if the request carries it.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Who did it, in the audit log and the workflows' `created_by`.
fn actor(session: &auth::Session) -> String {
    format!("console:{}", session.username)
}
