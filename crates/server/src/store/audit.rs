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
