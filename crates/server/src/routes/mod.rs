//! The other routes to a new Mini Program (issue 11, `registration-routes.md`): enterprise fast
//! registration (快速注册企业小程序), personal registration (快速注册个人小程序) and the trial Mini
//! Program (试用小程序), with the trial's conversion (转正, [`trial`]).
//!
//! Each is a row of `registrations` with its `route`, driven by its own durable job
//! ([`workflow`]):
//!
//! ```text
//! creating ──create (the mark is written first)──▶ awaiting_user ──push / query: created──▶ exchanging ──query_auth──▶ registered ──▶ setup
//!    │   └─lost answer, crash──▶ create_unknown ──create again (an unconfirmable task)──┘  │   └─push / query: a failure status, 24 h──▶ failed
//!    └─WeChat refuses (errcode)──▶ failed ◀────────────────────────────────────────────────┘
//! ```
//!
//! The user's link (`auth_url`) is shown as a QR code ([`qr`]); WeChat tells the outcome by a push
//! correlated by taskid / unique_id ([`push`]), and a lost push is made good by polling the
//! task's `query` (the trial, which has none, by WeChat's authorizer list) with a doubling wait.
//! A failed registration starts again from the same input in one call ([`restart`]).

pub mod input;
pub mod push;
pub mod qr;
pub mod trial;
pub mod workflow;

use crate::failure::Failure;
use crate::startup::{AppState, audit};
use crate::store::{self, record_history};
use anyhow::Context;
use fastreg_protocol::catalog::task_status::{StatusTable, lookup_status};
use input::{FieldError, RouteInput};
use serde::Serialize;

/// The job kind that drives the routes' registrations.
pub const JOB: &str = "route_registration";

/// The create call is being (or may have been) made; the mark is written before it.
pub const CREATING: &str = "creating";
/// The create call's answer was lost (or the service stopped during it).
pub const CREATE_UNKNOWN: &str = "create_unknown";
/// WeChat opened the task: the user must open `auth_url` within 24 h.
pub const AWAITING_USER: &str = "awaiting_user";
/// WeChat created the Mini Program; its authorization is being exchanged.
pub const EXCHANGING: &str = "exchanging";

/// How long WeChat keeps a task open (24 h).
pub const TASK_TTL_MS: i64 = 24 * 3600 * 1000;
/// A trial's life (14 days).
pub const TRIAL_LIFE_MS: i64 = 14 * 24 * 3600 * 1000;

/// The four routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// 复用公众号主体快速注册 (fastregisterauth), [`crate::registration`].
    OfficialAccount,
    /// 快速注册企业小程序.
    Enterprise,
    /// 快速注册个人小程序.
    Personal,
    /// 试用小程序.
    Trial,
}

impl Route {
    /// Every route, in the order the console offers them.
    pub const ALL: [Route; 4] = [Route::OfficialAccount, Route::Enterprise, Route::Personal, Route::Trial];

    /// The name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::OfficialAccount => "official_account",
            Route::Enterprise => "enterprise",
            Route::Personal => "personal",
            Route::Trial => "trial",
        }
    }

    /// A route by its API name.
    pub fn parse(s: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The catalog table the task query's statuses come from.
    fn query_table(self) -> StatusTable {
        StatusTable::Task
    }
}

/// Whether a state is one of the routes' in-flight states.
pub fn in_flight(state: &str) -> bool {
    matches!(state, CREATING | CREATE_UNKNOWN | AWAITING_USER | EXCHANGING)
}

/// Registrations of every route, newest first, optionally of one Official Account.
pub async fn newest(state: &AppState, oa_appid: Option<&str>, limit: i64) -> anyhow::Result<Vec<RouteRegistration>> {
    crate::store::route_tasks::newest(&state.db, oa_appid, limit).await
}

/// A registration of one of these routes, as stored.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct RouteRegistration {
    /// Id.
    pub id: String,
    /// `enterprise`, `personal`, `trial` (or `official_account`).
    pub route: String,
    /// Workflow state.
    pub state: String,
    /// The user's link ('' until WeChat gave it).
    pub auth_url: String,
    /// When the link lapses (unix ms).
    pub auth_expires_at: Option<i64>,
    /// taskid or unique_id.
    pub task_id: Option<String>,
    /// WeChat's latest task status.
    pub task_status: Option<i64>,
    /// Which table `task_status` is from.
    pub task_status_table: Option<String>,
    /// The input (JSON of [`RouteInput`]).
    pub route_input: Option<String>,
    /// Polls of `query` so far.
    pub polls: i64,
    /// Create calls that may have reached WeChat.
    pub submissions: i64,
    /// When the first create call was (about to be) made.
    pub submitted_at: Option<i64>,
    /// The new Mini Program.
    pub mini_program_appid: Option<String>,
    /// Why it failed (JSON of [`Failure`]).
    pub failure: Option<String>,
    /// What the operator should know.
    pub note: Option<String>,
    /// The setup plan (JSON).
    pub setup_plan: Option<String>,
    /// The registration this one was started again as.
    pub restarted_as: Option<String>,
    /// The Official Account (official_account route only; '' otherwise).
    pub oa_appid: String,
    /// copy_wx_verify (official_account route only).
    pub copy_wx_verify: i64,
    /// fastregister's is_wx_verify_succ (official_account route only), once answered.
    pub is_wx_verify_succ: Option<i64>,
    /// fastregister's is_link_succ (official_account route only), once answered.
    pub is_link_succ: Option<i64>,
    /// Who started it.
    pub created_by: String,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last change (unix ms).
    pub updated_at: i64,
}

impl RouteRegistration {
    /// The route.
    pub fn route(&self) -> Route {
        Route::parse(&self.route).unwrap_or(Route::OfficialAccount)
    }

    /// The input, decoded.
    pub fn input(&self) -> Option<RouteInput> {
        self.route_input.as_deref().and_then(|s| serde_json::from_str(s).ok())
    }

    /// The failure, decoded.
    pub fn failure(&self) -> Option<Failure> {
        self.failure.as_deref().and_then(|f| serde_json::from_str(f).ok())
    }

    pub(crate) fn subject(&self) -> String {
        format!("registration:{}", self.id)
    }

    /// The table of `task_status`.
    pub fn status_table(&self) -> StatusTable {
        match self.task_status_table.as_deref() {
            Some("register_push") => StatusTable::RegisterPush,
            Some("trial_push") => StatusTable::TrialPush,
            _ => self.route().query_table(),
        }
    }
}

/// A WeChat task status with its catalog meaning.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TaskStatus {
    /// WeChat's status number.
    pub code: i64,
    /// Its meaning in Chinese; `null` when the catalog does not know it.
    pub zh: Option<String>,
    /// Its meaning in English.
    pub en: String,
    /// Whether it ends the task; `null` when the catalog does not know it.
    #[serde(rename = "final")]
    pub is_final: Option<bool>,
}

impl TaskStatus {
    /// `code` of `table`, with its catalog entry.
    pub fn of(table: StatusTable, code: i64) -> Self {
        match lookup_status(table, code) {
            Some(e) => TaskStatus {
                code,
                zh: Some(e.zh.to_owned()),
                en: e.en.to_owned(),
                is_final: Some(e.done),
            },
            None => TaskStatus {
                code,
                zh: None,
                en: format!("status {code} (not in the catalog)"),
                is_final: None,
            },
        }
    }
}

/// The failure a task status means, from the catalog; `remedy` starts again for a timeout.
pub fn status_failure(table: StatusTable, code: i64, msg: &str) -> Failure {
    match lookup_status(table, code) {
        Some(e) => Failure {
            code: code.to_string(),
            message: e.en.to_owned(),
            remedy: e.remedy_en.to_owned(),
            message_zh: Some(e.zh.to_owned()),
            remedy_zh: Some(e.remedy_zh.to_owned()),
        },
        None => Failure::new(
            &code.to_string(),
            format!("WeChat ended the task with status {code} ({msg})"),
            "This status is not in our catalog; start again, and ask WeChat support if it repeats.",
        ),
    }
}

/// The failure of a task that lapsed without an answer from WeChat.
pub fn expired_failure() -> Failure {
    Failure {
        message_zh: Some("用户 24 小时内没有完成确认，任务已过期。".into()),
        remedy_zh: Some(
            "重新发起（start again）：POST /api/v1/registrations/{id}/restart，把新的二维码发给用户。".into(),
        ),
        ..Failure::new(
            "task_expired",
            "the user did not finish within 24 hours: the task lapsed",
            "Start again (POST /api/v1/registrations/{id}/restart) and send the user the new QR code.",
        )
    }
}

/// One registration, any route.
pub async fn get(state: &AppState, id: &str) -> anyhow::Result<Option<RouteRegistration>> {
    store::route_tasks::get(&state.db, id).await
}

/// Registrations of `route` in `states` (the in-flight ones: `registrations_route_state`).
pub async fn in_states(
    state: &AppState,
    route: Route,
    states: &[&'static str],
) -> anyhow::Result<Vec<RouteRegistration>> {
    // The states are this module's constants, never input.
    store::route_tasks::in_states(&state.db, route.as_str(), states).await
}

/// The link lifetime of the official_account route (`state_ttl_secs`).
pub fn link_ttl_ms(state: &AppState) -> i64 {
    i64::try_from(state.settings.state_ttl_secs).unwrap_or(i64::MAX / 4_000) * 1000
}

/// Why a route's registration could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A field failed its check (422).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The setup plan is not valid.
    #[error("setup: {0}")]
    Plan(String),
    /// The same subject has a registration under way (WeChat would refuse a second task: 89249).
    #[error("registration {0} of the same subject is still under way")]
    InProgress(String),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn same_subject(a: &RouteInput, b: &RouteInput) -> bool {
    match (a, b) {
        (RouteInput::Enterprise(a), RouteInput::Enterprise(b)) => a.code == b.code,
        (RouteInput::Personal(a), RouteInput::Personal(b)) => a.wxuser == b.wxuser,
        (RouteInput::Trial(a), RouteInput::Trial(b)) => a.openid == b.openid && a.name == b.name,
        _ => false,
    }
}

/// The route of an input.
pub fn route_of(input: &RouteInput) -> Route {
    match input {
        RouteInput::Enterprise(_) => Route::Enterprise,
        RouteInput::Personal(_) => Route::Personal,
        RouteInput::Trial(_) => Route::Trial,
    }
}

/// Starts a registration on the enterprise, personal or trial route. The input is checked first;
/// the row is written `creating` with its job, which calls WeChat's create (the caller sees
/// `auth_url` once it has: `GET /api/v1/registrations/{id}`).
#[tracing::instrument(skip_all, fields(route), err(level = "info", Display))]
pub async fn start(
    state: &AppState,
    input: RouteInput,
    setup_plan: Option<crate::setup::SetupPlan>,
    plan_json: Option<String>,
    actor: &str,
) -> Result<RouteRegistration, StartError> {
    input.check()?;
    let route = route_of(&input);
    tracing::Span::current().record("route", route.as_str());
    for other in in_states(state, route, &[CREATING, CREATE_UNKNOWN, AWAITING_USER, EXCHANGING]).await? {
        if other.input().is_some_and(|o| same_subject(&o, &input)) {
            return Err(StartError::InProgress(other.id));
        }
    }
    let plan = match (setup_plan, plan_json) {
        (Some(plan), _) => Some(
            crate::setup::store_plan(state, plan)
                .await
                .map_err(|e| StartError::Plan(e.to_string()))?,
        ),
        (None, json) => json,
    };
    let id = uuid::Uuid::new_v4().to_string();
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    store::route_tasks::insert(
        &mut tx,
        &id,
        route.as_str(),
        &serde_json::to_string(&input).context("cannot encode the input")?,
        plan.as_deref(),
        actor,
        now,
    )
    .await?;
    record_history(&mut tx, &format!("registration:{id}"), None, CREATING, None).await?;
    workflow::enqueue(state, &mut tx, &id, now).await?;
    tx.commit().await?;
    audit(
        state,
        actor,
        "registration.start",
        &format!("registration:{id}"),
        route.as_str(),
    )
    .await;
    state.metrics.registration_started();
    tracing::info!(registration = %id, "registration started");
    get(state, &id)
        .await?
        .ok_or_else(|| StartError::Unexpected(anyhow::anyhow!("the registration vanished")))
}

/// Why a registration could not be started again.
#[derive(Debug, thiserror::Error)]
pub enum RestartError {
    /// No such registration.
    #[error("no such registration")]
    NotFound,
    /// Only a failed or abandoned registration starts again.
    #[error("registration {id} is {state}: only a failed or abandoned registration can be started again")]
    NotFinished {
        /// The registration.
        id: String,
        /// Its state.
        state: String,
    },
    /// It was started again already.
    #[error("registration {id} was started again already, as {new}")]
    Already {
        /// The registration.
        id: String,
        /// The one it was started again as.
        new: String,
    },
    /// The new start was refused.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The official_account route's start was refused.
    #[error(transparent)]
    OfficialAccount(#[from] crate::registration::StartError),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Starts a failed (or abandoned) registration again from the same input and setup plan; the
/// old one keeps its history and points to the new one (`restarted_as`). Returns the new id.
#[tracing::instrument(skip_all, fields(registration = %id), err(level = "info", Display))]
pub async fn restart(state: &AppState, id: &str, actor: &str) -> Result<String, RestartError> {
    let old = get(state, id).await?.ok_or(RestartError::NotFound)?;
    if let Some(new) = old.restarted_as.clone() {
        return Err(RestartError::Already { id: old.id, new });
    }
    if !matches!(
        old.state.as_str(),
        crate::registration::FAILED | crate::registration::ABANDONED
    ) {
        return Err(RestartError::NotFinished {
            id: old.id,
            state: old.state,
        });
    }
    let new_id = match old.route() {
        Route::OfficialAccount => {
            let oa = fastreg_protocol::AppId::parse(old.oa_appid.clone()).context("the stored appid is malformed")?;
            // The stored plan is the one given (materials by id), readable as a plan again.
            let plan = old.setup_plan.as_deref().and_then(|p| serde_json::from_str(p).ok());
            crate::registration::start(state, &oa, Some(old.copy_wx_verify == 1), plan, actor)
                .await?
                .id
        }
        _ => {
            let input = old.input().context("the registration has no stored input")?;
            start(state, input, None, old.setup_plan.clone(), actor).await?.id
        }
    };
    let mut tx = state.db.begin().await?;
    if store::registrations::set_restarted_as(&mut tx, id, &new_id, state.now_ms()).await? {
        record_history(
            &mut tx,
            &old.subject(),
            Some(&old.state),
            &old.state,
            Some(&format!("started again as registration {new_id}")),
        )
        .await?;
    }
    tx.commit().await?;
    audit(state, actor, "registration.restart", &old.subject(), &new_id).await;
    Ok(new_id)
}

/// A time as China reads it (`2026-05-01 12:00 (UTC+8)`), for remedies.
pub fn china_time(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} (UTC+8)",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}
