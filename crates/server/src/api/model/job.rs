//! Jobs of the durable queue, and the audit log.

use serde::Serialize;
use utoipa::ToSchema;

pub use crate::job::JobView;

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
