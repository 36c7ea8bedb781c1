//! The event inbox: what WeChat pushes, received once and processed after the answer.
//!
//! `POST /wechat/component/events` (授权事件接收URL: verify tickets, authorized / unauthorized /
//! updateauthorized) and `POST /wechat/authorizers/{appid}/events` (消息与事件接收URL: nickname
//! and category audits). Each push is checked (`msg_signature` over the `Encrypt` element; a bad
//! or missing signature answers 401 and stores nothing), decrypted, parsed, and inserted into
//! `events` under the protocol's `event_id`, which is the same for every retry of one push, so a
//! retried push is answered `success` and not processed twice. The decrypted XML is stored
//! sealed (it carries the verify ticket and authorization codes). Processing runs as a job after
//! the answer, except for two pushes settled in the transaction that stores them: the verify
//! ticket, written to the token store at once (it is the one thing every other call waits for),
//! and an `authorized` push for an account already ours (imported, or a Mini Program whose own
//! workflow is getting its token), which needs only a note and perhaps a wake
//! ([`crate::authorization::settle_at_receipt`]): one commit instead of six.
//!
//! A signed push can still be replayed by whoever saw it. So a push whose signed `timestamp` is
//! more than [`MAX_PUSH_SKEW_SECS`] away from our clock is refused (400), and the verify ticket
//! is written in the same transaction as its event row, only when that row is new and only if
//! no ticket issued later (`CreateTime`) is stored: a replay never rolls the ticket back.

use crate::authorization::PushWrites;
use crate::job::{Job, Outcome};
use crate::startup::AppState;
use crate::store::events;
use anyhow::Context;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fastreg_protocol::AppId;
use fastreg_protocol::crypto::CryptoError;
use fastreg_protocol::event::{
    AuditOutcome, AuthorizerEvent, ComponentEvent, parse_authorizer_event, parse_component_event,
};
use fastreg_protocol::id::Secret;
use serde::Deserialize;

/// The job kind that processes pushes.
pub const JOB: &str = "event";

/// How far a push's signed `timestamp` may be from our clock by default (`push_max_skew_secs`). WeChat pushes as it signs; an hour
/// leaves room for skewed clocks and for WeChat's retries, and refuses a replay of anything older.
pub const MAX_PUSH_SKEW_SECS: i64 = 3600;

/// The query WeChat adds to a push.
#[derive(Debug, Deserialize)]
pub struct PushQuery {
    timestamp: Option<String>,
    nonce: Option<String>,
    msg_signature: Option<String>,
}

/// Errors of the push receiver.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// Missing or wrong signature: not from WeChat.
    #[error("signature check failed")]
    Unauthenticated,
    /// Signed, but not a push we can read.
    #[error("cannot read the push: {0}")]
    Malformed(String),
    /// Signed, but its timestamp is far from the present: a replay.
    #[error("the push's timestamp {0} is further from our clock than push_max_skew_secs allows (an hour by default)")]
    Stale(i64),
    /// Our side failed; WeChat will retry.
    #[error("cannot store the push")]
    Unexpected(#[from] anyhow::Error),
}

impl IntoResponse for ReceiveError {
    fn into_response(self) -> Response {
        match &self {
            ReceiveError::Unauthenticated => (StatusCode::UNAUTHORIZED, "signature check failed").into_response(),
            ReceiveError::Malformed(_) | ReceiveError::Stale(_) => {
                (StatusCode::BAD_REQUEST, self.to_string()).into_response()
            }
            ReceiveError::Unexpected(e) => {
                tracing::error!(error = %format!("{e:#}"), "cannot store a push");
                (StatusCode::INTERNAL_SERVER_ERROR, "try again").into_response()
            }
        }
    }
}

fn open(state: &AppState, q: &PushQuery, body: &str) -> Result<String, ReceiveError> {
    let (Some(ts), Some(nonce), Some(sig)) = (&q.timestamp, &q.nonce, &q.msg_signature) else {
        return Err(ReceiveError::Unauthenticated);
    };
    let message = match state.crypt.open(sig, ts, nonce, body) {
        Ok(d) => d.message,
        Err(CryptoError::BadSignature) => return Err(ReceiveError::Unauthenticated),
        // An envelope without <Encrypt> cannot have been signed by WeChat either.
        Err(e) => return Err(ReceiveError::Malformed(e.to_string())),
    };
    // Checked after the signature, so the timestamp is WeChat's own.
    let signed_at: i64 = ts
        .trim()
        .parse()
        .map_err(|_| ReceiveError::Malformed("the timestamp is not a number".to_owned()))?;
    let window = i64::try_from(state.settings.push_max_skew_secs).unwrap_or(MAX_PUSH_SKEW_SECS);
    if (signed_at - state.now_ms() / 1000).abs() > window {
        return Err(ReceiveError::Stale(signed_at));
    }
    Ok(message)
}

/// A verify ticket to write with its push's row, and when WeChat issued it (`CreateTime`).
struct PushedTicket<'a> {
    ticket: &'a Secret,
    issued_at_ms: i64,
}

/// The first `authorized` push of an account, which may be settled as it is stored
/// ([`crate::authorization::settle_at_receipt`]).
struct PushedAuthorization<'a> {
    appid: &'a AppId,
    code: &'a fastreg_protocol::AuthorizationCode,
    pre_auth_code: &'a Secret,
}

/// Stores a push once; returns its row id if it is new. A new verify ticket push writes its
/// ticket in the same transaction (unless a later one is stored), a duplicate writes nothing.
/// An `authorized` push for an account already ours is settled in the same transaction and
/// stored as processed, with no job (its wakes are sent after the commit).
#[allow(clippy::too_many_arguments)]
async fn store(
    state: &AppState,
    event_id: &str,
    source: &str,
    kind: &str,
    subject: Option<&str>,
    xml: &str,
    processed: bool,
    ticket: Option<PushedTicket<'_>>,
    authorized: Option<PushedAuthorization<'_>>,
) -> anyhow::Result<Option<i64>> {
    let sealed = state.secrets.seal_str(&format!("event:{event_id}"), xml);
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let settled = match authorized {
        Some(a) => crate::authorization::settle_at_receipt(state, &mut tx, a.appid, a.code, a.pre_auth_code).await?,
        None => None,
    };
    let processed = processed || settled.is_some();
    let row = events::insert(
        &mut tx,
        &events::NewEvent {
            event_id,
            source,
            kind,
            subject,
            payload_sealed: &sealed,
            received_at: now,
            processed_at: processed.then_some(now),
        },
    )
    .await?;
    if row.is_some()
        && let Some(t) = ticket
        && !crate::token_store::put_verify_ticket_if_newer(
            &mut tx,
            &state.secrets,
            &state.component_appid,
            t.ticket,
            t.issued_at_ms,
        )
        .await?
    {
        tracing::warn!("verify ticket push older than the stored ticket: kept the stored one");
    }
    if let Some(id) = row
        && !processed
    {
        state
            .queue
            .enqueue(&mut tx, JOB, &serde_json::json!({ "id": id }), Some(&job_key(id)), now)
            .await?;
    }
    tx.commit().await?;
    if row.is_some()
        && let Some(wakes) = settled
    {
        wakes.send(state).await;
    }
    Ok(row)
}

/// `POST /wechat/component/events`.
#[tracing::instrument(skip_all, fields(info_type))]
pub async fn component_events(
    State(state): State<AppState>,
    Query(q): Query<PushQuery>,
    body: String,
) -> Result<&'static str, ReceiveError> {
    let xml = match open(&state, &q, &body) {
        Ok(xml) => xml,
        Err(e) => {
            state.metrics.event_received("component", "refused");
            tracing::warn!(reason = %e, "push refused");
            return Err(e);
        }
    };
    let event = parse_component_event(&xml).map_err(|e| ReceiveError::Malformed(e.to_string()))?;
    tracing::Span::current().record("info_type", event.info_type());
    let subject = match &event {
        ComponentEvent::Authorized { authorizer_appid, .. }
        | ComponentEvent::UpdateAuthorized { authorizer_appid, .. }
        | ComponentEvent::Unauthorized { authorizer_appid, .. } => Some(authorizer_appid.as_str().to_owned()),
        _ => None,
    };
    let is_ticket = matches!(event, ComponentEvent::VerifyTicket { .. });
    let ticket = match &event {
        ComponentEvent::VerifyTicket {
            ticket, create_time, ..
        } => Some(PushedTicket {
            ticket,
            issued_at_ms: i64::try_from(*create_time)
                .unwrap_or(i64::MAX / 1000)
                .saturating_mul(1000),
        }),
        _ => None,
    };
    let authorized = match &event {
        ComponentEvent::Authorized {
            authorizer_appid,
            authorization_code,
            pre_auth_code,
            ..
        } => Some(PushedAuthorization {
            appid: authorizer_appid,
            code: authorization_code,
            pre_auth_code,
        }),
        _ => None,
    };
    let new = store(
        &state,
        &event.event_id(),
        "component",
        event.info_type(),
        subject.as_deref(),
        &xml,
        is_ticket,
        ticket,
        authorized,
    )
    .await?;
    state
        .metrics
        .event_received("component", if new.is_some() { "stored" } else { "duplicate" });
    tracing::info!(
        duplicate = new.is_none(),
        authorizer = subject.as_deref().unwrap_or(""),
        "push received"
    );
    Ok("success")
}

/// `POST /wechat/authorizers/{appid}/events`.
#[tracing::instrument(skip_all, fields(appid = %appid, event))]
pub async fn authorizer_events(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    Query(q): Query<PushQuery>,
    body: String,
) -> Result<&'static str, ReceiveError> {
    let xml = match open(&state, &q, &body) {
        Ok(xml) => xml,
        Err(e) => {
            state.metrics.event_received("authorizer", "refused");
            tracing::warn!(reason = %e, "push refused");
            return Err(e);
        }
    };
    let appid = AppId::parse(appid).map_err(|e| ReceiveError::Malformed(e.to_string()))?;
    let event = match parse_authorizer_event(&xml) {
        Ok(e) => e,
        // A user message (not an event) to the Mini Program: nothing for us to do.
        Err(fastreg_protocol::event::EventError::NotAnEvent { .. }) => return Ok("success"),
        Err(e) => return Err(ReceiveError::Malformed(e.to_string())),
    };
    tracing::Span::current().record("event", event.event());
    let event_id = format!("{}:{appid}", event.event_id());
    let new = store(
        &state,
        &event_id,
        &format!("authorizer:{appid}"),
        event.event(),
        Some(appid.as_str()),
        &xml,
        false,
        None,
        None,
    )
    .await?;
    state
        .metrics
        .event_received("authorizer", if new.is_some() { "stored" } else { "duplicate" });
    tracing::info!(duplicate = new.is_none(), "push received");
    Ok("success")
}

#[derive(Deserialize)]
struct Payload {
    id: i64,
}

/// The dedupe key of the job that processes push row `id` (unique per push; what lets another
/// path end the job, see [`settle_for_claimed`]).
fn job_key(id: i64) -> String {
    format!("event:{id}")
}

/// Settles, in a registration's transaction that claims Mini Program `appid` (fastregister's
/// answer recorded, or a route's Mini Program found), the `authorized` pushes WeChat sent for it
/// that are still waiting for their jobs: the push and the claim usually cross (WeChat pushes as
/// it creates), and all such a job would do — note a pre_auth_code no authorization has, find
/// the token still missing, wake the very registration that is claiming — the claim does. The
/// pushes are marked processed and their queued jobs end unrun; a job already running finds the
/// push processed or finishes harmlessly. The registration imports the profile when it ends.
pub async fn settle_for_claimed(tx: &mut crate::store::Tx, appid: &AppId, now: i64) -> anyhow::Result<()> {
    for id in events::settle_authorized(&mut *tx, appid.as_str(), now).await? {
        crate::store::jobs::succeed_queued(&mut *tx, &job_key(id), now).await?;
    }
    Ok(())
}

/// Processes one stored push.
#[tracing::instrument(skip_all, fields(event_row))]
pub async fn run_job(state: &AppState, job: &Job) -> anyhow::Result<Outcome> {
    let Payload { id } = job.payload()?;
    tracing::Span::current().record("event_row", id);
    let Some(push) = events::get(&state.db, id).await? else {
        return Ok(Outcome::Dead(format!("push {id} does not exist")));
    };
    if push.processed_at.is_some() {
        return Ok(Outcome::Done);
    }
    let xml = state
        .secrets
        .open_str(&format!("event:{}", push.event_id), &push.payload_sealed)
        .context("cannot open a stored push")?;
    let result = if push.source == "component" {
        process_component(state, parse_component_event(&xml)?).await
    } else {
        let appid = push.subject.unwrap_or_default();
        process_authorizer(state, &appid, parse_authorizer_event(&xml)?)
            .await
            .map(|()| PushWrites::default())
    };
    match result {
        Ok(writes) => {
            // What the push left to write, the push processed and its job's end: one commit.
            let now = state.now_ms();
            let mut tx = state.db.begin().await?;
            writes.write(state, &mut tx).await?;
            events::mark_processed(&mut tx, id, now).await?;
            let outcome = crate::job::finish_in(&mut tx, now).await?;
            tx.commit().await?;
            Ok(outcome)
        }
        Err(e) => {
            let text = format!("{e:#}");
            events::note_error(&state.db, id, &text).await?;
            Ok(Outcome::Retry(text))
        }
    }
}

async fn process_component(state: &AppState, event: ComponentEvent) -> anyhow::Result<PushWrites> {
    let mut left = PushWrites::default();
    match event {
        // Written with its row when it was received (newer tickets only); nothing left to do.
        ComponentEvent::VerifyTicket { .. } => {}
        ComponentEvent::Authorized {
            ref authorizer_appid,
            ref authorization_code,
            ref pre_auth_code,
            ..
        }
        | ComponentEvent::UpdateAuthorized {
            ref authorizer_appid,
            ref authorization_code,
            ref pre_auth_code,
            ..
        } => {
            let update = matches!(event, ComponentEvent::UpdateAuthorized { .. });
            let (may_be_awaited, writes) = crate::authorization::authorized_pushed(
                state,
                authorizer_appid,
                authorization_code,
                pre_auth_code,
                update,
            )
            .await?;
            // A registration reconciling a lost answer (or a trial waiting for its token) waits
            // for a Mini Program whose token we lacked. (Both also poll on their own, so a wake
            // is a shortcut, never the only way forward.)
            if may_be_awaited {
                crate::registration::wake_reconciling(state).await?;
                crate::routes::push::wake_waiting(state).await?;
            }
            left = writes;
        }
        ComponentEvent::Unauthorized { authorizer_appid, .. } => {
            crate::authorization::unauthorized_pushed(state, &authorizer_appid).await?;
        }
        ComponentEvent::Unknown { ref info_type, .. } => {
            match fastreg_protocol::event::RegistrationPush::from_event(&event) {
                Some(Ok(push)) => crate::routes::push::received(state, &push).await?,
                Some(Err(e)) => tracing::warn!(%info_type, error = %e, "a registration push we cannot read"),
                None => tracing::info!(%info_type, "push of a kind we do not act on"),
            }
        }
    }
    Ok(left)
}

async fn process_authorizer(state: &AppState, appid: &str, event: AuthorizerEvent) -> anyhow::Result<()> {
    match event {
        AuthorizerEvent::NicknameAudit {
            ret, nickname, reason, ..
        } => crate::setup::nickname_audit_pushed(state, appid, &nickname, ret == AuditOutcome::Approved, &reason).await,
        AuthorizerEvent::CategoryAudit { .. } => crate::setup::category_audit_pushed(state, appid).await,
        AuthorizerEvent::Unknown { event, .. } => {
            tracing::info!(%event, "authorizer push of a kind we do not act on");
            Ok(())
        }
    }
}
