//! The durable job queue's table: enqueue, claim, finish, retry, list.
//!
//! Every write about a claimed job names its claim token (`locked_by`) and `status = 'running'`
//! in its `WHERE`, so a worker that lost its lease cannot overwrite what the new holder did (see
//! [`crate::job`]).

use super::{AsExec, Backend, Db};
use crate::job::{Job, JobView};
use crate::{execute, fetch_all, fetch_optional};
use anyhow::Context;

/// The columns of a [`JobView`], read from `jobs`.
macro_rules! select_job_view {
    () => {
        "SELECT id, kind, payload, status, attempts, max_attempts, run_at, last_error, created_at, updated_at FROM jobs"
    };
}

/// Adds a queued job; with a `dedupe_key` a live job already holds, adds nothing
/// (`ON CONFLICT DO NOTHING`). The new job's id, if one was added.
pub async fn insert(
    target: impl AsExec,
    kind: &str,
    payload: &str,
    dedupe_key: Option<&str>,
    max_attempts: i64,
    run_at: i64,
    now: i64,
) -> anyhow::Result<Option<i64>> {
    let row: Option<(i64,)> = fetch_optional!(
        target,
        (i64,),
        "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, max_attempts, run_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $6)
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id",
        kind,
        payload,
        dedupe_key,
        max_attempts,
        run_at,
        now
    )
    .context("cannot enqueue a job")?;
    Ok(row.map(|r| r.0))
}

/// Makes the queued job with `dedupe_key` due at `now` if it was due later, or adds one (a
/// running job is left alone): one upsert, where an update and then an insert took two.
pub async fn wake(
    target: impl AsExec,
    kind: &str,
    payload: &str,
    dedupe_key: &str,
    max_attempts: i64,
    now: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, max_attempts, run_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'queued', 0, $4, $5, $5, $5)
         ON CONFLICT (dedupe_key) DO UPDATE SET run_at = excluded.run_at, updated_at = excluded.updated_at
         WHERE jobs.status = 'queued' AND jobs.run_at > excluded.run_at",
        kind,
        payload,
        dedupe_key,
        max_attempts,
        now
    )
    .context("cannot wake a job")?;
    Ok(())
}

/// Claims one job in one statement under claim `token` with a lease until `lease_until`: first a
/// running job whose lease ran out by `now`, else the queued job due first by `due_by`.
/// `COALESCE` runs the second branch only when the first finds nothing, each branch reading its
/// own partial index (`jobs_running_by_lease`, `jobs_queued_by_run_at`). On PostgreSQL the inner
/// `SELECT`s are `FOR UPDATE SKIP LOCKED` (instances claiming at once get different rows and
/// never wait); SQLite serializes the statement under its write lock. The crate's only
/// backend-specific statement.
pub async fn claim(db: &Db, token: &str, lease_until: i64, now: i64, due_by: i64) -> anyhow::Result<Option<Job>> {
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3
         WHERE id = COALESCE(
             (SELECT id FROM jobs WHERE status = 'running' AND locked_until < $3 ORDER BY locked_until LIMIT 1 {lock}),
             (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $4 ORDER BY run_at, id LIMIT 1 {lock}))
         RETURNING id, kind, payload, attempts, max_attempts, locked_by"
    );
    fetch_optional!(db, Job, sql.as_str(), token, lease_until, now, due_by).context("cannot claim a job")
}

/// Extends the lease of job `id` to `until` if claim `token` still holds it; whether it did.
pub async fn extend_lease(db: &Db, id: i64, token: &str, until: i64) -> anyhow::Result<bool> {
    let n = execute!(
        db,
        "UPDATE jobs SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND status = 'running'",
        until,
        id,
        token
    )
    .context("cannot extend a job's lease")?;
    Ok(n == 1)
}

/// Job `id` (held by claim `token`) succeeded: its dedupe key is released. Whether the claim
/// still held.
pub async fn succeed(target: impl AsExec, id: i64, token: &str, now: i64) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE jobs SET status = 'succeeded', dedupe_key = NULL, locked_by = NULL, locked_until = NULL, updated_at = $1
         WHERE id = $2 AND locked_by = $3 AND status = 'running'",
        now,
        id,
        token
    )
    .context("cannot record a job's outcome")?;
    Ok(n == 1)
}

/// Ends the queued (not running) job with `dedupe_key` as succeeded, without running it: its
/// work was done by another path. Whether there was one.
pub async fn succeed_queued(target: impl AsExec, dedupe_key: &str, now: i64) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE jobs SET status = 'succeeded', dedupe_key = NULL, updated_at = $1
         WHERE dedupe_key = $2 AND status = 'queued'",
        now,
        dedupe_key
    )
    .context("cannot end a job whose work is done")?;
    Ok(n == 1)
}

/// Job `id` (held by claim `token`) waits until `run_at` with nothing failed: queued again with
/// its attempts reset. Whether the claim still held.
pub async fn wait_until(db: &Db, id: i64, token: &str, run_at: i64, now: i64) -> anyhow::Result<bool> {
    let n = execute!(
        db,
        "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $1, locked_by = NULL, locked_until = NULL, updated_at = $2
         WHERE id = $3 AND locked_by = $4 AND status = 'running'",
        run_at,
        now,
        id,
        token
    )
    .context("cannot record a job's outcome")?;
    Ok(n == 1)
}

/// Job `id` (held by claim `token`) failed with `error` and runs again at `run_at` (its backoff).
/// Whether the claim still held.
pub async fn retry_later(db: &Db, id: i64, token: &str, run_at: i64, error: &str, now: i64) -> anyhow::Result<bool> {
    let n = execute!(
        db,
        "UPDATE jobs SET status = 'queued', run_at = $1, last_error = $2, locked_by = NULL, locked_until = NULL, updated_at = $3
         WHERE id = $4 AND locked_by = $5 AND status = 'running'",
        run_at,
        error,
        now,
        id,
        token
    )
    .context("cannot record a job's outcome")?;
    Ok(n == 1)
}

/// Job `id` (held by claim `token`) gave up with `error`: dead, its dedupe key kept aside as
/// `dead:<id>:<key>` (unique, matched by no enqueue or wake) for [`requeue_dead`]. Whether the
/// claim still held.
pub async fn give_up(db: &Db, id: i64, token: &str, error: &str, now: i64) -> anyhow::Result<bool> {
    let n = execute!(
        db,
        "UPDATE jobs SET status = 'dead', last_error = $1, locked_by = NULL, locked_until = NULL, updated_at = $2,
                dedupe_key = CASE WHEN dedupe_key IS NULL THEN NULL
                                  ELSE 'dead:' || CAST(id AS TEXT) || ':' || dedupe_key END
         WHERE id = $3 AND locked_by = $4 AND status = 'running'",
        error,
        now,
        id,
        token
    )
    .context("cannot record a job's outcome")?;
    Ok(n == 1)
}

/// Job `id`'s status and (possibly set-aside) dedupe key, if it exists.
pub async fn status_and_key(db: &Db, id: i64) -> anyhow::Result<Option<(String, Option<String>)>> {
    fetch_optional!(
        db,
        (String, Option<String>),
        "SELECT status, dedupe_key FROM jobs WHERE id = $1",
        id
    )
    .context("cannot read a job")
}

/// Puts dead job `id` back in the queue, due `now`, attempts reset, with `dedupe_key`; the rows
/// changed (0 if it is no longer dead). A unique violation (the caller matches on it) means
/// another live job took the key meanwhile.
pub async fn requeue_dead(db: &Db, id: i64, dedupe_key: Option<&str>, now: i64) -> Result<u64, sqlx::Error> {
    execute!(
        db,
        "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $1, dedupe_key = $2, locked_by = NULL,
                locked_until = NULL, updated_at = $1
         WHERE id = $3 AND status = 'dead'",
        now,
        dedupe_key,
        id
    )
}

/// The id of the job holding `dedupe_key`, if any.
pub async fn id_with_key(db: &Db, dedupe_key: Option<&str>) -> anyhow::Result<Option<i64>> {
    let row: Option<(i64,)> = fetch_optional!(db, (i64,), "SELECT id FROM jobs WHERE dedupe_key = $1", dedupe_key)
        .context("cannot read a job")?;
    Ok(row.map(|r| r.0))
}

/// The newest job with `dedupe_key`, live or given up (a dead job keeps its key aside).
pub async fn newest_with_key(db: &Db, dedupe_key: &str) -> anyhow::Result<Option<JobView>> {
    fetch_optional!(
        db,
        JobView,
        concat!(
            select_job_view!(),
            " WHERE dedupe_key = $1 OR dedupe_key = 'dead:' || CAST(id AS TEXT) || ':' || $1
             ORDER BY id DESC LIMIT 1"
        ),
        dedupe_key
    )
    .context("cannot read a job")
}

/// Jobs, newest first, optionally of one status.
pub async fn list(db: &Db, status: Option<&str>, limit: i64) -> anyhow::Result<Vec<JobView>> {
    fetch_all!(
        db,
        JobView,
        concat!(
            select_job_view!(),
            " WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2"
        ),
        status,
        limit
    )
    .context("cannot list jobs")
}

/// One job.
pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<JobView>> {
    fetch_optional!(db, JobView, concat!(select_job_view!(), " WHERE id = $1"), id).context("cannot read a job")
}

/// Deletes the jobs that succeeded before `before` (unix ms).
pub async fn prune_succeeded(db: &Db, before: i64) -> anyhow::Result<()> {
    execute!(
        db,
        "DELETE FROM jobs WHERE status = 'succeeded' AND updated_at < $1",
        before
    )
    .context("cannot prune jobs")?;
    Ok(())
}

/// A registration that failed, as the console's jobs page lists it.
#[derive(sqlx::FromRow)]
pub struct FailedRegistration {
    /// Its id.
    pub id: String,
    /// The Official Account (empty before one is known).
    pub oa_appid: String,
    /// Why (JSON).
    pub failure: Option<String>,
    /// When (unix ms).
    pub updated_at: i64,
}

/// The 20 registrations that failed last (the console's "workflows that stopped"; a read of the
/// registrations' table kept with the jobs page's other reads).
pub async fn failed_registrations(db: &Db) -> anyhow::Result<Vec<FailedRegistration>> {
    fetch_all!(
        db,
        FailedRegistration,
        "SELECT id, oa_appid, failure, updated_at FROM registrations WHERE state = 'failed' ORDER BY updated_at DESC LIMIT 20"
    )
    .context("cannot list failed registrations")
}

/// A setup step that failed, as the console's jobs page lists it.
#[derive(sqlx::FromRow)]
pub struct FailedStep {
    /// The Mini Program.
    pub appid: String,
    /// The step.
    pub step: String,
    /// Why (JSON).
    pub failure: Option<String>,
    /// When (unix ms).
    pub updated_at: i64,
}

/// The 20 setup steps that failed last (the console's "workflows that stopped"; a read of the
/// setup steps' table kept with the jobs page's other reads).
pub async fn failed_setup_steps(db: &Db) -> anyhow::Result<Vec<FailedStep>> {
    fetch_all!(
        db,
        FailedStep,
        "SELECT appid, step, failure, updated_at FROM setup_steps WHERE state = 'failed' ORDER BY updated_at DESC LIMIT 20"
    )
    .context("cannot list failed setup steps")
}
