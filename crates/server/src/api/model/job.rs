//! Jobs of the durable queue, and the audit log.

use serde::Serialize;
use utoipa::ToSchema;

/// A job of the durable queue.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct JobView {
    /// Id.
    pub id: i64,
    /// Its kind (`registration`, `setup`, `authorization`, …).
    pub kind: String,
    /// What it works on, as stored (JSON).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// `queued`, `running`, `succeeded` or `dead` (gave up).
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// When it may run next (unix ms).
    pub run_at: i64,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last change (unix ms).
    pub updated_at: i64,
}

impl From<crate::job::JobView> for JobView {
    fn from(j: crate::job::JobView) -> Self {
        JobView {
            payload: super::json_of(&j.payload),
            id: j.id,
            kind: j.kind,
            status: j.status,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at,
            last_error: j.last_error,
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

/// Jobs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobList {
    /// The jobs.
    pub items: Vec<JobView>,
}

pub use crate::store::audit::AuditEntry;

/// The audit log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    /// The entries.
    pub items: Vec<AuditEntry>,
}
