//! Abandoning a registration that has not reached fastregister, which frees the account.

use super::*;

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
        if store::registrations::abandon_unsent(&mut tx, id, candidate, state.now_ms()).await? {
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
