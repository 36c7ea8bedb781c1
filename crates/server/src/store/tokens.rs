//! The tokens table: sealed access and refresh tokens, the verify ticket, the code exchanges' bookkeeping.
//!
//! Also the leases the client takes (one row of `leases` each) and the code exchanges (which
//! account an authorization code, or a pushed pre_auth_code, was for), keyed by digest.
//! Functions that serve the client's token store return `sqlx::Error`, which it wraps in its
//! own error type.

use super::{AsExec, Db};
use crate::{execute, fetch_optional};
use anyhow::Context;

/// The sealed value stored under `key` and when it expires (unix ms), if any.
pub async fn get(db: &Db, key: &str) -> Result<Option<(Vec<u8>, Option<i64>)>, sqlx::Error> {
    fetch_optional!(
        db,
        (Vec<u8>, Option<i64>),
        "SELECT sealed, expires_at FROM tokens WHERE key = $1",
        key
    )
}

/// Writes (or overwrites) the sealed value under `key`, with the keyed `digest` of its plain
/// value (what [`delete_if_digest`] compares) and its expiry.
pub async fn put(
    target: impl AsExec,
    key: &str,
    sealed: &[u8],
    digest: &str,
    expires_at: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    execute!(
        target,
        "INSERT INTO tokens (key, sealed, digest, expires_at, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (key) DO UPDATE SET sealed = excluded.sealed, digest = excluded.digest,
             expires_at = excluded.expires_at, updated_at = excluded.updated_at",
        key,
        sealed,
        digest,
        expires_at,
        now
    )?;
    Ok(())
}

/// Writes a verify ticket under `key` unless the stored one was issued later than
/// `issued_at` (unix ms): the `WHERE` of the upsert is what keeps a replayed older push from
/// rolling the ticket back. Whether it was written.
pub async fn put_ticket_if_newer(
    target: impl AsExec,
    key: &str,
    sealed: &[u8],
    digest: &str,
    now: i64,
    issued_at: i64,
) -> Result<bool, sqlx::Error> {
    let n = execute!(
        target,
        "INSERT INTO tokens (key, sealed, digest, expires_at, updated_at, issued_at) VALUES ($1, $2, $3, NULL, $4, $5)
         ON CONFLICT (key) DO UPDATE SET sealed = excluded.sealed, digest = excluded.digest,
             updated_at = excluded.updated_at, issued_at = excluded.issued_at
         WHERE tokens.issued_at IS NULL OR tokens.issued_at <= excluded.issued_at",
        key,
        sealed,
        digest,
        now,
        issued_at
    )?;
    Ok(n > 0)
}

/// Deletes the value under `key` only if it is still the one with `digest` (compare-and-delete:
/// a token another instance already replaced stays). Whether it was deleted.
pub async fn delete_if_digest(db: &Db, key: &str, digest: &str) -> Result<bool, sqlx::Error> {
    let n = execute!(db, "DELETE FROM tokens WHERE key = $1 AND digest = $2", key, digest)?;
    Ok(n > 0)
}

/// Deletes the value under `key`.
pub async fn delete(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    execute!(db, "DELETE FROM tokens WHERE key = $1", key)?;
    Ok(())
}

/// Takes lease `name` for `holder` until `until` (unix ms) if it is free or expired by `now`:
/// one conditional upsert, so two instances racing for it cannot both win. Whether it was taken.
pub async fn try_lease(db: &Db, name: &str, holder: &str, until: i64, now: i64) -> Result<bool, sqlx::Error> {
    let n = execute!(
        db,
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.expires_at < $4",
        name,
        holder,
        until,
        now
    )?;
    Ok(n == 1)
}

/// Releases lease `name` if `holder` still holds it.
pub async fn release_lease(db: &Db, name: &str, holder: &str) -> Result<(), sqlx::Error> {
    execute!(db, "DELETE FROM leases WHERE name = $1 AND holder = $2", name, holder)?;
    Ok(())
}

/// The account the code (or pre_auth_code) with `digest` was exchanged for, if noted.
pub async fn exchanged_account(db: &Db, digest: &str) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = fetch_optional!(
        db,
        (String,),
        "SELECT appid FROM code_exchanges WHERE digest = $1",
        digest
    )?;
    Ok(row.map(|r| r.0))
}

/// Notes that the code (or pre_auth_code) with `digest` was for `appid`; the first note stays.
pub async fn note_exchange(target: impl AsExec, digest: &str, appid: &str, now: i64) -> Result<(), sqlx::Error> {
    execute!(
        target,
        "INSERT INTO code_exchanges (digest, appid, at) VALUES ($1, $2, $3) ON CONFLICT (digest) DO NOTHING",
        digest,
        appid,
        now
    )?;
    Ok(())
}

/// Notes two codes at once (a push's pre_auth_code and the code it exchanged): [`note_exchange`]
/// of both in one statement.
pub async fn note_exchanges(
    target: impl AsExec,
    first: (&str, &str),
    second: (&str, &str),
    now: i64,
) -> Result<(), sqlx::Error> {
    execute!(
        target,
        "INSERT INTO code_exchanges (digest, appid, at) VALUES ($1, $2, $5), ($3, $4, $5) ON CONFLICT (digest) DO NOTHING",
        first.0,
        first.1,
        second.0,
        second.1,
        now
    )?;
    Ok(())
}

/// The account noted under pre_auth_code `digest`, and whether it is stored, imported and
/// authorized (its refresh token, its profile, `authorized`): one read.
pub async fn exchanged_account_with_status(db: &Db, digest: &str) -> anyhow::Result<Option<(String, bool)>> {
    fetch_optional!(
        db,
        (String, bool),
        "SELECT c.appid, EXISTS (SELECT 1 FROM authorizers a WHERE a.appid = c.appid AND a.refresh_token_sealed IS NOT NULL
                                   AND a.nick_name IS NOT NULL AND a.status = 'authorized')
         FROM code_exchanges c WHERE c.digest = $1",
        digest
    )
    .context("cannot read code exchanges")
}
