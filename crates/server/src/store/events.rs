//! The push inbox: receipts of WeChat's pushes and their processing marks.

use super::{AsExec, Db};
use crate::{execute, fetch_all, fetch_optional};
use anyhow::Context;

/// A push to store.
pub struct NewEvent<'a> {
    /// The protocol's id of the push, the same for every retry of it.
    pub event_id: &'a str,
    /// `component` or `authorizer:<appid>`.
    pub source: &'a str,
    /// Its `InfoType` / `Event`.
    pub kind: &'a str,
    /// The account it is about.
    pub subject: Option<&'a str>,
    /// The decrypted XML, sealed.
    pub payload_sealed: &'a [u8],
    /// When it came (unix ms).
    pub received_at: i64,
    /// When it was processed, if it needs no job (unix ms).
    pub processed_at: Option<i64>,
}

/// Stores a push once: its row id if it is new, `None` for a retry of a push already stored
/// (`ON CONFLICT (event_id) DO NOTHING`).
pub async fn insert(target: impl AsExec, event: &NewEvent<'_>) -> anyhow::Result<Option<i64>> {
    let row: Option<(i64,)> = fetch_optional!(
        target,
        (i64,),
        "INSERT INTO events (event_id, source, kind, subject, payload_sealed, received_at, processed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (event_id) DO NOTHING RETURNING id",
        event.event_id,
        event.source,
        event.kind,
        event.subject,
        event.payload_sealed,
        event.received_at,
        event.processed_at
    )
    .context("cannot store a push")?;
    Ok(row.map(|r| r.0))
}

/// A stored push, as its job reads it.
#[derive(sqlx::FromRow)]
pub struct StoredPush {
    /// The protocol's id of the push (its sealing context).
    pub event_id: String,
    /// `component` or `authorizer:<appid>`.
    pub source: String,
    /// The account it is about.
    pub subject: Option<String>,
    /// The decrypted XML, sealed.
    pub payload_sealed: Vec<u8>,
    /// When it was processed (unix ms).
    pub processed_at: Option<i64>,
}

/// The push stored in row `id`.
pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<StoredPush>> {
    fetch_optional!(
        db,
        StoredPush,
        "SELECT event_id, source, subject, payload_sealed, processed_at FROM events WHERE id = $1",
        id
    )
    .context("cannot read a push")
}

/// Marks push `id` processed at `now` (unix ms), clearing the error of an earlier attempt.
pub async fn mark_processed(target: impl AsExec, id: i64, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE events SET processed_at = $1, error = NULL WHERE id = $2",
        now,
        id
    )
    .context("cannot mark a push processed")?;
    Ok(())
}

/// Notes why processing push `id` failed (it stays unprocessed).
pub async fn note_error(db: &Db, id: i64, error: &str) -> anyhow::Result<()> {
    execute!(db, "UPDATE events SET error = $1 WHERE id = $2", error, id).context("cannot note a push's error")?;
    Ok(())
}

/// Deletes the pushes processed before `before` (unix ms).
pub async fn prune_processed(db: &Db, before: i64) -> anyhow::Result<()> {
    execute!(
        db,
        "DELETE FROM events WHERE processed_at IS NOT NULL AND processed_at < $1",
        before
    )
    .context("cannot prune the inbox")?;
    Ok(())
}

/// A push as the console lists it.
#[derive(sqlx::FromRow)]
pub struct EventRow {
    /// Row id.
    pub id: i64,
    /// `component` or `authorizer:<appid>`.
    pub source: String,
    /// Its `InfoType` / `Event`.
    pub kind: String,
    /// The account it is about.
    pub subject: Option<String>,
    /// When it came (unix ms).
    pub received_at: i64,
    /// When it was processed (unix ms).
    pub processed_at: Option<i64>,
    /// Why its processing failed last.
    pub error: Option<String>,
}

/// The 30 newest pushes.
pub async fn newest(db: &Db) -> anyhow::Result<Vec<EventRow>> {
    fetch_all!(
        db,
        EventRow,
        "SELECT id, source, kind, subject, received_at, processed_at, error FROM events ORDER BY id DESC LIMIT 30"
    )
    .context("cannot list events")
}

/// Marks the unprocessed `authorized` pushes for `appid` processed (the index
/// `events_unprocessed_by_subject`); returns their row ids, whose jobs
/// [`super::jobs::succeed_queued`] then ends.
pub async fn settle_authorized(target: impl AsExec, appid: &str, now: i64) -> anyhow::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = fetch_all!(
        target,
        (i64,),
        "UPDATE events SET processed_at = $1, error = NULL
         WHERE subject = $2 AND processed_at IS NULL AND kind = 'authorized' AND source = 'component'
         RETURNING id",
        now,
        appid
    )
    .context("cannot settle the pushes for a claimed Mini Program")?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
