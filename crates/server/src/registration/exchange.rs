//! The new Mini Program's authorization: its code exchanged once (api_query_auth), or its
//! refresh token taken from the authorizer list, stored before `registered`.

use super::*;

/// code_received → query_auth → registered.
pub(super) async fn exchange(state: &AppState, reg: &Registration) -> anyhow::Result<Outcome> {
    let Some(appid) = reg.mini_program_appid.clone() else {
        return Ok(Outcome::Dead("code_received without an appid".into()));
    };
    let appid = AppId::parse(appid).context("the stored appid is malformed")?;
    // A run that died after the exchange finds the refresh token already stored. Whether it is,
    // and the sealed code: one read.
    let (stored, sealed) = store::registrations::token_stored_and_code(&state.db, appid.as_str(), &reg.id).await?;
    if stored {
        return finish(state, reg, &appid, CODE_RECEIVED, "refresh token stored").await;
    }
    let Some(sealed) = sealed else {
        return Ok(Outcome::Dead("code_received without a code".into()));
    };
    let code = state
        .secrets
        .open_str(&format!("registration_code:{}", reg.id), &sealed)
        .context("cannot open the stored authorization_code_sealed")?;
    let code = AuthorizationCode::parse(code).context("the stored code is malformed")?;
    exchange_code(state, reg, &appid, &code).await
}

/// query_auth → registered, for `code` as fastregister answered it: what [`exchange`] does once
/// it has the code, and what the run that recorded the code goes on with (it knows the code,
/// and that nothing exchanged it: no read back).
pub(super) async fn exchange_code(
    state: &AppState,
    reg: &Registration,
    appid: &AppId,
    code: &AuthorizationCode,
) -> anyhow::Result<Outcome> {
    let appid = appid.clone();
    // fastregister's answer is the only place this code was given: no other path exchanges it.
    let result = crate::authorization::exchange_own(state, code).await;
    match result {
        // Stored by this call's answer, or (another path exchanged the code) found in the store.
        Ok(done)
            if (done.token_stored && done.appid == appid)
                || state
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

pub(super) async fn refresh_from_list(
    state: &AppState,
    reg: &Registration,
    appid: &AppId,
    why: &str,
) -> anyhow::Result<Outcome> {
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
pub(super) async fn finish(
    state: &AppState,
    reg: &Registration,
    appid: &AppId,
    from: &str,
    note: &str,
) -> anyhow::Result<Outcome> {
    let profile = profile_for_completion(state, appid).await;
    let mut tx = state.db.begin().await?;
    if from == OUTCOME_UNKNOWN {
        claim_mini_program(&mut tx, reg, appid).await?;
        store::registrations::set_mini_program(&mut tx, &reg.id, appid.as_str()).await?;
    }
    if !transition(&mut tx, reg, from, REGISTERED, Some(note), None).await? {
        return Ok(Outcome::WaitUntil(state.now_ms()));
    }
    if let Some(plan) = &reg.setup_plan {
        crate::setup::attach(state, &mut tx, appid, plan).await?;
    }
    let payload =
        serde_json::json!({ "registration_id": reg.id, "oa_appid": reg.oa_appid, "mini_program_appid": appid });
    complete(state, tx, appid, payload, profile).await
}
