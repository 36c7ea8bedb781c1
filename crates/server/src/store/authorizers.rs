//! The authorizers (accounts that authorized the platform) and their authorizations: their rows, func_info, refresh plans.
//!
//! An authorizer's refresh token lives on its row, sealed; the functions that serve the client's
//! token store with it return `sqlx::Error`, which the store wraps in its own error type.

use super::{AsExec, Db};
use crate::authorization::{Authorization, Authorizer};
use crate::{execute, fetch_all, fetch_one, fetch_optional};
use anyhow::Context;

/// The columns of an [`Authorization`].
macro_rules! authorization_columns {
    () => {
        "id, state, auth_url, authorizer_appid, failure, created_by, created_at, updated_at"
    };
}

/// The columns of an [`Authorizer`].
macro_rules! authorizer_columns {
    () => {
        "appid, kind, status, nick_name, principal_name, func_info, access_expires_at, \
         next_refresh_at, flag_reason, authorized_at, updated_at"
    };
}

// Authorizations.

/// Stores a new authorization `awaiting_admin` (created and updated at `now`) and returns it.
pub async fn create_authorization(
    target: impl AsExec,
    id: &str,
    auth_url: &str,
    pre_auth_digest: &str,
    created_by: &str,
    now: i64,
) -> anyhow::Result<Authorization> {
    fetch_one!(
        target,
        Authorization,
        concat!(
            "INSERT INTO authorizations (id, state, auth_url, pre_auth_digest, created_by, created_at, updated_at)
         VALUES ($1, 'awaiting_admin', $2, $5, $3, $4, $4)
         RETURNING ",
            authorization_columns!()
        ),
        id,
        auth_url,
        created_by,
        now,
        pre_auth_digest
    )
    .context("cannot store the authorization")
}

/// One authorization.
pub async fn authorization(db: &Db, id: &str) -> anyhow::Result<Option<Authorization>> {
    fetch_optional!(
        db,
        Authorization,
        concat!(
            "SELECT ",
            authorization_columns!(),
            " FROM authorizations WHERE id = $1"
        ),
        id
    )
    .context("cannot read an authorization")
}

/// Records authorization `id`'s sealed auth code (and its digest) and moves it to
/// `code_received`, only if it is still `awaiting_admin` (so the code is recorded once).
/// Whether it was.
pub async fn record_auth_code(
    target: impl AsExec,
    id: &str,
    sealed: &[u8],
    digest: &str,
    now: i64,
) -> anyhow::Result<bool> {
    let n = execute!(
        target,
        "UPDATE authorizations SET state = 'code_received', auth_code_sealed = $1, auth_code_digest = $4, updated_at = $2 WHERE id = $3 AND state = 'awaiting_admin'",
        sealed,
        now,
        id,
        digest
    )
    .context("cannot record the auth code")?;
    Ok(n > 0)
}

/// What the exchange job reads of an authorization.
#[derive(sqlx::FromRow)]
pub struct AuthorizationCode {
    /// Its state.
    pub state: String,
    /// The recorded auth code, sealed.
    pub auth_code_sealed: Option<Vec<u8>>,
    /// The componentloginpage URL (it carries the pre_auth_code).
    pub auth_url: String,
    /// Whether the row knows its pre_auth_code's digest (rows from before it was kept do not):
    /// only then does `pushed_account` say anything.
    pub has_pre_auth_digest: bool,
    /// The account the `authorized` push noted under the pre_auth_code, if it is stored,
    /// imported and authorized.
    pub pushed_account: Option<String>,
}

/// Authorization `id`'s state, sealed code and URL, and the account its `authorized` push
/// brought in (one read).
pub async fn authorization_code(db: &Db, id: &str) -> anyhow::Result<Option<AuthorizationCode>> {
    fetch_optional!(
        db,
        AuthorizationCode,
        "SELECT a.state, a.auth_code_sealed, a.auth_url, a.pre_auth_digest IS NOT NULL AS has_pre_auth_digest,
                (SELECT c.appid FROM code_exchanges c
                  WHERE c.digest = a.pre_auth_digest
                    AND EXISTS (SELECT 1 FROM authorizers z WHERE z.appid = c.appid AND z.refresh_token_sealed IS NOT NULL
                                  AND z.nick_name IS NOT NULL AND z.status = 'authorized')) AS pushed_account
         FROM authorizations a WHERE a.id = $1",
        id
    )
    .context("cannot read an authorization")
}

/// Records how authorization `id` ended: its state `to`, the account, why it failed (JSON).
pub async fn finish_authorization(
    target: impl AsExec,
    id: &str,
    to: &str,
    appid: Option<&str>,
    failure: Option<&str>,
    now: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE authorizations SET state = $1, authorizer_appid = $2, failure = $3, updated_at = $4 WHERE id = $5",
        to,
        appid,
        failure,
        now,
        id
    )
    .context("cannot finish the authorization")?;
    Ok(())
}

/// Authorization `id`'s componentloginpage URL (it must exist).
pub async fn authorization_url(db: &Db, id: &str) -> anyhow::Result<String> {
    let (auth_url,): (String,) = fetch_one!(db, (String,), "SELECT auth_url FROM authorizations WHERE id = $1", id)
        .context("cannot read an authorization")?;
    Ok(auth_url)
}

/// When authorization `id` started (unix ms; it must exist).
pub async fn authorization_created_at(db: &Db, id: &str) -> anyhow::Result<i64> {
    let (created_at,): (i64,) = fetch_one!(db, (i64,), "SELECT created_at FROM authorizations WHERE id = $1", id)
        .context("cannot read an authorization")?;
    Ok(created_at)
}

// Authorizers.

/// Authorizers, by appid.
pub async fn list(db: &Db, limit: i64, offset: i64) -> anyhow::Result<Vec<Authorizer>> {
    fetch_all!(
        db,
        Authorizer,
        concat!(
            "SELECT ",
            authorizer_columns!(),
            " FROM authorizers ORDER BY appid LIMIT $1 OFFSET $2"
        ),
        limit,
        offset
    )
    .context("cannot list authorizers")
}

/// One authorizer.
pub async fn get(db: &Db, appid: &str) -> anyhow::Result<Option<Authorizer>> {
    fetch_optional!(
        db,
        Authorizer,
        concat!("SELECT ", authorizer_columns!(), " FROM authorizers WHERE appid = $1"),
        appid
    )
    .context("cannot read an authorizer")
}

/// Whether `appid`'s refresh token is stored and whether its profile was imported, if it has a
/// row.
pub async fn token_and_profile(db: &Db, appid: &str) -> anyhow::Result<Option<(bool, bool)>> {
    fetch_optional!(
        db,
        (bool, bool),
        "SELECT refresh_token_sealed IS NOT NULL, nick_name IS NOT NULL FROM authorizers WHERE appid = $1",
        appid
    )
    .context("cannot read the authorizer")
}

/// The accounts we hold: authorized authorizers with a refresh token, and our Mini Programs.
pub async fn known_appids(db: &Db) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = fetch_all!(
        db,
        (String,),
        "SELECT appid FROM authorizers WHERE status = 'authorized' AND refresh_token_sealed IS NOT NULL
         UNION SELECT appid FROM mini_programs"
    )
    .context("cannot list known authorizers")?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// What is known of an account an `authorized` push names.
#[derive(Clone, Debug)]
pub struct KnownAccount {
    /// Its refresh token is stored.
    pub has_token: bool,
    /// It is a Mini Program of ours.
    pub claimed: bool,
    /// It is stored, imported and authorized.
    pub current: bool,
    /// It is stored and authorized but not yet imported (no profile): a Mini Program whose
    /// registration has its token and is about to import it, typically.
    pub awaiting_profile: bool,
    /// The account the pushed code was already exchanged for (by the authorization's own
    /// job, typically), if it was.
    pub code_exchanged_for: Option<String>,
}

/// What is known of `appid`, and of the pushed code with `code_digest` (one read).
pub async fn known_account(target: impl AsExec, appid: &str, code_digest: &str) -> anyhow::Result<KnownAccount> {
    let (has_token, claimed, current, awaiting_profile, code_exchanged_for): (bool, bool, bool, bool, Option<String>) =
        fetch_one!(
            target,
            (bool, bool, bool, bool, Option<String>),
            "SELECT EXISTS (SELECT 1 FROM authorizers WHERE appid = $1 AND refresh_token_sealed IS NOT NULL),
                EXISTS (SELECT 1 FROM mini_programs WHERE appid = $1),
                EXISTS (SELECT 1 FROM authorizers WHERE appid = $1 AND refresh_token_sealed IS NOT NULL
                          AND nick_name IS NOT NULL AND status = 'authorized'),
                EXISTS (SELECT 1 FROM authorizers WHERE appid = $1 AND refresh_token_sealed IS NOT NULL
                          AND nick_name IS NULL AND status = 'authorized'),
                (SELECT appid FROM code_exchanges WHERE digest = $2)",
            appid,
            code_digest
        )
        .context("cannot read what is known of the account")?;
    Ok(KnownAccount {
        has_token,
        claimed,
        current,
        awaiting_profile,
        code_exchanged_for,
    })
}

/// An authorizer's profile, as imported from WeChat.
pub struct Profile<'a> {
    /// appid.
    pub appid: &'a str,
    /// `official_account`, or `unknown` for a Mini Program (a row already `mini_program` stays so).
    pub kind: &'a str,
    /// Name.
    pub nick_name: &'a str,
    /// Subject.
    pub principal_name: &'a str,
    /// Verification type.
    pub verify_type: Option<i64>,
    /// Permission set ids, JSON.
    pub func_info: &'a str,
    /// Now (unix ms): when it authorized, if it is new.
    pub now: i64,
    /// When to refresh its token, if no refresh is planned yet (unix ms).
    pub next_refresh_at: i64,
}

/// Stores an imported profile: the authorizer becomes `authorized` (its flag cleared), keeping
/// the first authorization time and a refresh already planned.
pub async fn import(target: impl AsExec, p: &Profile<'_>) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO authorizers (appid, kind, status, nick_name, principal_name, verify_type, func_info, authorized_at, created_at, updated_at, next_refresh_at)
         VALUES ($1, $2, 'authorized', $3, $4, $5, $6, $7, $7, $7, $8)
         ON CONFLICT (appid) DO UPDATE SET
             kind = CASE WHEN authorizers.kind = 'mini_program' THEN 'mini_program' ELSE excluded.kind END,
             status = 'authorized', flag_reason = NULL, nick_name = excluded.nick_name, principal_name = excluded.principal_name,
             verify_type = excluded.verify_type, func_info = excluded.func_info,
             authorized_at = COALESCE(authorizers.authorized_at, excluded.authorized_at), updated_at = excluded.updated_at,
             next_refresh_at = COALESCE(authorizers.next_refresh_at, excluded.next_refresh_at)",
        p.appid,
        p.kind,
        p.nick_name,
        p.principal_name,
        p.verify_type,
        p.func_info,
        p.now,
        p.next_refresh_at
    )
    .context("cannot store the authorizer")?;
    Ok(())
}

/// `appid` withdrew its authorization: `unauthorized`, no refresh planned.
pub async fn mark_unauthorized(db: &Db, appid: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        db,
        "UPDATE authorizers SET status = 'unauthorized', next_refresh_at = NULL, updated_at = $1 WHERE appid = $2",
        now,
        appid
    )
    .context("cannot mark the authorizer unauthorized")?;
    Ok(())
}

// Refresh tokens and refresh plans.

/// `appid`'s sealed refresh token, if stored.
pub async fn refresh_token_sealed(db: &Db, appid: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let row: Option<(Option<Vec<u8>>,)> = fetch_optional!(
        db,
        (Option<Vec<u8>>,),
        "SELECT refresh_token_sealed FROM authorizers WHERE appid = $1",
        appid
    )?;
    Ok(row.and_then(|r| r.0))
}

/// Stores `appid`'s sealed refresh token, adding a bare `unknown` row if the account is new.
pub async fn put_refresh_token(db: &Db, appid: &str, sealed: &[u8], now: i64) -> Result<(), sqlx::Error> {
    execute!(
        db,
        "INSERT INTO authorizers (appid, kind, status, refresh_token_sealed, created_at, updated_at)
         VALUES ($1, 'unknown', 'authorized', $2, $3, $3)
         ON CONFLICT (appid) DO UPDATE SET refresh_token_sealed = excluded.refresh_token_sealed, updated_at = excluded.updated_at",
        appid,
        sealed,
        now
    )?;
    Ok(())
}

/// Stores `appid`'s sealed refresh token with when the access token that came with it expires
/// and when to refresh that one (only while the account is `authorized`): [`put_refresh_token`]
/// and [`note_token_expiry`] in one statement, adding a bare `unknown` row if the account is new.
pub async fn put_refresh_token_and_expiry(
    target: impl AsExec,
    appid: &str,
    sealed: &[u8],
    expires_at: i64,
    next: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    execute!(
        target,
        "INSERT INTO authorizers (appid, kind, status, refresh_token_sealed, access_expires_at, next_refresh_at, created_at, updated_at)
         VALUES ($1, 'unknown', 'authorized', $2, $3, $4, $5, $5)
         ON CONFLICT (appid) DO UPDATE SET refresh_token_sealed = excluded.refresh_token_sealed,
             access_expires_at = excluded.access_expires_at,
             next_refresh_at = CASE WHEN authorizers.status = 'authorized' THEN excluded.next_refresh_at ELSE NULL END,
             updated_at = excluded.updated_at",
        appid,
        sealed,
        expires_at,
        next,
        now
    )?;
    Ok(())
}

/// Forgets `appid`'s refresh token.
pub async fn clear_refresh_token(db: &Db, appid: &str, now: i64) -> Result<(), sqlx::Error> {
    execute!(
        db,
        "UPDATE authorizers SET refresh_token_sealed = NULL, updated_at = $1 WHERE appid = $2",
        now,
        appid
    )?;
    Ok(())
}

/// Notes when `appid`'s new access token expires and plans its refresh at `next` (only while it
/// is `authorized`: a withdrawn or flagged account gets no plan).
pub async fn note_token_expiry(
    target: impl AsExec,
    appid: &str,
    expires_at: i64,
    next: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    execute!(
        target,
        "UPDATE authorizers SET access_expires_at = $1, next_refresh_at = CASE WHEN status = 'authorized' THEN $2 ELSE NULL END,
             updated_at = $3
         WHERE appid = $4",
        expires_at,
        next,
        now,
        appid
    )?;
    Ok(())
}

/// When `appid`'s access token expires (unix ms), if known.
pub async fn access_expires_at(db: &Db, appid: &str) -> anyhow::Result<Option<i64>> {
    let row: Option<(Option<i64>,)> = fetch_optional!(
        db,
        (Option<i64>,),
        "SELECT access_expires_at FROM authorizers WHERE appid = $1",
        appid
    )
    .context("cannot read an authorizer")?;
    Ok(row.and_then(|r| r.0))
}

/// Plans `appid`'s next token refresh at `at` (unix ms).
pub async fn set_next_refresh(db: &Db, appid: &str, at: i64) -> Result<(), sqlx::Error> {
    execute!(
        db,
        "UPDATE authorizers SET next_refresh_at = $1 WHERE appid = $2",
        at,
        appid
    )?;
    Ok(())
}

/// Up to `limit` authorizers whose refresh is due by `now` (unix ms), the most overdue first:
/// authorized ones with a refresh token and a plan.
pub async fn due_for_refresh(db: &Db, now: i64, limit: i64) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = fetch_all!(
        db,
        (String,),
        "SELECT appid FROM authorizers
         WHERE status = 'authorized' AND refresh_token_sealed IS NOT NULL AND next_refresh_at IS NOT NULL AND next_refresh_at <= $1
         ORDER BY next_refresh_at LIMIT $2",
        now,
        limit
    )
    .context("cannot list tokens due")?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Flags `appid` `refresh_rejected` (WeChat refused its refresh token) with `reason`; no
/// refresh is planned until its admin authorizes again.
pub async fn flag_refresh_rejected(db: &Db, appid: &str, reason: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        db,
        "UPDATE authorizers SET status = 'refresh_rejected', next_refresh_at = NULL, flag_reason = $1, updated_at = $2 WHERE appid = $3",
        reason,
        now,
        appid
    )
    .context("cannot flag an authorizer")?;
    Ok(())
}
