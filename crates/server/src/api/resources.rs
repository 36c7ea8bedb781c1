//! The resources: authorizers, authorizations, registrations, Mini Programs (setup, nickname
//! audit, category catalog, resubmitting and deleting a category), rebind tasks, jobs.

use super::ApiError;
use super::extract::{Json, Path, Query};
use super::keys::Actor;
use crate::failure::Failure;
use crate::startup::AppState;
use crate::store::history;
use crate::{fetch_one, fetch_optional, registration, setup};
use anyhow::Context;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use fastreg_protocol::AppId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

fn appid(s: String) -> Result<AppId, ApiError> {
    AppId::parse(s).map_err(|e| ApiError::invalid(e.to_string()))
}

fn failure(json: &Option<String>) -> Value {
    json.as_deref()
        .and_then(|f| serde_json::from_str::<Failure>(f).ok())
        .map(|f| serde_json::to_value(f).unwrap_or(Value::Null))
        .unwrap_or(Value::Null)
}

#[derive(Deserialize)]
pub(super) struct Page {
    limit: Option<i64>,
    offset: Option<i64>,
    status: Option<String>,
    oa_appid: Option<String>,
}

impl Page {
    fn limit(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }
}

// ---- authorizers and authorizations ----

pub(super) async fn list_authorizers(
    State(state): State<AppState>,
    Query(p): Query<Page>,
) -> Result<Json<Value>, ApiError> {
    let items = crate::authorization::authorizers(&state, p.limit(), p.offset.unwrap_or(0).max(0)).await?;
    Ok(Json(json!({ "items": items })))
}

/// A step's detail as the API shows it: its note in English (`note`) with its code
/// (`note_code`), as stored notes are a code with parameters.
fn step_detail(stored: &str) -> Value {
    let mut detail = serde_json::from_str::<Value>(stored).unwrap_or(Value::Null);
    let note = detail
        .get("note")
        .cloned()
        .and_then(|n| serde_json::from_value::<crate::setup_note::SetupNote>(n).ok());
    if let Some(note) = note {
        if let crate::setup_note::SetupNote::Coded { code, .. } = &note {
            detail["note_code"] = serde_json::to_value(code).unwrap_or(Value::Null);
        }
        detail["note"] = Value::String(note.en());
    }
    detail
}

/// The query of the paged lists: `q` (appid or name), `status`, `cursor`, `limit`.
#[derive(Deserialize)]
pub(super) struct ListParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    cursor: Option<String>,
    limit: Option<i64>,
}

impl ListParams {
    fn filter(self) -> crate::listing::Filter {
        crate::listing::Filter {
            q: self.q,
            status: self.status,
            cursor: self.cursor.filter(|c| !c.is_empty()),
            limit: self.limit.unwrap_or(50),
        }
    }
}

fn list_error(e: crate::listing::ListError) -> ApiError {
    match e {
        crate::listing::ListError::BadCursor => {
            ApiError::invalid("cursor: not one this service gave out; start again without it")
        }
        crate::listing::ListError::Unexpected(e) => e.into(),
    }
}

/// `GET /official-accounts?q&status&cursor&limit`: a page of Official Accounts by name, with
/// `next_cursor` while there are more.
pub(super) async fn list_official_accounts(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let page = crate::listing::accounts(&state, &p.filter())
        .await
        .map_err(list_error)?;
    Ok(Json(json!({ "items": page.items, "next_cursor": page.next })))
}

/// `GET /mini-programs?q&status&cursor&limit`: a page of Mini Programs, newest first, with
/// `next_cursor` while there are more.
pub(super) async fn list_mini_programs(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let page = crate::listing::mini_programs(&state, &p.filter())
        .await
        .map_err(list_error)?;
    Ok(Json(json!({ "items": page.items, "next_cursor": page.next })))
}

pub(super) async fn get_authorizer(
    State(state): State<AppState>,
    Path(appid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = crate::authorization::authorizer(&state, &appid)
        .await?
        .ok_or_else(|| ApiError::not_found("authorizer"))?;
    Ok(Json(
        serde_json::to_value(a).map_err(|e| ApiError::unexpected(e.into()))?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateAuthorization {
    #[serde(default)]
    biz_appid: Option<String>,
}

fn authorization_view(a: &crate::authorization::Authorization, history: Vec<crate::store::HistoryEntry>) -> Value {
    json!({
        "id": a.id, "state": a.state, "auth_url": a.auth_url, "authorizer_appid": a.authorizer_appid,
        "error": failure(&a.failure), "created_by": a.created_by, "created_at": a.created_at, "updated_at": a.updated_at,
        "history": history,
    })
}

pub(super) async fn create_authorization(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    body: Option<Json<CreateAuthorization>>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body = body.map(|b| b.0).unwrap_or_default();
    let biz = body.biz_appid.map(appid).transpose()?;
    let a = crate::authorization::start(&state, biz.as_ref(), &actor.0)
        .await
        .map_err(|e| match e.downcast_ref::<fastreg_client::Error>() {
            Some(c) => ApiError::wechat(c),
            None => ApiError::unexpected(e),
        })?;
    Ok((StatusCode::CREATED, Json(authorization_view(&a, vec![]))))
}

pub(super) async fn get_authorization(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = crate::authorization::get(&state, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("authorization"))?;
    let h = history(&state.db, &format!("authorization:{id}")).await?;
    Ok(Json(authorization_view(&a, h)))
}

// ---- registrations ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateRegistration {
    oa_appid: String,
    #[serde(default)]
    copy_wx_verify: Option<bool>,
    #[serde(default)]
    setup: Option<setup::SetupPlan>,
}

fn registration_view(r: &registration::Registration, history: Vec<crate::store::HistoryEntry>) -> Value {
    r.api_view(history)
}

/// Errors of `POST /api/v1/registrations`.
#[derive(Debug, thiserror::Error)]
pub(super) enum CreateRegistrationError {
    #[error(transparent)]
    Start(#[from] registration::StartError),
    #[error("{0}")]
    Invalid(String),
}

impl From<CreateRegistrationError> for ApiError {
    fn from(e: CreateRegistrationError) -> Self {
        use registration::StartError as S;
        match e {
            CreateRegistrationError::Invalid(m) => ApiError::invalid(m),
            CreateRegistrationError::Start(S::NotAuthorized(appid)) => ApiError::new(
                StatusCode::CONFLICT,
                "not_authorized",
                format!("{appid} has not authorized this platform"),
                "Authorize the Official Account first: POST /api/v1/authorizations and have its admin scan the page.",
            ),
            CreateRegistrationError::Start(S::InProgress { id, dead_job }) => ApiError::new(
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
            CreateRegistrationError::Start(S::PermissionMissing(appid)) => ApiError::new(
                StatusCode::CONFLICT,
                "permission_missing",
                format!("{appid} has not granted this platform the fast-registration permission set"),
                "Have the account's admin authorize again (POST /api/v1/authorizations) with the fast-registration \
                 set (快速注册小程序权限集) ticked; WeChat refuses fastregister without it (48001).",
            ),
            CreateRegistrationError::Start(S::MonthlyLimit { appid, used }) => ApiError::new(
                StatusCode::CONFLICT,
                "monthly_limit",
                format!("{appid} has made {used} successful fast registrations this month"),
                "WeChat allows 5 a month per account (61055); start again after the month ends (China time, UTC+8).",
            ),
            CreateRegistrationError::Start(S::Invalid(m)) => ApiError::invalid(m),
            CreateRegistrationError::Start(S::Unexpected(e)) => ApiError::unexpected(e),
        }
    }
}

pub(super) async fn create_registration(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Json(body): Json<CreateRegistration>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let oa = AppId::parse(body.oa_appid).map_err(|e| CreateRegistrationError::Invalid(e.to_string()))?;
    let r = registration::start(&state, &oa, body.copy_wx_verify, body.setup, &actor.0)
        .await
        .map_err(CreateRegistrationError::from)?;
    // Its history is the one entry `start` wrote with it (not read back: one commit fewer).
    let h = vec![crate::store::HistoryEntry {
        from_state: None,
        to_state: r.state.clone(),
        note: r.note.clone(),
        at: r.created_at,
    }];
    Ok((StatusCode::CREATED, Json(registration_view(&r, h))))
}

pub(super) async fn list_registrations(
    State(state): State<AppState>,
    Query(p): Query<Page>,
) -> Result<Json<Value>, ApiError> {
    let items = registration::list(&state, p.oa_appid.as_deref(), p.limit()).await?;
    let items: Vec<Value> = items.iter().map(|r| registration_view(r, vec![])).collect();
    Ok(Json(json!({ "items": items })))
}

pub(super) async fn get_registration(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let r = registration::get(&state, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("registration"))?;
    let h = history(&state.db, &format!("registration:{id}")).await?;
    Ok(Json(registration_view(&r, h)))
}

// ---- Mini Programs ----

#[derive(Deserialize)]
pub(super) struct Live {
    #[serde(default)]
    live: Option<bool>,
}

fn step_view(s: &setup::Step) -> Value {
    json!({
        "step": s.step, "state": s.state,
        "detail": step_detail(&s.detail),
        "error": failure(&s.failure), "updated_at": s.updated_at,
    })
}

pub(super) async fn get_mini_program(
    State(state): State<AppState>,
    Path(appid_s): Path<String>,
    Query(live): Query<Live>,
) -> Result<Json<Value>, ApiError> {
    let row: Option<(String, Option<String>, Option<String>, i64)> = fetch_optional!(
        &state.db,
        (String, Option<String>, Option<String>, i64),
        "SELECT appid, registration_id, oa_appid, created_at FROM mini_programs WHERE appid = $1",
        &appid_s
    )
    .context("cannot read a Mini Program")?;
    let (appid_s, registration_id, oa_appid, created_at) = row.ok_or_else(|| ApiError::not_found("Mini Program"))?;
    let steps = setup::steps(&state, &appid_s).await?;
    let mut view = json!({
        "appid": appid_s, "registration_id": registration_id, "oa_appid": oa_appid, "created_at": created_at,
        "setup": steps.iter().map(step_view).collect::<Vec<_>>(),
        "history": history(&state.db, &format!("mini_program:{appid_s}")).await?,
    });
    if live.live.unwrap_or(false) {
        let appid = appid(appid_s)?;
        // Quotas are shown before they are spent: this month's head image and signature
        // changes, the period's category changes.
        let basic = state
            .client
            .account_basic_info(&appid)
            .await
            .map_err(|e| ApiError::wechat(&e))?;
        let cats = state
            .client
            .categories(&appid)
            .await
            .map_err(|e| ApiError::wechat(&e))?;
        view["basic_info"] = serde_json::to_value(&basic).unwrap_or(Value::Null);
        view["categories"] = serde_json::to_value(&cats).unwrap_or(Value::Null);
        view["quotas"] = json!({
            "head_image": basic.head_image_info.as_ref().map(|h| json!({"used": h.modify_used_count, "quota": h.modify_quota})),
            "signature": basic.signature_info.as_ref().map(|s| json!({"used": s.modify_used_count, "quota": s.modify_quota})),
            "categories": {"limit": cats.limit, "left": cats.quota, "category_limit": cats.category_limit},
        });
    }
    Ok(Json(view))
}

async fn ours(state: &AppState, appid: &str) -> Result<(), ApiError> {
    let row: Option<(String,)> = fetch_optional!(
        &state.db,
        (String,),
        "SELECT appid FROM mini_programs WHERE appid = $1",
        appid
    )
    .context("cannot read a Mini Program")?;
    row.map(|_| ()).ok_or_else(|| ApiError::not_found("Mini Program"))
}

pub(super) async fn attach_setup(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(appid_s): Path<String>,
    Json(plan): Json<setup::SetupPlan>,
) -> Result<Json<Value>, ApiError> {
    ours(&state, &appid_s).await?;
    let appid = appid(appid_s)?;
    let stored = setup::store_plan(&state, plan).await.map_err(|e| match e {
        setup::PlanError::Rule(m) => ApiError::invalid(m),
        setup::PlanError::Unexpected(e) => ApiError::unexpected(e),
    })?;
    let mut tx = state.db.begin().await?;
    setup::attach(&state, &mut tx, &appid, &stored).await?;
    tx.commit().await?;
    crate::startup::audit(&state, &actor.0, "setup.attach", &format!("mini_program:{appid}"), "").await;
    let steps = setup::steps(&state, appid.as_str()).await?;
    Ok(Json(
        json!({ "appid": appid, "setup": steps.iter().map(step_view).collect::<Vec<_>>() }),
    ))
}

pub(super) async fn nickname_audit(
    State(state): State<AppState>,
    Path(appid_s): Path<String>,
) -> Result<Json<Value>, ApiError> {
    ours(&state, &appid_s).await?;
    let steps = setup::steps(&state, &appid_s).await?;
    let step = steps
        .iter()
        .find(|s| s.step == "nickname")
        .ok_or_else(|| ApiError::not_found("nickname step"))?;
    let detail: Value = serde_json::from_str(&step.detail).unwrap_or(Value::Null);
    let mut view = json!({ "state": step.state, "audit_id": detail.get("audit_id"), "error": failure(&step.failure) });
    if let Some(id) = detail.get("audit_id").and_then(Value::as_u64) {
        let appid = appid(appid_s)?;
        match state
            .client
            .query_nickname_audit(&appid, fastreg_protocol::AuditId(id))
            .await
        {
            Ok(r) => view["wechat"] = serde_json::to_value(r).unwrap_or(Value::Null),
            Err(e) => view["wechat_error"] = serde_json::to_value(Failure::from_client(&e)).unwrap_or(Value::Null),
        }
    }
    Ok(Json(view))
}

pub(super) async fn category_catalog(
    State(state): State<AppState>,
    Path(appid_s): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let appid = appid(appid_s)?;
    // Only for a Mini Program we know: any other appid would reach WeChat without a token and
    // come back as a 502 (and an ERROR in our log) for what is the caller's typo.
    let (known,): (i64,) = fetch_one!(
        &state.db,
        (i64,),
        "SELECT COUNT(*) FROM mini_programs WHERE appid = $1",
        appid.as_str()
    )
    .context("cannot read a Mini Program")?;
    if known == 0 {
        return Err(ApiError::not_found("Mini Program"));
    }
    let all = state
        .client
        .all_categories(&appid)
        .await
        .map_err(|e| ApiError::wechat(&e))?;
    Ok(Json(
        serde_json::to_value(all).map_err(|e| ApiError::unexpected(e.into()))?,
    ))
}

/// `first-second` (`8-39`) from the URL.
fn category_key(s: &str) -> Result<setup::CategoryKey, ApiError> {
    setup::CategoryKey::parse(s)
        .ok_or_else(|| ApiError::invalid(format!("{s:?} is not a category: write first-second, e.g. 8-39")))
}

/// A refused category change, its remedy naming the Mini Program.
fn category_change_error(e: setup::CategoryChangeError, appid: &AppId) -> ApiError {
    use setup::CategoryChangeError as E;
    match e {
        E::Invalid(m) => ApiError::invalid(m),
        E::NotSet(key) => ApiError::new(
            StatusCode::NOT_FOUND,
            "category_not_set",
            format!("category {key} is not set on this Mini Program"),
            format!("GET /api/v1/mini-programs/{appid}?live=true lists the categories that are set."),
        ),
        // WeChat's rule (53306, 53307, 53308), with the catalog's meaning and remedy.
        E::Refused(f) => ApiError::new(StatusCode::CONFLICT, &f.code, f.message, f.remedy),
        E::Busy(_) => ApiError::new(
            StatusCode::CONFLICT,
            "step_busy",
            e.to_string(),
            format!("Try again in a moment; GET /api/v1/mini-programs/{appid} shows the categories step."),
        ),
        E::WeChat(c) => ApiError::wechat(&c),
        E::Unexpected(e) => ApiError::unexpected(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Resubmit {
    certificates: Vec<setup::CertificatePlan>,
}

pub(super) async fn resubmit_category(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((appid_s, category)): Path<(String, String)>,
    Json(body): Json<Resubmit>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    ours(&state, &appid_s).await?;
    let appid = appid(appid_s)?;
    let key = category_key(&category)?;
    let step = setup::resubmit_category(&state, &appid, key, body.certificates)
        .await
        .map_err(|e| category_change_error(e, &appid))?;
    crate::startup::audit(
        &state,
        &actor.0,
        "category.resubmit",
        &format!("mini_program:{appid}"),
        &key.to_string(),
    )
    .await;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "appid": appid, "category": key.to_string(), "step": step_view(&step) })),
    ))
}

pub(super) async fn delete_category(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((appid_s, category)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    ours(&state, &appid_s).await?;
    let appid = appid(appid_s)?;
    let key = category_key(&category)?;
    let categories = setup::delete_category(&state, &appid, key)
        .await
        .map_err(|e| category_change_error(e, &appid))?;
    crate::startup::audit(
        &state,
        &actor.0,
        "category.delete",
        &format!("mini_program:{appid}"),
        &key.to_string(),
    )
    .await;
    let steps = setup::steps(&state, appid.as_str()).await?;
    Ok(Json(json!({
        "appid": appid, "deleted": key.to_string(), "categories": categories,
        "setup": steps.iter().map(step_view).collect::<Vec<_>>(),
    })))
}

// ---- rebind ----

fn rebind_view(t: &crate::rebind::RebindTask, history: Vec<crate::store::HistoryEntry>) -> Value {
    json!({
        "id": t.id, "appid": t.appid, "state": t.state, "auth_url": t.auth_url, "error": failure(&t.failure),
        "created_by": t.created_by, "created_at": t.created_at, "updated_at": t.updated_at, "history": history,
    })
}

pub(super) async fn create_rebind(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(appid_s): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    use crate::rebind::StartError as E;
    let t = crate::rebind::start(&state, &appid(appid_s)?, &actor.0)
        .await
        .map_err(|e| match e {
            E::Unknown(a) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no Mini Program {a} is authorized to this platform"),
                "Check the appid: GET /api/v1/authorizers lists the accounts that authorized this platform.",
            ),
            E::OfficialAccount(a) => ApiError::invalid(format!(
                "{a} is an Official Account: componentrebindadmin rebinds the admin of a Mini Program only"
            )),
            E::NotAuthorized(a, status) => ApiError::new(
                StatusCode::CONFLICT,
                "not_authorized",
                format!("Mini Program {a} is not authorized to this platform (it is {status})"),
                format!("Have the Mini Program's admin authorize this platform again, then retry; GET /api/v1/authorizers/{a} shows its status."),
            ),
            E::Unexpected(e) => ApiError::unexpected(e),
        })?;
    Ok((StatusCode::CREATED, Json(rebind_view(&t, vec![]))))
}

pub(super) async fn get_rebind(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let t = crate::rebind::get(&state, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("rebind task"))?;
    let h = history(&state.db, &format!("rebind:{id}")).await?;
    Ok(Json(rebind_view(&t, h)))
}

// ---- jobs ----

/// A job, its `payload` as the JSON value (stored as text).
fn job_view(job: crate::job::JobView) -> Result<Value, ApiError> {
    let payload = serde_json::from_str(&job.payload).unwrap_or_else(|_| Value::String(job.payload.clone()));
    let mut view = serde_json::to_value(job).map_err(|e| ApiError::unexpected(e.into()))?;
    view["payload"] = payload;
    Ok(view)
}

pub(super) async fn list_jobs(State(state): State<AppState>, Query(p): Query<Page>) -> Result<Json<Value>, ApiError> {
    let items = state.queue.list(p.status.as_deref(), p.limit()).await?;
    let items = items.into_iter().map(job_view).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(json!({ "items": items })))
}

pub(super) async fn get_job(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<Value>, ApiError> {
    let job = state.queue.get(id).await?.ok_or_else(|| ApiError::not_found("job"))?;
    Ok(Json(job_view(job)?))
}

// ---- audit log ----

#[derive(Serialize, sqlx::FromRow)]
struct AuditEntry {
    id: i64,
    actor: String,
    action: String,
    subject: Option<String>,
    detail: Option<String>,
    at: i64,
}

pub(super) async fn audit_log(State(state): State<AppState>, Query(p): Query<Page>) -> Result<Json<Value>, ApiError> {
    let items: Vec<AuditEntry> = crate::fetch_all!(
        &state.db,
        AuditEntry,
        "SELECT id, actor, action, subject, detail, at FROM audit_log ORDER BY id DESC LIMIT $1",
        p.limit()
    )
    .context("cannot read the audit log")?;
    Ok(Json(json!({ "items": items })))
}
