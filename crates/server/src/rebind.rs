//! Rebinding a Mini Program's admin (spec §7): start → componentrebindadmin page (signed
//! `state`) → `/callback/rebind?taskid=…`, recorded once → a job calls componentrebindadmin. The
//! `taskid` is single use (85060 afterwards), so a lost answer is reported, not resent.

use crate::callback::{CallbackError, Landing};
use crate::failure::{Failure, is_retryable};
use crate::job::{Job, Outcome};
use crate::startup::{AppState, audit};
use crate::store::{self, record_history};
use anyhow::Context;
use fastreg_protocol::{AppId, TaskId};
use serde::{Deserialize, Serialize};

/// The job kind that completes rebinds.
pub const JOB: &str = "rebind";

/// A rebind task.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct RebindTask {
    /// Id.
    pub id: String,
    /// The Mini Program.
    pub appid: String,
    /// awaiting_admin | taskid_received | submitting | done | failed.
    pub state: String,
    /// The componentrebindadmin URL to send the admins to.
    pub auth_url: String,
    /// Why it failed (JSON).
    pub failure: Option<String>,
    /// Who started it.
    pub created_by: String,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last change (unix ms).
    pub updated_at: i64,
}

/// Why a rebind could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// No account of this appid has authorized the platform.
    #[error("{0} is not an account this platform knows")]
    Unknown(String),
    /// The appid is an Official Account's: componentrebindadmin rebinds a Mini Program's admin.
    #[error("{0} is an Official Account: componentrebindadmin rebinds the admin of a Mini Program only")]
    OfficialAccount(String),
    /// The Mini Program withdrew its authorization (or WeChat refused its refresh token).
    #[error("Mini Program {0} is not authorized to this platform ({1})")]
    NotAuthorized(String, String),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Starts a rebind for an authorized Mini Program (one fastreg registered, or another Mini
/// Program authorized to the platform); an Official Account or an unknown appid is refused.
pub async fn start(state: &AppState, appid: &AppId, actor: &str) -> Result<RebindTask, StartError> {
    let account = store::rebinds::authorizer_kind_and_status(&state.db, appid.as_str()).await?;
    match account {
        None => return Err(StartError::Unknown(appid.to_string())),
        Some((kind, _)) if kind == "official_account" => return Err(StartError::OfficialAccount(appid.to_string())),
        Some((_, status)) if status != "authorized" => {
            return Err(StartError::NotAuthorized(appid.to_string(), status));
        }
        Some(_) => {}
    }
    let id = uuid::Uuid::new_v4().to_string();
    let redirect = crate::callback::redirect_uri(state, "rebind", &id);
    let url =
        fastreg_protocol::page::rebind_admin_url(&state.settings.mp_base, &state.component_appid, appid, &redirect)
            .context("cannot build the componentrebindadmin URL")?;
    let now = state.now_ms();
    store::rebinds::insert(&state.db, &id, appid.as_str(), &url, actor, now).await?;
    record_history(&state.db, &format!("rebind:{id}"), None, "awaiting_admin", None).await?;
    audit(state, actor, "rebind.start", &format!("rebind:{id}"), appid.as_str()).await;
    Ok(get(state, &id).await?.context("the rebind task vanished")?)
}

/// One task.
pub async fn get(state: &AppState, id: &str) -> anyhow::Result<Option<RebindTask>> {
    store::rebinds::get(&state.db, id).await
}

/// Records the callback's `taskid` once and queues the call.
#[tracing::instrument(skip_all, fields(rebind = %id))]
pub async fn record_taskid(state: &AppState, id: &str, taskid: &TaskId) -> Result<Landing, CallbackError> {
    let sealed = state.secrets.seal_str(&format!("rebind_taskid:{id}"), taskid.as_str());
    let digest = state.secrets.digest("taskid", taskid.as_str());
    let mut tx = state.db.begin().await?;
    let n = match store::rebinds::record_taskid(&mut tx, id, sealed, &digest, state.now_ms()).await {
        Ok(n) => n,
        Err(e) if store::is_unique_violation(&e) => 0,
        Err(e) => return Err(anyhow::Error::new(e).context("cannot record the taskid").into()),
    };
    if n == 0 {
        drop(tx);
        let current = get(state, id).await?.ok_or(CallbackError::NotFound("rebind task"))?;
        return Ok(Landing::AlreadyRecorded(format!(
            "This rebind was already received (it is {}).",
            current.state
        )));
    }
    crate::callback::land(
        state,
        tx,
        "rebind",
        id,
        "taskid_received",
        JOB,
        "The new admin's confirmation was received; the rebind is being completed.",
    )
    .await
}

#[derive(Deserialize)]
struct Payload {
    id: String,
}

async fn set_state(
    state: &AppState,
    id: &str,
    from: &str,
    to: &str,
    failure: Option<&Failure>,
) -> anyhow::Result<bool> {
    let failure_json = failure.map(serde_json::to_string).transpose()?;
    let mut tx = state.db.begin().await?;
    let n = store::rebinds::set_state(&mut tx, id, from, to, failure_json.as_deref(), state.now_ms()).await?;
    if n == 1 {
        record_history(
            &mut tx,
            &format!("rebind:{id}"),
            Some(from),
            to,
            failure.map(|f| f.message.as_str()),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// Completes a rebind.
#[tracing::instrument(skip_all, fields(rebind))]
pub async fn run_job(state: &AppState, job: &Job) -> anyhow::Result<Outcome> {
    let Payload { id } = job.payload()?;
    tracing::Span::current().record("rebind", id.as_str());
    let row = store::rebinds::taskid_of(&state.db, &id).await?;
    let Some((appid, current, Some(sealed))) = row else {
        return Ok(Outcome::Dead(format!("rebind {id} has no taskid")));
    };
    match current.as_str() {
        "taskid_received" => {}
        "submitting" => {
            let f = Failure::new(
                "outcome_unknown",
                "the service stopped while componentrebindadmin was in flight; the taskid is single use",
                "Check the Mini Program's admin on WeChat; start a new rebind if it did not change.",
            );
            set_state(state, &id, "submitting", "failed", Some(&f)).await?;
            return Ok(Outcome::Done);
        }
        _ => return Ok(Outcome::Done),
    }
    let taskid = TaskId::parse(
        state
            .secrets
            .open_str(&format!("rebind_taskid:{id}"), &sealed)
            .context("cannot open the taskid")?,
    )
    .context("the stored taskid is malformed")?;
    let appid = AppId::parse(appid).context("malformed appid")?;
    if !set_state(state, &id, "taskid_received", "submitting", None).await? {
        return Ok(Outcome::Done);
    }
    match state.client.rebind_admin(&appid, &taskid).await {
        Ok(()) => {
            set_state(state, &id, "submitting", "done", None).await?;
            tracing::info!(%appid, "admin rebound");
            Ok(Outcome::Done)
        }
        Err(e) if is_retryable(&e) && !e.is_outcome_unknown() => {
            set_state(state, &id, "submitting", "taskid_received", None).await?;
            Ok(Outcome::Retry(e.to_string()))
        }
        Err(e) => {
            set_state(state, &id, "submitting", "failed", Some(&Failure::from_client(&e))).await?;
            Ok(Outcome::Done)
        }
    }
}
