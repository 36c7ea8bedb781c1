//! The durable steps of the enterprise, personal and trial routes (see [`super`] for the states).
//!
//! - `creating`: the job marks the row (`submissions + 1`, `submitted_at`) *before* it calls
//!   create. A run that finds the mark without an answer knows the call may have been made:
//!   the row goes `create_unknown`.
//! - `create_unknown`: the taskid (or unique_id) and the link of a lost answer are nowhere to be
//!   read again (`query` needs the taskid), and nobody can confirm a task whose link nobody has:
//!   it lapses unused after 24 h. So create is called again, at most [`MAX_CREATES`] times in all
//!   — never blindly: the enterprise route's second task for the subject is refused with 89249
//!   while the first is open, which proves the first applied; the registration then fails with
//!   the time the subject is free again.
//! - `awaiting_user`: waits for the push ([`super::push`]); meanwhile the task's `query` is polled
//!   with a doubling wait (1 min, 2, 4, … at most 30 min), so a lost push never strands a
//!   registration. The trial has no `query`: its Mini Program is looked for in WeChat's
//!   authorizer list by name. Past the link's 24 h (and a grace), a last look decides.
//! - `exchanging`: the appid (and the push's `auth_code`, sealed) are stored; `api_query_auth`
//!   exchanges the code once and the client stores the refresh token; the registration becomes
//!   `registered` only once that token is in the store. A code lost with its answer (or a trial,
//!   whose push has no code and whose `authorized` push may be lost) is made good by the
//!   refresh token in WeChat's authorizer list.

use super::{
    AWAITING_USER, CREATE_UNKNOWN, CREATING, EXCHANGING, JOB, Route, RouteRegistration, TASK_TTL_MS, TRIAL_LIFE_MS,
    get, input::RouteInput, status_failure,
};
use crate::failure::{Failure, is_lost_answer, is_retryable};
use crate::job::{Job, Outcome};
use crate::registration::{FAILED, REGISTERED};
use crate::startup::AppState;
use crate::store::{self, AsExec, Tx, record_history};
use anyhow::Context;
use fastreg_client::Error as ClientError;
use fastreg_protocol::catalog::task_status::StatusTable;
use fastreg_protocol::registration::{
    BetaCreateRequest, EnterpriseCreateRequest, PersonalCreateRequest, TRIAL_NAME_SUFFIX, TaskStatus,
};
use fastreg_protocol::{AppId, AuthorizationCode};
use serde::Deserialize;
use std::collections::HashSet;

/// The most create calls one registration makes (the first, and the ones after lost answers).
pub const MAX_CREATES: i64 = 3;
/// The first poll of `query`, after the create.
const FIRST_POLL_MS: i64 = 60_000;
/// The longest wait between polls.
const MAX_POLL_MS: i64 = 30 * 60_000;
/// How long past the link's expiry the push is still waited for.
const EXPIRY_GRACE_MS: i64 = 10 * 60_000;
/// WeChat refuses a second enterprise task for a subject within 24 h.
const SUBJECT_TASK_OPEN: i64 = 89249;

#[derive(Deserialize)]
struct Payload {
    id: String,
}

/// Queues (or wakes) the registration's job.
pub async fn enqueue(state: &AppState, target: impl AsExec, id: &str, at: i64) -> anyhow::Result<()> {
    state
        .queue
        .enqueue(
            target,
            JOB,
            &serde_json::json!({ "id": id }),
            Some(&format!("{JOB}:{id}")),
            at,
        )
        .await?;
    Ok(())
}

/// Makes the registration's job due now (a push arrived).
pub async fn wake(state: &AppState, id: &str) -> anyhow::Result<()> {
    state
        .queue
        .wake(JOB, &serde_json::json!({ "id": id }), &format!("{JOB}:{id}"))
        .await
}

/// Runs one step.
#[tracing::instrument(skip_all, fields(registration))]
pub async fn run_job(state: &AppState, job: &Job) -> anyhow::Result<Outcome> {
    let Payload { id } = job.payload()?;
    tracing::Span::current().record("registration", id.as_str());
    let Some(reg) = get(state, &id).await? else {
        return Ok(Outcome::Dead(format!("registration {id} does not exist")));
    };
    match reg.state.as_str() {
        CREATING if reg.submissions > 0 => {
            // Only a run that died between its mark and the answer leaves this behind.
            let note =
                "the service stopped while create was in flight: WeChat may have opened a task whose link we never got";
            move_to(state, &reg, CREATING, CREATE_UNKNOWN, Some(note), None).await?;
            Ok(Outcome::WaitUntil(state.now_ms()))
        }
        CREATING | CREATE_UNKNOWN => create(state, &reg).await,
        AWAITING_USER => poll(state, &reg).await,
        EXCHANGING => exchange(state, &reg).await,
        _ => Ok(Outcome::Done),
    }
}

/// What a create call answered.
struct Created {
    task_id: String,
    auth_url: String,
    status: Option<i64>,
}

async fn call_create(state: &AppState, input: &RouteInput) -> Result<Created, ClientError> {
    match input {
        RouteInput::Enterprise(e) => {
            let req = EnterpriseCreateRequest::new(&e.name, &e.code, &e.component_phone);
            let r = state.client.register_enterprise(&req).await?;
            Ok(Created {
                task_id: r.taskid,
                auth_url: r.authorize_url,
                status: Some(r.status.code()),
            })
        }
        RouteInput::Personal(p) => {
            let req = PersonalCreateRequest::new(&p.wxuser, &p.component_phone);
            let r = state.client.register_personal(&req).await?;
            Ok(Created {
                task_id: r.taskid,
                auth_url: r.authorize_url,
                status: Some(r.status.code()),
            })
        }
        RouteInput::Trial(t) => {
            let r = state
                .client
                .register_trial(&BetaCreateRequest::new(&t.name, &t.openid))
                .await?;
            Ok(Created {
                task_id: r.unique_id,
                auth_url: r.authorize_url,
                status: None,
            })
        }
    }
}

/// A call refused before WeChat did anything: the create did not happen.
fn never_applied(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::Token(_) | ClientError::Store(_) | ClientError::Transport { sent: false, .. }
    )
}

/// creating / create_unknown → (mark) → create → awaiting_user | create_unknown | failed.
async fn create(state: &AppState, reg: &RouteRegistration) -> anyhow::Result<Outcome> {
    let Some(input) = reg.input() else {
        return Ok(Outcome::Dead("the registration has no input".into()));
    };
    if reg.state == CREATE_UNKNOWN && reg.submissions >= MAX_CREATES {
        let failure = Failure::new(
            "outcome_unknown",
            format!(
                "create was sent {} times and no answer came back ({})",
                reg.submissions,
                reg.note.as_deref().unwrap_or("no detail")
            ),
            "Check that this service reaches WeChat, then start again (POST /api/v1/registrations/{id}/restart).",
        );
        move_to(state, reg, CREATE_UNKNOWN, FAILED, None, Some(&failure)).await?;
        return Ok(Outcome::Done);
    }
    // The mark, before the call.
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    if !store::route_tasks::mark_create(&mut tx, &reg.id, &reg.state, reg.submissions, now).await? {
        return Ok(Outcome::WaitUntil(state.now_ms()));
    }
    let again = reg.submissions > 0;
    if again {
        record_history(
            &mut tx,
            &reg.subject(),
            Some(CREATE_UNKNOWN),
            CREATING,
            Some("create is called again: the lost task's link never reached anyone, so nobody can confirm it"),
        )
        .await?;
    }
    tx.commit().await?;
    let reg = RouteRegistration {
        state: CREATING.into(),
        submissions: reg.submissions + 1,
        ..reg.clone()
    };

    state.crash_points.reach("routes.before_create").await;
    let result = call_create(state, &input).await;
    state.crash_points.reach("routes.after_create").await;
    match result {
        Ok(created) => {
            let now = state.now_ms();
            let table = (reg.route() != Route::Trial).then_some("task");
            let mut tx = state.db.begin().await?;
            let opened = store::route_tasks::record_task(
                &mut tx,
                &reg.id,
                &store::route_tasks::OpenedTask {
                    task_id: &created.task_id,
                    auth_url: &created.auth_url,
                    auth_expires_at: now + TASK_TTL_MS,
                    status: created.status,
                    status_table: table,
                    now,
                },
            )
            .await?;
            if opened {
                record_history(
                    &mut tx,
                    &reg.subject(),
                    Some(CREATING),
                    AWAITING_USER,
                    Some("WeChat opened the task: the user has 24 h to open the link"),
                )
                .await?;
            }
            tx.commit().await?;
            tracing::info!("task opened; waiting for the user");
            Ok(Outcome::WaitUntil(now + FIRST_POLL_MS))
        }
        Err(e) if never_applied(&e) => {
            let mut tx = state.db.begin().await?;
            store::route_tasks::uncount_create(
                &mut tx,
                &reg.id,
                if again { CREATE_UNKNOWN } else { CREATING },
                state.now_ms(),
            )
            .await?;
            tx.commit().await?;
            Ok(Outcome::Retry(e.to_string()))
        }
        Err(e) if is_lost_answer(&e) => {
            let note = format!(
                "create (call {}): {}; WeChat may have opened a task whose link we never got",
                reg.submissions,
                crate::failure::what_happened(&e)
            );
            move_to(state, &reg, CREATING, CREATE_UNKNOWN, Some(&note), None).await?;
            crate::registration::set_note(state, &reg.id, &note).await?;
            Ok(Outcome::WaitUntil(state.now_ms()))
        }
        Err(e) if again && e.code() == Some(SUBJECT_TASK_OPEN) => {
            let free_at = reg.submitted_at.unwrap_or(now) + TASK_TTL_MS;
            let failure = Failure {
                message_zh: Some(
                    "第一次 create 的应答丢失，但微信已为该主体开了任务（再次 create 返回 89249）；它的链接无人知晓，24 小时后失效。".into(),
                ),
                remedy_zh: Some(format!(
                    "在 {} 之后重新发起（POST /api/v1/registrations/{{id}}/restart）。",
                    super::china_time(free_at)
                )),
                ..Failure::new(
                    "89249",
                    "the first create's answer was lost, but WeChat had opened a task for this enterprise (a second create answered 89249); its link never reached anyone and lapses after 24 h",
                    format!(
                        "Start again after {} (POST /api/v1/registrations/{{id}}/restart).",
                        super::china_time(free_at)
                    ),
                )
            };
            move_to(state, &reg, CREATING, FAILED, None, Some(&failure)).await?;
            Ok(Outcome::Done)
        }
        Err(e) if is_retryable(&e) && e.code() != Some(-1) => {
            // Refused before acting (busy, rate limit): the mark stays counted, as create_unknown.
            let note = format!("create (call {}): {e}", reg.submissions);
            move_to(state, &reg, CREATING, CREATE_UNKNOWN, Some(&note), None).await?;
            Ok(Outcome::Retry(e.to_string()))
        }
        Err(e) if e.code() == Some(-1) => {
            let note = format!(
                "create (call {}): {}; WeChat may have opened a task",
                reg.submissions,
                crate::failure::what_happened(&e)
            );
            move_to(state, &reg, CREATING, CREATE_UNKNOWN, Some(&note), None).await?;
            Ok(Outcome::WaitUntil(state.now_ms() + 5_000))
        }
        Err(e) => {
            let failure = Failure::from_client(&e);
            move_to(state, &reg, CREATING, FAILED, None, Some(&failure)).await?;
            Ok(Outcome::Done)
        }
    }
}

/// The wait before the next poll: 1 min, doubling, at most 30 min.
pub fn poll_backoff_ms(polls: i64) -> i64 {
    FIRST_POLL_MS.saturating_mul(1 << polls.clamp(0, 10)).min(MAX_POLL_MS)
}

/// awaiting_user: the push did not come (yet); ask WeChat.
async fn poll(state: &AppState, reg: &RouteRegistration) -> anyhow::Result<Outcome> {
    let now = state.now_ms();
    let expires = reg.auth_expires_at.unwrap_or(reg.created_at + TASK_TTL_MS);
    let last_look = now >= expires + EXPIRY_GRACE_MS;
    let found = match reg.route() {
        Route::Enterprise | Route::Personal => {
            let Some(task) = reg.task_id.clone() else {
                return Ok(Outcome::Dead("awaiting_user without a taskid".into()));
            };
            let answer = if reg.route() == Route::Enterprise {
                state.client.enterprise_task(&task).await
            } else {
                state.client.personal_task(&task).await
            };
            match answer {
                Ok(r) => {
                    let status = r.status;
                    record_status(state, reg, status.code(), "task").await?;
                    if matches!(status, TaskStatus::MiniProgramCreated | TaskStatus::Verified) {
                        find_created(state, reg).await?
                    } else if status.is_final() {
                        let failure = status_failure(StatusTable::Task, status.code(), "query");
                        move_to(state, reg, AWAITING_USER, FAILED, None, Some(&failure)).await?;
                        return Ok(Outcome::Done);
                    } else {
                        None
                    }
                }
                Err(e) => {
                    tracing::info!(error = %e, "task query failed; polling again later");
                    None
                }
            }
        }
        _ => find_created(state, reg).await?,
    };
    if let Some((appid, token)) = found {
        state
            .client
            .put_refresh_token(&appid, &token)
            .await
            .context("cannot store the refresh token")?;
        let note = format!(
            "the push did not come; Mini Program {appid} found by polling WeChat (the task's query and the authorizer list)"
        );
        let mut tx = state.db.begin().await?;
        if store::route_tasks::record_found(&mut tx, &reg.id, appid.as_str(), &note, state.now_ms()).await? {
            record_history(&mut tx, &reg.subject(), Some(AWAITING_USER), EXCHANGING, Some(&note)).await?;
        }
        tx.commit().await?;
        return Ok(Outcome::WaitUntil(state.now_ms()));
    }
    if last_look {
        move_to(state, reg, AWAITING_USER, FAILED, None, Some(&super::expired_failure())).await?;
        return Ok(Outcome::Done);
    }
    store::route_tasks::count_poll(&state.db, &reg.id).await?;
    let next = (now + poll_backoff_ms(reg.polls + 1)).min(expires + EXPIRY_GRACE_MS);
    Ok(Outcome::WaitUntil(next.max(now + 1_000)))
}

async fn record_status(state: &AppState, reg: &RouteRegistration, status: i64, table: &str) -> anyhow::Result<()> {
    if reg.task_status != Some(status) {
        store::route_tasks::set_task_status(&state.db, &reg.id, status, table, state.now_ms()).await?;
        record_history(
            &state.db,
            &reg.subject(),
            Some(&reg.state),
            &reg.state,
            Some(&format!("WeChat's task status: {status}")),
        )
        .await?;
    }
    Ok(())
}

/// The Mini Program WeChat created for this registration, from WeChat's authorizer list: a
/// Mini Program not yet ours, authorized since the create, of the enterprise's name (enterprise)
/// or with the trial's name (trial); the `authorized` pushes received since then are the
/// strongest evidence. Only one candidate is taken.
async fn find_created(
    state: &AppState,
    reg: &RouteRegistration,
) -> anyhow::Result<Option<(AppId, fastreg_protocol::id::RefreshToken)>> {
    let since = reg.submitted_at.unwrap_or(reg.created_at);
    let known = store::registrations::known_appids(&state.db).await?;
    let known: HashSet<AppId> = known.into_iter().filter_map(|a| AppId::parse(a).ok()).collect();
    let pushed = store::registrations::authorized_push_subjects_since(&state.db, since).await?;
    let pushed: HashSet<String> = pushed.into_iter().flatten().collect();
    let list = match state.client.find_new_authorizers(&known).await {
        Ok(list) => list,
        Err(e) => {
            tracing::info!(error = %e, "the authorizer list failed; looking again later");
            return Ok(None);
        }
    };
    let input = reg.input();
    let mut matches = Vec::new();
    for item in list {
        let Ok(info) = state.client.authorizer_info(&item.authorizer_appid).await else {
            continue;
        };
        let a = &info.authorizer_info;
        if a.mini_program_info.is_none() {
            continue;
        }
        let fits = match &input {
            Some(RouteInput::Enterprise(e)) => a.principal_name == e.name,
            Some(RouteInput::Trial(t)) => {
                a.nick_name == format!("{}{TRIAL_NAME_SUFFIX}", t.name) || a.nick_name == t.name
            }
            _ => true,
        };
        let recent = i64::try_from(item.auth_time).unwrap_or(0) * 1000 >= since - 5_000;
        if fits && (recent || pushed.contains(item.authorizer_appid.as_str())) {
            matches.push((item, a.nick_name.is_empty()));
        }
    }
    // Among several, a Mini Program fresh from registration has no name yet (a trial's is set).
    if matches.len() > 1 && !matches!(input, Some(RouteInput::Trial(_))) {
        matches.retain(|(_, unnamed)| *unnamed);
    }
    if matches.len() == 1 {
        let (item, _) = matches.remove(0);
        return Ok(Some((item.authorizer_appid, item.refresh_token)));
    }
    if matches.len() > 1 {
        tracing::warn!(
            candidates = matches.len(),
            "several new Mini Programs fit; waiting for the push"
        );
    }
    Ok(None)
}

/// exchanging → query_auth (once) → registered.
async fn exchange(state: &AppState, reg: &RouteRegistration) -> anyhow::Result<Outcome> {
    let Some(appid) = reg.mini_program_appid.clone() else {
        return Ok(Outcome::Dead("exchanging without an appid".into()));
    };
    let appid = AppId::parse(appid).context("the stored appid is malformed")?;
    if has_token(state, &appid).await.context("cannot read the token store")? {
        return finish(state, reg, &appid, "refresh token stored").await;
    }
    if let Some(code) = open_code(state, &reg.id).await? {
        let code = AuthorizationCode::parse(code).context("the stored code is malformed")?;
        let result = crate::authorization::exchange(state, &code).await;
        match result {
            // Stored by this call's answer, or (another path exchanged it) found in the store.
            Ok(done)
                if (done.token_stored && done.appid == appid)
                    || has_token(state, &appid).await.context("cannot read the token store")? =>
            {
                state.crash_points.reach("routes.after_query_auth").await;
                return finish(state, reg, &appid, "authorization code exchanged; refresh token stored").await;
            }
            Ok(_) => {}
            Err(e) if is_retryable(&e) && !is_lost_answer(&e) => return Ok(Outcome::Retry(e.to_string())),
            // Single use: a lost answer or a spent code is made good by the authorizer list.
            Err(e) => tracing::info!(error = %e, "the code exchange failed; taking the token from the authorizer list"),
        }
    }
    // The trial (no code in its push; the `authorized` push exchanges its own), or a lost code.
    let all = match state.client.all_authorizers().await {
        Ok(all) => all,
        Err(e) => return Ok(Outcome::Retry(format!("the authorizer list failed: {e}"))),
    };
    match all.into_iter().find(|a| a.authorizer_appid == appid) {
        Some(item) => {
            state
                .client
                .put_refresh_token(&appid, &item.refresh_token)
                .await
                .context("cannot store the refresh token")?;
            finish(state, reg, &appid, "refresh token taken from the authorizer list").await
        }
        None if state.now_ms() - reg.updated_at < 10 * 60_000 => Ok(Outcome::WaitUntil(state.now_ms() + 30_000)),
        None => {
            let failure = Failure::new(
                "not_authorized",
                format!("Mini Program {appid} was created but is not authorized to this platform"),
                "Ask WeChat support, or authorize the Mini Program to this platform again.",
            );
            move_to(state, reg, EXCHANGING, FAILED, None, Some(&failure)).await?;
            Ok(Outcome::Done)
        }
    }
}

async fn open_code(state: &AppState, id: &str) -> anyhow::Result<Option<String>> {
    let sealed = store::registrations::sealed(&state.db, id, store::registrations::Sealed::AuthorizationCode)
        .await
        .context("cannot read the code")?;
    let Some(sealed) = sealed else { return Ok(None) };
    let code = state
        .secrets
        .open_str(&format!("registration_code:{id}"), &sealed)
        .context("cannot open the stored code")?;
    Ok(Some(code))
}

/// Records the Mini Program as this registration's.
pub(crate) async fn claim(tx: &mut Tx, reg_id: &str, appid: &AppId, now: i64) -> anyhow::Result<()> {
    store::registrations::insert_mini_program_if_absent(&mut *tx, appid.as_str(), reg_id, now).await?;
    store::registrations::upsert_mini_program_authorizer(&mut *tx, appid.as_str(), now).await?;
    crate::event::settle_for_claimed(tx, appid, now).await
}

/// → registered: the Mini Program is ours; its setup plan starts (a trial's after conversion).
async fn finish(state: &AppState, reg: &RouteRegistration, appid: &AppId, note: &str) -> anyhow::Result<Outcome> {
    let profile = crate::registration::profile_for_completion(state, appid).await;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    if !transition(state, &mut tx, reg, EXCHANGING, REGISTERED, Some(note), None).await? {
        return Ok(Outcome::WaitUntil(state.now_ms()));
    }
    claim(&mut tx, &reg.id, appid, now).await?;
    if reg.route() == Route::Trial {
        let name = match reg.input() {
            Some(RouteInput::Trial(t)) => format!("{}{TRIAL_NAME_SUFFIX}", t.name),
            _ => String::new(),
        };
        store::route_tasks::insert_trial(&mut tx, appid.as_str(), &reg.id, &name, now + TRIAL_LIFE_MS, now).await?;
        super::trial::schedule_reminder(state, &mut tx, appid, now + TRIAL_LIFE_MS).await?;
    } else if let Some(plan) = &reg.setup_plan {
        crate::setup::attach(state, &mut tx, appid, plan).await?;
    }
    let payload = serde_json::json!({ "registration_id": reg.id, "route": reg.route, "mini_program_appid": appid });
    crate::registration::complete(state, tx, appid, payload, profile).await
}

/// Moves `reg` from `from` to `to` if it is still in `from`; false if it had moved.
pub(crate) async fn transition(
    state: &AppState,
    tx: &mut Tx,
    reg: &RouteRegistration,
    from: &str,
    to: &str,
    note: Option<&str>,
    failure: Option<&Failure>,
) -> anyhow::Result<bool> {
    let failure_json = failure.map(serde_json::to_string).transpose()?;
    let moved =
        crate::registration::change_state(tx, &reg.id, from, to, note, failure_json.as_deref(), state.now_ms()).await?;
    if moved && to == FAILED {
        crate::webhook::enqueue(
            state,
            &mut *tx,
            "registration.failed",
            serde_json::json!({ "registration_id": reg.id, "route": reg.route, "failure": failure }),
        )
        .await?;
    }
    Ok(moved)
}

/// [`transition`] in its own transaction.
pub(crate) async fn move_to(
    state: &AppState,
    reg: &RouteRegistration,
    from: &str,
    to: &str,
    note: Option<&str>,
    failure: Option<&Failure>,
) -> anyhow::Result<bool> {
    let mut tx = state.db.begin().await?;
    let moved = transition(state, &mut tx, reg, from, to, note, failure).await?;
    tx.commit().await?;
    if moved && to == FAILED {
        state.metrics.registration_finished(FAILED);
        tracing::warn!(registration = %reg.id, code = failure.map(|f| f.code.as_str()).unwrap_or(""), "registration failed");
    }
    Ok(moved)
}

async fn has_token(state: &AppState, appid: &AppId) -> Result<bool, fastreg_client::StoreError> {
    Ok(state.client.store().refresh_token(appid).await?.is_some())
}
