//! The accounts that authorized the platform, their lists, and an authorization under way.

use super::failure;
use crate::authorization::Authorization;
use crate::failure::Failure;
use crate::listing::{AccountListed, MiniProgramListed, Page};
use crate::store::HistoryEntry;
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::authorization::Authorizer as AuthorizerView;

/// The accounts that authorized this platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizerList {
    /// The accounts.
    pub items: Vec<AuthorizerView>,
}

/// A page of Official Accounts by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    /// The accounts.
    pub items: Vec<AccountListed>,
    /// Give it as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<Page<AccountListed>> for AccountList {
    fn from(p: Page<AccountListed>) -> Self {
        AccountList {
            items: p.items,
            next_cursor: p.next,
        }
    }
}

/// A page of Mini Programs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MiniProgramList {
    /// The Mini Programs.
    pub items: Vec<MiniProgramListed>,
    /// Give it as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<Page<MiniProgramListed>> for MiniProgramList {
    fn from(p: Page<MiniProgramListed>) -> Self {
        MiniProgramList {
            items: p.items,
            next_cursor: p.next,
        }
    }
}

/// An authorization: the componentloginpage link an admin opens, and what became of it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuthorizationView {
    /// Id.
    pub id: String,
    /// `awaiting_admin`, `authorized`, `failed`, …
    pub state: String,
    /// The componentloginpage URL.
    pub auth_url: String,
    /// The account that authorized, once it did.
    pub authorizer_appid: Option<String>,
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

impl AuthorizationView {
    /// The view of `a` with its history.
    pub fn of(a: &Authorization, history: Vec<HistoryEntry>) -> Self {
        AuthorizationView {
            id: a.id.clone(),
            state: a.state.clone(),
            auth_url: a.auth_url.clone(),
            authorizer_appid: a.authorizer_appid.clone(),
            error: failure(&a.failure),
            created_by: a.created_by.clone(),
            created_at: a.created_at,
            updated_at: a.updated_at,
            history,
        }
    }
}
