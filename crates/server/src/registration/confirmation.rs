//! The admin's answer on WeChat's confirmation page, as our callback receives it: the ticket,
//! or a decline.

use super::*;

/// The note of a registration whose admin declined on WeChat's page (the console shows it in
/// the reader's language).
pub const DECLINED_NOTE: &str = "the admin declined on WeChat's confirmation page";

/// The fastregisterauth callback came back without a ticket: the admin declined. A registration
/// still awaiting its admin ends `abandoned` with [`DECLINED_NOTE`], which frees its account to
/// start again; a replay, or one that moved on, changes nothing.
#[tracing::instrument(skip_all, fields(registration = %id))]
pub async fn record_declined(state: &AppState, id: &str) -> Result<Landing, CallbackError> {
    let mut tx = state.db.begin().await.context("cannot record a decline")?;
    if !store::registrations::decline(&mut tx, id, DECLINED_NOTE, state.now_ms()).await? {
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
    let updated = store::registrations::record_ticket(&mut tx, id, &sealed, &digest, state.now_ms()).await;
    let updated = match updated {
        Ok(updated) => updated,
        // The same ticket already belongs to another registration: a replay across rows.
        Err(e) if crate::store::is_unique_violation(&e) => false,
        Err(e) => return Err(anyhow::Error::new(e).context("cannot record the ticket").into()),
    };
    if !updated {
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
