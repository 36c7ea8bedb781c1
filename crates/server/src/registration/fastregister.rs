//! The fastregister call: marked `submitting` before it is sent, resent only while WeChat shows
//! no trace of it, never blindly after a lost answer.

use super::*;

/// fastregister's answer to a ticket it does not take: unknown, expired, or already spent.
pub(super) const TICKET_SPENT: i64 = 61058;
/// How long after the first call the ticket is still sent: fastregisterauth's ticket is short
/// lived (the emulator keeps WeChat's 30 minutes); past this a resend could only fail.
pub(super) const FASTREGISTER_TICKET_LIFE_MS: i64 = 25 * 60 * 1000;

/// ticket_received → submitting → fastregister → code_received | outcome_unknown | failed.
pub(super) async fn submit(state: &AppState, reg: &Registration) -> anyhow::Result<Outcome> {
    let oa = AppId::parse(reg.oa_appid.clone()).context("the stored appid is malformed")?;

    // `submitted_at` stays the time of the first call that may have reached WeChat: a resend
    // reconciles from then (either call may have created the Mini Program), and
    // reconcile_timeout_secs counts from then. The ticket comes back with the mark (one
    // statement) and is opened before the mark commits, so a ticket that cannot be read leaves
    // the registration as it was.
    let mut tx = state.db.begin().await?;
    let moved = store::registrations::mark_submitting(&mut tx, &reg.id, state.now_ms()).await?;
    let Some((submissions, sealed)) = moved else {
        drop(tx);
        if open_sealed(
            state,
            &reg.id,
            store::registrations::Sealed::Ticket,
            "registration_ticket",
        )
        .await?
        .is_none()
        {
            return Ok(Outcome::Dead("the registration has no ticket".into()));
        }
        return Ok(Outcome::WaitUntil(state.now_ms()));
    };
    let ticket = state
        .secrets
        .open_str(&format!("registration_ticket:{}", reg.id), &sealed)
        .context("cannot open the stored ticket_sealed")?;
    let ticket = Ticket::parse(ticket).context("the stored ticket is malformed")?;
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
            let recorded = store::registrations::record_code(
                &mut tx,
                &reg.id,
                resp.appid.as_str(),
                &code_sealed,
                i64::from(resp.is_wx_verify_succ.0),
                i64::from(resp.is_link_succ.0),
                now,
            )
            .await?;
            if recorded {
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
            if !recorded {
                // Moved meanwhile: the next run reads what it is now.
                return Ok(Outcome::WaitUntil(state.now_ms()));
            }
            // The code is stored (a crash from here resumes at code_received): exchange it in
            // this run, with the row as just written rather than read back.
            let reg = Registration {
                state: CODE_RECEIVED.into(),
                mini_program_appid: Some(resp.appid.to_string()),
                is_wx_verify_succ: Some(i64::from(resp.is_wx_verify_succ.0)),
                is_link_succ: Some(i64::from(resp.is_link_succ.0)),
                updated_at: now,
                ..reg
            };
            super::exchange::exchange_code(state, &reg, &resp.appid, &resp.authorization_code).await
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
                store::registrations::uncount_submission(&mut tx, &reg.id).await?;
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
pub(super) fn short(e: &ClientError) -> String {
    e.to_string()
}

pub(super) fn never_applied(e: &ClientError) -> bool {
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
pub(super) async fn claim_mini_program(tx: &mut Tx, reg: &Registration, appid: &AppId) -> anyhow::Result<()> {
    let now = now_ms();
    store::registrations::insert_mini_program(&mut *tx, appid.as_str(), &reg.id, &reg.oa_appid, now).await?;
    store::registrations::upsert_mini_program_authorizer(&mut *tx, appid.as_str(), now).await?;
    crate::event::settle_for_claimed(tx, appid, now).await
}

/// Whether the resend of this registration's ticket answered 61058, which proves the first
/// fastregister applied (its history keeps [`SPENT_NOTE`]).
pub(super) async fn ticket_spent(state: &AppState, id: &str) -> anyhow::Result<bool> {
    store::registrations::has_outcome_unknown_note(&state.db, &format!("registration:{id}"), SPENT_NOTE).await
}
