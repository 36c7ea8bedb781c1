//! The mp.weixin.qq.com pages, played by the emulator: small server-rendered, phone-friendly
//! pages standing for the admin's QR-code scan, and the emulator's own index at `/`. Each
//! confirmation page shows the account and what is being confirmed; its buttons POST a form to a
//! handler that calls the same code as the control API ([`crate::actions`]) and answers 302 to
//! the redirect. Refusals (61028, 61029, 61060, …) are shown on the page with the catalog's
//! Chinese and English meaning. Pages are maud templates built from [`layout`]'s pieces, so
//! every value is HTML-escaped.
//!
//! - `GET /` — [`index`]: what the emulator is, the scenario's components and accounts, links
//! - `GET /cgi-bin/fastregisterauth` → `POST /cgi-bin/fastregisterauth/confirm`
//! - `GET /wxopen/componentrebindadmin` → `POST /wxopen/componentrebindadmin/confirm`
//! - `GET /cgi-bin/componentloginpage` → `POST /cgi-bin/componentloginpage/confirm`

pub mod layout;

mod fastregister;
mod index;
mod login;
mod rebind;

use crate::state::Inner;
use axum::Router;
use axum::routing::{get, post};
use fastreg_protocol::page::{COMPONENT_LOGIN_PAGE_PATH, FAST_REGISTER_AUTH_PATH, REBIND_ADMIN_PATH};
use std::sync::Arc;

/// The page routes.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route("/", get(index::show))
        .route("/docs", get(index::docs))
        .route(FAST_REGISTER_AUTH_PATH, get(fastregister::show))
        .route(
            &format!("{FAST_REGISTER_AUTH_PATH}/confirm"),
            post(fastregister::confirm),
        )
        .route(REBIND_ADMIN_PATH, get(rebind::show))
        .route(&format!("{REBIND_ADMIN_PATH}/confirm"), post(rebind::confirm))
        .route(COMPONENT_LOGIN_PAGE_PATH, get(login::show))
        .route(&format!("{COMPONENT_LOGIN_PAGE_PATH}/confirm"), post(login::confirm))
}
