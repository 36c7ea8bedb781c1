//! The registration resources of every route (issue 11): `POST /registrations` with its
//! `route`, the route fields of a registration's JSON, its QR code, `restart`, and the trial's
//! conversion, rename and list. The official_account route's own handlers
//! ([`super::resources`]) do its work; this module adds the other routes around them.

use super::ApiError;
use super::extract::{Json, Path};
use super::keys::Actor;
use super::resources;
use crate::routes::input::{Conversion, Enterprise, FieldError, Personal, RouteInput, Trial};
use crate::routes::{self, RestartError, Route, StartError, trial};
use crate::setup::SetupPlan;
use crate::startup::AppState;
use crate::store::history;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

fn field_error(e: &FieldError) -> ApiError {
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

/// `POST /api/v1/registrations` body, every route.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateAny {
    #[serde(default)]
    route: Option<String>,
    #[serde(default)]
    oa_appid: Option<String>,
    #[serde(default)]
    copy_wx_verify: Option<bool>,
    #[serde(default)]
    enterprise: Option<Enterprise>,
    #[serde(default)]
    personal: Option<Personal>,
    #[serde(default)]
    trial: Option<Trial>,
    #[serde(default)]
    setup: Option<SetupPlan>,
}

fn field(field: &str, reason: &str) -> ApiError {
    field_error(&FieldError {
        field: field.to_owned(),
        reason: reason.to_owned(),
    })
}

/// The route fields of registration `id`, merged into its JSON.
async fn with_route(state: &AppState, mut view: Value) -> Result<Value, ApiError> {
    let Some(id) = view["id"].as_str().map(str::to_owned) else {
        return Ok(view);
    };
    let Some(reg) = routes::get(state, &id).await? else {
        return Ok(view);
    };
    if let (Value::Object(v), Value::Object(extra)) = (&mut view, reg.api_fields(routes::link_ttl_ms(state))) {
        for (k, val) in extra {
            // The official_account route's own auth_url stays as it is.
            if k == "auth_url" && val.is_null() && v.get("auth_url").is_some_and(|u| u.as_str() != Some("")) {
                continue;
            }
            v.insert(k, val);
        }
    }
    if reg.route() != Route::OfficialAccount {
        if let Some(o) = view.as_object_mut() {
            // The fields of the official_account route mean nothing here.
            for k in ["oa_appid", "copy_wx_verify", "is_wx_verify_succ", "is_link_succ"] {
                o.remove(k);
            }
        }
        if view["auth_url"].as_str() == Some("") {
            view["auth_url"] = Value::Null;
        }
    }
    if let Some(appid) = &reg.mini_program_appid
        && let Some(t) = trial::get_trial(state, appid).await?
    {
        view["trial"] = t.api_view(state.now_ms());
    }
    Ok(view)
}

pub(super) async fn create_registration(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Json(body): Json<CreateAny>,
) -> Result<Response, ApiError> {
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
            let mut v = json!({ "oa_appid": oa });
            if let Some(c) = body.copy_wx_verify {
                v["copy_wx_verify"] = json!(c);
            }
            if let Some(plan) = body.setup {
                v["setup"] = serde_json::to_value(plan).map_err(|e| ApiError::unexpected(e.into()))?;
            }
            let inner: resources::CreateRegistration =
                serde_json::from_value(v).map_err(|e| field("oa_appid", &e.to_string()))?;
            let (status, Json(view)) =
                resources::create_registration(State(state.clone()), Extension(actor), Json(inner)).await?;
            return Ok((status, axum::Json(with_route(&state, view).await?)).into_response());
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
    let view = registration_json(&state, &reg.id).await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

async fn registration_json(state: &AppState, id: &str) -> Result<Value, ApiError> {
    let r = crate::registration::get(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    let h = history(&state.db, &format!("registration:{id}")).await?;
    with_route(state, r.api_view(h)).await
}

pub(super) async fn get_registration(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let Json(view) = resources::get_registration(State(state.clone()), Path(id)).await?;
    Ok(axum::Json(with_route(&state, view).await?))
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    oa_appid: Option<String>,
    #[serde(default)]
    route: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /registrations`: the official_account route's list (filter `oa_appid`, `limit`), each
/// with its route fields; `route` keeps one route.
pub(super) async fn list_registrations(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    if let Some(r) = q.route.as_deref()
        && Route::parse(r).is_none()
    {
        return Err(field(
            "route",
            "is one of official_account, enterprise, personal, trial",
        ));
    }
    let page: resources::Page = serde_json::from_value(json!({ "oa_appid": q.oa_appid, "limit": q.limit }))
        .map_err(|e| ApiError::unexpected(e.into()))?;
    let Json(list) = resources::list_registrations(State(state.clone()), super::extract::Query(page)).await?;
    let mut out = Vec::new();
    for item in list["items"].as_array().cloned().unwrap_or_default() {
        let v = with_route(&state, item).await?;
        if q.route.as_deref().is_none_or(|route| v["route"] == route) {
            out.push(v);
        }
    }
    Ok(axum::Json(json!({ "items": out })))
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
            RestartError::OfficialAccount(s) => super::resources::CreateRegistrationError::from(s).into(),
            RestartError::Unexpected(e) => ApiError::unexpected(e),
        }
    }
}

pub(super) async fn restart(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let new = routes::restart(&state, &id, &actor.0).await?;
    Ok((StatusCode::CREATED, axum::Json(registration_json(&state, &new).await?)).into_response())
}

fn qr_response(url: &str, png: bool) -> Result<Response, ApiError> {
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

fn no_link() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "no_link_yet",
        "WeChat has not given this task's link yet",
        "Wait a moment and ask again (the task is being created), or see the registration's state and error.",
    )
}

async fn registration_link(state: &AppState, id: &str) -> Result<String, ApiError> {
    let reg = routes::get(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    if reg.auth_url.is_empty() {
        return Err(no_link());
    }
    Ok(reg.auth_url)
}

pub(super) async fn registration_qr_svg(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    qr_response(&registration_link(&state, &id).await?, false)
}

pub(super) async fn registration_qr_png(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    qr_response(&registration_link(&state, &id).await?, true)
}

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

pub(super) async fn verify_beta(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(appid): Path<String>,
    Json(body): Json<Conversion>,
) -> Result<Response, ApiError> {
    let v = trial::start(&state, &appid, body, &actor.0).await?;
    let h = history(&state.db, &format!("beta_verification:{}", v.id)).await?;
    Ok((StatusCode::CREATED, axum::Json(v.api_view(h))).into_response())
}

pub(super) async fn get_beta_verification(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let v = trial::get(&state, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("beta verification"))?;
    let h = history(&state.db, &format!("beta_verification:{id}")).await?;
    Ok(axum::Json(v.api_view(h)))
}

async fn verification_link(state: &AppState, id: &str) -> Result<String, ApiError> {
    let v = trial::get(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("beta verification"))?;
    v.auth_url.filter(|u| !u.is_empty()).ok_or_else(no_link)
}

pub(super) async fn beta_verification_qr_svg(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    qr_response(&verification_link(&state, &id).await?, false)
}

pub(super) async fn beta_verification_qr_png(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    qr_response(&verification_link(&state, &id).await?, true)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BetaName {
    name: String,
}

pub(super) async fn beta_name(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(appid): Path<String>,
    Json(body): Json<BetaName>,
) -> Result<axum::Json<Value>, ApiError> {
    let shown = trial::rename(&state, &appid, &body.name, &actor.0).await?;
    Ok(axum::Json(json!({ "appid": appid, "name": shown })))
}

pub(super) async fn list_trials(State(state): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let items: Vec<Value> = trial::open_trials(&state)
        .await?
        .iter()
        .map(|t| t.api_view(state.now_ms()))
        .collect();
    Ok(axum::Json(json!({ "items": items })))
}
