//! The console's operators and their sessions and sign-in throttling.
//!
//! `console_users` (password hashes, one-time passwords), `console_sessions` (by the hash of
//! their cookie's token) and `console_sign_in_failures` (wrong passwords counted per user name
//! and client address, so that every instance sees them).

use crate::store::AsExec;
use crate::{execute, fetch_one, fetch_optional};
use anyhow::Context;

// ---- console_users ----

/// What a sign-in checks of a user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SignInUser {
    /// The user's id.
    pub id: String,
    /// Its argon2 hash.
    pub password_hash: String,
    /// 1 while its password is a one-time password.
    pub must_change_password: i64,
    /// When a one-time password expires (unix ms).
    pub password_expires_at: Option<i64>,
}

/// How many console users there are.
pub async fn count_users(target: impl AsExec) -> anyhow::Result<i64> {
    let (users,): (i64,) =
        fetch_one!(target, (i64,), "SELECT COUNT(*) FROM console_users").context("cannot count console users")?;
    Ok(users)
}

/// Creates a user with a one-time password expiring at `expires_at`, unless one with this name
/// exists (another instance created it at the same moment). Returns the rows inserted.
pub async fn create_user(
    target: impl AsExec,
    id: &str,
    username: &str,
    password_hash: &str,
    now: i64,
    expires_at: i64,
) -> anyhow::Result<u64> {
    execute!(
        target,
        "INSERT INTO console_users (id, username, password_hash, must_change_password, password_expires_at,
             created_at, updated_at)
         VALUES ($1, $2, $3, 1, $5, $4, $4) ON CONFLICT (username) DO NOTHING",
        id,
        username,
        password_hash,
        now,
        expires_at
    )
    .context("cannot create the console admin")
}

/// Gives `username` a one-time password expiring at `expires_at` and unlocks it; creates the user
/// (with `id`) if it does not exist.
pub async fn reset_password(
    target: impl AsExec,
    id: &str,
    username: &str,
    password_hash: &str,
    now: i64,
    expires_at: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO console_users (id, username, password_hash, must_change_password, password_expires_at,
             created_at, updated_at)
         VALUES ($1, $2, $3, 1, $5, $4, $4)
         ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, must_change_password = 1,
             password_expires_at = excluded.password_expires_at, failed_logins = 0, locked_until = NULL,
             updated_at = excluded.updated_at",
        id,
        username,
        password_hash,
        now,
        expires_at
    )
    .context("cannot reset a console password")?;
    Ok(())
}

/// Records a password reset in the audit log (written in the reset's transaction, by
/// `fastreg console reset-password`, which has no running service to audit with).
pub async fn audit_password_reset(target: impl AsExec, username: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO audit_log (actor, action, subject, detail, at) VALUES ('console', 'console_user.reset_password', $1, '', $2)",
        format!("console_user:{username}"),
        now
    )
    .context("cannot write the audit log")?;
    Ok(())
}

/// The user signing in as `username`, if there is one.
pub async fn user_for_sign_in(target: impl AsExec, username: &str) -> anyhow::Result<Option<SignInUser>> {
    fetch_optional!(
        target,
        SignInUser,
        "SELECT id, password_hash, must_change_password, password_expires_at FROM console_users WHERE username = $1",
        username
    )
    .context("cannot read a console user")
}

/// Counts a wrong password against a user.
pub async fn count_failed_login(target: impl AsExec, user_id: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE console_users SET failed_logins = failed_logins + 1, updated_at = $1 WHERE id = $2",
        now,
        user_id
    )
    .context("cannot count a failed sign-in")?;
    Ok(())
}

/// Forgets a user's wrong passwords and unlocks it (a good password).
pub async fn reset_failed_logins(target: impl AsExec, user_id: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE console_users SET failed_logins = 0, locked_until = NULL, updated_at = $1 WHERE id = $2",
        now,
        user_id
    )
    .context("cannot reset failed sign-ins")?;
    Ok(())
}

/// A user's password hash.
pub async fn password_hash(target: impl AsExec, user_id: &str) -> anyhow::Result<String> {
    let (hash,): (String,) = fetch_one!(
        target,
        (String,),
        "SELECT password_hash FROM console_users WHERE id = $1",
        user_id
    )
    .context("cannot read a console user")?;
    Ok(hash)
}

/// Stores a user's new password (chosen by the user: no longer a one-time password).
pub async fn set_password(target: impl AsExec, user_id: &str, password_hash: &str, now: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE console_users SET password_hash = $1, must_change_password = 0, password_expires_at = NULL,
             updated_at = $2 WHERE id = $3",
        password_hash,
        now,
        user_id
    )
    .context("cannot store a new password")?;
    Ok(())
}

// ---- console_sessions ----

/// A valid session with its user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    /// The user's id.
    pub user_id: String,
    /// The user's name.
    pub username: String,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// 1 while the user's password is a one-time password.
    pub must_change_password: i64,
    /// When the session was last used (unix ms).
    pub last_seen_at: i64,
}

/// The session whose token hashes to `token_hash`, unless it expired by `now`.
pub async fn session(target: impl AsExec, token_hash: &str, now: i64) -> anyhow::Result<Option<SessionRow>> {
    fetch_optional!(
        target,
        SessionRow,
        "SELECT s.user_id, u.username, s.csrf_token, u.must_change_password, s.last_seen_at
         FROM console_sessions s JOIN console_users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
        token_hash,
        now
    )
    .context("cannot read a console session")
}

/// Marks a session used at `now` and moves its expiry to `expires_at`.
pub async fn extend_session(target: impl AsExec, token_hash: &str, now: i64, expires_at: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "UPDATE console_sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3",
        now,
        expires_at,
        token_hash
    )
    .context("cannot extend a console session")?;
    Ok(())
}

/// Deletes the sessions that expired before `now`.
pub async fn purge_expired_sessions(target: impl AsExec, now: i64) -> anyhow::Result<()> {
    execute!(target, "DELETE FROM console_sessions WHERE expires_at < $1", now).context("cannot purge old sessions")?;
    Ok(())
}

/// Stores a new session (by its token's hash) of `user_id`, started at `now`.
pub async fn insert_session(
    target: impl AsExec,
    token_hash: &str,
    user_id: &str,
    csrf_token: &str,
    now: i64,
    expires_at: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO console_sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $4)",
        token_hash,
        user_id,
        csrf_token,
        now,
        expires_at
    )
    .context("cannot store a console session")?;
    Ok(())
}

/// Ends one session (sign-out).
pub async fn delete_session(target: impl AsExec, token_hash: &str) -> anyhow::Result<()> {
    execute!(target, "DELETE FROM console_sessions WHERE token_hash = $1", token_hash)
        .context("cannot end a console session")?;
    Ok(())
}

/// Ends every session of `username` (a password reset signs it out everywhere).
pub async fn delete_sessions_of_username(target: impl AsExec, username: &str) -> anyhow::Result<()> {
    execute!(
        target,
        "DELETE FROM console_sessions WHERE user_id IN (SELECT id FROM console_users WHERE username = $1)",
        username
    )
    .context("cannot end a user's sessions")?;
    Ok(())
}

/// Ends every session of `user_id` but the one whose token hashes to `keep_token_hash` (the
/// browser that changed the password stays signed in).
pub async fn delete_other_sessions(target: impl AsExec, user_id: &str, keep_token_hash: &str) -> anyhow::Result<()> {
    execute!(
        target,
        "DELETE FROM console_sessions WHERE user_id = $1 AND token_hash <> $2",
        user_id,
        keep_token_hash
    )
    .context("cannot end other sessions")?;
    Ok(())
}

// ---- console_sign_in_failures ----

/// Until when `username` is locked from `address` (`None`: not locked, or never was).
pub async fn sign_in_locked_until(target: impl AsExec, username: &str, address: &str) -> anyhow::Result<Option<i64>> {
    let locked: Option<(Option<i64>,)> = fetch_optional!(
        target,
        (Option<i64>,),
        "SELECT locked_until FROM console_sign_in_failures WHERE username = $1 AND address = $2",
        username,
        address
    )
    .context("cannot read sign-in failures")?;
    Ok(locked.and_then(|(t,)| t))
}

/// The wrong passwords from `address`, whatever the names, counted in rows changed after `since`.
pub async fn sign_in_failures_since(target: impl AsExec, address: &str, since: i64) -> anyhow::Result<i64> {
    let (failures,): (i64,) = fetch_one!(
        target,
        (i64,),
        "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM console_sign_in_failures
         WHERE address = $1 AND updated_at > $2",
        address,
        since
    )
    .context("cannot count sign-in failures")?;
    Ok(failures)
}

/// Counts a wrong password of `username` from `address` at `now`: the count starts over once a
/// lock has passed, and reaching `max_failures` locks the pair until `lock_until`.
pub async fn count_sign_in_failure(
    target: impl AsExec,
    username: &str,
    address: &str,
    now: i64,
    max_failures: i64,
    lock_until: i64,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO console_sign_in_failures (username, address, failures, locked_until, updated_at)
         VALUES ($1, $2, 1, NULL, $3)
         ON CONFLICT (username, address) DO UPDATE SET
             failures = CASE WHEN console_sign_in_failures.locked_until <= $3 THEN 1
                             ELSE console_sign_in_failures.failures + 1 END,
             locked_until = CASE WHEN console_sign_in_failures.locked_until <= $3 THEN NULL
                                 WHEN console_sign_in_failures.failures + 1 >= $4 THEN $5
                                 ELSE console_sign_in_failures.locked_until END,
             updated_at = $3",
        username,
        address,
        now,
        max_failures,
        lock_until
    )
    .context("cannot count a failed sign-in")?;
    Ok(())
}

/// Forgets the failures not counted again since `before`.
pub async fn forget_sign_in_failures(target: impl AsExec, before: i64) -> anyhow::Result<()> {
    execute!(
        target,
        "DELETE FROM console_sign_in_failures WHERE updated_at < $1",
        before
    )
    .context("cannot forget old sign-in failures")?;
    Ok(())
}

/// Forgets `username`'s failures from `address`.
pub async fn clear_sign_in_failures(target: impl AsExec, username: &str, address: &str) -> anyhow::Result<()> {
    execute!(
        target,
        "DELETE FROM console_sign_in_failures WHERE username = $1 AND address = $2",
        username,
        address
    )
    .context("cannot reset failed sign-ins")?;
    Ok(())
}

/// Forgets every failure of `username`, from every address.
pub async fn clear_all_sign_in_failures(target: impl AsExec, username: &str) -> anyhow::Result<()> {
    execute!(
        target,
        "DELETE FROM console_sign_in_failures WHERE username = $1",
        username
    )
    .context("cannot reset failed sign-ins")?;
    Ok(())
}
