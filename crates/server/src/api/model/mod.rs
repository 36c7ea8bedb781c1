//! What the REST API answers: one type per resource, each with its OpenAPI schema (utoipa), built
//! from the domain's rows by a `from` function here, so a handler returns `Json<ThatType>` and the
//! document at `/api/v1/openapi.json` is generated from the very types that are serialized
//! ([`super::openapi`]). A test validates real responses against it. Where a domain row is
//! already what the API shows (an authorizer, a job, a list's item, an API key, an audit line),
//! the row carries its own schema and is re-exported here instead of copied.
//!
//! Where a value is WeChat's own answer passed through (a Mini Program's basic info, the category
//! catalog, a name audit), its schema is "any JSON" and its description names WeChat's API.

mod account;
mod beta;
mod job;
mod mini_program;
mod rebind;
mod registration;

pub use crate::routes::TaskStatus;
pub use account::{AccountList, AuthorizationView, AuthorizerList, AuthorizerView, MiniProgramList};
pub use beta::{BetaName, BetaRenamed, BetaVerificationView, TrialList, TrialView};
pub use job::{AuditEntry, AuditList, JobList, JobView};
pub use mini_program::{
    CategoryDeleted, CategoryResubmitted, MiniProgramView, NicknameAuditView, Quota, Quotas, SetupView, StepView,
};
pub use rebind::RebindView;
pub use registration::{RegistrationList, RegistrationView};

use crate::failure::Failure;

/// The stored JSON of a [`Failure`], decoded (`None` when absent or unreadable).
pub(crate) fn failure(stored: &Option<String>) -> Option<Failure> {
    stored.as_deref().and_then(|f| serde_json::from_str(f).ok())
}
