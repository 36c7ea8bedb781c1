//! The resources: authorizers, authorizations, Mini Programs (setup, nickname audit, category
//! catalog, resubmitting and deleting a category), rebind tasks, jobs, the audit log. The
//! registrations are in [`super::registrations`], the trials in [`super::trials`].

use super::ApiError;
use super::extract::{Json, Path, Query};
use super::keys::Actor;
use super::model::{
    AccountList, AuditList, AuthorizationView, AuthorizerList, AuthorizerView, CategoryDeleted, CategoryResubmitted,
    JobList, JobView, MiniProgramList, MiniProgramView, NicknameAuditView, Quota, Quotas, RebindView, SetupView,
    StepView,
};
use crate::failure::Failure;
use crate::setup;
use crate::startup::AppState;
use crate::store::history;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use fastreg_protocol::AppId;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

fn appid(s: String) -> Result<AppId, ApiError> {
    AppId::parse(s).map_err(|e| ApiError::invalid(e.to_string()))
}

/// The query of the plain lists.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Page {
    /// At most this many (1–1000, default 100).
    limit: Option<i64>,
    /// Skip this many (authorizers).
    offset: Option<i64>,
    /// Only jobs of this status (queued, running, succeeded, dead).
    status: Option<String>,
}

impl Page {
    fn limit(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }
}

// ---- authorizers and authorizations ----

/// The accounts that authorized this platform.
#[utoipa::path(get, path = "/authorizers", tag = "accounts", params(Page),
    responses((status = 200, description = "The accounts", body = AuthorizerList),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn list_authorizers(
    State(state): State<AppState>,
    Query(p): Query<Page>,
) -> Result<Json<AuthorizerList>, ApiError> {
    let items = crate::authorization::authorizers(&state, p.limit(), p.offset.unwrap_or(0).max(0)).await?;
    Ok(Json(AuthorizerList { items }))
}

/// The query of the paged lists.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
    /// An appid prefix or part of the name.
    #[serde(default)]
    q: String,
    /// Official Accounts: authorized, unauthorized, refresh_rejected; Mini Programs: those, or
    /// setup_failed, setup_running, setup_none.
    #[serde(default)]
    status: String,
    /// The previous page's next_cursor.
    cursor: Option<String>,
    /// 1–200, default 50.
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

/// A page of Official Accounts by name, with `next_cursor` while there are more.
#[utoipa::path(get, path = "/official-accounts", tag = "accounts", params(ListParams),
    responses((status = 200, description = "A page", body = AccountList),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn list_official_accounts(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<AccountList>, ApiError> {
    let page = crate::listing::accounts(&state, &p.filter())
        .await
        .map_err(list_error)?;
    Ok(Json(page.into()))
}

/// A page of Mini Programs, newest first, with `next_cursor` while there are more.
#[utoipa::path(get, path = "/mini-programs", tag = "mini-programs", params(ListParams),
    responses((status = 200, description = "A page", body = MiniProgramList),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn list_mini_programs(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<MiniProgramList>, ApiError> {
    let page = crate::listing::mini_programs(&state, &p.filter())
        .await
        .map_err(list_error)?;
    Ok(Json(page.into()))
}

/// One authorizer: kind, status, permission sets, token upkeep.
#[utoipa::path(get, path = "/authorizers/{appid}", tag = "accounts",
    params(("appid" = String, Path, description = "The account's appid")),
    responses((status = 200, description = "The account", body = AuthorizerView),
              (status = "default", description = "Not found", body = ApiError)))]
pub(super) async fn get_authorizer(
    State(state): State<AppState>,
    Path(appid): Path<String>,
) -> Result<Json<AuthorizerView>, ApiError> {
    let a = crate::authorization::authorizer(&state, &appid)
        .await?
        .ok_or_else(|| ApiError::not_found("authorizer"))?;
    Ok(Json(a))
}

/// `POST /authorizations`' body (optional).
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateAuthorization {
    /// Only this account may authorize.
    #[serde(default)]
    biz_appid: Option<String>,
}

/// Start authorizing an Official Account: answers the componentloginpage URL its admin opens.
#[utoipa::path(post, path = "/authorizations", tag = "accounts", request_body(content = Option<CreateAuthorization>),
    responses((status = 201, description = "Started", body = AuthorizationView),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn create_authorization(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    body: Option<Json<CreateAuthorization>>,
) -> Result<(StatusCode, Json<AuthorizationView>), ApiError> {
    let body = body.map(|b| b.0).unwrap_or_default();
    let biz = body.biz_appid.map(appid).transpose()?;
    let a = crate::authorization::start(&state, biz.as_ref(), &actor.0)
        .await
        .map_err(|e| match e {
            crate::authorization::StartError::WeChat(c) => ApiError::wechat(&c),
            crate::authorization::StartError::Unexpected(e) => ApiError::unexpected(e),
        })?;
    Ok((StatusCode::CREATED, Json(AuthorizationView::of(&a, vec![]))))
}

/// An authorization's state.
#[utoipa::path(get, path = "/authorizations/{id}", tag = "accounts",
    params(("id" = String, Path, description = "The authorization's id")),
    responses((status = 200, description = "The authorization", body = AuthorizationView),
              (status = "default", description = "Not found", body = ApiError)))]
pub(super) async fn get_authorization(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AuthorizationView>, ApiError> {
    let a = crate::authorization::get(&state, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("authorization"))?;
    let h = history(&state.db, &format!("authorization:{id}")).await?;
    Ok(Json(AuthorizationView::of(&a, h)))
}

// ---- Mini Programs ----

/// `GET /mini-programs/{appid}`' query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Live {
    /// Add what WeChat says now: basic info, categories, quotas.
    #[serde(default)]
    live: Option<bool>,
}

/// A Mini Program: setup plan and progress; `?live=true` adds basic info and quotas from WeChat.
#[utoipa::path(get, path = "/mini-programs/{appid}", tag = "mini-programs",
    params(("appid" = String, Path, description = "The Mini Program's appid"), Live),
    responses((status = 200, description = "The Mini Program", body = MiniProgramView),
              (status = "default", description = "Not found, or WeChat's error (live)", body = ApiError)))]
pub(super) async fn get_mini_program(
    State(state): State<AppState>,
    Path(appid_s): Path<String>,
    Query(live): Query<Live>,
) -> Result<Json<MiniProgramView>, ApiError> {
    let mp = crate::store::setup::mini_program(&state.db, &appid_s)
        .await?
        .ok_or_else(|| ApiError::not_found("Mini Program"))?;
    let appid_s = mp.appid;
    let steps = setup::steps(&state, &appid_s).await?;
    let mut view = MiniProgramView {
        history: history(&state.db, &format!("mini_program:{appid_s}")).await?,
        appid: appid_s.clone(),
        registration_id: mp.registration_id,
        oa_appid: mp.oa_appid,
        created_at: mp.created_at,
        setup: steps.iter().map(StepView::of).collect(),
        basic_info: None,
        categories: None,
        quotas: None,
    };
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
        view.quotas = Some(Quotas {
            head_image: basic.head_image_info.as_ref().map(|h| Quota {
                used: h.modify_used_count,
                quota: h.modify_quota,
            }),
            signature: basic.signature_info.as_ref().map(|s| Quota {
                used: s.modify_used_count,
                quota: s.modify_quota,
            }),
            categories: json!({"limit": cats.limit, "left": cats.quota, "category_limit": cats.category_limit}),
        });
        view.basic_info = Some(serde_json::to_value(&basic).unwrap_or(Value::Null));
        view.categories = Some(serde_json::to_value(&cats).unwrap_or(Value::Null));
    }
    Ok(Json(view))
}

async fn ours(state: &AppState, appid: &str) -> Result<(), ApiError> {
    if crate::store::setup::mini_program_known(&state.db, appid).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("Mini Program"))
    }
}

/// Attach (or re-attach) a setup plan.
#[utoipa::path(put, path = "/mini-programs/{appid}/setup", tag = "mini-programs", request_body = setup::SetupPlan,
    params(("appid" = String, Path, description = "The Mini Program's appid")),
    responses((status = 200, description = "The steps it made", body = SetupView),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn attach_setup(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(appid_s): Path<String>,
    Json(plan): Json<setup::SetupPlan>,
) -> Result<Json<SetupView>, ApiError> {
    // Not an appid at all: not one of ours either.
    let appid = AppId::parse(appid_s).map_err(|_| ApiError::not_found("Mini Program"))?;
    let steps = setup::attach_plan(&state, &appid, plan, &actor.0)
        .await
        .map_err(|e| match e {
            setup::AttachError::NotFound(_) => ApiError::not_found("Mini Program"),
            setup::AttachError::Rule(m) => ApiError::invalid(m),
            setup::AttachError::Unexpected(e) => ApiError::unexpected(e),
        })?;
    Ok(Json(SetupView {
        appid: appid.to_string(),
        setup: steps.iter().map(StepView::of).collect(),
    }))
}

/// The name audit, with WeChat's current answer.
#[utoipa::path(get, path = "/mini-programs/{appid}/nickname-audit", tag = "mini-programs",
    params(("appid" = String, Path, description = "The Mini Program's appid")),
    responses((status = 200, description = "The name audit", body = NicknameAuditView),
              (status = "default", description = "Not found", body = ApiError)))]
pub(super) async fn nickname_audit(
    State(state): State<AppState>,
    Path(appid_s): Path<String>,
) -> Result<Json<NicknameAuditView>, ApiError> {
    ours(&state, &appid_s).await?;
    let steps = setup::steps(&state, &appid_s).await?;
    let step = steps
        .iter()
        .find(|s| s.step == "nickname")
        .ok_or_else(|| ApiError::not_found("nickname step"))?;
    let detail: Value = serde_json::from_str(&step.detail).unwrap_or(Value::Null);
    let audit_id = detail.get("audit_id").and_then(Value::as_u64);
    let mut view = NicknameAuditView {
        state: step.state.clone(),
        audit_id,
        error: super::model::failure(&step.failure),
        wechat: None,
        wechat_error: None,
    };
    if let Some(id) = audit_id {
        let appid = appid(appid_s)?;
        match state
            .client
            .query_nickname_audit(&appid, fastreg_protocol::AuditId(id))
            .await
        {
            Ok(r) => view.wechat = Some(serde_json::to_value(r).unwrap_or(Value::Null)),
            Err(e) => view.wechat_error = Some(Failure::from_client(&e)),
        }
    }
    Ok(Json(view))
}

/// The categories this Mini Program may set (WeChat's getallcategories answer).
#[utoipa::path(get, path = "/mini-programs/{appid}/categories/catalog", tag = "mini-programs",
    params(("appid" = String, Path, description = "The Mini Program's appid")),
    responses((status = 200, description = "WeChat's getallcategories answer", body = Object),
              (status = "default", description = "Not found, or WeChat's error", body = ApiError)))]
pub(super) async fn category_catalog(
    State(state): State<AppState>,
    Path(appid_s): Path<String>,
) -> Result<Json<Value>, ApiError> {
    // Only for a Mini Program we know: any other appid would reach WeChat without a token and
    // come back as a 502 (and an ERROR in our log) for what is the caller's typo.
    ours(&state, &appid_s).await?;
    let appid = appid(appid_s)?;
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

/// `POST …/categories/{category}/resubmit`'s body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ResubmitCategory {
    /// New qualification images (at least one), each under the document's name as
    /// getallcategories lists it.
    certificates: Vec<setup::CertificatePlan>,
}

/// Resubmit a rejected category with new qualification images: uploaded, modifycategory called
/// once (only a rejected category may be modified, 53307; only a set one, 53306), its audit
/// followed again.
#[utoipa::path(post, path = "/mini-programs/{appid}/categories/{category}/resubmit", tag = "mini-programs",
    request_body = ResubmitCategory,
    params(("appid" = String, Path, description = "The Mini Program's appid"),
           ("category" = String, Path, description = "first-second category ids, e.g. 8-39", pattern = "^[0-9]+-[0-9]+$")),
    responses((status = 202, description = "Sent; its audit is followed", body = CategoryResubmitted),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn resubmit_category(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((appid_s, category)): Path<(String, String)>,
    Json(body): Json<ResubmitCategory>,
) -> Result<(StatusCode, Json<CategoryResubmitted>), ApiError> {
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
        Json(CategoryResubmitted {
            appid: appid.to_string(),
            category: key.to_string(),
            step: StepView::of(&step),
        }),
    ))
}

/// Delete a category (deletecategory; refused while it is under review, 53308) and take it out
/// of the setup plan.
#[utoipa::path(delete, path = "/mini-programs/{appid}/categories/{category}", tag = "mini-programs",
    params(("appid" = String, Path, description = "The Mini Program's appid"),
           ("category" = String, Path, description = "first-second category ids, e.g. 8-39", pattern = "^[0-9]+-[0-9]+$")),
    responses((status = 200, description = "Deleted", body = CategoryDeleted),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn delete_category(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((appid_s, category)): Path<(String, String)>,
) -> Result<Json<CategoryDeleted>, ApiError> {
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
    Ok(Json(CategoryDeleted {
        appid: appid.to_string(),
        deleted: key.to_string(),
        categories: serde_json::to_value(categories).map_err(|e| ApiError::unexpected(e.into()))?,
        setup: steps.iter().map(StepView::of).collect(),
    }))
}

// ---- rebind ----

/// Start an admin rebind: answers the componentrebindadmin URL the current admin opens.
#[utoipa::path(post, path = "/mini-programs/{appid}/rebind", tag = "mini-programs",
    params(("appid" = String, Path, description = "The Mini Program's appid")),
    responses((status = 201, description = "Started", body = RebindView),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn create_rebind(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(appid_s): Path<String>,
) -> Result<(StatusCode, Json<RebindView>), ApiError> {
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
    Ok((StatusCode::CREATED, Json(RebindView::of(&t, vec![]))))
}

/// A rebind task's state.
#[utoipa::path(get, path = "/rebind-tasks/{id}", tag = "mini-programs",
    params(("id" = String, Path, description = "The rebind task's id")),
    responses((status = 200, description = "The task", body = RebindView),
              (status = "default", description = "Not found", body = ApiError)))]
pub(super) async fn get_rebind(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RebindView>, ApiError> {
    let t = crate::rebind::get(&state, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("rebind task"))?;
    let h = history(&state.db, &format!("rebind:{id}")).await?;
    Ok(Json(RebindView::of(&t, h)))
}

// ---- jobs ----

/// Jobs with status, attempts and last error (filter: status).
#[utoipa::path(get, path = "/jobs", tag = "jobs", params(Page),
    responses((status = 200, description = "The jobs", body = JobList),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn list_jobs(State(state): State<AppState>, Query(p): Query<Page>) -> Result<Json<JobList>, ApiError> {
    let items = state.queue.list(p.status.as_deref(), p.limit()).await?;
    Ok(Json(JobList { items }))
}

/// One job.
#[utoipa::path(get, path = "/jobs/{id}", tag = "jobs",
    params(("id" = i64, Path, description = "The job's id")),
    responses((status = 200, description = "The job", body = JobView),
              (status = "default", description = "Not found", body = ApiError)))]
pub(super) async fn get_job(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<JobView>, ApiError> {
    let job = state.queue.get(id).await?.ok_or_else(|| ApiError::not_found("job"))?;
    Ok(Json(job))
}

// ---- audit log ----

/// Who did what, newest first.
#[utoipa::path(get, path = "/audit-log", tag = "jobs", params(Page),
    responses((status = 200, description = "The entries", body = AuditList),
              (status = "default", description = "Refused", body = ApiError)))]
pub(super) async fn audit_log(
    State(state): State<AppState>,
    Query(p): Query<Page>,
) -> Result<Json<AuditList>, ApiError> {
    let items = crate::store::audit::latest(&state.db, p.limit()).await?;
    Ok(Json(AuditList { items }))
}
