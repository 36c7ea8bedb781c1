//! The enterprise, personal and trial routes' tasks and a trial's conversion (beta verifications).
//!
//! The routes' registrations are rows of `registrations` ([`crate::routes::RouteRegistration`]);
//! this module holds the statements on their task columns (the create's mark, the task, its
//! status, the Mini Program found), the `trials` and the `beta_verifications`.

use super::AsExec;
use crate::routes::RouteRegistration;
use crate::routes::trial::{Trial, Verification};
use crate::{execute, fetch_all, fetch_optional};
use anyhow::Context;

/// The columns of [`RouteRegistration`].
const COLUMNS: &str = "id, route, state, auth_url, auth_expires_at, task_id, task_status, task_status_table, route_input, \
     polls, submissions, submitted_at, mini_program_appid, failure, note, setup_plan, restarted_as, oa_appid, copy_wx_verify, \
     is_wx_verify_succ, is_link_succ, created_by, created_at, updated_at";

/// One registration, any route.
pub async fn get(target: impl AsExec, id: &str) -> anyhow::Result<Option<RouteRegistration>> {
    let sql = format!("SELECT {COLUMNS} FROM registrations WHERE id = $1");
    fetch_optional!(target, RouteRegistration, sql.as_str(), id).context("cannot read a registration")
}

/// Registrations of every route, newest first, optionally of one Official Account (the REST
/// list: one read for the page).
pub async fn newest(target: impl AsExec, oa_appid: Option<&str>, limit: i64) -> anyhow::Result<Vec<RouteRegistration>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM registrations WHERE ($1 IS NULL OR oa_appid = $1) ORDER BY created_at DESC, id LIMIT $2"
    );
    fetch_all!(target, RouteRegistration, sql.as_str(), oa_appid, limit).context("cannot list registrations")
}

/// Registrations of `route` in `states` (the in-flight ones: `registrations_route_state`),
/// oldest first. The states are the routes' constants, never input (quotes are dropped anyway).
pub async fn in_states(target: impl AsExec, route: &str, states: &[&str]) -> anyhow::Result<Vec<RouteRegistration>> {
    let list: Vec<String> = states.iter().map(|s| format!("'{}'", s.replace('\'', ""))).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM registrations WHERE route = $1 AND state IN ({}) ORDER BY created_at LIMIT 10000",
        list.join(", ")
    );
    fetch_all!(target, RouteRegistration, sql.as_str(), route).context("cannot list registrations")
}

/// Inserts a registration of `route` (enterprise, personal, trial), `creating`, with its input
/// (JSON) and setup plan (JSON).
pub async fn insert(
    target: impl AsExec,
    id: &str,
    route: &str,
    input_json: &str,
    setup_plan: Option<&str>,
    created_by: &str,
    now: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO registrations (id, oa_appid, copy_wx_verify, state, auth_url, route, route_input, setup_plan, created_by, created_at, updated_at)
         VALUES ($1, '', 0, 'creating', '', $2, $3, $4, $5, $6, $6)",
        id,
        route,
        input_json,
        setup_plan,
        created_by,
        now
    )
    .context("cannot store the registration")?;
    Ok(())
}

/// A push's news that WeChat created the Mini Program.
#[derive(Clone, Copy, Debug)]
pub struct PushedCreation<'a> {
    /// The registration.
    pub id: &'a str,
    /// The state it was correlated in (the compare-and-set's).
    pub from_state: &'a str,
    /// The new Mini Program.
    pub appid: &'a str,
    /// The push's authorization code, sealed (the trial's push has none).
    pub code_sealed: Option<&'a [u8]>,
    /// The table of the status (0).
    pub status_table: &'a str,
    /// The push's taskid or unique_id, kept if the row has none.
    pub task_key: Option<&'a str>,
    /// Now (unix ms).
    pub now: i64,
}

/// Moves the registration to `exchanging` with the pushed Mini Program (and code), if it is
/// still in `from_state`; false if it had moved.
pub async fn record_pushed_creation(target: impl AsExec, p: &PushedCreation<'_>) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE registrations SET state = 'exchanging', mini_program_appid = $1,
                authorization_code_sealed = COALESCE($2, authorization_code_sealed),
                task_status = 0, task_status_table = $3, task_id = COALESCE(task_id, $4), updated_at = $5
         WHERE id = $6 AND state = $7",
        p.appid,
        p.code_sealed,
        p.status_table,
        p.task_key,
        p.now,
        p.id,
        p.from_state
    )
    .context("cannot store the pushed Mini Program")?;
    Ok(n == 1)
}

/// Stores WeChat's latest task status of registration `id` (from `table`: `task`,
/// `register_push`, `trial_push`).
pub async fn set_task_status(target: impl AsExec, id: &str, status: i64, table: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE registrations SET task_status = $1, task_status_table = $2, updated_at = $3 WHERE id = $4",
        status,
        table,
        now,
        id
    )
    .context("cannot store the task status")?;
    Ok(())
}

/// Stores a pushed final status (and the push's task key if the row has none) of registration
/// `id`, if it is still in `state` (its state change follows in the same transaction).
pub async fn record_final_status(
    target: impl AsExec,
    id: &str,
    state: &str,
    status: i64,
    table: &str,
    task_key: Option<&str>,
) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE registrations SET task_status = $1, task_status_table = $2, task_id = COALESCE(task_id, $3) WHERE id = $4 AND state = $5",
        status,
        table,
        task_key,
        id,
        state
    )
    .context("cannot store the task status")?;
    Ok(())
}

/// The mark before a create call: registration `id` becomes `creating` with one more call
/// counted (`submitted_at` stays the first's), only if it is still in `from_state` with
/// `submissions` calls (so two runs never both call); false otherwise.
pub async fn mark_create(
    target: impl AsExec,
    id: &str,
    from_state: &str,
    submissions: i64,
    now: i64,
) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE registrations SET state = 'creating', submissions = submissions + 1,
                submitted_at = COALESCE(submitted_at, $1), updated_at = $1
         WHERE id = $2 AND state = $3 AND submissions = $4",
        now,
        id,
        from_state,
        submissions
    )
    .context("cannot mark the create call")?;
    Ok(n != 0)
}

/// The task a create call opened.
#[derive(Clone, Copy, Debug)]
pub struct OpenedTask<'a> {
    /// taskid or unique_id.
    pub task_id: &'a str,
    /// The user's link.
    pub auth_url: &'a str,
    /// When the link lapses (unix ms).
    pub auth_expires_at: i64,
    /// The status the create answered, if any.
    pub status: Option<i64>,
    /// The table of `status`.
    pub status_table: Option<&'a str>,
    /// Now (unix ms).
    pub now: i64,
}

/// Stores the opened task of registration `id` and moves it to `awaiting_user`, if it is still
/// `creating`; false otherwise.
pub async fn record_task(target: impl AsExec, id: &str, task: &OpenedTask<'_>) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE registrations SET state = 'awaiting_user', task_id = $1, auth_url = $2, auth_expires_at = $3,
                task_status = $4, task_status_table = $5, updated_at = $6
         WHERE id = $7 AND state = 'creating'",
        task.task_id,
        task.auth_url,
        task.auth_expires_at,
        task.status,
        task.status_table,
        task.now,
        id
    )
    .context("cannot store the task")?;
    Ok(n == 1)
}

/// Uncounts a create call that never reached WeChat: registration `id`, if still `creating`,
/// goes back to `back_to`.
pub async fn uncount_create(target: impl AsExec, id: &str, back_to: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE registrations SET state = $1, submissions = submissions - 1, updated_at = $2
         WHERE id = $3 AND state = 'creating'",
        back_to,
        now,
        id
    )
    .context("cannot uncount a call that was not applied")?;
    Ok(())
}

/// The Mini Program found by polling: registration `id`, if still `awaiting_user`, becomes
/// `exchanging` with it and `note`; false otherwise.
pub async fn record_found(target: impl AsExec, id: &str, appid: &str, note: &str, now: i64) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE registrations SET state = 'exchanging', mini_program_appid = $1, note = $2, updated_at = $3
         WHERE id = $4 AND state = 'awaiting_user'",
        appid,
        note,
        now,
        id
    )
    .context("cannot store the Mini Program")?;
    Ok(n == 1)
}

/// Counts a poll of registration `id`'s task.
pub async fn count_poll(target: impl AsExec, id: &str) -> anyhow::Result<()> {
    execute!(target, "UPDATE registrations SET polls = polls + 1 WHERE id = $1", id).context("cannot count a poll")?;
    Ok(())
}

/// The columns of [`Trial`].
const TRIAL_COLUMNS: &str = "appid, registration_id, name, expires_at, converted_at, created_at";

/// Records trial `appid` of registration `registration_id`, lapsing at `expires_at`, unless it
/// is recorded already.
pub async fn insert_trial(
    target: impl AsExec,
    appid: &str,
    registration_id: &str,
    name: &str,
    expires_at: i64,
    now: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO trials (appid, registration_id, name, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (appid) DO NOTHING",
        appid,
        registration_id,
        name,
        expires_at,
        now
    )
    .context("cannot record the trial")?;
    Ok(())
}

/// One trial.
pub async fn get_trial(target: impl AsExec, appid: &str) -> anyhow::Result<Option<Trial>> {
    let sql = format!("SELECT {TRIAL_COLUMNS} FROM trials WHERE appid = $1");
    fetch_optional!(target, Trial, sql.as_str(), appid).context("cannot read a trial")
}

/// Trials not converted, the one lapsing first first (at most 500).
pub async fn open_trials(target: impl AsExec) -> anyhow::Result<Vec<Trial>> {
    let sql = format!("SELECT {TRIAL_COLUMNS} FROM trials WHERE converted_at IS NULL ORDER BY expires_at LIMIT 500");
    fetch_all!(target, Trial, sql.as_str()).context("cannot list trials")
}

/// Notes the expiry reminder of trial `appid`, once; false if it was noted already.
pub async fn mark_trial_reminded(target: impl AsExec, appid: &str, now: i64) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE trials SET reminded_at = $1 WHERE appid = $2 AND reminded_at IS NULL",
        now,
        appid
    )
    .context("cannot note the reminder")?;
    Ok(n == 1)
}

/// Sets the name trial `appid` shows.
pub async fn rename_trial(target: impl AsExec, appid: &str, name: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE trials SET name = $1, updated_at = $2 WHERE appid = $3",
        name,
        now,
        appid
    )
    .context("cannot store the trial's name")?;
    Ok(())
}

/// Marks trial `appid` converted at `now`, once.
pub async fn mark_trial_converted(target: impl AsExec, appid: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE trials SET converted_at = $1, updated_at = $1 WHERE appid = $2 AND converted_at IS NULL",
        now,
        appid
    )
    .context("cannot record the conversion")?;
    Ok(())
}

/// The setup plan (JSON) of the registration that created trial `appid`, if any.
pub async fn trial_setup_plan(target: impl AsExec, appid: &str) -> anyhow::Result<Option<String>> {
    let plan: Option<(Option<String>,)> = fetch_optional!(
        target,
        (Option<String>,),
        "SELECT r.setup_plan FROM trials t JOIN registrations r ON r.id = t.registration_id WHERE t.appid = $1",
        appid
    )
    .context("cannot read the trial's setup plan")?;
    Ok(plan.and_then(|(plan,)| plan))
}

/// The columns of [`Verification`].
const VERIFICATION_COLUMNS: &str = "id, appid, state, auth_url, auth_expires_at, input, task_status, failure, note, submissions, created_by, created_at, updated_at";

/// One conversion.
pub async fn get_verification(target: impl AsExec, id: &str) -> anyhow::Result<Option<Verification>> {
    let sql = format!("SELECT {VERIFICATION_COLUMNS} FROM beta_verifications WHERE id = $1");
    fetch_optional!(target, Verification, sql.as_str(), id).context("cannot read a conversion")
}

/// Trial `appid`'s conversions, newest first (at most 20).
pub async fn verifications_of_trial(target: impl AsExec, appid: &str) -> anyhow::Result<Vec<Verification>> {
    let sql = format!(
        "SELECT {VERIFICATION_COLUMNS} FROM beta_verifications WHERE appid = $1 ORDER BY created_at DESC LIMIT 20"
    );
    fetch_all!(target, Verification, sql.as_str(), appid).context("cannot list conversions")
}

/// Inserts a conversion of trial `appid`, `creating`, with its input (JSON). The error is
/// sqlx's: a unique index refuses a second conversion under way.
pub async fn insert_verification(
    target: impl AsExec,
    id: &str,
    appid: &str,
    input_json: &str,
    created_by: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    execute!(
        target,
        "INSERT INTO beta_verifications (id, appid, state, input, created_by, created_at, updated_at)
         VALUES ($1, $2, 'creating', $3, $4, $5, $5)",
        id,
        appid,
        input_json,
        created_by,
        now
    )?;
    Ok(())
}

/// The mark before a verifybetaweapp call: conversion `id` becomes `creating` with one more
/// call counted, only if it is still in `from_state` with `submissions` calls; false otherwise.
pub async fn mark_verification_call(
    target: impl AsExec,
    id: &str,
    from_state: &str,
    submissions: i64,
    now: i64,
) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE beta_verifications SET state = 'creating', submissions = submissions + 1, updated_at = $1
         WHERE id = $2 AND state = $3 AND submissions = $4",
        now,
        id,
        from_state,
        submissions
    )
    .context("cannot mark the call")?;
    Ok(n != 0)
}

/// Stores the legal person's link of conversion `id` and moves it to `awaiting_user`, if it is
/// still `creating`; false otherwise.
pub async fn record_verification_link(
    target: impl AsExec,
    id: &str,
    auth_url: &str,
    auth_expires_at: i64,
    now: i64,
) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE beta_verifications SET state = 'awaiting_user', auth_url = $1, auth_expires_at = $2, updated_at = $3
         WHERE id = $4 AND state = 'creating'",
        auth_url,
        auth_expires_at,
        now,
        id
    )
    .context("cannot store the conversion's link")?;
    Ok(n == 1)
}

/// Uncounts a verifybetaweapp call refused before WeChat acted: conversion `id`, if still
/// `creating`, goes back to `back_to`.
pub async fn uncount_verification_call(target: impl AsExec, id: &str, back_to: &str) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE beta_verifications SET state = $1, submissions = submissions - 1 WHERE id = $2 AND state = 'creating'",
        back_to,
        id
    )
    .context("cannot uncount a call")?;
    Ok(())
}

/// Stores WeChat's pushed status of conversion `id`.
pub async fn set_verification_status(target: impl AsExec, id: &str, status: i64, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE beta_verifications SET task_status = $1, updated_at = $2 WHERE id = $3",
        status,
        now,
        id
    )
    .context("cannot store the status")?;
    Ok(())
}

/// Moves conversion `id` from `from` to `converted`; false if it had moved.
pub async fn mark_converted(target: impl AsExec, id: &str, from: &str, now: i64) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE beta_verifications SET state = 'converted', updated_at = $1 WHERE id = $2 AND state = $3",
        now,
        id,
        from
    )
    .context("cannot record the conversion")?;
    Ok(n != 0)
}

/// Moves conversion `id` from `from` to `to`, with the failure (JSON) and the note if any;
/// false if it was no longer in `from`.
pub async fn change_verification_state(
    target: impl AsExec,
    id: &str,
    from: &str,
    to: &str,
    failure_json: Option<&str>,
    note: Option<&str>,
    now: i64,
) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE beta_verifications SET state = $1, failure = COALESCE($2, failure), note = COALESCE($3, note), updated_at = $4
         WHERE id = $5 AND state = $6",
        to,
        failure_json,
        note,
        now,
        id,
        from
    )
    .context("cannot change a conversion's state")?;
    Ok(n == 1)
}
