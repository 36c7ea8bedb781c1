//! What the `authorized`, `updateauthorized` and `unauthorized` pushes do to an account: the
//! job that processes them, and the pushes settled as they are received.

use super::*;

/// An `authorized` / `updateauthorized` push. Returns whether it may be what a registration
/// reconciling a lost answer, or a trial waiting for its token, waits for (a Mini Program whose
/// refresh token was missing when the push came), and what is left to write: the caller writes
/// it in the transaction that marks the push processed ([`PushWrites::write`]).
///
/// The push names the account its pre_auth_code is for: the authorization started with it learns
/// its account from that note (and need not spend its own code when this push brought the
/// account in), and so does one whose query_auth answer was lost. The note is written in every
/// path, together with the pushed code's own note when this push exchanged it (one statement):
/// with the push's end when it succeeds, at once when it fails.
pub async fn authorized_pushed(
    state: &AppState,
    appid: &AppId,
    code: &AuthorizationCode,
    pre_auth_code: &Secret,
    update: bool,
) -> anyhow::Result<(bool, PushWrites)> {
    let mut writes = PushWrites {
        notes: vec![(pre_auth_code_digest(state, pre_auth_code.expose()), appid.to_string())],
        profile: None,
    };
    match learn_from_push(state, appid, code, update, &mut writes).await {
        Ok(may_be_awaited) => Ok((may_be_awaited, writes)),
        Err(e) => {
            // What was learnt is kept for the next attempt (and for the authorization).
            writes.profile = None;
            writes.write_notes(state, &state.db).await?;
            Err(e)
        }
    }
}

/// [`authorized_pushed`]'s work, adding to `writes` what it learns.
async fn learn_from_push(
    state: &AppState,
    appid: &AppId,
    code: &AuthorizationCode,
    update: bool,
    writes: &mut PushWrites,
) -> anyhow::Result<bool> {
    let pushed_code = code_digest(state, code);
    // Whether its refresh token is stored, whether it is a Mini Program of ours, whether it is
    // already imported and authorized, and whether the pushed code was exchanged already: one
    // read.
    let authorizers::KnownAccount {
        has_token,
        claimed,
        current,
        code_exchanged_for,
        ..
    } = authorizers::known_account(&state.db, appid.as_str(), &pushed_code).await?;
    // The first `authorized` push of an account the callback's job already exchanged and
    // imported brings nothing new (an `updateauthorized` one brings new permission sets, and an
    // account that withdrew or was flagged is not `current`).
    if current && !update {
        return Ok(false);
    }
    let token = if has_token {
        true
    } else if !claimed {
        // New to us: the code is how we get its refresh token (unless a registration's
        // reconciliation takes it from the list first). When its answer was lost (the code is
        // spent), the account the push names is in WeChat's authorizer list with its token.
        // (the account, whether this call exchanged the code, whether its answer had the token)
        let exchanged = match code_exchanged_for.and_then(|a| AppId::parse(a).ok()) {
            // Another path (the authorization's own job) exchanged this very code.
            Some(known) => Ok((known, false, false)),
            None => match state.client.query_auth(code).await {
                Ok(info) => Ok((info.authorizer_appid, true, info.authorizer_refresh_token.is_some())),
                // Lost the race to the other path: it says which account the code was for.
                Err(e) => match tokens::exchanged_account(&state.db, &pushed_code).await? {
                    Some(a) => AppId::parse(a).map(|a| (a, false, false)).map_err(|_| e),
                    None => Err(e),
                },
            },
        };
        if let Ok((exchanged_for, true, _)) = &exchanged {
            writes.notes.push((pushed_code, exchanged_for.to_string()));
        }
        // This call's own answer stored the token (the client wrote it before returning): no
        // need to read it back. Otherwise the store says whether another path stored it.
        let stored_now = matches!(&exchanged, Ok((a, true, true)) if a == appid);
        if !stored_now
            && state.client.store().refresh_token(appid).await?.is_none()
            && !refresh_token_from_list(state, appid).await?
        {
            let why = match exchanged {
                Err(e) => e.to_string(),
                Ok(_) => "its answer was lost".to_owned(),
            };
            anyhow::bail!(
                "cannot exchange the pushed authorization code ({why}), and {appid} is not in WeChat's authorizer list yet"
            );
        }
        true
    } else {
        // A Mini Program of ours whose token its own workflow is still getting.
        state.client.store().refresh_token(appid).await?.is_some()
    };
    let mini_program = if token {
        let profile = fetch_profile(state, appid).await?;
        let mini_program = profile.is_mini_program;
        writes.profile = Some(profile);
        mini_program
    } else {
        false
    };
    // Reconciliation (and a trial waiting for its token) waits for a Mini Program whose token we
    // lacked: an Official Account, or an account whose token we held, cannot be it.
    Ok(!has_token && (claimed || mini_program))
}

/// What an `authorized` push leaves to write with its end: the notes of its pre_auth_code (and
/// of its code, if it exchanged it), and the profile it read.
#[derive(Debug, Default)]
pub struct PushWrites {
    notes: Vec<(String, String)>,
    profile: Option<FetchedProfile>,
}

impl PushWrites {
    /// Writes them in the transaction that ends the push: one statement for the notes, one for
    /// the profile.
    pub async fn write(&self, state: &AppState, tx: &mut crate::store::Tx) -> anyhow::Result<()> {
        self.write_notes(state, &mut *tx).await?;
        if let Some(profile) = &self.profile {
            profile.write(state, &mut *tx).await?;
        }
        Ok(())
    }

    async fn write_notes(&self, state: &AppState, target: impl crate::store::AsExec) -> anyhow::Result<()> {
        let now = state.now_ms();
        match self.notes.as_slice() {
            [] => {}
            [(digest, appid)] => tokens::note_exchange(target, digest, appid, now)
                .await
                .context("cannot note the pushed pre_auth_code's account")?,
            [first, second, ..] => tokens::note_exchanges(target, (&first.0, &first.1), (&second.0, &second.1), now)
                .await
                .context("cannot note the pushed codes' account")?,
        }
        Ok(())
    }
}

/// The wakes an `authorized` push settled at receipt owes (see [`settle_at_receipt`]).
#[derive(Debug, Default)]
pub struct Wakes {
    /// Registrations reconciling a lost answer, or with fastregister under way.
    pub registrations: Vec<String>,
    /// Trials waiting for a token.
    pub trials: Vec<String>,
}

impl Wakes {
    /// Makes their jobs due now. A wake is a shortcut (each also polls on its own), so a failed
    /// one is logged, not raised: the push is answered and stays processed.
    pub async fn send(self, state: &AppState) {
        if let Err(e) = crate::registration::wake_registrations(state, &self.registrations).await {
            tracing::warn!(error = %format!("{e:#}"), "cannot wake the registrations an authorized push may concern");
        }
        if let Err(e) = crate::routes::push::wake_trials(state, &self.trials).await {
            tracing::warn!(error = %format!("{e:#}"), "cannot wake the trials an authorized push may concern");
        }
    }
}

/// Settles, inside the transaction that stores it, the first `authorized` push of an account
/// that is already ours, which is what [`authorized_pushed`] would do for it later as a job,
/// without the job (its claim, its read of the push, its reads and its end: five commits where
/// this costs none of its own):
///
/// - an account stored, imported and authorized (the callback's job got there first): its
///   pre_auth_code is noted, nothing else;
/// - a Mini Program of ours whose token is stored but whose profile is not (its registration
///   imports it as it completes): its pre_auth_code is noted, nothing else;
/// - a Mini Program of ours whose own workflow is still getting its token (the push for a
///   Mini Program fastregister has just created): its pre_auth_code is noted, and the
///   registrations and trials it may be news for are woken once the transaction commits.
///
/// Returns `None` for every other push (a new account, whose code must be exchanged; one whose
/// token is stored but whose profile is not): it is processed by its job, as before.
pub async fn settle_at_receipt(
    state: &AppState,
    tx: &mut crate::store::Tx,
    appid: &AppId,
    code: &AuthorizationCode,
    pre_auth_code: &Secret,
) -> anyhow::Result<Option<Wakes>> {
    let known = authorizers::known_account(&mut *tx, appid.as_str(), &code_digest(state, code)).await?;
    let wakes = if known.current || (known.claimed && known.awaiting_profile) {
        // Imported already, or a Mini Program of ours whose registration holds its token and
        // imports its profile as it completes.
        Wakes::default()
    } else if known.claimed && !known.has_token {
        Wakes {
            registrations: crate::registration::reconciling(state, &mut *tx).await?,
            trials: crate::routes::push::waiting_trials(&mut *tx).await?,
        }
    } else {
        return Ok(None);
    };
    tokens::note_exchange(
        &mut *tx,
        &pre_auth_code_digest(state, pre_auth_code.expose()),
        appid.as_str(),
        state.now_ms(),
    )
    .await
    .context("cannot note the pushed pre_auth_code's account")?;
    Ok(Some(wakes))
}

/// An `unauthorized` push: the account withdrew; its tokens no longer work.
pub async fn unauthorized_pushed(state: &AppState, appid: &AppId) -> anyhow::Result<()> {
    state.client.forget_authorizer(appid).await?;
    authorizers::mark_unauthorized(&state.db, appid.as_str(), state.now_ms()).await?;
    tracing::info!(%appid, "authorizer withdrew its authorization");
    Ok(())
}
