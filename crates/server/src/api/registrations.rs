//! The registrations of every route: `POST /registrations` with its `route`, a registration, the
//! list, its QR code and `restart`. The official_account route starts through
//! [`crate::registration::start`], the QR routes through [`crate::routes::start`]; both answer the
//! one [`RegistrationView`].

use super::ApiError;
use super::extract::{Json, Path, Query};
use super::keys::Actor;
use super::model::{RegistrationList, RegistrationView};
use crate::registration::{self, StartError as OaStartError};
use crate::routes::input::{Enterprise, FieldError, Personal, RouteInput, Trial};
use crate::routes::{self, RestartError, Route, StartError, trial};
use crate::setup::SetupPlan;
use crate::startup::AppState;
use crate::store::{HistoryEntry, history};
use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use fastreg_protocol::AppId;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub(super) fn field_error(e: &FieldError) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
        format!("field `{}`: {}", e.field, e.reason),
        format!(
            "Fix `{}` and send the request again; nothing was sent to WeChat.",
            e.field
        ),
    )
}

fn field(field: &str, reason: &str) -> ApiError {
    field_error(&FieldError {
        field: field.to_owned(),
        reason: reason.to_owned(),
    })
}

impl From<StartError> for ApiError {
    fn from(e: StartError) -> Self {
        match e {
            StartError::Field(f) => field_error(&f),
            StartError::Plan(m) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("field `setup`: {m}"),
                "Fix the setup plan; nothing was sent to WeChat.",
            ),
            StartError::InProgress(id) => ApiError::new(
                StatusCode::CONFLICT,
                "registration_in_progress",
                format!("registration {id} of the same subject is still under way"),
                format!(
                    "Wait for it (GET /api/v1/registrations/{id}): WeChat keeps one task per subject for 24 h (89249)."
                ),
            ),
            StartError::Unexpected(e) => ApiError::unexpected(e),
        }
    }
}

/// Why the official_account route refused to start.
pub(crate) fn oa_start_error(e: OaStartError) -> ApiError {
    use OaStartError as S;
    match e {
        S::NotAuthorized(appid) => ApiError::new(
            StatusCode::CONFLICT,
            "not_authorized",
            format!("{appid} has not authorized this platform"),
            "Authorize the Official Account first: POST /api/v1/authorizations and have its admin scan the page.",
        ),
        S::InProgress { id, dead_job } => ApiError::new(
            StatusCode::CONFLICT,
            "registration_in_progress",
            format!("registration {id} of this account is still under way"),
            match dead_job {
                Some(job) => format!(
                    "Its job {job} gave up: fix the cause (GET /api/v1/jobs/{job} shows the last error), then retry it \
                     (POST /api/v1/jobs/{job}/retry); or, if fastregister was never sent, abandon the registration \
                     (POST /api/v1/registrations/{id}/abandon). An account may have one registration in progress (61057)."
                ),
                None => format!(
                    "Wait for it to finish (GET /api/v1/registrations/{id}); an account may have one registration in progress (61057). \
                     If it waits for an admin who will not confirm, abandon it (POST /api/v1/registrations/{id}/abandon)."
                ),
            },
        ),
        S::PermissionMissing(appid) => ApiError::new(
            StatusCode::CONFLICT,
            "permission_missing",
            format!("{appid} has not granted this platform the fast-registration permission set"),
            "Have the account's admin authorize again (POST /api/v1/authorizations) with the fast-registration \
             set (快速注册小程序权限集) ticked; WeChat refuses fastregister without it (48001).",
        ),
        S::MonthlyLimit { appid, used } => ApiError::new(
            StatusCode::CONFLICT,
            "monthly_limit",
            format!("{appid} has made {used} successful fast registrations this month"),
            "WeChat allows 5 a month per account (61055); start again after the month ends (China time, UTC+8).",
        ),
        S::Invalid(m) => ApiError::invalid(m),
        S::Unexpected(e) => ApiError::unexpected(e),
    }
}

/// `POST /api/v1/registrations`'s body, every route.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateRegistration {
    /// `official_account` (the default: reuse an Official Account's entity), `enterprise`,
    /// `personal` or `trial`.
    #[serde(default)]
    #[schema(pattern = "^(official_account|enterprise|personal|trial)$")]
    route: Option<String>,
    /// Route official_account (required there): the Official Account whose entity is reused.
    #[serde(default)]
    oa_appid: Option<String>,
    /// Route official_account: reuse the account's WeChat verification (default true; forced
    /// for government, media and other organizations).
    #[serde(default)]
    copy_wx_verify: Option<bool>,
    /// Route enterprise: the name, the unified social credit code (its GB 32100 check
    /// character is checked) and the platform's contact phone.
    #[serde(default)]
    enterprise: Option<Enterprise>,
    /// Route personal: the user's WeChat id and the platform's contact phone.
    #[serde(default)]
    personal: Option<Personal>,
    /// Route trial: the name (4–30 characters) and the openid of its admin-to-be.
    #[serde(default)]
    trial: Option<Trial>,
    /// What to set up once the Mini Program exists.
    #[serde(default)]
    setup: Option<SetupPlan>,
}

/// Registration `id` as the API shows it; `None` if there is none.
async fn view_of(state: &AppState, id: &str) -> Result<Option<RegistrationView>, ApiError> {
    let Some(reg) = routes::get(state, id).await? else {
        return Ok(None);
    };
    let history = history(&state.db, &reg.subject()).await?;
    Ok(Some(view_with(state, &reg, history).await?))
}

async fn view_with(
    state: &AppState,
    reg: &routes::RouteRegistration,
    history: Vec<HistoryEntry>,
) -> Result<RegistrationView, ApiError> {
    let trial = match &reg.mini_program_appid {
        Some(appid) if reg.route() == Route::Trial => trial::get_trial(state, appid).await?,
        _ => None,
    };
    Ok(RegistrationView::of(
        reg,
        trial.as_ref(),
        routes::link_ttl_ms(state),
        state.now_ms(),
        history,
    ))
}

/// An official_account registration as the routes see it (what a read of the same row through
/// [`routes::get`] gives), so the answer to its start needs no second read.
fn as_route_registration(r: &registration::Registration) -> routes::RouteRegistration {
    routes::RouteRegistration {
        id: r.id.clone(),
        route: Route::OfficialAccount.as_str().to_owned(),
        state: r.state.clone(),
        auth_url: r.auth_url.clone(),
        auth_expires_at: None,
        task_id: None,
        task_status: None,
        task_status_table: None,
        route_input: None,
        polls: 0,
        submissions: r.submissions,
        submitted_at: r.submitted_at,
        mini_program_appid: r.mini_program_appid.clone(),
        failure: r.failure.clone(),
        note: r.note.clone(),
        setup_plan: r.setup_plan.clone(),
        restarted_as: None,
        oa_appid: r.oa_appid.clone(),
        copy_wx_verify: r.copy_wx_verify,
        is_wx_verify_succ: r.is_wx_verify_succ,
        is_link_succ: r.is_link_succ,
        created_by: r.created_by.clone(),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// Registration `id`, or a 404.
pub(crate) async fn view(state: &AppState, id: &str) -> Result<RegistrationView, ApiError> {
    view_of(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))
}

/// Start a registration on one of four routes. The input is checked before WeChat is called
/// (422 naming the field). official_account answers with the fastregisterauth URL at once; the
/// QR routes answer `creating` and gain `auth_url`, `auth_expires_at` and `qr_url` once WeChat
/// opened the task (a moment later).
#[utoipa::path(post, path = "/registrations", tag = "registrations", request_body = CreateRegistration,
    responses((status = 201, description = "Started", body = RegistrationView),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn create(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Json(body): Json<CreateRegistration>,
) -> Result<(StatusCode, Json<RegistrationView>), ApiError> {
    let route = match body.route.as_deref() {
        None => Route::OfficialAccount,
        Some(r) => {
            Route::parse(r).ok_or_else(|| field("route", "is one of official_account, enterprise, personal, trial"))?
        }
    };
    let given = [
        ("enterprise", body.enterprise.is_some(), Route::Enterprise),
        ("personal", body.personal.is_some(), Route::Personal),
        ("trial", body.trial.is_some(), Route::Trial),
    ];
    for (name, present, r) in given {
        if present && r != route {
            return Err(field(name, &format!("does not belong to route {}", route.as_str())));
        }
    }
    if route != Route::OfficialAccount && (body.oa_appid.is_some() || body.copy_wx_verify.is_some()) {
        return Err(field(
            if body.oa_appid.is_some() {
                "oa_appid"
            } else {
                "copy_wx_verify"
            },
            &format!("belongs to route official_account, not {}", route.as_str()),
        ));
    }
    let input = match route {
        Route::OfficialAccount => {
            let Some(oa) = body.oa_appid else {
                return Err(field(
                    "oa_appid",
                    "missing field `oa_appid` (required for route official_account)",
                ));
            };
            let oa = AppId::parse(oa).map_err(|e| ApiError::invalid(e.to_string()))?;
            let r = registration::start(&state, &oa, body.copy_wx_verify, body.setup, &actor.0)
                .await
                .map_err(oa_start_error)?;
            // Its history is the one entry `start` wrote with it (not read back: one commit fewer).
            let h = vec![HistoryEntry {
                from_state: None,
                to_state: r.state.clone(),
                note: r.note.clone(),
                at: r.created_at,
            }];
            let reg = as_route_registration(&r);
            return Ok((StatusCode::CREATED, Json(view_with(&state, &reg, h).await?)));
        }
        Route::Enterprise => RouteInput::Enterprise(
            body.enterprise
                .ok_or_else(|| field("enterprise", "is required for route enterprise"))?,
        ),
        Route::Personal => RouteInput::Personal(
            body.personal
                .ok_or_else(|| field("personal", "is required for route personal"))?,
        ),
        Route::Trial => RouteInput::Trial(
            body.trial
                .ok_or_else(|| field("trial", "is required for route trial"))?,
        ),
    };
    let reg = routes::start(&state, input, body.setup, None, &actor.0).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &reg.id).await?)))
}

/// `GET /registrations`' query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// Only this Official Account's (route official_account).
    #[serde(default)]
    oa_appid: Option<String>,
    /// Only this route's.
    #[serde(default)]
    route: Option<String>,
    /// At most this many (1–1000, default 100).
    #[serde(default)]
    limit: Option<i64>,
}

/// Registrations, newest first (filters: oa_appid, route).
#[utoipa::path(get, path = "/registrations", tag = "registrations", params(ListQuery),
    responses((status = 200, description = "The registrations", body = RegistrationList),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<RegistrationList>, ApiError> {
    if let Some(r) = q.route.as_deref()
        && Route::parse(r).is_none()
    {
        return Err(field(
            "route",
            "is one of official_account, enterprise, personal, trial",
        ));
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let mut items = Vec::new();
    for reg in routes::newest(&state, q.oa_appid.as_deref(), limit).await? {
        if q.route.as_deref().is_none_or(|route| reg.route == route) {
            items.push(view_with(&state, &reg, Vec::new()).await?);
        }
    }
    Ok(Json(RegistrationList { items }))
}

/// A registration: route, state, auth_url and its QR code, task_status with its meaning, the new
/// Mini Program, error (the catalog's meaning and remedy), trial, history.
#[utoipa::path(get, path = "/registrations/{id}", tag = "registrations",
    params(("id" = String, Path, description = "The registration's id")),
    responses((status = 200, description = "The registration", body = RegistrationView),
              (status = "default", description = "Not found", body = ApiError)))]
pub(super) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RegistrationView>, ApiError> {
    Ok(Json(view(&state, &id).await?))
}

impl From<RestartError> for ApiError {
    fn from(e: RestartError) -> Self {
        match e {
            RestartError::NotFound => ApiError::not_found("registration"),
            RestartError::NotFinished { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "not_finished",
                e.to_string(),
                "Only a failed or abandoned registration starts again; wait for this one to end.",
            ),
            RestartError::Already { ref new, .. } => ApiError::new(
                StatusCode::CONFLICT,
                "restarted_already",
                e.to_string(),
                format!("Follow the new one: GET /api/v1/registrations/{new}."),
            ),
            RestartError::Start(s) => s.into(),
            RestartError::OfficialAccount(s) => oa_start_error(s),
            RestartError::Unexpected(e) => ApiError::unexpected(e),
        }
    }
}

/// Start a failed (or abandoned) registration again from the same input and setup plan: answers
/// the new registration; the old one shows restarted_as; 409 if it is not finished or was
/// started again already.
#[utoipa::path(post, path = "/registrations/{id}/restart", tag = "registrations",
    params(("id" = String, Path, description = "The registration's id")),
    responses((status = 201, description = "The new registration", body = RegistrationView),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn restart(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<RegistrationView>), ApiError> {
    let new = routes::restart(&state, &id, &actor.0).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &new).await?)))
}

/// An SVG or PNG of `url`'s QR code.
pub(super) fn qr_response(url: &str, png: bool) -> Result<Response, ApiError> {
    let made = if png {
        routes::qr::png(url, 8).map(|b| ("image/png", b))
    } else {
        routes::qr::svg(url, 320).map(|s| ("image/svg+xml", s.into_bytes()))
    };
    let (kind, bytes) = made.map_err(|e| ApiError::unexpected(e.into()))?;
    Ok((
        [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "no-store")],
        bytes,
    )
        .into_response())
}

/// 409: no link yet.
pub(super) fn no_link() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "no_link_yet",
        "WeChat has not given this task's link yet",
        "Wait a moment and ask again (the task is being created), or see the registration's state and error.",
    )
}

async fn link(state: &AppState, id: &str) -> Result<String, ApiError> {
    let reg = routes::get(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    if reg.auth_url.is_empty() {
        return Err(no_link());
    }
    Ok(reg.auth_url)
}

/// The QR code of the registration's auth_url (SVG); 409 before WeChat gave the link.
#[utoipa::path(get, path = "/registrations/{id}/qr.svg", tag = "registrations",
    params(("id" = String, Path, description = "The registration's id")),
    responses((status = 200, description = "SVG", content_type = "image/svg+xml", body = String),
              (status = "default", description = "No link yet, or not found", body = ApiError)))]
pub(super) async fn qr_svg(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    qr_response(&link(&state, &id).await?, false)
}

/// The QR code of the registration's auth_url (PNG); 409 before WeChat gave the link.
#[utoipa::path(get, path = "/registrations/{id}/qr.png", tag = "registrations",
    params(("id" = String, Path, description = "The registration's id")),
    responses((status = 200, description = "PNG", content_type = "image/png", body = Vec<u8>),
              (status = "default", description = "No link yet, or not found", body = ApiError)))]
pub(super) async fn qr_png(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    qr_response(&link(&state, &id).await?, true)
}
