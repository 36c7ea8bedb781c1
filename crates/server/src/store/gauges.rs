//! The counts /metrics shows: queue depth, tokens due, registrations and authorizers by state.

use super::Db;
use crate::{fetch_all, fetch_one};
use anyhow::Context;

/// How many jobs are in each status.
pub async fn jobs_by_status(db: &Db) -> anyhow::Result<Vec<(String, i64)>> {
    fetch_all!(db, (String, i64), "SELECT status, COUNT(*) FROM jobs GROUP BY status").context("cannot count jobs")
}

/// How many queued jobs are due by `now` (unix ms): the queue's backlog.
pub async fn jobs_due(db: &Db, now: i64) -> anyhow::Result<i64> {
    let (n,) = fetch_one!(
        db,
        (i64,),
        "SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND run_at <= $1",
        now
    )
    .context("cannot count the jobs due")?;
    Ok(n)
}

/// How many authorizer tokens the upkeep should have refreshed by `now` (unix ms): the same
/// condition as [`super::authorizers::due_for_refresh`].
pub async fn tokens_due(db: &Db, now: i64) -> anyhow::Result<i64> {
    let (n,) = fetch_one!(
        db,
        (i64,),
        "SELECT COUNT(*) FROM authorizers WHERE status = 'authorized' AND refresh_token_sealed IS NOT NULL AND next_refresh_at IS NOT NULL AND next_refresh_at <= $1",
        now
    )
    .context("cannot count the tokens due")?;
    Ok(n)
}

/// How many registrations are in each state.
pub async fn registrations_by_state(db: &Db) -> anyhow::Result<Vec<(String, i64)>> {
    fetch_all!(
        db,
        (String, i64),
        "SELECT state, COUNT(*) FROM registrations GROUP BY state"
    )
    .context("cannot count registrations")
}

/// How many authorizers are in each status.
pub async fn authorizers_by_status(db: &Db) -> anyhow::Result<Vec<(String, i64)>> {
    fetch_all!(
        db,
        (String, i64),
        "SELECT status, COUNT(*) FROM authorizers GROUP BY status"
    )
    .context("cannot count authorizers")
}
