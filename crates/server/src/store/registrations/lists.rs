//! The lists of Official Accounts and Mini Programs ([`crate::listing`], one keyset page at a
//! time), and the console accounts' reads: an account, its stored profile, the month's counts,
//! the latest authorizations.

use crate::authorization::Authorization;
use crate::listing::{AccountListed, MiniProgramListed};
use crate::store::AsExec;
use crate::{execute, fetch_all, fetch_optional};
use anyhow::Context;

/// A list's search: the text as typed, its `LIKE` patterns, and the status to keep.
#[derive(Clone, Copy, Debug)]
pub struct Search<'a> {
    /// The search as typed (trimmed); empty for all.
    pub q: &'a str,
    /// The pattern of an appid starting with it (lower case).
    pub prefix: &'a str,
    /// The pattern of a name containing it (lower case).
    pub contains: &'a str,
    /// A status to keep; empty for all.
    pub status: &'a str,
}

/// A page of Official Accounts by name then appid, after the row (`after_name`, `after_appid`),
/// at most `limit` rows, with their stored profiles.
pub async fn list_accounts(
    target: impl AsExec,
    search: &Search<'_>,
    after_name: &str,
    after_appid: &str,
    limit: i64,
) -> anyhow::Result<Vec<AccountListed>> {
    fetch_all!(
        target,
        AccountListed,
        "SELECT a.appid, a.status, a.nick_name, a.principal_name, a.verify_type, a.func_info,
                p.principal_type, p.verified, p.verify_expires_at, p.fetched_at AS profile_fetched_at
         FROM authorizers a LEFT JOIN console_account_profiles p ON p.appid = a.appid
         WHERE a.kind = 'official_account'
           AND ($1 = '' OR LOWER(a.appid) LIKE $2 OR LOWER(COALESCE(a.nick_name, '')) LIKE $3)
           AND ($4 = '' OR a.status = $4)
           AND (COALESCE(a.nick_name, '') > $5 OR (COALESCE(a.nick_name, '') = $5 AND a.appid > $6))
         ORDER BY COALESCE(a.nick_name, ''), a.appid
         LIMIT $7",
        search.q,
        search.prefix,
        search.contains,
        search.status,
        after_name,
        after_appid,
        limit
    )
    .context("cannot list Official Accounts")
}

/// A page of Mini Programs, newest first, before the row (`before` ms, `after_appid`), at most
/// `limit` rows. The status is an authorization status or `setup_failed`, `setup_running`,
/// `setup_none` (from their setup steps).
pub async fn list_mini_programs(
    target: impl AsExec,
    search: &Search<'_>,
    before: i64,
    after_appid: &str,
    limit: i64,
) -> anyhow::Result<Vec<MiniProgramListed>> {
    fetch_all!(
        target,
        MiniProgramListed,
        "SELECT m.appid, m.registration_id, m.oa_appid, m.created_at, a.nick_name, a.status
         FROM mini_programs m LEFT JOIN authorizers a ON a.appid = m.appid
         WHERE ($1 = '' OR LOWER(m.appid) LIKE $2 OR LOWER(COALESCE(a.nick_name, '')) LIKE $3)
           AND ($4 = '' OR a.status = $4
                OR ($4 = 'setup_failed' AND EXISTS (SELECT 1 FROM setup_steps s WHERE s.appid = m.appid AND s.state = 'failed'))
                OR ($4 = 'setup_running' AND EXISTS (SELECT 1 FROM setup_steps s WHERE s.appid = m.appid AND s.state NOT IN ('done', 'failed')))
                OR ($4 = 'setup_none' AND NOT EXISTS (SELECT 1 FROM setup_steps s WHERE s.appid = m.appid)))
           AND (m.created_at < $5 OR (m.created_at = $5 AND m.appid < $6))
         ORDER BY m.created_at DESC, m.appid DESC
         LIMIT $7",
        search.q,
        search.prefix,
        search.contains,
        search.status,
        before,
        after_appid,
        limit
    )
    .context("cannot list Mini Programs")
}

/// The setup steps of Mini Program `appid` as (step, state), in step order (an indexed lookup).
pub async fn setup_steps_of(target: impl AsExec, appid: &str) -> anyhow::Result<Vec<(String, String)>> {
    fetch_all!(
        target,
        (String, String),
        "SELECT step, state FROM setup_steps WHERE appid = $1 ORDER BY step",
        appid
    )
    .context("cannot read setup steps")
}

/// An Official Account as the console's account pages show it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConsoleAccount {
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
    /// Granted funcscope ids, JSON.
    pub func_info: String,
}

/// The Official Account `appid`, if it is one.
pub async fn console_account(target: impl AsExec, appid: &str) -> anyhow::Result<Option<ConsoleAccount>> {
    fetch_optional!(
        target,
        ConsoleAccount,
        "SELECT appid, status, nick_name, principal_name, verify_type, func_info FROM authorizers WHERE appid = $1 AND kind = 'official_account'",
        appid
    )
    .context("cannot read an account")
}

/// What getaccountbasicinfo said of an account, as the console stores it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountProfile {
    /// The subject type (0 individual, 1 enterprise, 2 media, 3 government, 4 other).
    pub principal_type: i64,
    /// The real-name status.
    pub realname_status: i64,
    /// Verified (0/1).
    pub verified: i64,
    /// The verification's end, unix seconds.
    pub verify_expires_at: Option<i64>,
    /// When it was read from WeChat, unix ms.
    pub fetched_at: i64,
}

/// The stored profile of `appid`, if one was read.
pub async fn account_profile(target: impl AsExec, appid: &str) -> anyhow::Result<Option<AccountProfile>> {
    fetch_optional!(
        target,
        AccountProfile,
        "SELECT principal_type, realname_status, verified, verify_expires_at, fetched_at FROM console_account_profiles WHERE appid = $1",
        appid
    )
    .context("cannot read an account profile")
}

/// Stores (or replaces) the profile of `appid`.
pub async fn store_account_profile(target: impl AsExec, appid: &str, p: &AccountProfile) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO console_account_profiles (appid, principal_type, realname_status, verified, verify_expires_at, fetched_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (appid) DO UPDATE SET principal_type = excluded.principal_type,
             realname_status = excluded.realname_status, verified = excluded.verified,
             verify_expires_at = excluded.verify_expires_at, fetched_at = excluded.fetched_at",
        appid,
        p.principal_type,
        p.realname_status,
        p.verified,
        p.verify_expires_at,
        p.fetched_at
    )
    .context("cannot store an account profile")?;
    Ok(())
}

/// Registrations `registered` since `since` (unix ms; the first call's time, or the
/// creation's), per Official Account.
pub async fn registered_per_account_since(target: impl AsExec, since: i64) -> anyhow::Result<Vec<(String, i64)>> {
    fetch_all!(
        target,
        (String, i64),
        "SELECT oa_appid, COUNT(*) FROM registrations
         WHERE state = 'registered' AND COALESCE(submitted_at, created_at) >= $1 GROUP BY oa_appid",
        since
    )
    .context("cannot count this month's registrations")
}

/// The Official Accounts whose registrations WeChat refused with 61055 (the month's limit)
/// since `since` (unix ms), with the latest refusal's time. Only those failures are read.
pub async fn refused_full_since(target: impl AsExec, since: i64) -> anyhow::Result<Vec<(String, i64)>> {
    fetch_all!(
        target,
        (String, i64),
        "SELECT oa_appid, MAX(updated_at) FROM registrations
         WHERE state = 'failed' AND updated_at >= $1 AND failure LIKE $2 GROUP BY oa_appid",
        since,
        "%\"code\":\"61055\"%"
    )
    .context("cannot read this month's 61055 answers")
}

/// The five latest authorizations (componentloginpage), newest first.
pub async fn recent_authorizations(target: impl AsExec) -> anyhow::Result<Vec<Authorization>> {
    fetch_all!(
        target,
        Authorization,
        "SELECT id, state, auth_url, authorizer_appid, failure, created_by, created_at, updated_at
         FROM authorizations ORDER BY created_at DESC LIMIT 5"
    )
    .context("cannot list authorizations")
}
