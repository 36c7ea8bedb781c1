//! The fast-register workflow (spec §1): from the operator's start to a registered Mini Program
//! whose refresh token is safe in the database.
//!
//! ```text
//! awaiting_admin ──callback(ticket), once──▶ ticket_received ──▶ submitting ──fastregister──▶ code_received
//!    │                                          │      ▲            │     │                           │ query_auth
//!    │ operator: abandon,                       │      │ resend,    │     └─WeChat error──▶ failed    ▼
//!    │ before any call                          │      │ if WeChat  │ lost answer, a crash,      registered ──▶ setup
//!    ▼                                          │      │ shows none │ or the resend answered 61058    ▲
//!  abandoned ◀──────────────────────────────────┘      │            ▼                                 │
//!                                                      └───── outcome_unknown ──reconcile: found──────┘
//! ```
//!
//! Each arrow is one run of the registration's job and is persisted before the next: `submitting`
//! is written *before* fastregister is called, so a run that finds a registration in
//! `submitting` knows the call may have been made and never makes it blindly again — it
//! reconciles instead, from the `authorized` push WeChat sends for the new Mini Program, from
//! api_get_authorizer_list, and, among several candidates, from the missing name of a Mini
//! Program fresh from fastregister.
//!
//! The ticket is sent again only when WeChat's authorizer list shows no new Mini Program after
//! `reconcile_grace_secs` (WeChat authorizes every Mini Program it fast-registers to the
//! component at once, so its absence shows the call never applied — WeChat answered -1 without
//! acting, or the request never reached it); the wait doubles with each call, up to
//! [`MAX_FASTREGISTER_CALLS`] calls while the ticket is valid. A 61058 answer to a resend is taken
//! as proof that an earlier one applied (the
//! ticket is single use): the registration does not fail but goes back to `outcome_unknown` and
//! reconciles for the rest of `reconcile_timeout_secs`, counted from the first call, with a
//! note for the operator. `submissions` counts only calls that may have reached WeChat (one
//! rejected before WeChat acted is uncounted), and `submitted_at` stays the time of the first.
//!
//! The appid and authorization_code are written before query_auth, and query_auth's refresh
//! token is written (by the client, through [`crate::token_store`]) before the registration
//! becomes `registered`; a crash after the exchange finds the refresh token stored and goes on,
//! and a code lost with its answer is replaced by the refresh token the authorizer list carries.
//!
//! An operator may [`abandon`] a registration that has not reached fastregister (its admin never
//! confirmed, or its job gave up before any call), which frees the account for a new one.

use crate::callback::{CallbackError, Landing};
use crate::failure::{Failure, is_lost_answer, is_retryable};
use crate::job::{Job, Outcome};
use crate::startup::{AppState, audit};
use crate::store::{AsExec, Tx, now_ms, record_history};
use crate::{execute, fetch_all, fetch_one, fetch_optional};
use anyhow::Context;
use fastreg_client::Error as ClientError;
use fastreg_protocol::{AppId, AuthorizationCode, Ticket};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The job kind that drives registrations.
pub const JOB: &str = "registration";

/// Waiting for the Official Account's admin to confirm on the fastregisterauth page.
pub const AWAITING_ADMIN: &str = "awaiting_admin";
/// The callback brought a ticket.
pub const TICKET_RECEIVED: &str = "ticket_received";
/// fastregister is being (or may have been) called.
pub const SUBMITTING: &str = "submitting";
/// fastregister's answer was lost; reconciling.
pub const OUTCOME_UNKNOWN: &str = "outcome_unknown";
/// fastregister answered; appid and authorization_code stored.
pub const CODE_RECEIVED: &str = "code_received";
/// The Mini Program exists and its refresh token is stored.
pub const REGISTERED: &str = "registered";
/// Stopped; see `failure`.
pub const FAILED: &str = "failed";
/// Given up by the operator before fastregister was sent (see [`abandon`]).
pub const ABANDONED: &str = "abandoned";

/// fastregister's answer to a ticket it does not take: unknown, expired, or already spent.
const TICKET_SPENT: i64 = 61058;
/// The most fastregister calls one ticket is sent in (the first and its resends after WeChat
/// answered -1 or the answer was lost, each only when WeChat showed no trace of the one before).
pub const MAX_FASTREGISTER_CALLS: i64 = 8;

/// How long after the first call the ticket is still sent: fastregisterauth's ticket is short
/// lived (the emulator keeps WeChat's 30 minutes); past this a resend could only fail.
const FASTREGISTER_TICKET_LIFE_MS: i64 = 25 * 60 * 1000;

/// The note (and history entry) of a resend that found the ticket spent.
const SPENT_NOTE: &str = "the resent ticket answered 61058 (invalid ticket): it was already spent, so the first fastregister call did apply and the Mini Program exists. Finding it again from the `authorized` push and the authorizer list until reconcile_timeout_secs after the first call; fastregister is not sent again.";

/// A registration as stored.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Registration {
    /// Id.
    pub id: String,
    /// The Official Account whose entity is reused.
    pub oa_appid: String,
    /// 1 if the account's WeChat verification is reused.
    pub copy_wx_verify: i64,
    /// Workflow state.
    pub state: String,
    /// The fastregisterauth URL to send the admin to.
    pub auth_url: String,
    /// When the first fastregister call that may have reached WeChat was (about to be) made
    /// (unix ms).
    pub submitted_at: Option<i64>,
    /// fastregister calls that may have reached WeChat (the first and the resends, at most
    /// [`MAX_FASTREGISTER_CALLS`]).
    pub submissions: i64,
    /// The new Mini Program.
    pub mini_program_appid: Option<String>,
    /// fastregister's is_wx_verify_succ.
    pub is_wx_verify_succ: Option<i64>,
    /// fastregister's is_link_succ.
    pub is_link_succ: Option<i64>,
    /// Why it failed (JSON of [`Failure`]).
    pub failure: Option<String>,
    /// What the operator should know (a reconciled answer, a forced choice).
    pub note: Option<String>,
    /// The setup plan to run once registered (JSON).
    pub setup_plan: Option<String>,
    /// Who started it.
    pub created_by: String,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last change (unix ms).
    pub updated_at: i64,
}

const COLUMNS: &str = "id, oa_appid, copy_wx_verify, state, auth_url, submitted_at, submissions, mini_program_appid, is_wx_verify_succ, \
     is_link_succ, failure, note, setup_plan, created_by, created_at, updated_at";

impl Registration {
    /// The failure, decoded.
    pub fn failure(&self) -> Option<Failure> {
        self.failure.as_deref().and_then(|f| serde_json::from_str(f).ok())
    }

    /// Whether the operator may still [`abandon`] it: fastregister has not been sent.
    pub fn may_abandon(&self) -> bool {
        self.state == AWAITING_ADMIN || (self.state == TICKET_RECEIVED && self.submissions == 0)
    }

    fn subject(&self) -> String {
        format!("registration:{}", self.id)
    }

    /// The registration as the REST API shows it (`GET /api/v1/registrations/{id}`).
    pub fn api_view(&self, history: Vec<crate::store::HistoryEntry>) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "oa_appid": self.oa_appid,
            "state": self.state,
            "copy_wx_verify": self.copy_wx_verify == 1,
            "auth_url": self.auth_url,
            "mini_program_appid": self.mini_program_appid,
            "is_wx_verify_succ": self.is_wx_verify_succ.map(|v| v == 1),
            "is_link_succ": self.is_link_succ.map(|v| v == 1),
            "error": self.failure(),
            "note": self.note,
            "has_setup_plan": self.setup_plan.is_some(),
            "created_by": self.created_by,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "history": history,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    id: String,
}

/// Why a registration could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The Official Account has not authorized the component (or withdrew it).
    #[error("{0} has not authorized this platform; authorize it first (POST /api/v1/authorizations)")]
    NotAuthorized(String),
    /// Another registration of the account is under way (spec rule 3 / 61057); `dead_job` is its
    /// job, when that gave up.
    #[error("registration {id} of this account is still under way; finish or wait for it first")]
    InProgress {
        /// The registration under way.
        id: String,
        /// Its job, if it gave up (retry it, or abandon the registration).
        dead_job: Option<i64>,
    },
    /// The account has not granted this platform the fast-registration permission set
    /// (WeChat would refuse fastregister with 48001 after the admin scanned).
    #[error(
        "{0} has not granted this platform the fast-registration permission set; its admin must authorize again with that set ticked"
    )]
    PermissionMissing(String),
    /// The account has made its five successful registrations this month (WeChat's 61055).
    #[error(
        "{appid} has made {used} successful fast registrations this month, WeChat's limit; start again next month (China time)"
    )]
    MonthlyLimit {
        /// The account.
        appid: String,
        /// Successful registrations this month.
        used: i64,
    },
    /// A bad argument.
    #[error("{0}")]
    Invalid(String),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Starts a registration for an authorized Official Account and returns it, with the URL to
/// send the account's admin to.
///
/// `copy_wx_verify`: `None` reuses the account's verification (the usual wish); `Some(false)` is
/// overridden for government, media and other-organization accounts, which must reuse it (61056).
// Refusals (not authorized, in progress, invalid) are the caller's: logged at INFO; the callers log
// `Unexpected` at ERROR.
#[tracing::instrument(skip_all, fields(oa = %oa_appid), err(level = "info", Display))]
pub async fn start(
    state: &AppState,
    oa_appid: &AppId,
    copy_wx_verify: Option<bool>,
    setup_plan: Option<crate::setup::SetupPlan>,
    actor: &str,
) -> Result<Registration, StartError> {
    let authorizer: Option<(String, Option<Vec<u8>>, String)> = fetch_optional!(
        &state.db,
        (String, Option<Vec<u8>>, String),
        "SELECT status, refresh_token_sealed, func_info FROM authorizers WHERE appid = $1",
        oa_appid.as_str()
    )
    .context("cannot read the authorizer")?;
    let func_info = match authorizer {
        Some((status, Some(_), func_info)) if status == "authorized" => func_info,
        _ => return Err(StartError::NotAuthorized(oa_appid.to_string())),
    };
    // The rules WeChat would refuse by, checked for every caller before an admin is asked to scan.
    let granted = serde_json::from_str::<Vec<u32>>(&func_info).unwrap_or_default();
    if !granted
        .into_iter()
        .filter_map(fastreg_protocol::permission::PermissionSet::from_funcscope_id)
        .any(|s| s == fastreg_protocol::permission::PermissionSet::FastRegister)
    {
        return Err(StartError::PermissionMissing(oa_appid.to_string()));
    }
    let used = registered_this_month(state, oa_appid).await?;
    if used >= MONTHLY_LIMIT {
        return Err(StartError::MonthlyLimit {
            appid: oa_appid.to_string(),
            used,
        });
    }
    let ttl_ms = link_ttl_ms(state);
    if in_flight(state, oa_appid).await?.is_some() {
        return Err(in_progress(state, oa_appid).await?);
    }

    let mut note = None;
    let copy = match copy_wx_verify {
        None | Some(true) => true,
        Some(false) => match state.client.account_basic_info(oa_appid).await {
            // principal_type 2 media, 3 government, 4 other organization must reuse (61056).
            Ok(info) if matches!(info.principal_type, 2..=4) => {
                note = Some("copy_wx_verify forced to 1: government, media and other organizations must reuse the account's verification (61056)".to_owned());
                true
            }
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the account's subject type; keeping copy_wx_verify=0 as asked");
                false
            }
        },
    };
    let plan = match setup_plan {
        Some(plan) => Some(
            crate::setup::store_plan(state, plan)
                .await
                .map_err(|e| StartError::Invalid(e.to_string()))?,
        ),
        None => None,
    };

    let id = uuid::Uuid::new_v4().to_string();
    let redirect = crate::callback::redirect_uri(state, "fastregister", &id);
    let url = fastreg_protocol::page::fast_register_auth_url(
        &state.settings.mp_base,
        &state.component_appid,
        oa_appid,
        copy,
        &redirect,
    )
    .map_err(|e| StartError::Invalid(format!("cannot build the fastregisterauth URL: {e}")))?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    // A link that expired unconfirmed frees its account: it is abandoned in the same transaction
    // as the new row, so the one-in-flight index sees one or the other.
    execute!(
        &mut tx,
        "UPDATE registrations SET state = 'abandoned', note = $1, updated_at = $2
         WHERE oa_appid = $3 AND state = 'awaiting_admin' AND created_at <= $4",
        "its link expired before the admin confirmed; superseded by a new registration",
        now,
        oa_appid.as_str(),
        now - ttl_ms
    )
    .context("cannot retire an expired registration link")?;
    let inserted = execute!(
        &mut tx,
        "INSERT INTO registrations (id, oa_appid, copy_wx_verify, state, auth_url, note, setup_plan, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, 'awaiting_admin', $4, $5, $6, $7, $8, $8)",
        &id,
        oa_appid.as_str(),
        i64::from(copy),
        &url,
        note.as_deref(),
        plan.as_deref(),
        actor,
        now
    );
    match inserted {
        Ok(_) => {}
        // `registrations_one_in_flight`: another start for this account won the race.
        Err(e) if crate::store::is_unique_violation(&e) => {
            drop(tx);
            return Err(in_progress(state, oa_appid).await?);
        }
        Err(e) => return Err(anyhow::Error::new(e).context("cannot store the registration").into()),
    }
    record_history(
        &mut tx,
        &format!("registration:{id}"),
        None,
        AWAITING_ADMIN,
        note.as_deref(),
    )
    .await?;
    tx.commit().await?;
    audit(
        state,
        actor,
        "registration.start",
        &format!("registration:{id}"),
        oa_appid.as_str(),
    )
    .await;
    state.metrics.registration_started();
    tracing::info!(registration = %id, copy_wx_verify = copy, "registration started");
    get(state, &id)
        .await?
        .ok_or_else(|| StartError::Unexpected(anyhow::anyhow!("the registration vanished")))
}

/// Successful fast registrations a month (spec rule 4; WeChat's 61055).
pub const MONTHLY_LIMIT: i64 = 5;

/// The account's registration in flight, if any (at most one: `registrations_one_in_flight`).
/// A link still awaiting its admin past `state_ttl_secs` does not count: the next start retires it.
async fn in_flight(state: &AppState, oa_appid: &AppId) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = fetch_optional!(
        &state.db,
        (String,),
        "SELECT id FROM registrations WHERE oa_appid = $1
           AND (state IN ('ticket_received', 'submitting', 'outcome_unknown', 'code_received')
                OR (state = 'awaiting_admin' AND created_at > $2))
         LIMIT 1",
        oa_appid.as_str(),
        state.now_ms() - link_ttl_ms(state)
    )
    .context("cannot look for registrations under way")?;
    Ok(row.map(|(id,)| id))
}

fn link_ttl_ms(state: &AppState) -> i64 {
    i64::try_from(state.settings.state_ttl_secs).unwrap_or(i64::MAX / 4_000) * 1000
}

/// The refusal for an account with a registration in flight, naming it (and its job, if that
/// gave up).
async fn in_progress(state: &AppState, oa_appid: &AppId) -> Result<StartError, StartError> {
    let Some(id) = in_flight(state, oa_appid).await? else {
        return Ok(StartError::Unexpected(anyhow::anyhow!(
            "a concurrent start of this account's registration conflicted; try again"
        )));
    };
    let job = state.queue.with_key(&format!("registration:{id}")).await?;
    let dead_job = job.filter(|j| j.status == "dead").map(|j| j.id);
    Ok(StartError::InProgress { id, dead_job })
}

/// Successful fast registrations of `oa_appid` this calendar month on China's calendar, as this
/// platform made them (spec rule 4 counts successes only).
pub async fn registered_this_month(state: &AppState, oa_appid: &AppId) -> anyhow::Result<i64> {
    let (n,): (i64,) = fetch_one!(
        &state.db,
        (i64,),
        "SELECT COUNT(*) FROM registrations
         WHERE oa_appid = $1 AND state = 'registered' AND COALESCE(submitted_at, created_at) >= $2",
        oa_appid.as_str(),
        crate::calendar::month_start_ms()
    )
    .context("cannot count this month's registrations")?;
    Ok(n)
}

/// One registration.
pub async fn get(state: &AppState, id: &str) -> anyhow::Result<Option<Registration>> {
    let sql = format!("SELECT {COLUMNS} FROM registrations WHERE id = $1");
    fetch_optional!(&state.db, Registration, sql.as_str(), id).context("cannot read a registration")
}

/// Registrations, newest first.
pub async fn list(state: &AppState, oa_appid: Option<&str>, limit: i64) -> anyhow::Result<Vec<Registration>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM registrations WHERE ($1 IS NULL OR oa_appid = $1) ORDER BY created_at DESC, id LIMIT $2"
    );
    fetch_all!(&state.db, Registration, sql.as_str(), oa_appid, limit).context("cannot list registrations")
}

/// Why a registration could not be abandoned.
#[derive(Debug, thiserror::Error)]
pub enum AbandonError {
    /// No registration has this id.
    #[error("no such registration")]
    NotFound,
    /// fastregister may have been sent: the Mini Program may exist, so the registration must
    /// finish (registered, or failed with what is known).
    #[error("registration {id} is {state}: fastregister may have been sent, so the Mini Program may exist")]
    MayHaveBeenSent {
        /// The registration.
        id: String,
        /// Its state.
        state: String,
    },
    /// It is over already.
    #[error("registration {id} is {state} already")]
    Finished {
        /// The registration.
        id: String,
        /// Its state.
        state: String,
    },
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Gives up a registration that has not reached fastregister — still `awaiting_admin`, or
/// `ticket_received` with no call that may have reached WeChat — so that its account is free
/// for a new one (a stuck registration otherwise blocks it: 409, WeChat's 61057 rule). Refused
/// once fastregister may have been sent, since the Mini Program may exist then.
///
/// A compare-and-set like every other change: a callback or a job that moves the registration
/// on at the same moment wins or loses cleanly, and a job that runs later finds it `abandoned`
/// and does nothing.
#[tracing::instrument(skip_all, fields(registration = %id), err(level = "info", Display))]
pub async fn abandon(state: &AppState, id: &str, actor: &str) -> Result<Registration, AbandonError> {
    let mut tx = state.db.begin().await?;
    let mut from = None;
    for candidate in [AWAITING_ADMIN, TICKET_RECEIVED] {
        let n = execute!(
            &mut tx,
            "UPDATE registrations SET state = 'abandoned', updated_at = $1
             WHERE id = $2 AND state = $3 AND (state = 'awaiting_admin' OR submissions = 0)",
            state.now_ms(),
            id,
            candidate
        )
        .context("cannot abandon a registration")?;
        if n == 1 {
            from = Some(candidate);
            break;
        }
    }
    let Some(from) = from else {
        drop(tx);
        let reg = get(state, id).await?.ok_or(AbandonError::NotFound)?;
        let (id, current) = (reg.id, reg.state);
        return Err(match current.as_str() {
            REGISTERED | FAILED | ABANDONED => AbandonError::Finished { id, state: current },
            _ => AbandonError::MayHaveBeenSent { id, state: current },
        });
    };
    let note = match from {
        AWAITING_ADMIN => format!("abandoned by {actor} before the admin confirmed"),
        _ => format!("abandoned by {actor}; fastregister was never sent"),
    };
    record_history(
        &mut tx,
        &format!("registration:{id}"),
        Some(from),
        ABANDONED,
        Some(&note),
    )
    .await?;
    tx.commit().await?;
    audit(
        state,
        actor,
        "registration.abandon",
        &format!("registration:{id}"),
        from,
    )
    .await;
    state.metrics.registration_finished(ABANDONED);
    tracing::info!(from, "registration abandoned");
    get(state, id)
        .await?
        .ok_or_else(|| AbandonError::Unexpected(anyhow::anyhow!("the registration vanished")))
}

/// The note of a registration whose admin declined on WeChat's page (the console shows it in
/// the reader's language).
pub const DECLINED_NOTE: &str = "the admin declined on WeChat's confirmation page";

/// The fastregisterauth callback came back without a ticket: the admin declined. A registration
/// still awaiting its admin ends `abandoned` with [`DECLINED_NOTE`], which frees its account to
/// start again; a replay, or one that moved on, changes nothing.
#[tracing::instrument(skip_all, fields(registration = %id))]
pub async fn record_declined(state: &AppState, id: &str) -> Result<Landing, CallbackError> {
    let mut tx = state.db.begin().await.context("cannot record a decline")?;
    let n = execute!(
        &mut tx,
        "UPDATE registrations SET state = 'abandoned', note = $1, updated_at = $2
         WHERE id = $3 AND state = 'awaiting_admin'",
        DECLINED_NOTE,
        state.now_ms(),
        id
    )
    .context("cannot record a decline")?;
    if n == 0 {
        drop(tx);
        let current = get(state, id).await?.ok_or(CallbackError::NotFound("registration"))?;
        tracing::info!(state = %current.state, "decline callback replayed or late; nothing changed");
        return Ok(Landing::AlreadyRecorded(format!(
            "This registration is {} already; nothing changed.",
            current.state
        )));
    }
    record_history(
        &mut tx,
        &format!("registration:{id}"),
        Some(AWAITING_ADMIN),
        ABANDONED,
        Some(DECLINED_NOTE),
    )
    .await?;
    tx.commit().await.context("cannot record a decline")?;
    state.metrics.registration_finished(ABANDONED);
    tracing::info!("the admin declined; registration abandoned");
    Ok(Landing::Recorded(
        "The admin declined: nothing was registered. Start again from the platform's console.".into(),
    ))
}

/// Records the `ticket` of the fastregisterauth callback, once: only a registration still
/// awaiting its admin takes it, and the job that calls fastregister is queued in the same
/// transaction. A replay (or a second ticket) finds the state moved on and changes nothing.
#[tracing::instrument(skip_all, fields(registration = %id))]
pub async fn record_ticket(state: &AppState, id: &str, ticket: &Ticket) -> Result<Landing, CallbackError> {
    let sealed = state
        .secrets
        .seal_str(&format!("registration_ticket:{id}"), ticket.as_str());
    let digest = state.secrets.digest("ticket", ticket.as_str());
    let mut tx = state.db.begin().await?;
    let updated = execute!(
        &mut tx,
        "UPDATE registrations SET state = 'ticket_received', ticket_sealed = $1, ticket_digest = $2, updated_at = $3
         WHERE id = $4 AND state = 'awaiting_admin'",
        sealed,
        &digest,
        state.now_ms(),
        id
    );
    let updated = match updated {
        Ok(n) => n,
        // The same ticket already belongs to another registration: a replay across rows.
        Err(e) if crate::store::is_unique_violation(&e) => 0,
        Err(e) => return Err(anyhow::Error::new(e).context("cannot record the ticket").into()),
    };
    if updated == 0 {
        drop(tx);
        let current = get(state, id).await?.ok_or(CallbackError::NotFound("registration"))?;
        tracing::info!(state = %current.state, "ticket callback replayed or late; nothing changed");
        if current.state == ABANDONED {
            return Ok(Landing::AlreadyRecorded(
                "This registration was abandoned by the operator; nothing was changed. A new registration needs a new confirmation.".into(),
            ));
        }
        return Ok(Landing::AlreadyRecorded(format!(
            "This registration already has its confirmation (it is {}); nothing was changed.",
            current.state
        )));
    }
    record_history(
        &mut tx,
        &format!("registration:{id}"),
        Some(AWAITING_ADMIN),
        TICKET_RECEIVED,
        Some("the admin confirmed"),
    )
    .await?;
    enqueue(state, &mut tx, id, state.now_ms()).await?;
    tx.commit().await?;
    tracing::info!("ticket recorded; fastregister queued");
    Ok(Landing::Recorded(
        "The admin's confirmation was received. The Mini Program is being registered; you can close this page.".into(),
    ))
}

async fn enqueue(state: &AppState, target: impl AsExec, id: &str, at: i64) -> anyhow::Result<()> {
    state
        .queue
        .enqueue(
            target,
            JOB,
            &serde_json::json!({ "id": id }),
            Some(&format!("registration:{id}")),
            at,
        )
        .await?;
    Ok(())
}

/// Wakes every registration that is reconciling a lost answer (an `authorized` push arrived).
pub async fn wake_reconciling(state: &AppState) -> anyhow::Result<()> {
    let ids: Vec<(String,)> = fetch_all!(
        &state.db,
        (String,),
        "SELECT id FROM registrations WHERE state IN ('outcome_unknown', 'submitting')"
    )
    .context("cannot list reconciling registrations")?;
    for (id,) in ids {
        state
            .queue
            .wake(JOB, &serde_json::json!({ "id": id }), &format!("registration:{id}"))
            .await?;
    }
    Ok(())
}

/// Moves `reg` from `from` to `to` if it is still in `from`, with a note; false if it had moved.
async fn transition(
    target: &mut Tx,
    reg: &Registration,
    from: &str,
    to: &str,
    note: Option<&str>,
    failure: Option<&Failure>,
) -> anyhow::Result<bool> {
    let failure = failure.map(serde_json::to_string).transpose()?;
    let n = execute!(
        &mut *target,
        "UPDATE registrations SET state = $1, failure = COALESCE($2, failure), updated_at = $3
         WHERE id = $4 AND state = $5",
        to,
        failure.as_deref(),
        now_ms(),
        &reg.id,
        from
    )
    .context("cannot change a registration's state")?;
    // Notes of routine steps go to the history; `note` keeps what the operator must know.
    if n == 1 {
        record_history(
            &mut *target,
            &reg.subject(),
            Some(from),
            to,
            note.or(failure.as_deref()),
        )
        .await?;
    }
    Ok(n == 1)
}

async fn transition_now(
    state: &AppState,
    reg: &Registration,
    from: &str,
    to: &str,
    note: Option<&str>,
    failure: Option<&Failure>,
) -> anyhow::Result<bool> {
    let mut tx = state.db.begin().await?;
    let moved = transition(&mut tx, reg, from, to, note, failure).await?;
    if moved && to == FAILED {
        crate::webhook::enqueue(
            state,
            &mut tx,
            "registration.failed",
            serde_json::json!({ "registration_id": reg.id, "oa_appid": reg.oa_appid, "failure": failure }),
        )
        .await?;
    }
    tx.commit().await?;
    if moved && to == FAILED {
        state.metrics.registration_finished(FAILED);
        tracing::warn!(registration = %reg.id, code = failure.map(|f| f.code.as_str()).unwrap_or(""), "registration failed");
    }
    Ok(moved)
}

/// Runs one step of a registration.
#[tracing::instrument(skip_all, fields(registration))]
pub async fn run_job(state: &AppState, job: &Job) -> anyhow::Result<Outcome> {
    let Payload { id } = job.payload()?;
    tracing::Span::current().record("registration", id.as_str());
    let Some(reg) = get(state, &id).await? else {
        return Ok(Outcome::Dead(format!("registration {id} does not exist")));
    };
    let now = state.now_ms();
    match reg.state.as_str() {
        TICKET_RECEIVED => submit(state, &reg).await,
        SUBMITTING => {
            // Only a run that died between writing `submitting` and recording fastregister's
            // answer leaves this state behind: the call may have been applied.
            transition_now(
                state,
                &reg,
                SUBMITTING,
                OUTCOME_UNKNOWN,
                Some("the service stopped while fastregister was in flight; finding out whether WeChat applied it (fastregister is not called again)"),
                None,
            )
            .await?;
            Ok(Outcome::WaitUntil(now))
        }
        OUTCOME_UNKNOWN => reconcile(state, &reg).await,
        CODE_RECEIVED => exchange(state, &reg).await,
        REGISTERED => Ok(Outcome::Done),
        _ => Ok(Outcome::Done),
    }
}

/// The sealed secret in `column` of registration `id` (the ticket, the authorization code),
/// opened with the associated data `{purpose}:{id}` it was sealed with; `None` if not set.
async fn open_sealed(
    state: &AppState,
    id: &str,
    column: &'static str,
    purpose: &str,
) -> anyhow::Result<Option<String>> {
    let sql = format!("SELECT {column} FROM registrations WHERE id = $1");
    let sealed: Option<(Option<Vec<u8>>,)> =
        fetch_optional!(&state.db, (Option<Vec<u8>>,), &sql, id).with_context(|| format!("cannot read {column}"))?;
    let Some((Some(sealed),)) = sealed else { return Ok(None) };
    let secret = state
        .secrets
        .open_str(&format!("{purpose}:{id}"), &sealed)
        .with_context(|| format!("cannot open the stored {column}"))?;
    Ok(Some(secret))
}

/// ticket_received → submitting → fastregister → code_received | outcome_unknown | failed.
async fn submit(state: &AppState, reg: &Registration) -> anyhow::Result<Outcome> {
    let Some(ticket) = open_sealed(state, &reg.id, "ticket_sealed", "registration_ticket").await? else {
        return Ok(Outcome::Dead("the registration has no ticket".into()));
    };
    let ticket = Ticket::parse(ticket).context("the stored ticket is malformed")?;
    let oa = AppId::parse(reg.oa_appid.clone()).context("the stored appid is malformed")?;

    // `submitted_at` stays the time of the first call that may have reached WeChat: a resend
    // reconciles from then (either call may have created the Mini Program), and
    // reconcile_timeout_secs counts from then.
    let mut tx = state.db.begin().await?;
    let moved: Option<(i64,)> = fetch_optional!(
        &mut tx,
        (i64,),
        "UPDATE registrations SET state = 'submitting',
                submitted_at = CASE WHEN submissions = 0 OR submitted_at IS NULL THEN $1 ELSE submitted_at END,
                submissions = submissions + 1, updated_at = $1
         WHERE id = $2 AND state = 'ticket_received'
         RETURNING submissions",
        state.now_ms(),
        &reg.id
    )
    .context("cannot mark the registration as submitting")?;
    let Some((submissions,)) = moved else {
        return Ok(Outcome::WaitUntil(state.now_ms()));
    };
    // The only way back to `ticket_received` after a call that may have reached WeChat is the
    // resend after a lost answer (see `reconcile`).
    let resend = submissions >= 2;
    record_history(
        &mut tx,
        &reg.subject(),
        Some(TICKET_RECEIVED),
        SUBMITTING,
        resend.then_some("the ticket is sent again"),
    )
    .await?;
    tx.commit().await?;

    state.crash_points.reach("registration.before_fastregister").await;
    let result = state.client.fast_register(&oa, &ticket).await;
    state.crash_points.reach("registration.after_fastregister").await;
    let reg = Registration {
        state: SUBMITTING.into(),
        ..reg.clone()
    };
    match result {
        Ok(resp) => {
            let code_sealed = state.secrets.seal_str(
                &format!("registration_code:{}", reg.id),
                resp.authorization_code.as_str(),
            );
            let now = state.now_ms();
            let mut tx = state.db.begin().await?;
            let n = execute!(
                &mut tx,
                "UPDATE registrations SET state = 'code_received', mini_program_appid = $1, authorization_code_sealed = $2,
                        is_wx_verify_succ = $3, is_link_succ = $4, updated_at = $5
                 WHERE id = $6 AND state = 'submitting'",
                resp.appid.as_str(),
                code_sealed,
                i64::from(resp.is_wx_verify_succ.0),
                i64::from(resp.is_link_succ.0),
                now,
                &reg.id
            )
            .context("cannot store fastregister's answer")?;
            if n == 1 {
                claim_mini_program(&mut tx, &reg, &resp.appid).await?;
                record_history(
                    &mut tx,
                    &reg.subject(),
                    Some(SUBMITTING),
                    CODE_RECEIVED,
                    Some(&format!("Mini Program {} created", resp.appid)),
                )
                .await?;
            }
            tx.commit().await?;
            tracing::info!(mini_program = %resp.appid, "fastregister succeeded; code stored");
            Ok(Outcome::WaitUntil(state.now_ms()))
        }
        Err(e) if is_lost_answer(&e) => {
            let note = format!(
                "fastregister (call {submissions}): {}; WeChat may have created the Mini Program. Reconciling from the `authorized` push and the authorizer list; fastregister is sent again only if WeChat shows no trace of this call.",
                crate::failure::what_happened(&e)
            );
            transition_now(state, &reg, SUBMITTING, OUTCOME_UNKNOWN, Some(&note), None).await?;
            set_note(state, &reg.id, &note).await?;
            Ok(Outcome::WaitUntil(state.now_ms()))
        }
        Err(e) if resend && e.code() == Some(TICKET_SPENT) => {
            // The resend found the ticket spent: the first call did apply, and the Mini Program
            // exists. Back to finding it, never to `failed` (a new registration would make a
            // second Mini Program).
            transition_now(state, &reg, SUBMITTING, OUTCOME_UNKNOWN, Some(SPENT_NOTE), None).await?;
            set_note(state, &reg.id, SPENT_NOTE).await?;
            tracing::warn!("the resent ticket was already spent: the first fastregister applied; reconciling");
            Ok(Outcome::WaitUntil(state.now_ms()))
        }
        Err(e) if never_applied(&e) => {
            // Rejected before WeChat did anything (a token error, our store, a request that
            // never left): the ticket is unspent, try again. The call does not count as one
            // that may have reached WeChat.
            let mut tx = state.db.begin().await?;
            let note = format!("fastregister not applied: {}", short(&e));
            if transition(&mut tx, &reg, SUBMITTING, TICKET_RECEIVED, Some(&note), None).await? {
                execute!(
                    &mut tx,
                    "UPDATE registrations SET submissions = submissions - 1,
                            submitted_at = CASE WHEN submissions <= 1 THEN NULL ELSE submitted_at END
                     WHERE id = $1",
                    &reg.id
                )
                .context("cannot uncount a call that was not applied")?;
            }
            tx.commit().await?;
            Ok(Outcome::Retry(short(&e)))
        }
        Err(e) => {
            let failure = Failure::from_client(&e);
            transition_now(state, &reg, SUBMITTING, FAILED, None, Some(&failure)).await?;
            Ok(Outcome::Done)
        }
    }
}

/// The error message without anything secret (the client's messages never carry tokens).
fn short(e: &ClientError) -> String {
    e.to_string()
}

fn never_applied(e: &ClientError) -> bool {
    match e {
        ClientError::Token(_) | ClientError::Store(_) | ClientError::Transport { sent: false, .. } => true,
        ClientError::Api { .. } => {
            matches!(e.class(), Some(fastreg_protocol::catalog::ErrorClass::RefreshToken))
        }
        _ => false,
    }
}

/// Records the Mini Program as this registration's (the row's primary key stops two
/// registrations from claiming one Mini Program while reconciling).
async fn claim_mini_program(tx: &mut Tx, reg: &Registration, appid: &AppId) -> anyhow::Result<()> {
    let now = now_ms();
    execute!(
        &mut *tx,
        "INSERT INTO mini_programs (appid, registration_id, oa_appid, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        appid.as_str(),
        &reg.id,
        &reg.oa_appid,
        now
    )
    .context("cannot record the Mini Program")?;
    execute!(
        &mut *tx,
        "INSERT INTO authorizers (appid, kind, status, created_at, updated_at) VALUES ($1, 'mini_program', 'authorized', $2, $2)
         ON CONFLICT (appid) DO UPDATE SET kind = 'mini_program', updated_at = excluded.updated_at",
        appid.as_str(),
        now
    )
    .context("cannot record the Mini Program as an authorizer")?;
    Ok(())
}

async fn set_note(state: &AppState, id: &str, note: &str) -> anyhow::Result<()> {
    execute!(&state.db, "UPDATE registrations SET note = $1 WHERE id = $2", note, id)
        .context("cannot note a registration")?;
    Ok(())
}

/// Whether the resend of this registration's ticket answered 61058, which proves the first
/// fastregister applied (its history keeps [`SPENT_NOTE`]).
async fn ticket_spent(state: &AppState, id: &str) -> anyhow::Result<bool> {
    let (n,): (i64,) = crate::fetch_one!(
        &state.db,
        (i64,),
        "SELECT COUNT(*) FROM history WHERE subject = $1 AND to_state = 'outcome_unknown' AND note = $2",
        format!("registration:{id}"),
        SPENT_NOTE
    )
    .context("cannot read a registration's history")?;
    Ok(n > 0)
}

/// code_received → query_auth → registered.
async fn exchange(state: &AppState, reg: &Registration) -> anyhow::Result<Outcome> {
    let Some(appid) = reg.mini_program_appid.clone() else {
        return Ok(Outcome::Dead("code_received without an appid".into()));
    };
    let appid = AppId::parse(appid).context("the stored appid is malformed")?;
    // A run that died after the exchange finds the refresh token already stored.
    if state
        .client
        .store()
        .refresh_token(&appid)
        .await
        .context("cannot read the token store")?
        .is_some()
    {
        return finish(state, reg, &appid, CODE_RECEIVED, "refresh token stored").await;
    }
    let Some(code) = open_sealed(state, &reg.id, "authorization_code_sealed", "registration_code").await? else {
        return Ok(Outcome::Dead("code_received without a code".into()));
    };
    let code = AuthorizationCode::parse(code).context("the stored code is malformed")?;
    let result = crate::authorization::exchange(state, &code).await;
    match result {
        Ok(_)
            if state
                .client
                .store()
                .refresh_token(&appid)
                .await
                .context("cannot read the token store")?
                .is_some() =>
        {
            state.crash_points.reach("registration.after_query_auth").await;
            finish(
                state,
                reg,
                &appid,
                CODE_RECEIVED,
                "authorization code exchanged; refresh token stored",
            )
            .await
        }
        Ok(_) => refresh_from_list(state, reg, &appid, "api_query_auth returned no refresh token").await,
        Err(e) if is_retryable(&e) && !is_lost_answer(&e) => Ok(Outcome::Retry(short(&e))),
        // The code is single use: a lost answer or a rejected code (already used by a run that
        // died) is made good by the refresh token in the authorizer list.
        Err(e) => refresh_from_list(state, reg, &appid, &short(&e)).await,
    }
}

async fn refresh_from_list(state: &AppState, reg: &Registration, appid: &AppId, why: &str) -> anyhow::Result<Outcome> {
    let all = match state.client.all_authorizers().await {
        Ok(all) => all,
        Err(e) => {
            return Ok(Outcome::Retry(format!(
                "{why}; and the authorizer list failed: {}",
                short(&e)
            )));
        }
    };
    match all.into_iter().find(|a| a.authorizer_appid == *appid) {
        Some(item) => {
            state
                .client
                .put_refresh_token(appid, &item.refresh_token)
                .await
                .context("cannot store the refresh token")?;
            finish(
                state,
                reg,
                appid,
                CODE_RECEIVED,
                &format!("{why}; refresh token taken from the authorizer list"),
            )
            .await
        }
        None => {
            let failure = Failure::new(
                "not_authorized",
                format!("Mini Program {appid} was created but is not authorized to this platform ({why})"),
                "Ask WeChat support, or authorize the Mini Program to this platform again.",
            );
            transition_now(state, reg, CODE_RECEIVED, FAILED, None, Some(&failure)).await?;
            Ok(Outcome::Done)
        }
    }
}

/// → registered: the Mini Program is ours, its setup plan (if any) starts.
async fn finish(
    state: &AppState,
    reg: &Registration,
    appid: &AppId,
    from: &str,
    note: &str,
) -> anyhow::Result<Outcome> {
    let mut tx = state.db.begin().await?;
    if from == OUTCOME_UNKNOWN {
        claim_mini_program(&mut tx, reg, appid).await?;
        execute!(
            &mut tx,
            "UPDATE registrations SET mini_program_appid = $1 WHERE id = $2",
            appid.as_str(),
            &reg.id
        )
        .context("cannot store the Mini Program's appid")?;
    }
    if !transition(&mut tx, reg, from, REGISTERED, Some(note), None).await? {
        return Ok(Outcome::WaitUntil(state.now_ms()));
    }
    if let Some(plan) = &reg.setup_plan {
        crate::setup::attach(state, &mut tx, appid, plan).await?;
    }
    crate::webhook::enqueue(
        state,
        &mut tx,
        "registration.registered",
        serde_json::json!({ "registration_id": reg.id, "oa_appid": reg.oa_appid, "mini_program_appid": appid }),
    )
    .await?;
    tx.commit().await?;
    state.metrics.registration_finished(REGISTERED);
    tracing::info!(mini_program = %appid, "registration complete");
    // The profile and permission sets, for the authorizers resource; not worth failing over.
    if let Err(e) = crate::authorization::import(state, appid).await {
        tracing::warn!(mini_program = %appid, error = %format!("{e:#}"), "cannot read the new Mini Program's profile yet");
    }
    Ok(Outcome::Done)
}

struct Candidate {
    item: fastreg_protocol::component::AuthorizerListItem,
    from_push: bool,
    exact: bool,
    unnamed: bool,
}

/// outcome_unknown: find the Mini Program WeChat may have created, without calling
/// fastregister again.
async fn reconcile(state: &AppState, reg: &Registration) -> anyhow::Result<Outcome> {
    let submitted_at = reg.submitted_at.unwrap_or(reg.updated_at);
    // Appids that are not candidates: the accounts we know and the Mini Programs already ours.
    let known: Vec<(String,)> = fetch_all!(
        &state.db,
        (String,),
        "SELECT appid FROM authorizers WHERE kind = 'official_account' OR created_at < $1
         UNION SELECT appid FROM mini_programs",
        submitted_at
    )
    .context("cannot list known authorizers")?;
    let known: HashSet<AppId> = known.into_iter().filter_map(|(a,)| AppId::parse(a).ok()).collect();

    // 1. `authorized` pushes received since the call, for accounts we did not know.
    let pushed: Vec<(Option<String>,)> = fetch_all!(
        &state.db,
        (Option<String>,),
        "SELECT subject FROM events WHERE kind = 'authorized' AND received_at >= $1",
        submitted_at
    )
    .context("cannot read the event inbox")?;
    let pushed: HashSet<AppId> = pushed
        .into_iter()
        .filter_map(|(s,)| s.and_then(|s| AppId::parse(s).ok()))
        .collect();

    // 2. The authorizer list: authorizations granted since the call (WeChat's clock).
    let list = match state.client.find_new_authorizers(&known).await {
        Ok(list) => list,
        Err(e) => {
            return Ok(Outcome::Retry(format!(
                "reconcile: the authorizer list failed: {}",
                short(&e)
            )));
        }
    };
    let since = submitted_at / 1000;
    let oa = AppId::parse(reg.oa_appid.clone()).context("the stored appid is malformed")?;
    let principal = match state.client.authorizer_info(&oa).await {
        Ok(info) => info.authorizer_info.principal_name,
        Err(e) => {
            return Ok(Outcome::Retry(format!(
                "reconcile: cannot read the Official Account: {}",
                short(&e)
            )));
        }
    };
    let mut matches = Vec::new();
    for item in &list {
        let from_push = pushed.contains(&item.authorizer_appid);
        let recent = i64::try_from(item.auth_time).unwrap_or(0) >= since - 5;
        if !from_push && !recent {
            continue;
        }
        let info = match state.client.authorizer_info(&item.authorizer_appid).await {
            Ok(info) => info,
            Err(e) => {
                return Ok(Outcome::Retry(format!(
                    "reconcile: cannot read a candidate: {}",
                    short(&e)
                )));
            }
        };
        let is_mini_program = info.authorizer_info.mini_program_info.is_some();
        if is_mini_program && info.authorizer_info.principal_name == principal {
            let exact = i64::try_from(item.auth_time).unwrap_or(0) >= since;
            // A Mini Program fresh from fastregister has no name yet.
            let unnamed = info.authorizer_info.nick_name.is_empty();
            matches.push(Candidate {
                item: item.clone(),
                from_push,
                exact,
                unnamed,
            });
        }
    }
    // The push is the strongest evidence; then WeChat's own time of authorization; then the
    // missing name.
    let only = |f: &dyn Fn(&Candidate) -> bool| {
        let mut it = matches.iter().filter(|c| f(c));
        match (it.next(), it.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    };
    let pick = only(&|c| c.from_push)
        .or_else(|| only(&|_| true))
        .or_else(|| only(&|c| c.exact))
        .or_else(|| only(&|c| c.exact && c.unnamed))
        .or_else(|| only(&|c| c.unnamed));
    if let Some(Candidate { item, from_push, .. }) = pick {
        let appid = item.authorizer_appid.clone();
        state
            .client
            .put_refresh_token(&appid, &item.refresh_token)
            .await
            .context("cannot store the refresh token")?;
        let how = if *from_push {
            "the `authorized` push and the authorizer list"
        } else {
            "the authorizer list"
        };
        let note = format!(
            "fastregister's answer was lost, but WeChat had created Mini Program {appid}: found through {how}; its refresh token is stored"
        );
        set_note(state, &reg.id, &note).await?;
        tracing::info!(mini_program = %appid, how, "lost fastregister answer reconciled");
        return finish(state, reg, &appid, OUTCOME_UNKNOWN, &note).await;
    }
    // No new Mini Program at all: WeChat authorizes every Mini Program it fast-registers to the
    // component at once, so after the grace period its absence suggests the call was not applied
    // (WeChat answered -1 without acting, the process died before sending it, or the connection
    // was cut before WeChat read it). The ticket is then sent again, as long as that evidence
    // holds after each call: the wait doubles with every call (grace, 2×, 4×, at most 8×), at
    // most MAX_FASTREGISTER_CALLS calls, and only while the ticket is young enough to still be
    // valid. If WeChat had applied an earlier call after all (its list was late), the resend
    // answers 61058 and `submit` comes back here.
    let grace_ms = i64::try_from(state.settings.reconcile_grace_secs).unwrap_or(60) * 1000;
    let none_since_the_call = !matches.iter().any(|c| c.from_push || c.exact);
    // The registration's row changes last when the latest call's answer is recorded.
    let last_call = reg.updated_at.max(submitted_at);
    let submissions = reg.submissions.max(1);
    let backoff = grace_ms.saturating_mul(1 << (submissions - 1).clamp(0, 3));
    if none_since_the_call && state.now_ms() - last_call >= backoff {
        let ticket_young = state.now_ms() - submitted_at < FASTREGISTER_TICKET_LIFE_MS;
        if submissions < MAX_FASTREGISTER_CALLS && ticket_young && !ticket_spent(state, &reg.id).await? {
            let note = format!(
                "no new Mini Program appeared in WeChat's authorizer list {} s after fastregister call {submissions}, so WeChat did not apply it; the ticket is sent again (call {} of at most {MAX_FASTREGISTER_CALLS}; a 61058 answer would prove an earlier call applied)",
                backoff / 1000,
                submissions + 1
            );
            transition_now(state, reg, OUTCOME_UNKNOWN, TICKET_RECEIVED, Some(&note), None).await?;
            set_note(state, &reg.id, &note).await?;
            return Ok(Outcome::WaitUntil(state.now_ms()));
        }
    }
    let timeout_ms = i64::try_from(state.settings.reconcile_timeout_secs).unwrap_or(i64::MAX / 4_000) * 1000;
    // Counted from the latest call: a resent ticket is reconciled for as long as the first.
    if state.now_ms() - last_call > timeout_ms {
        let failure = if matches.len() > 1 {
            let appids: Vec<String> = matches.iter().map(|m| m.item.authorizer_appid.to_string()).collect();
            Failure::new(
                "outcome_unknown",
                format!(
                    "fastregister's answer was lost and several new Mini Programs of this subject appeared: {}",
                    appids.join(", ")
                ),
                "Tell which one is this registration's by checking the accounts on WeChat.",
            )
        } else if ticket_spent(state, &reg.id).await? {
            Failure {
                message_zh: Some(
                    "fastregister 已经生效（重发的 ticket 返回 61058：ticket 已被使用），但在授权推送和授权方列表中没有找到新建的小程序。".into(),
                ),
                remedy_zh: Some(
                    "新小程序已经存在：请在微信上找到它（与该公众号关联、尚未设置名称），确认它已授权给本平台。不要为重试而新建注册，否则会再创建一个小程序。".into(),
                ),
                ..Failure::new(
                    "outcome_unknown",
                    "fastregister did apply (the resent ticket answered 61058: it was already spent), but the new Mini Program was not found in the `authorized` pushes or the authorizer list within reconcile_timeout_secs",
                    "The Mini Program exists: find it on WeChat (linked to the Official Account, still unnamed) and check that it is authorized to this platform. Do not start a new registration to retry: it would create a second Mini Program.",
                )
            }
        } else {
            Failure::new(
                "outcome_unknown",
                format!(
                    "fastregister was sent {} time(s); WeChat answered -1 or its answer was lost each time ({}), and no new Mini Program appeared in the authorizer list, so WeChat did not apply it",
                    reg.submissions,
                    reg.note.as_deref().unwrap_or("no detail")
                ),
                "Start a new registration: the admin must confirm again (a ticket is single use).",
            )
        };
        transition_now(state, reg, OUTCOME_UNKNOWN, FAILED, None, Some(&failure)).await?;
        return Ok(Outcome::Done);
    }
    Ok(Outcome::WaitUntil(state.now_ms() + 5_000))
}
