//! Authorizing an Official Account (授权流程): the operator starts it (api_create_preauthcode →
//! componentloginpage URL with a signed `state`), the admin scans and lands on
//! `/callback/authorize` with `auth_code`, which is recorded once and exchanged by a job
//! (api_query_auth: the refresh token is stored before anything else) — and the account becomes
//! an `authorizers` row with its permission sets.
//!
//! WeChat also pushes `authorized` for every authorization, with a code of its own: the push
//! exchanges it and imports the account (so an account whose admin closed the page before the
//! redirect is imported all the same), and notes the account under the push's pre_auth_code, so
//! the callback's job need not spend its code on an account the push already brought in. An
//! `authorized` push of an account the callback's job already imported changes nothing; an
//! `updateauthorized` one (new permission sets) imports it again.
//!
//! This file holds the authorization's own workflow and the code exchange; `push.rs` what the
//! pushes do (processed by their job, or settled as they are received); `profile.rs` reading an
//! account's profile before a transaction and writing it inside one.

use crate::callback::{CallbackError, Landing};
use crate::failure::{Failure, is_retryable};
use crate::job::{Job, Outcome};
use crate::startup::AppState;
use crate::store::{authorizers, record_history, tokens};
use anyhow::Context;
use fastreg_protocol::id::Secret;
use fastreg_protocol::{AppId, AuthorizationCode};
use serde::{Deserialize, Serialize};

mod profile;
mod push;

pub use profile::*;
pub use push::*;

/// The job kind that exchanges auth codes.
pub const JOB: &str = "authorization";

/// An authorization started by the operator.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Authorization {
    /// Id.
    pub id: String,
    /// awaiting_admin | code_received | authorized | failed.
    pub state: String,
    /// The componentloginpage URL.
    pub auth_url: String,
    /// The account, once known.
    pub authorizer_appid: Option<String>,
    /// Why it failed (JSON).
    pub failure: Option<String>,
    /// Who started it.
    pub created_by: String,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last change (unix ms).
    pub updated_at: i64,
}

/// An account that authorized the component.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Authorizer {
    /// appid.
    pub appid: String,
    /// official_account | mini_program | unknown.
    pub kind: String,
    /// authorized | unauthorized | refresh_rejected.
    pub status: String,
    /// Name.
    pub nick_name: Option<String>,
    /// Subject.
    pub principal_name: Option<String>,
    /// Permission set ids (stored as JSON text, served as a JSON array).
    #[serde(serialize_with = "crate::store::json_text")]
    #[schema(value_type = Vec<i64>)]
    pub func_info: String,
    /// When its access token expires (unix ms).
    pub access_expires_at: Option<i64>,
    /// When the upkeep refreshes it next (unix ms).
    pub next_refresh_at: Option<i64>,
    /// Why it is flagged.
    pub flag_reason: Option<String>,
    /// When it authorized (unix ms).
    pub authorized_at: Option<i64>,
    /// Last change (unix ms).
    pub updated_at: i64,
}

/// Why an authorization could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// api_create_preauthcode failed: WeChat's answer (with its catalog meaning) or the transport.
    #[error("api_create_preauthcode failed: {0}")]
    WeChat(#[source] fastreg_client::Error),
    /// The database, or building the page's URL.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Starts an authorization; `biz_appid` restricts it to one account.
#[tracing::instrument(skip_all, err(Display))]
pub async fn start(state: &AppState, biz_appid: Option<&AppId>, actor: &str) -> Result<Authorization, StartError> {
    let pre = state.client.create_pre_auth_code().await.map_err(StartError::WeChat)?;
    let id = uuid::Uuid::new_v4().to_string();
    let redirect = crate::callback::redirect_uri(state, "authorize", &id);
    let url = fastreg_protocol::page::component_login_page_url(
        &state.settings.mp_base,
        &state.component_appid,
        pre.pre_auth_code.expose(),
        &redirect,
        None,
        biz_appid,
    )
    .context("cannot build the componentloginpage URL")?;
    let now = state.now_ms();
    let subject = format!("authorization:{id}");
    // The row, its history and the audit line in one transaction: one commit.
    let created = async {
        let mut tx = state.db.begin().await?;
        let pre_auth_digest = pre_auth_code_digest(state, pre.pre_auth_code.expose());
        let created = authorizers::create_authorization(&mut tx, &id, &url, &pre_auth_digest, actor, now).await?;
        record_history(&mut tx, &subject, None, "awaiting_admin", None).await?;
        crate::startup::audit_in(&mut tx, now, actor, "authorization.start", &subject, "").await?;
        tx.commit().await?;
        anyhow::Ok(created)
    }
    .await?;
    Ok(created)
}

/// One authorization.
pub async fn get(state: &AppState, id: &str) -> anyhow::Result<Option<Authorization>> {
    authorizers::authorization(&state.db, id).await
}

/// Records the callback's `auth_code` once and queues its exchange.
#[tracing::instrument(skip_all, fields(authorization = %id))]
pub async fn record_code(state: &AppState, id: &str, code: &AuthorizationCode) -> Result<Landing, CallbackError> {
    let sealed = state
        .secrets
        .seal_str(&format!("authorization_code:{id}"), code.as_str());
    let mut tx = state.db.begin().await?;
    let recorded =
        authorizers::record_auth_code(&mut tx, id, &sealed, &code_digest(state, code), state.now_ms()).await?;
    if !recorded {
        drop(tx);
        let current = get(state, id).await?.ok_or(CallbackError::NotFound("authorization"))?;
        return Ok(Landing::AlreadyRecorded(format!(
            "This authorization was already received (it is {}).",
            current.state
        )));
    }
    crate::callback::land(
        state,
        tx,
        "authorization",
        id,
        "code_received",
        JOB,
        "The authorization was received; you can close this page.",
    )
    .await
}

#[derive(Deserialize)]
struct Payload {
    id: String,
}

/// Exchanges a recorded auth code.
#[tracing::instrument(skip_all, fields(authorization))]
pub async fn run_job(state: &AppState, job: &Job) -> anyhow::Result<Outcome> {
    let Payload { id } = job.payload()?;
    tracing::Span::current().record("authorization", id.as_str());
    let Some(authorizers::AuthorizationCode {
        state: current,
        auth_code_sealed: Some(sealed),
        auth_url,
        has_pre_auth_digest,
        pushed_account,
    }) = authorizers::authorization_code(&state.db, &id).await?
    else {
        return Ok(Outcome::Dead(format!("authorization {id} has no code")));
    };
    if current != "code_received" {
        return Ok(Outcome::Done);
    }
    // The `authorized` push for this authorization's pre_auth_code may have brought the account
    // in already (exchanged its own code, stored the refresh token, imported the profile): then
    // this code need not be spent.
    let brought_in = if has_pre_auth_digest {
        pushed_account.and_then(|a| AppId::parse(a).ok())
    } else {
        brought_in_by_push(state, &auth_url).await?
    };
    if let Some(appid) = brought_in {
        return finish_authorization(state, &id, "authorized", Some(appid.to_string()), None).await;
    }
    let code = state
        .secrets
        .open_str(&format!("authorization_code:{id}"), &sealed)
        .context("cannot open the code")?;
    let code = AuthorizationCode::parse(code).context("the stored code is malformed")?;
    let exchanged = exchange_noting(state, &code).await;
    // What is stored of the account (one read): its refresh token, and whether its profile was
    // imported (by the `authorized` push that exchanged the code first, typically).
    let stored = match &exchanged {
        Ok((appid, _)) => {
            let (token, imported) = authorizers::token_and_profile(&state.db, appid.as_str())
                .await?
                .unwrap_or((false, false));
            Some((token, imported))
        }
        Err(_) => None,
    };
    let (to, appid, failure) = match exchanged.map(|(appid, by_other)| (appid, by_other, stored.unwrap_or_default())) {
        // The account is known (from the answer, or from the `authorized` push when the answer
        // was lost); without its refresh token, the authorizer list carries it.
        Ok((appid, _, (false, _))) => match refresh_token_from_list(state, &appid).await {
            Ok(true) => {
                import(state, &appid).await?;
                ("authorized", Some(appid.to_string()), None)
            }
            Ok(false) => {
                return Ok(Outcome::Retry(format!(
                    "{appid} is not in WeChat's authorizer list yet"
                )));
            }
            Err(e) => return Ok(Outcome::Retry(format!("{e:#}"))),
        },
        // The push exchanged the code and imported the account moments ago: nothing to add.
        Ok((appid, true, (true, true))) => ("authorized", Some(appid.to_string()), None),
        Ok((appid, _, _)) => {
            import(state, &appid).await?;
            ("authorized", Some(appid.to_string()), None)
        }
        // query_auth's answer was lost (or the code was spent by a call whose answer was lost):
        // the account is in WeChat's authorizer list since the admin confirmed, with its refresh
        // token — the same evidence a registration's lost fastregister answer is reconciled from.
        Err(e) if (e.is_outcome_unknown() || job.attempts >= 3) && !is_retryable_only(&e) => {
            match recover(state, &id).await {
                Ok(Some(appid)) => {
                    import(state, &appid).await?;
                    tracing::info!(authorizer = %appid, "query_auth's answer was lost; the account was found in the authorizer list");
                    ("authorized", Some(appid.to_string()), None)
                }
                // Several fresh accounts (concurrent authorizations whose jobs have not run yet, or
                // a list that lags): each finished one becomes known and leaves the list, so wait.
                Ok(None) if job.attempts + 1 < job.max_attempts => {
                    return Ok(Outcome::Retry(format!(
                        "{}; the account is not yet told apart in WeChat's authorizer list",
                        crate::failure::what_happened(&e)
                    )));
                }
                Ok(None) => {
                    let mut f = Failure::from_client(&e);
                    if e.is_outcome_unknown() {
                        f.remedy = "The account did not appear in WeChat's authorizer list. The `authorized` push WeChat \
                                    sends will bring it in; check GET /api/v1/authorizers, or start the authorization again."
                            .into();
                    }
                    ("failed", None, Some(f))
                }
                Err(list) => {
                    return Ok(Outcome::Retry(format!(
                        "{e}; and the authorizer list could not be read: {list:#}"
                    )));
                }
            }
        }
        Err(e) if is_retryable(&e) && !e.is_outcome_unknown() => return Ok(Outcome::Retry(e.to_string())),
        // The `authorized` push carries the same code; its job may be exchanging it right now.
        Err(e @ fastreg_client::Error::Api { .. }) if job.attempts < 3 => return Ok(Outcome::Retry(e.to_string())),
        Err(e) => {
            let mut f = Failure::from_client(&e);
            if e.is_outcome_unknown() {
                f.remedy =
                    "The `authorized` push WeChat sends will bring the account in; check GET /api/v1/authorizers."
                        .into();
            }
            ("failed", None, Some(f))
        }
    };
    finish_authorization(state, &id, to, appid, failure).await
}

/// Records how authorization `id` ended.
async fn finish_authorization(
    state: &AppState,
    id: &str,
    to: &str,
    appid: Option<String>,
    failure: Option<Failure>,
) -> anyhow::Result<Outcome> {
    let failure_json = failure.as_ref().map(serde_json::to_string).transpose()?;
    let mut tx = state.db.begin().await?;
    authorizers::finish_authorization(
        &mut tx,
        id,
        to,
        appid.as_deref(),
        failure_json.as_deref(),
        state.now_ms(),
    )
    .await?;
    record_history(
        &mut tx,
        &format!("authorization:{id}"),
        Some("code_received"),
        to,
        appid.as_deref(),
    )
    .await?;
    // The job ends with the authorization, in the same commit.
    let outcome = crate::job::finish_in(&mut tx, state.now_ms()).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The account the `authorized` push for `auth_url`'s pre_auth_code brought in, if it came and
/// the account is stored, imported and authorized (one read).
async fn brought_in_by_push(state: &AppState, auth_url: &str) -> anyhow::Result<Option<AppId>> {
    let Some(pre_auth_code) = pre_auth_code_of(auth_url) else {
        return Ok(None);
    };
    let row = tokens::exchanged_account_with_status(&state.db, &pre_auth_code_digest(state, &pre_auth_code)).await?;
    Ok(row
        .filter(|(_, current)| *current)
        .and_then(|(a, _)| AppId::parse(a).ok()))
}

/// The pre_auth_code a componentloginpage URL carries.
fn pre_auth_code_of(auth_url: &str) -> Option<String> {
    url::Url::parse(auth_url).ok().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "pre_auth_code")
            .map(|(_, v)| v.into_owned())
    })
}

/// A failure worth retrying as is (WeChat busy, a network error before the call was sent).
fn is_retryable_only(e: &fastreg_client::Error) -> bool {
    is_retryable(e) && !e.is_outcome_unknown()
}

/// Stores `appid`'s refresh token from WeChat's authorizer list; whether it was there.
async fn refresh_token_from_list(state: &AppState, appid: &AppId) -> anyhow::Result<bool> {
    let list = state
        .client
        .all_authorizers()
        .await
        .context("the authorizer list failed")?;
    let Some(item) = list.into_iter().find(|i| &i.authorizer_appid == appid) else {
        return Ok(false);
    };
    state
        .client
        .put_refresh_token(appid, &item.refresh_token)
        .await
        .context("cannot store the refresh token")?;
    Ok(true)
}

/// The account authorization `id` brought in when query_auth's answer was lost: the one the
/// `authorized` push for its pre_auth_code named (WeChat pushes a code of its own, so the spent
/// code does not name it), else the one fresh account in WeChat's authorizer list. Its refresh
/// token is stored before this returns.
async fn recover(state: &AppState, id: &str) -> anyhow::Result<Option<AppId>> {
    let Some(appid) = pushed_account(state, id).await? else {
        return recover_from_list(state, id).await;
    };
    if state.client.store().refresh_token(&appid).await?.is_some() || refresh_token_from_list(state, &appid).await? {
        Ok(Some(appid))
    } else {
        Ok(None)
    }
}

fn pre_auth_code_digest(state: &AppState, pre_auth_code: &str) -> String {
    state.secrets.digest("pre_auth_code", pre_auth_code)
}

/// The account the `authorized` push named for authorization `id`'s pre_auth_code, if it came.
async fn pushed_account(state: &AppState, id: &str) -> anyhow::Result<Option<AppId>> {
    let auth_url = authorizers::authorization_url(&state.db, id).await?;
    let Some(pre_auth_code) = pre_auth_code_of(&auth_url) else {
        return Ok(None);
    };
    let appid = tokens::exchanged_account(&state.db, &pre_auth_code_digest(state, &pre_auth_code))
        .await
        .context("cannot read code exchanges")?;
    Ok(appid.and_then(|a| AppId::parse(a).ok()))
}

/// The account an authorization brought in, from WeChat's authorizer list, when query_auth's
/// answer was lost: the one authorizer we do not hold that WeChat says was authorized since the
/// authorization started. `None` when there is none or more than one (then the `authorized` push
/// decides). Its refresh token is stored before this returns.
async fn recover_from_list(state: &AppState, id: &str) -> anyhow::Result<Option<AppId>> {
    let created_at = authorizers::authorization_created_at(&state.db, id).await?;
    let known = authorizers::known_appids(&state.db).await?;
    let known: std::collections::HashSet<AppId> = known.into_iter().filter_map(|a| AppId::parse(a).ok()).collect();
    let list = state
        .client
        .find_new_authorizers(&known)
        .await
        .context("the authorizer list failed")?;
    // WeChat's clock and ours may differ by a few seconds. Among several fresh ones, those
    // authorized since the authorization started, then the Official Accounts among them (what the
    // console and the API authorize), if that leaves one.
    let started = created_at / 1000;
    let auth_time = |item: &fastreg_protocol::component::AuthorizerListItem| i64::try_from(item.auth_time).unwrap_or(0);
    let fresh: Vec<_> = list.into_iter().filter(|item| auth_time(item) >= started - 5).collect();
    let mut pick = unique(fresh.iter().collect());
    if pick.is_none() {
        let exact: Vec<_> = fresh.iter().filter(|item| auth_time(item) >= started).collect();
        pick = unique(exact.clone());
        if pick.is_none() && exact.len() > 1 {
            let mut accounts = Vec::new();
            for item in exact {
                let info = state
                    .client
                    .authorizer_info(&item.authorizer_appid)
                    .await
                    .context("cannot read a candidate account")?;
                if info.authorizer_info.mini_program_info.is_none() {
                    accounts.push(item);
                }
            }
            pick = unique(accounts);
        }
    }
    let Some(item) = pick else {
        return Ok(None);
    };
    state
        .client
        .put_refresh_token(&item.authorizer_appid, &item.refresh_token)
        .await
        .context("cannot store the refresh token")?;
    Ok(Some(item.authorizer_appid.clone()))
}

fn unique<T>(items: Vec<T>) -> Option<T> {
    let mut it = items.into_iter();
    match (it.next(), it.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

fn code_digest(state: &AppState, code: &AuthorizationCode) -> String {
    state.secrets.digest("authorization_code", code.as_str())
}

/// Exchanges an authorization code (api_query_auth; the client stores the refresh token before
/// returning) and notes which account it was. A code another path already exchanged answers
/// with that account instead of spending a call on a certain refusal.
pub async fn exchange(state: &AppState, code: &AuthorizationCode) -> Result<Exchanged, fastreg_client::Error> {
    let mut token_stored = false;
    let appid = exchange_with(state, code, &mut token_stored).await?.0;
    Ok(Exchanged { appid, token_stored })
}

/// Exchanges a code only its caller holds (fastregister's answer, which no push carries):
/// api_query_auth, with neither the look-up of another path's exchange nor a note of this one,
/// since no other path can have it, and a run that dies after the call finds the refresh token
/// stored (the client stores it before returning) before it would look. Two statements fewer
/// per registration than [`exchange`]. Should WeChat ever push the same code and the push
/// exchange it first, this call is refused and the caller's lost-code path (the authorizer
/// list) takes over, as it does for a lost answer.
pub async fn exchange_own(state: &AppState, code: &AuthorizationCode) -> Result<Exchanged, fastreg_client::Error> {
    let info = state.client.query_auth(code).await?;
    Ok(Exchanged {
        token_stored: info.authorizer_refresh_token.is_some(),
        appid: info.authorizer_appid,
    })
}

/// What [`exchange`] learnt.
#[derive(Clone, Debug)]
pub struct Exchanged {
    /// The account the code was for.
    pub appid: AppId,
    /// Whether its refresh token is stored for certain: this call's api_query_auth answered one
    /// (the client stores it before returning). `false` says only that this call does not know
    /// (another path exchanged the code, or the answer had none): read the store.
    pub token_stored: bool,
}

/// [`exchange`], also saying whether another path (the `authorized` push, a concurrent job) had
/// exchanged the code already (`true`): no call was made.
async fn exchange_noting(state: &AppState, code: &AuthorizationCode) -> Result<(AppId, bool), fastreg_client::Error> {
    exchange_with(state, code, &mut false).await
}

/// [`exchange_noting`], setting `token_stored` when this call's answer carried a refresh token.
async fn exchange_with(
    state: &AppState,
    code: &AuthorizationCode,
    token_stored: &mut bool,
) -> Result<(AppId, bool), fastreg_client::Error> {
    let digest = code_digest(state, code);
    let done =
        |e: sqlx::Error| fastreg_client::Error::Store(fastreg_client::StoreError::with_source("code exchanges", e));
    let known = tokens::exchanged_account(&state.db, &digest).await.map_err(done)?;
    if let Some(appid) = known.and_then(|a| AppId::parse(a).ok()) {
        return Ok((appid, true));
    }
    match state.client.query_auth(code).await {
        Ok(info) => {
            tokens::note_exchange(&state.db, &digest, info.authorizer_appid.as_str(), state.now_ms())
                .await
                .map_err(done)?;
            *token_stored = info.authorizer_refresh_token.is_some();
            Ok((info.authorizer_appid, false))
        }
        Err(e) => {
            // Lost the race to the other path: it says which account the code was for.
            let known = tokens::exchanged_account(&state.db, &digest).await.map_err(done)?;
            match known.and_then(|a| AppId::parse(a).ok()) {
                Some(appid) => Ok((appid, true)),
                None => Err(e),
            }
        }
    }
}

/// Authorizers, by appid.
pub async fn authorizers(state: &AppState, limit: i64, offset: i64) -> anyhow::Result<Vec<Authorizer>> {
    authorizers::list(&state.db, limit, offset).await
}

/// One authorizer.
pub async fn authorizer(state: &AppState, appid: &str) -> anyhow::Result<Option<Authorizer>> {
    authorizers::get(&state.db, appid).await
}
