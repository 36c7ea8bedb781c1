//! An admin rebind (componentrebindadmin) under way.

use crate::failure::Failure;
use crate::rebind::RebindTask;
use crate::store::HistoryEntry;
use serde::Serialize;
use utoipa::ToSchema;

/// A rebind task: the link the Mini Program's current admin opens, and what became of it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RebindView {
    /// Id.
    pub id: String,
    /// The Mini Program.
    pub appid: String,
    /// awaiting_admin, rebound, failed, …
    pub state: String,
    /// The componentrebindadmin URL.
    pub auth_url: String,
    /// Why it failed.
    pub error: Option<Failure>,
    /// Who started it.
    pub created_by: String,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last change (unix ms).
    pub updated_at: i64,
    /// Its state changes, oldest first.
    pub history: Vec<HistoryEntry>,
}

impl RebindView {
    /// The view of `t` with its history.
    pub fn of(t: &RebindTask, history: Vec<HistoryEntry>) -> Self {
        RebindView {
            id: t.id.clone(),
            appid: t.appid.clone(),
            state: t.state.clone(),
            auth_url: t.auth_url.clone(),
            error: super::failure(&t.failure),
            created_by: t.created_by.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            history,
        }
    }
}
