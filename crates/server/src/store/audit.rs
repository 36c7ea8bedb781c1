//! The audit log: who did what, when.

use super::AsExec;
use crate::execute;

/// Appends a line to the audit log (`actor` did `action` on `subject`, at `at`, unix ms), on the
/// caller's executor, so a line written inside a transaction commits with what it records.
pub async fn append(
    target: impl AsExec,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    execute!(
        target,
        "INSERT INTO audit_log (actor, action, subject, detail, at) VALUES ($1, $2, $3, $4, $5)",
        actor,
        action,
        subject,
        detail,
        at
    )?;
    Ok(())
}

/// A line of the audit log.
#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Id.
    pub id: i64,
    /// An API key's name or a console user.
    pub actor: String,
    /// What was done (`registration.start`, `api_key.revoke`, …).
    pub action: String,
    /// What it was done to (`registration:<id>`, `mini_program:<appid>`, …).
    pub subject: Option<String>,
    /// Details.
    pub detail: Option<String>,
    /// When (unix ms).
    pub at: i64,
}

/// The latest `limit` lines, newest first.
pub async fn latest(db: &super::Db, limit: i64) -> anyhow::Result<Vec<AuditEntry>> {
    use anyhow::Context;
    crate::fetch_all!(
        db,
        AuditEntry,
        "SELECT id, actor, action, subject, detail, at FROM audit_log ORDER BY id DESC LIMIT $1",
        limit
    )
    .context("cannot read the audit log")
}
