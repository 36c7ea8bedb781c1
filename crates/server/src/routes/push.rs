//! The routes' pushes, from the event inbox ([`crate::event`]):
//!
//! - `notify_third_fasteregister` (enterprise, personal): correlated by `info.taskid` when it
//!   is there (the real personal push carries it), else by the enterprise's code or the user's
//!   WeChat id among the registrations still waiting; status 0 with `appid` and `auth_code`
//!   moves the registration to `exchanging` (the code sealed, the Mini Program claimed in the
//!   same transaction); any other final status fails it with the catalog's meaning — the
//!   enterprise push's table, or the task table for the personal one. Statuses are read, never
//!   `msg` (a 1005 was seen with msg `real name check failed`).
//! - `notify_third_fastregisterbetaapp` (trial): correlated by `info.unique_id`, else by the
//!   name; no `auth_code`: the `authorized` push (or the authorizer list) brings the token.
//! - `notify_third_fastverifybetaapp` (conversion): by the trial's appid ([`super::trial`]).
//!
//! A push that matches nothing (a replay, a task of another platform instance's database, a
//! registration already ended) is logged and dropped; one for a registration that moved on
//! changes nothing (every change is a compare-and-set on the state).

use super::input::RouteInput;
use super::workflow::{claim, transition, wake};
use super::{AWAITING_USER, CREATE_UNKNOWN, CREATING, EXCHANGING, Route, RouteRegistration, in_states, status_failure};
use crate::registration::FAILED;
use crate::startup::AppState;
use crate::store::{self, record_history};
use fastreg_protocol::catalog::task_status::{StatusTable, lookup_status};
use fastreg_protocol::event::{RegistrationKind, RegistrationPush};
use fastreg_protocol::registration::TRIAL_NAME_SUFFIX;

const WAITING: [&str; 3] = [AWAITING_USER, CREATE_UNKNOWN, CREATING];

/// Acts on a registration push.
#[tracing::instrument(skip_all, fields(kind = push.kind.info_type(), status = push.status))]
pub async fn received(state: &AppState, push: &RegistrationPush) -> anyhow::Result<()> {
    if push.kind == RegistrationKind::TrialVerified {
        return super::trial::verify_pushed(state, push).await;
    }
    let Some(reg) = correlate(state, push).await? else {
        tracing::info!("a registration push that matches no registration waiting for one; ignored");
        return Ok(());
    };
    tracing::info!(registration = %reg.id, "registration push correlated");
    let (table, table_name) = match (push.kind, reg.route()) {
        (RegistrationKind::TrialCreated, _) => (StatusTable::TrialPush, "trial_push"),
        (_, Route::Personal) => (StatusTable::Task, "task"),
        _ => (StatusTable::RegisterPush, "register_push"),
    };
    let now = state.now_ms();
    if push.status == 0 {
        let Some(appid) = push.appid.clone() else {
            tracing::warn!(registration = %reg.id, "a success push without an appid; waiting for the poll");
            return Ok(());
        };
        let sealed = push.auth_code.as_ref().map(|code| {
            state
                .secrets
                .seal_str(&format!("registration_code:{}", reg.id), code.as_str())
        });
        let mut tx = state.db.begin().await?;
        let moved = store::route_tasks::record_pushed_creation(
            &mut tx,
            &store::route_tasks::PushedCreation {
                id: &reg.id,
                from_state: &reg.state,
                appid: appid.as_str(),
                code_sealed: sealed.as_deref(),
                status_table: table_name,
                task_key: task_key(push),
                now,
            },
        )
        .await?;
        if moved {
            // A trial's Mini Program is claimed once its token is in: the `authorized` push
            // exchanges its own code only for an account nobody claimed yet.
            if push.auth_code.is_some() {
                claim(&mut tx, &reg.id, &appid, now).await?;
            }
            record_history(
                &mut tx,
                &reg.subject(),
                Some(&reg.state),
                EXCHANGING,
                Some(&format!("WeChat created Mini Program {appid} (push)")),
            )
            .await?;
        }
        tx.commit().await?;
        wake(state, &reg.id).await?;
        return Ok(());
    }
    let done = lookup_status(table, push.status).is_none_or(|e| e.done);
    if !done {
        store::route_tasks::set_task_status(&state.db, &reg.id, push.status, table_name, now).await?;
        return Ok(());
    }
    let failure = status_failure(table, push.status, &push.msg);
    let mut tx = state.db.begin().await?;
    store::route_tasks::record_final_status(&mut tx, &reg.id, &reg.state, push.status, table_name, task_key(push))
        .await?;
    let moved = transition(state, &mut tx, &reg, &reg.state, FAILED, None, Some(&failure)).await?;
    tx.commit().await?;
    if moved {
        state.metrics.registration_finished(FAILED);
        tracing::warn!(registration = %reg.id, status = push.status, "registration failed (push)");
    }
    Ok(())
}

/// The push's task key: `info.taskid`, or a trial's `info.unique_id`.
fn task_key(push: &RegistrationPush) -> Option<&str> {
    push.info.taskid.as_deref().or(push.info.unique_id.as_deref())
}

/// The registration a push is about, among those waiting for one.
async fn correlate(state: &AppState, push: &RegistrationPush) -> anyhow::Result<Option<RouteRegistration>> {
    let routes: &[Route] = match push.kind {
        RegistrationKind::TrialCreated => &[Route::Trial],
        _ => &[Route::Enterprise, Route::Personal],
    };
    let mut waiting = Vec::new();
    for route in routes {
        waiting.extend(in_states(state, *route, &WAITING).await?);
    }
    if let Some(key) = task_key(push) {
        if let Some(r) = waiting.iter().find(|r| r.task_id.as_deref() == Some(key)) {
            return Ok(Some(r.clone()));
        }
    }
    // No key, or a registration whose create answer was lost (it has no task id yet): by the
    // subject the push echoes. Only a single match is taken.
    let fits = |r: &&RouteRegistration| match r.input() {
        Some(RouteInput::Enterprise(e)) => push.info.code.as_deref() == Some(e.code.as_str()),
        Some(RouteInput::Personal(p)) => push.info.wxuser.as_deref() == Some(p.wxuser.as_str()),
        Some(RouteInput::Trial(t)) => push
            .info
            .name
            .as_deref()
            .is_some_and(|n| n == t.name || n == format!("{}{TRIAL_NAME_SUFFIX}", t.name)),
        None => false,
    };
    let keyless = |r: &&RouteRegistration| r.task_id.is_none() || task_key(push).is_none();
    let mut it = waiting.iter().filter(keyless).filter(fits);
    match (it.next(), it.next()) {
        (Some(r), None) => Ok(Some(r.clone())),
        _ => Ok(None),
    }
}

/// An `authorized` push arrived: wakes the trials waiting for their token.
pub async fn wake_waiting(state: &AppState) -> anyhow::Result<()> {
    wake_trials(state, &waiting_trials(&state.db).await?).await
}

/// The trials waiting for a token an `authorized` push may bring (read in the caller's
/// transaction, if it has one).
pub async fn waiting_trials(target: impl crate::store::AsExec) -> anyhow::Result<Vec<String>> {
    Ok(
        crate::store::route_tasks::in_states(target, Route::Trial.as_str(), &[EXCHANGING, AWAITING_USER])
            .await?
            .into_iter()
            .map(|reg| reg.id)
            .collect(),
    )
}

/// Makes the jobs of trials `ids` due now.
pub async fn wake_trials(state: &AppState, ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        wake(state, id).await?;
    }
    Ok(())
}
