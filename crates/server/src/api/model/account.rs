//! The accounts that authorized the platform, their lists, and an authorization under way.

use super::failure;
use crate::authorization::{Authorization, Authorizer};
use crate::failure::Failure;
use crate::listing::{AccountListed, MiniProgramListed, Page};
use crate::store::HistoryEntry;
use serde::Serialize;
use utoipa::ToSchema;

/// An account (Official Account or Mini Program) that authorized this platform.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuthorizerView {
    /// Its appid.
    pub appid: String,
    /// `official_account` or `mini_program`.
    pub kind: String,
    /// `authorized`, `unauthorized` or `refresh_rejected`.
    pub status: String,
    /// Its name, when known.
    pub nick_name: Option<String>,
    /// Its subject (主体).
    pub principal_name: Option<String>,
    /// The ids of the permission sets (权限集) it granted.
    #[schema(value_type = Vec<i64>)]
    pub func_info: serde_json::Value,
    /// When its access token lapses (unix ms).
    pub access_expires_at: Option<i64>,
    /// When the upkeep refreshes it next (unix ms).
    pub next_refresh_at: Option<i64>,
    /// Why it is flagged (a refresh WeChat rejected).
    pub flag_reason: Option<String>,
    /// When it authorized (unix ms).
    pub authorized_at: Option<i64>,
    /// Last change (unix ms).
    pub updated_at: i64,
}

impl From<Authorizer> for AuthorizerView {
    fn from(a: Authorizer) -> Self {
        AuthorizerView {
            func_info: super::json_of(&a.func_info),
            appid: a.appid,
            kind: a.kind,
            status: a.status,
            nick_name: a.nick_name,
            principal_name: a.principal_name,
            access_expires_at: a.access_expires_at,
            next_refresh_at: a.next_refresh_at,
            flag_reason: a.flag_reason,
            authorized_at: a.authorized_at,
            updated_at: a.updated_at,
        }
    }
}

/// The accounts that authorized this platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizerList {
    /// The accounts.
    pub items: Vec<AuthorizerView>,
}

/// An Official Account in a list, with what its stored profile says.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AccountListedView {
    /// Its appid.
    pub appid: String,
    /// `authorized`, `unauthorized` or `refresh_rejected`.
    pub status: String,
    /// Its name, when known.
    pub nick_name: Option<String>,
    /// Its subject.
    pub principal_name: Option<String>,
    /// WeChat's verify type (-1: not verified).
    pub verify_type: Option<i64>,
    /// The stored profile's subject type (getaccountbasicinfo), when one was read.
    pub principal_type: Option<i64>,
    /// The stored profile's verification (0/1).
    pub verified: Option<i64>,
    /// The stored profile's verification end (unix seconds).
    pub verify_expires_at: Option<i64>,
}

/// A page of Official Accounts by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    /// The accounts.
    pub items: Vec<AccountListedView>,
    /// Give it as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<Page<AccountListed>> for AccountList {
    fn from(p: Page<AccountListed>) -> Self {
        let items = p
            .items
            .into_iter()
            .map(|a| AccountListedView {
                appid: a.appid,
                status: a.status,
                nick_name: a.nick_name,
                principal_name: a.principal_name,
                verify_type: a.verify_type,
                principal_type: a.principal_type,
                verified: a.verified,
                verify_expires_at: a.verify_expires_at,
            })
            .collect();
        AccountList {
            items,
            next_cursor: p.next,
        }
    }
}

/// A Mini Program in a list.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MiniProgramListedView {
    /// Its appid.
    pub appid: String,
    /// The registration that made it, if this service did.
    pub registration_id: Option<String>,
    /// The Official Account it was registered from.
    pub oa_appid: Option<String>,
    /// When this service learnt of it (unix ms).
    pub created_at: i64,
    /// Its name, when known.
    pub nick_name: Option<String>,
    /// Its authorization status, when known.
    pub status: Option<String>,
}

/// A page of Mini Programs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MiniProgramList {
    /// The Mini Programs.
    pub items: Vec<MiniProgramListedView>,
    /// Give it as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<Page<MiniProgramListed>> for MiniProgramList {
    fn from(p: Page<MiniProgramListed>) -> Self {
        let items = p
            .items
            .into_iter()
            .map(|m| MiniProgramListedView {
                appid: m.appid,
                registration_id: m.registration_id,
                oa_appid: m.oa_appid,
                created_at: m.created_at,
                nick_name: m.nick_name,
                status: m.status,
            })
            .collect();
        MiniProgramList {
            items,
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
