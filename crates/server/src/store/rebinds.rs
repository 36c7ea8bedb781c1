//! The admin rebind tasks.
//!
//! A row of `rebind_tasks` per rebind: created `awaiting_admin`, its single-use `taskid` recorded
//! once (sealed, with a digest that is unique), then moved through its states by its job.

use crate::rebind::RebindTask;
use crate::store::AsExec;
use crate::{execute, fetch_all, fetch_optional};
use anyhow::Context;

/// The kind (`mini_program`, `official_account`) and status of an account that authorized the
/// platform, if one did: whether its admin may be rebound.
pub async fn authorizer_kind_and_status(target: impl AsExec, appid: &str) -> anyhow::Result<Option<(String, String)>> {
    fetch_optional!(
        target,
        (String, String),
        "SELECT kind, status FROM authorizers WHERE appid = $1",
        appid
    )
    .context("cannot read an authorizer")
}

/// Creates a task `awaiting_admin` for `appid`, whose admins are sent to `auth_url`.
pub async fn insert(
    target: impl AsExec,
    id: &str,
    appid: &str,
    auth_url: &str,
    created_by: &str,
    now: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO rebind_tasks (id, appid, state, auth_url, created_by, created_at, updated_at) VALUES ($1, $2, 'awaiting_admin', $3, $4, $5, $5)",
        id,
        appid,
        auth_url,
        created_by,
        now
    )
    .context("cannot store the rebind task")?;
    Ok(())
}

/// One task.
pub async fn get(target: impl AsExec, id: &str) -> anyhow::Result<Option<RebindTask>> {
    fetch_optional!(
        target,
        RebindTask,
        "SELECT id, appid, state, auth_url, failure, created_by, created_at, updated_at FROM rebind_tasks WHERE id = $1",
        id
    )
    .context("cannot read a rebind task")
}

/// The latest five tasks of a Mini Program, newest first.
pub async fn latest_of(target: impl AsExec, appid: &str) -> anyhow::Result<Vec<RebindTask>> {
    fetch_all!(
        target,
        RebindTask,
        "SELECT id, appid, state, auth_url, failure, created_by, created_at, updated_at FROM rebind_tasks
         WHERE appid = $1 ORDER BY created_at DESC LIMIT 5",
        appid
    )
    .context("cannot list rebind tasks")
}

/// Records the callback's taskid (sealed, and its digest) on a task still `awaiting_admin`,
/// moving it to `taskid_received`. Returns the rows changed (0: recorded already); the raw error
/// is returned so a unique violation of the digest (the taskid used by another task) can be told
/// apart.
pub async fn record_taskid(
    target: impl AsExec,
    id: &str,
    taskid_sealed: Vec<u8>,
    taskid_digest: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    execute!(
        target,
        "UPDATE rebind_tasks SET state = 'taskid_received', taskid_sealed = $1, taskid_digest = $2, updated_at = $3
         WHERE id = $4 AND state = 'awaiting_admin'",
        taskid_sealed,
        taskid_digest,
        now,
        id
    )
}

/// Moves a task from `from` to `to` (with its failure, JSON), only if it is still in `from`.
/// Returns the rows changed.
pub async fn set_state(
    target: impl AsExec,
    id: &str,
    from: &str,
    to: &str,
    failure: Option<&str>,
    now: i64,
) -> anyhow::Result<u64> {
    execute!(
        target,
        "UPDATE rebind_tasks SET state = $1, failure = $2, updated_at = $3 WHERE id = $4 AND state = $5",
        to,
        failure,
        now,
        id,
        from
    )
    .context("cannot update a rebind task")
}

/// A task's Mini Program, state and sealed taskid (none before the callback), for its job.
pub async fn taskid_of(target: impl AsExec, id: &str) -> anyhow::Result<Option<(String, String, Option<Vec<u8>>)>> {
    fetch_optional!(
        target,
        (String, String, Option<Vec<u8>>),
        "SELECT appid, state, taskid_sealed FROM rebind_tasks WHERE id = $1",
        id
    )
    .context("cannot read a rebind task")
}
