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
use crate::store::{self, AsExec, Tx, now_ms, record_history};
use anyhow::Context;
use fastreg_client::Error as ClientError;
use fastreg_protocol::{AppId, AuthorizationCode, Ticket};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

mod abandon;
mod confirmation;
mod exchange;
mod fastregister;
mod reconcile;
mod start;

pub use abandon::*;
pub use confirmation::*;
use exchange::*;
use fastregister::*;
pub use reconcile::*;
pub use start::*;

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

/// The most fastregister calls one ticket is sent in (the first and its resends after WeChat
/// answered -1 or the answer was lost, each only when WeChat showed no trace of the one before).
pub const MAX_FASTREGISTER_CALLS: i64 = 8;

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
}

#[derive(Serialize, Deserialize)]
struct Payload {
    id: String,
}

/// One registration.
pub async fn get(state: &AppState, id: &str) -> anyhow::Result<Option<Registration>> {
    store::registrations::get(&state.db, id).await
}

/// Registrations, newest first.
pub async fn list(state: &AppState, oa_appid: Option<&str>, limit: i64) -> anyhow::Result<Vec<Registration>> {
    store::registrations::list(&state.db, oa_appid, limit).await
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
    change_state(target, &reg.id, from, to, note, failure.as_deref(), now_ms()).await
}

/// The state change of a registration row of any route: `from` → `to` if it is still in `from`
/// (with the failure, JSON, if any), and its history line; false if it had moved. Notes of
/// routine steps go to the history; the row's `note` keeps what the operator must know.
pub(crate) async fn change_state(
    tx: &mut Tx,
    id: &str,
    from: &str,
    to: &str,
    note: Option<&str>,
    failure_json: Option<&str>,
    now: i64,
) -> anyhow::Result<bool> {
    let moved = store::registrations::change_state(&mut *tx, id, from, to, failure_json, now).await?;
    if moved {
        record_history(
            &mut *tx,
            &format!("registration:{id}"),
            Some(from),
            to,
            note.or(failure_json),
        )
        .await?;
    }
    Ok(moved)
}

/// The end of every route's registration once its row is `registered` in `tx`: the
/// `registration.registered` webhook (`payload`) with it, then the commit, and the new Mini
/// Program's profile read into `authorizers` (not worth failing over).
/// The new Mini Program's profile, read from WeChat before the transaction that completes its
/// registration opens, so that [`complete`] writes it with the registration (one commit). A
/// profile that cannot be read yet does not hold the registration back: it is logged, and read
/// once more after the registration commits.
pub(crate) async fn profile_for_completion(
    state: &AppState,
    appid: &AppId,
) -> Option<crate::authorization::FetchedProfile> {
    match crate::authorization::fetch_profile(state, appid).await {
        Ok(profile) => Some(profile),
        Err(e) => {
            tracing::warn!(mini_program = %appid, error = %format!("{e:#}"), "cannot read the new Mini Program's profile yet");
            None
        }
    }
}

pub(crate) async fn complete(
    state: &AppState,
    mut tx: Tx,
    appid: &AppId,
    payload: serde_json::Value,
    profile: Option<crate::authorization::FetchedProfile>,
) -> anyhow::Result<Outcome> {
    crate::webhook::enqueue(state, &mut tx, "registration.registered", payload).await?;
    if let Some(profile) = &profile {
        profile.write(state, &mut tx).await?;
    }
    // The job ends with the registration, in the same commit.
    let outcome = crate::job::finish_in(&mut tx, state.now_ms()).await?;
    tx.commit().await?;
    state.metrics.registration_finished(REGISTERED);
    tracing::info!(mini_program = %appid, "registration complete");
    if profile.is_none()
        && let Err(e) = crate::authorization::import(state, appid).await
    {
        tracing::warn!(mini_program = %appid, error = %format!("{e:#}"), "cannot read the new Mini Program's profile yet");
    }
    Ok(outcome)
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

/// The sealed secret `which` of registration `id` (the ticket, the authorization code),
/// opened with the associated data `{purpose}:{id}` it was sealed with; `None` if not set.
async fn open_sealed(
    state: &AppState,
    id: &str,
    which: store::registrations::Sealed,
    purpose: &str,
) -> anyhow::Result<Option<String>> {
    let Some(sealed) = store::registrations::sealed(&state.db, id, which).await? else {
        return Ok(None);
    };
    let secret = state
        .secrets
        .open_str(&format!("{purpose}:{id}"), &sealed)
        .with_context(|| format!("cannot open the stored {}", which.column()))?;
    Ok(Some(secret))
}

/// Sets what the operator must know of registration `id` (any route).
pub(crate) async fn set_note(state: &AppState, id: &str, note: &str) -> anyhow::Result<()> {
    store::registrations::set_note(&state.db, id, note).await
}
