//! The REST API's keys, stored as SHA-256 hashes (never the key).

use crate::{execute, fetch_all, fetch_optional};
use anyhow::Context;

/// A key as listed: never the key nor its hash.
#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct KeyRow {
    /// Id.
    pub id: String,
    /// Name (`bootstrap` for the settings' key).
    pub name: String,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last request made with it (unix ms, to the minute); `null` if never used.
    pub last_used_at: Option<i64>,
    /// Revoked (unix ms); `null` while valid.
    pub revoked_at: Option<i64>,
}

const KEY_COLUMNS: &str = "id, name, created_at, last_used_at, revoked_at";

/// Stores a key made through the API.
pub async fn insert(db: &super::Db, id: &str, name: &str, hash: &str, at: i64) -> anyhow::Result<()> {
    execute!(
        db,
        "INSERT INTO api_keys (id, name, hash, created_at) VALUES ($1, $2, $3, $4)",
        id,
        name,
        hash,
        at
    )
    .context("cannot store the API key")?;
    Ok(())
}

/// Stores the settings' bootstrap key (`from_settings`), unless a key with its hash exists;
/// answers whether that key was revoked (it stays revoked).
pub async fn install_bootstrap(db: &super::Db, id: &str, name: &str, hash: &str, at: i64) -> anyhow::Result<bool> {
    execute!(
        db,
        "INSERT INTO api_keys (id, name, hash, created_at, from_settings) VALUES ($1, $2, $3, $4, 1)
         ON CONFLICT (hash) DO NOTHING",
        id,
        name,
        hash,
        at
    )
    .context("cannot install the bootstrap API key")?;
    let revoked: Option<(Option<i64>,)> = fetch_optional!(
        db,
        (Option<i64>,),
        "SELECT revoked_at FROM api_keys WHERE hash = $1",
        hash
    )
    .context("cannot read the bootstrap API key")?;
    Ok(revoked.is_some_and(|(r,)| r.is_some()))
}

/// The bootstrap keys of earlier settings still valid: every `from_settings` key but the one
/// with hash `current`.
pub async fn stale_bootstrap_keys(db: &super::Db, current: Option<&str>) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = fetch_all!(
        db,
        (String,),
        "SELECT id FROM api_keys WHERE from_settings = 1 AND revoked_at IS NULL AND ($1 IS NULL OR hash <> $1)",
        current
    )
    .context("cannot list earlier bootstrap API keys")?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Revokes key `id` at `at`; false if it was revoked already (or is not there).
pub async fn revoke(db: &super::Db, id: &str, at: i64) -> anyhow::Result<bool> {
    let n = execute!(
        db,
        "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        at,
        id
    )
    .context("cannot revoke an API key")?;
    Ok(n > 0)
}

/// The name and last use of the valid key with hash `hash`.
pub async fn valid(db: &super::Db, hash: &str) -> anyhow::Result<Option<(String, Option<i64>)>> {
    fetch_optional!(
        db,
        (String, Option<i64>),
        "SELECT name, last_used_at FROM api_keys WHERE hash = $1 AND revoked_at IS NULL",
        hash
    )
    .context("cannot check the API key")
}

/// Notes that the key with hash `hash` was used at `at`.
pub async fn note_use(db: &super::Db, hash: &str, at: i64) -> Result<(), sqlx::Error> {
    execute!(db, "UPDATE api_keys SET last_used_at = $1 WHERE hash = $2", at, hash)?;
    Ok(())
}

/// Every key, newest first, revoked ones included.
pub async fn list(db: &super::Db) -> anyhow::Result<Vec<KeyRow>> {
    fetch_all!(
        db,
        KeyRow,
        &format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, id")
    )
    .context("cannot list API keys")
}

/// Key `id`.
pub async fn get(db: &super::Db, id: &str) -> anyhow::Result<Option<KeyRow>> {
    fetch_optional!(
        db,
        KeyRow,
        &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = $1"),
        id
    )
    .context("cannot read an API key")
}
