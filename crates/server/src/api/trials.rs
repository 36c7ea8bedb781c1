//! Trial Mini Programs (试用小程序): the list, a rename, and the conversion (转正) with its QR code.

use super::ApiError;
use super::extract::{Json, Path};
use super::keys::Actor;
use super::model::{BetaName, BetaRenamed, BetaVerificationView, TrialList, TrialView};
use super::registrations::{field_error, no_link, qr_response};
use crate::routes::input::Conversion;
use crate::routes::trial;
use crate::startup::AppState;
use crate::store::history;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

impl From<trial::TrialError> for ApiError {
    fn from(e: trial::TrialError) -> Self {
        use trial::TrialError as T;
        match e {
            T::Field(f) => field_error(&f),
            T::NotATrial(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_a_trial",
                e.to_string(),
                "Use the appid of a trial registered here (GET /api/v1/trials); a formal Mini Program is renamed by its setup plan.",
            ),
            T::Converted(_) => ApiError::new(
                StatusCode::CONFLICT,
                "converted",
                e.to_string(),
                "Set its name with a setup plan (PUT /api/v1/mini-programs/{appid}/setup).",
            ),
            T::InProgress(id) => ApiError::new(
                StatusCode::CONFLICT,
                "conversion_in_progress",
                format!("conversion {id} of this trial is still under way"),
                format!("Follow it: GET /api/v1/beta-verifications/{id}. WeChat allows one at a time (89251)."),
            ),
            T::WeChat(w) => ApiError::wechat(&w),
            T::Unexpected(e) => ApiError::unexpected(e),
        }
    }
}

/// Convert (转正) a trial: starts a conversion task whose auth_url the enterprise's legal person
/// opens within 24 h; follow it at /beta-verifications/{id}; 409 while one is under way.
#[utoipa::path(post, path = "/mini-programs/{appid}/verify-beta", tag = "trials", request_body = Conversion,
    params(("appid" = String, Path, description = "The trial's appid")),
    responses((status = 201, description = "Started", body = BetaVerificationView),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn verify_beta(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(appid): Path<String>,
    Json(body): Json<Conversion>,
) -> Result<(StatusCode, Json<BetaVerificationView>), ApiError> {
    let v = trial::start(&state, &appid, body, &actor.0).await?;
    let h = history(&state.db, &format!("beta_verification:{}", v.id)).await?;
    Ok((StatusCode::CREATED, Json(BetaVerificationView::of(&v, h))))
}

/// A trial's conversion: state (creating, create_unknown, awaiting_user, converted, failed),
/// auth_url, qr_url, task_status, error, history.
#[utoipa::path(get, path = "/beta-verifications/{id}", tag = "trials",
    params(("id" = String, Path, description = "The conversion's id")),
    responses((status = 200, description = "The conversion", body = BetaVerificationView),
              (status = "default", description = "Not found", body = ApiError)))]
pub(super) async fn get_beta_verification(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<BetaVerificationView>, ApiError> {
    let v = trial::get(&state, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("beta verification"))?;
    let h = history(&state.db, &format!("beta_verification:{id}")).await?;
    Ok(Json(BetaVerificationView::of(&v, h)))
}

async fn verification_link(state: &AppState, id: &str) -> Result<String, ApiError> {
    let v = trial::get(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("beta verification"))?;
    v.auth_url.filter(|u| !u.is_empty()).ok_or_else(no_link)
}

/// The QR code of the conversion's auth_url (SVG).
#[utoipa::path(get, path = "/beta-verifications/{id}/qr.svg", tag = "trials",
    params(("id" = String, Path, description = "The conversion's id")),
    responses((status = 200, description = "SVG", content_type = "image/svg+xml", body = String),
              (status = "default", description = "No link yet, or not found", body = ApiError)))]
pub(super) async fn beta_verification_qr_svg(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    qr_response(&verification_link(&state, &id).await?, false)
}

/// The QR code of the conversion's auth_url (PNG).
#[utoipa::path(get, path = "/beta-verifications/{id}/qr.png", tag = "trials",
    params(("id" = String, Path, description = "The conversion's id")),
    responses((status = 200, description = "PNG", content_type = "image/png", body = Vec<u8>),
              (status = "default", description = "No link yet, or not found", body = ApiError)))]
pub(super) async fn beta_verification_qr_png(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    qr_response(&verification_link(&state, &id).await?, true)
}

/// Rename a trial (WeChat appends 的体验小程序); 409 once converted.
#[utoipa::path(put, path = "/mini-programs/{appid}/beta-name", tag = "trials", request_body = BetaName,
    params(("appid" = String, Path, description = "The trial's appid")),
    responses((status = 200, description = "Renamed", body = BetaRenamed),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn beta_name(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(appid): Path<String>,
    Json(body): Json<BetaName>,
) -> Result<Json<BetaRenamed>, ApiError> {
    let name = trial::rename(&state, &appid, &body.name, &actor.0).await?;
    Ok(Json(BetaRenamed { appid, name }))
}

/// Trial Mini Programs not converted, the one lapsing first first: appid, name, expires_at,
/// days_left.
#[utoipa::path(get, path = "/trials", tag = "trials",
    responses((status = 200, description = "The trials", body = TrialList),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn list_trials(State(state): State<AppState>) -> Result<Json<TrialList>, ApiError> {
    let now = state.now_ms();
    let items: Vec<TrialView> = trial::open_trials(&state)
        .await?
        .iter()
        .map(|t| TrialView::of(t, now))
        .collect();
    Ok(Json(TrialList { items }))
}
