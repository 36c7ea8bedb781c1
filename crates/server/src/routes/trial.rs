//! Trial Mini Programs (试用小程序) after creation: their 14 days (a `trial.expiring` webhook 3
//! days before they lapse), renaming (setbetaweappnickname) and conversion (转正,
//! verifybetaweapp) into a formal Mini Program that keeps its appid and authorization.
//!
//! A conversion is a row of `beta_verifications` with its own job, like a registration:
//! `creating` (the mark, then verifybetaweapp with the trial's token) → `awaiting_user` (the
//! legal person has 24 h to open the link) → `converted` | `failed`, by the
//! `notify_third_fastverifybetaapp` push. verifybetaweapp has no query: a lost push is made
//! good by reading the trial's principal (a converted trial carries the enterprise's name),
//! polled with the same doubling wait. A lost answer to verifybetaweapp is sent again (the lost
//! task's link reached nobody); WeChat's 89251 then proves the first applied and the conversion
//! fails with the time to start again. On conversion the trial's registration's setup plan runs
//! (its name included).

use super::input::{Conversion, FieldError};
use super::workflow::poll_backoff_ms;
use super::{TASK_TTL_MS, china_time, status_failure};
use crate::failure::{Failure, is_lost_answer, is_retryable};
use crate::job::{Job, Outcome};
use crate::startup::{AppState, audit};
use crate::store::{self, AsExec, Tx, record_history};
use anyhow::Context;
use fastreg_protocol::AppId;
use fastreg_protocol::catalog::task_status::{StatusTable, lookup_status};
use fastreg_protocol::event::RegistrationPush;
use fastreg_protocol::registration::{TRIAL_NAME_SUFFIX, VerifyBetaRequest};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The job kind of conversions.
pub const JOB: &str = "beta_verification";
/// The job kind of the expiry reminder.
pub const REMINDER_JOB: &str = "trial_reminder";
/// The reminder goes this long before a trial lapses.
pub const REMIND_BEFORE_MS: i64 = 3 * 24 * 3600 * 1000;
/// Converted.
pub const CONVERTED: &str = "converted";
/// WeChat's answer while a conversion task is pending.
const TASK_PENDING: i64 = 89251;

/// A trial as stored.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Trial {
    /// Its appid.
    pub appid: String,
    /// The registration that created it.
    pub registration_id: Option<String>,
    /// Its name as WeChat shows it.
    pub name: String,
    /// When it lapses unless converted (unix ms).
    pub expires_at: i64,
    /// When it was converted.
    pub converted_at: Option<i64>,
    /// Created (unix ms).
    pub created_at: i64,
}

impl Trial {
    /// Whole days left (0 on the last day; negative once lapsed).
    pub fn days_left(&self, now: i64) -> i64 {
        (self.expires_at - now).div_euclid(24 * 3600 * 1000)
    }
}

/// One trial.
pub async fn get_trial(state: &AppState, appid: &str) -> anyhow::Result<Option<Trial>> {
    store::route_tasks::get_trial(&state.db, appid).await
}

/// Trials not converted, the one lapsing first first.
pub async fn open_trials(state: &AppState) -> anyhow::Result<Vec<Trial>> {
    store::route_tasks::open_trials(&state.db).await
}

/// Queues the `trial.expiring` webhook for 3 days before `expires_at`.
pub async fn schedule_reminder(state: &AppState, tx: &mut Tx, appid: &AppId, expires_at: i64) -> anyhow::Result<()> {
    state
        .queue
        .enqueue(
            &mut *tx,
            REMINDER_JOB,
            &json!({ "appid": appid }),
            Some(&format!("{REMINDER_JOB}:{appid}")),
            expires_at - REMIND_BEFORE_MS,
        )
        .await?;
    Ok(())
}

#[derive(Deserialize)]
struct AppidPayload {
    appid: String,
}

/// The reminder: a `trial.expiring` webhook, unless the trial was converted.
pub async fn run_reminder(state: &AppState, job: &Job) -> anyhow::Result<Outcome> {
    let AppidPayload { appid } = job.payload()?;
    let Some(trial) = get_trial(state, &appid).await? else {
        return Ok(Outcome::Done);
    };
    if trial.converted_at.is_some() {
        return Ok(Outcome::Done);
    }
    let mut tx = state.db.begin().await?;
    if store::route_tasks::mark_trial_reminded(&mut tx, &appid, state.now_ms()).await? {
        crate::webhook::enqueue(
            state,
            &mut tx,
            "trial.expiring",
            json!({ "appid": appid, "name": trial.name, "expires_at": trial.expires_at,
                    "days_left": trial.days_left(state.now_ms()).max(0) }),
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(trial = %appid, "trial lapses in 3 days: reminder sent");
    Ok(Outcome::Done)
}

/// A conversion as stored.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Verification {
    /// Id.
    pub id: String,
    /// The trial.
    pub appid: String,
    /// creating | create_unknown | awaiting_user | converted | failed.
    pub state: String,
    /// The legal person's link.
    pub auth_url: Option<String>,
    /// When it lapses.
    pub auth_expires_at: Option<i64>,
    /// The input (JSON of [`Conversion`]).
    pub input: String,
    /// WeChat's latest status.
    pub task_status: Option<i64>,
    /// Why it failed.
    pub failure: Option<String>,
    /// What the operator should know.
    pub note: Option<String>,
    /// verifybetaweapp calls that may have reached WeChat.
    pub submissions: i64,
    /// Who started it.
    pub created_by: String,
    /// Created.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

impl Verification {
    fn subject(&self) -> String {
        format!("beta_verification:{}", self.id)
    }

    fn input(&self) -> Option<Conversion> {
        serde_json::from_str(&self.input).ok()
    }
}

/// One conversion.
pub async fn get(state: &AppState, id: &str) -> anyhow::Result<Option<Verification>> {
    store::route_tasks::get_verification(&state.db, id).await
}

/// A trial's conversions, newest first.
pub async fn of_trial(state: &AppState, appid: &str) -> anyhow::Result<Vec<Verification>> {
    store::route_tasks::verifications_of_trial(&state.db, appid).await
}

/// Why a conversion or a rename was refused.
#[derive(Debug, thiserror::Error)]
pub enum TrialError {
    /// A field failed its check (422).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// Not one of our trials.
    #[error("{0} is not a trial Mini Program registered through this platform")]
    NotATrial(String),
    /// Converted already.
    #[error("{0} was converted already: it is a formal Mini Program now")]
    Converted(String),
    /// A conversion is under way.
    #[error("conversion {0} of this trial is still under way")]
    InProgress(String),
    /// WeChat refused.
    #[error("WeChat refused: {0}")]
    WeChat(#[from] fastreg_client::Error),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

async fn open_trial(state: &AppState, appid: &str) -> Result<Trial, TrialError> {
    let trial = get_trial(state, appid)
        .await?
        .ok_or_else(|| TrialError::NotATrial(appid.to_owned()))?;
    if trial.converted_at.is_some() {
        return Err(TrialError::Converted(appid.to_owned()));
    }
    Ok(trial)
}

/// Starts a conversion of a trial (`POST /api/v1/mini-programs/{appid}/verify-beta`).
#[tracing::instrument(skip_all, fields(trial = %appid), err(level = "info", Display))]
pub async fn start(state: &AppState, appid: &str, input: Conversion, actor: &str) -> Result<Verification, TrialError> {
    input.check()?;
    open_trial(state, appid).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let inserted = store::route_tasks::insert_verification(
        &mut tx,
        &id,
        appid,
        &serde_json::to_string(&input).context("cannot encode the input")?,
        actor,
        now,
    )
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if crate::store::is_unique_violation(&e) => {
            drop(tx);
            let open = of_trial(state, appid)
                .await?
                .into_iter()
                .find(|v| super::in_flight(&v.state))
                .map(|v| v.id)
                .unwrap_or_default();
            return Err(TrialError::InProgress(open));
        }
        Err(e) => return Err(anyhow::Error::new(e).context("cannot store the conversion").into()),
    }
    record_history(&mut tx, &format!("beta_verification:{id}"), None, super::CREATING, None).await?;
    enqueue(state, &mut tx, &id, now).await?;
    tx.commit().await?;
    audit(state, actor, "trial.verify", &format!("mini_program:{appid}"), &id).await;
    get(state, &id)
        .await?
        .ok_or_else(|| TrialError::Unexpected(anyhow::anyhow!("the conversion vanished")))
}

async fn enqueue(state: &AppState, target: impl AsExec, id: &str, at: i64) -> anyhow::Result<()> {
    state
        .queue
        .enqueue(target, JOB, &json!({ "id": id }), Some(&format!("{JOB}:{id}")), at)
        .await?;
    Ok(())
}

/// Renames a trial (`PUT /api/v1/mini-programs/{appid}/beta-name`); WeChat appends
/// “的体验小程序”. Returns the name WeChat shows.
#[tracing::instrument(skip_all, fields(trial = %appid), err(level = "info", Display))]
pub async fn rename(state: &AppState, appid: &str, name: &str, actor: &str) -> Result<String, TrialError> {
    super::input::trial_name("name", name)?;
    open_trial(state, appid).await?;
    let app = AppId::parse(appid).map_err(|e| TrialError::NotATrial(e.to_string()))?;
    let result = state.client.set_trial_nickname(&app, name).await;
    result?;
    let shown = format!("{name}{TRIAL_NAME_SUFFIX}");
    store::route_tasks::rename_trial(&state.db, appid, &shown, state.now_ms()).await?;
    record_history(
        &state.db,
        &format!("mini_program:{appid}"),
        None,
        "renamed",
        Some(&shown),
    )
    .await?;
    audit(state, actor, "trial.rename", &format!("mini_program:{appid}"), &shown).await;
    Ok(shown)
}

#[derive(Deserialize)]
struct IdPayload {
    id: String,
}

/// Runs one step of a conversion.
#[tracing::instrument(skip_all, fields(conversion))]
pub async fn run_job(state: &AppState, job: &Job) -> anyhow::Result<Outcome> {
    let IdPayload { id } = job.payload()?;
    tracing::Span::current().record("conversion", id.as_str());
    let Some(v) = get(state, &id).await? else {
        return Ok(Outcome::Dead(format!("conversion {id} does not exist")));
    };
    match v.state.as_str() {
        super::CREATING if v.submissions > 0 => {
            move_to(
                state,
                &v,
                super::CREATE_UNKNOWN,
                Some("the service stopped while verifybetaweapp was in flight"),
                None,
            )
            .await?;
            Ok(Outcome::WaitUntil(state.now_ms()))
        }
        super::CREATING | super::CREATE_UNKNOWN => send(state, &v).await,
        super::AWAITING_USER => look(state, &v).await,
        _ => Ok(Outcome::Done),
    }
}

async fn send(state: &AppState, v: &Verification) -> anyhow::Result<Outcome> {
    let Some(input) = v.input() else {
        return Ok(Outcome::Dead("the conversion has no input".into()));
    };
    if v.submissions >= super::workflow::MAX_CREATES {
        let failure = Failure::new(
            "outcome_unknown",
            "verifybetaweapp was sent several times and no answer came back",
            "Check that this service reaches WeChat, then start the conversion again.",
        );
        move_to(state, v, crate::registration::FAILED, None, Some(&failure)).await?;
        return Ok(Outcome::Done);
    }
    if !store::route_tasks::mark_verification_call(&state.db, &v.id, &v.state, v.submissions, state.now_ms()).await? {
        return Ok(Outcome::WaitUntil(state.now_ms()));
    }
    let again = v.submissions > 0;
    let v = Verification {
        state: super::CREATING.into(),
        submissions: v.submissions + 1,
        ..v.clone()
    };
    let appid = AppId::parse(v.appid.clone()).context("the stored appid is malformed")?;
    let req = VerifyBetaRequest::new(&input.enterprise_name, &input.code, &input.component_phone);
    state.crash_points.reach("routes.before_verify_beta").await;
    let result = state.client.verify_trial(&appid, &req).await;
    match result {
        Ok(r) => {
            let now = state.now_ms();
            let mut tx = state.db.begin().await?;
            if store::route_tasks::record_verification_link(&mut tx, &v.id, &r.authorize_url, now + TASK_TTL_MS, now)
                .await?
            {
                record_history(&mut tx, &v.subject(), Some(super::CREATING), super::AWAITING_USER, None).await?;
            }
            tx.commit().await?;
            Ok(Outcome::WaitUntil(now + poll_backoff_ms(0)))
        }
        Err(e) if is_lost_answer(&e) || e.code() == Some(-1) => {
            let note = format!("verifybetaweapp: {}", crate::failure::what_happened(&e));
            move_to(state, &v, super::CREATE_UNKNOWN, Some(&note), None).await?;
            Ok(Outcome::WaitUntil(state.now_ms() + 5_000))
        }
        Err(e) if again && e.code() == Some(TASK_PENDING) => {
            let free_at = v.created_at + TASK_TTL_MS;
            let failure = Failure::new(
                "89251",
                "the first verifybetaweapp's answer was lost, but WeChat had opened the conversion task (a second call answered 89251); its link never reached anyone",
                format!("Start the conversion again after {}.", china_time(free_at)),
            );
            move_to(state, &v, crate::registration::FAILED, None, Some(&failure)).await?;
            Ok(Outcome::Done)
        }
        Err(e) if is_retryable(&e) => {
            store::route_tasks::uncount_verification_call(
                &state.db,
                &v.id,
                if again { super::CREATE_UNKNOWN } else { super::CREATING },
            )
            .await?;
            Ok(Outcome::Retry(e.to_string()))
        }
        Err(e) => {
            move_to(
                state,
                &v,
                crate::registration::FAILED,
                None,
                Some(&Failure::from_client(&e)),
            )
            .await?;
            Ok(Outcome::Done)
        }
    }
}

/// awaiting_user without a push: a converted trial carries the enterprise's name.
async fn look(state: &AppState, v: &Verification) -> anyhow::Result<Outcome> {
    let now = state.now_ms();
    let expires = v.auth_expires_at.unwrap_or(v.created_at + TASK_TTL_MS);
    let input = v.input();
    let appid = AppId::parse(v.appid.clone()).context("the stored appid is malformed")?;
    if let (Ok(info), Some(input)) = (state.client.authorizer_info(&appid).await, input)
        && info.authorizer_info.principal_name == input.enterprise_name
    {
        converted(
            state,
            v,
            "the push did not come; the trial's principal shows the conversion",
        )
        .await?;
        return Ok(Outcome::Done);
    }
    if now >= expires + 10 * 60_000 {
        move_to(
            state,
            v,
            crate::registration::FAILED,
            None,
            Some(&super::expired_failure()),
        )
        .await?;
        return Ok(Outcome::Done);
    }
    // The wait grows with the time waited (half of it: 1 min, 1.5, 2.25, … at most 30 min).
    let wait = ((now - v.created_at) / 2).clamp(poll_backoff_ms(0), poll_backoff_ms(10));
    Ok(Outcome::WaitUntil((now + wait).min(expires + 10 * 60_000)))
}

/// `notify_third_fastverifybetaapp`: by the trial's appid.
pub async fn verify_pushed(state: &AppState, push: &RegistrationPush) -> anyhow::Result<()> {
    let Some(appid) = push.appid.as_ref() else {
        tracing::info!("a conversion push without an appid; ignored");
        return Ok(());
    };
    let Some(v) = of_trial(state, appid.as_str())
        .await?
        .into_iter()
        .find(|v| super::in_flight(&v.state))
    else {
        tracing::info!(trial = %appid, "a conversion push for no conversion under way; ignored");
        return Ok(());
    };
    store::route_tasks::set_verification_status(&state.db, &v.id, push.status, state.now_ms()).await?;
    if push.status == 0 {
        return converted(state, &v, "WeChat converted the trial (push)").await;
    }
    if lookup_status(StatusTable::RegisterPush, push.status).is_none_or(|e| e.done) {
        let failure = status_failure(StatusTable::RegisterPush, push.status, &push.msg);
        move_to(state, &v, crate::registration::FAILED, None, Some(&failure)).await?;
    }
    Ok(())
}

/// → converted: the trial is a formal Mini Program; its registration's setup plan runs.
async fn converted(state: &AppState, v: &Verification, note: &str) -> anyhow::Result<()> {
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    if !store::route_tasks::mark_converted(&mut tx, &v.id, &v.state, now).await? {
        return Ok(());
    }
    record_history(&mut tx, &v.subject(), Some(&v.state), CONVERTED, Some(note)).await?;
    store::route_tasks::mark_trial_converted(&mut tx, &v.appid, now).await?;
    if let Some(plan) = store::route_tasks::trial_setup_plan(&mut tx, &v.appid).await? {
        let appid = AppId::parse(v.appid.clone()).context("the stored appid is malformed")?;
        crate::setup::attach(state, &mut tx, &appid, &plan).await?;
    }
    crate::webhook::enqueue(
        state,
        &mut tx,
        "trial.converted",
        json!({ "appid": v.appid, "beta_verification_id": v.id }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(trial = %v.appid, "trial converted");
    Ok(())
}

async fn move_to(
    state: &AppState,
    v: &Verification,
    to: &str,
    note: Option<&str>,
    failure: Option<&Failure>,
) -> anyhow::Result<bool> {
    let failure_json = failure.map(serde_json::to_string).transpose()?;
    let mut tx = state.db.begin().await?;
    let moved = store::route_tasks::change_verification_state(
        &mut tx,
        &v.id,
        &v.state,
        to,
        failure_json.as_deref(),
        note,
        state.now_ms(),
    )
    .await?;
    if moved {
        record_history(
            &mut tx,
            &v.subject(),
            Some(&v.state),
            to,
            note.or(failure_json.as_deref()),
        )
        .await?;
        if to == crate::registration::FAILED {
            crate::webhook::enqueue(
                state,
                &mut tx,
                "trial.conversion_failed",
                json!({ "appid": v.appid, "beta_verification_id": v.id, "failure": failure }),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(moved)
}
