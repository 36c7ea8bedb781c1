//! Who may use the console: users with argon2id password hashes, sessions kept in the database
//! behind an HttpOnly SameSite cookie, and a CSRF token on every form.
//!
//! - The first user is `admin`, created by [`bootstrap_admin`] with a generated one-time password
//!   that the command starting the service prints; it must be replaced at the first sign-in.
//! - The session cookie holds 32 random bytes; the database keeps only their SHA-256, with the
//!   session's CSRF token and expiry (12 hours, extended while used). `SameSite=Lax` keeps the
//!   cookie off cross-site form posts yet lets WeChat's redirect back to `/callback/…` (a
//!   top-level GET) find the operator's session.
//! - Every form of a signed-in page carries the session's CSRF token, compared in constant time
//!   before anything is done. The sign-in form, which has no session yet, uses a double-submit
//!   token: a random value in a cookie and in the form, which a foreign site can neither read nor
//!   set.
//! - Sign-in is throttled per client address ([`super::sign_in`]): five wrong passwords in a row
//!   lock that user name *from that address* for five minutes, twenty from one address lock the
//!   address, and at most two argon2 hashes run at once (an attempt that cannot start within a
//!   few seconds is answered 429), so a flood of sign-ins can neither exhaust memory nor lock the
//!   real admin out from elsewhere.
//! - A generated one-time password works for [`ONE_TIME_PASSWORD_TTL_MS`] only.

use super::error::ConsoleError;
use super::i18n::Lang;
use super::sign_in::{self, ClientAddress, HashingError, Throttled};
use super::view;
use crate::startup::{AppState, audit};
use crate::store::{now_ms, operators};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Form;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maud::{Markup, html};
use rand::{Rng, RngCore};
use serde::Deserialize;
use sha2::Digest;
use subtle::ConstantTimeEq;

/// The session cookie.
pub const SESSION_COOKIE: &str = "fastreg_session";
/// The sign-in form's double-submit cookie.
const LOGIN_CSRF_COOKIE: &str = "fastreg_login_csrf";
/// The first user's name.
pub const ADMIN: &str = "admin";
/// A session lasts this long after its last use.
const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// How long a generated one-time password works (printed, it may be read later by others).
pub const ONE_TIME_PASSWORD_TTL_MS: i64 = 24 * 3600 * 1000;
/// What a sign-in that found every hashing slot busy is told.
const BUSY_ZH: &str = "现在登录的人太多，请几秒后再试。";
const BUSY_EN: &str = "Too many sign-ins at once; try again in a few seconds.";
/// The shortest password a user may choose.
const MIN_PASSWORD_CHARS: usize = 10;

/// A signed-in operator.
#[derive(Clone, Debug)]
pub struct Session {
    /// The user's id.
    pub user_id: String,
    /// The user's name.
    pub username: String,
    /// This session's CSRF token.
    pub csrf: String,
    /// The password is the generated one and must be replaced.
    pub must_change_password: bool,
    token_hash: String,
}

impl Session {
    /// Refuses a form whose token is not this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), ConsoleError> {
        if !given.is_empty() && bool::from(given.as_bytes().ct_eq(self.csrf.as_bytes())) {
            Ok(())
        } else {
            tracing::warn!(user = %self.username, "form refused: CSRF token missing or wrong");
            Err(ConsoleError::Csrf)
        }
    }
}

fn random_token() -> String {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    URL_SAFE_NO_PAD.encode(raw)
}

fn token_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// A password of 20 characters from an alphabet without look-alikes (about 112 bits).
fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// An argon2id hash (PHC string) of `password`.
fn argon2_hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash a password: {e}"))
}

/// An argon2id hash of `password`, computed off the async threads within the hashing bound.
async fn hash_password(state: &AppState, password: String) -> Result<String, HashingError> {
    state.password_hashing.run(move || argon2_hash(&password)).await
}

/// Whether `password` matches `stored` (an argon2 PHC string), off the async threads within the
/// hashing bound.
async fn verify_password(state: &AppState, password: String, stored: String) -> Result<bool, HashingError> {
    state
        .password_hashing
        .run(move || {
            let parsed =
                PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("a stored password hash is malformed: {e}"))?;
            Ok(argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok())
        })
        .await
}

/// A hash no password matches, checked for unknown users so that a wrong name takes as long as
/// a wrong password.
async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            let password = random_token();
            tokio::task::spawn_blocking(move || argon2_hash(&password).unwrap_or_default())
                .await
                .unwrap_or_default()
        })
        .await
}

impl From<HashingError> for ConsoleError {
    fn from(e: HashingError) -> Self {
        match e {
            HashingError::Busy => ConsoleError::invalid(
                "现在登录的人太多，请几秒后再试。",
                "Too many sign-ins at once; try again in a few seconds.",
                "/console/login",
            ),
            HashingError::Unexpected(e) => ConsoleError::Unexpected(e),
        }
    }
}

/// Creates the first console user, `admin`, if there is no user yet, and returns its generated
/// one-time password (to be printed by the command that starts the service); `None` when a user
/// already exists. The password must be replaced at the first sign-in.
pub async fn bootstrap_admin(state: &AppState) -> anyhow::Result<Option<String>> {
    let users = operators::count_users(&state.db).await?;
    if users > 0 {
        return Ok(None);
    }
    let password = generate_password();
    let hash = hash_password(state, password.clone()).await?;
    let now = now_ms();
    let created = operators::create_user(
        &state.db,
        &uuid::Uuid::new_v4().to_string(),
        ADMIN,
        &hash,
        now,
        now + ONE_TIME_PASSWORD_TTL_MS,
    )
    .await?;
    if created == 0 {
        // Another instance created it at the same moment; its command printed the password.
        return Ok(None);
    }
    audit(
        state,
        "console",
        "console_user.bootstrap",
        &format!("console_user:{ADMIN}"),
        "",
    )
    .await;
    tracing::info!(
        username = ADMIN,
        "console admin created with a one-time password (printed by the starting command)"
    );
    Ok(Some(password))
}

/// Gives `username` a new generated one-time password (returned, to be printed), unlocks it and
/// signs it out everywhere; creates the user if it does not exist.
pub async fn reset_admin_password(state: &AppState, username: &str) -> anyhow::Result<String> {
    reset_password(&state.db, &state.password_hashing, username).await
}

/// [`reset_admin_password`] on a database alone: what `fastreg console reset-password` runs,
/// which needs neither the component's secrets nor the encryption key.
pub async fn reset_password(
    db: &crate::store::Db,
    hashing: &super::sign_in::PasswordHashing,
    username: &str,
) -> anyhow::Result<String> {
    let password = generate_password();
    let plain = password.clone();
    let hash = hashing.run(move || argon2_hash(&plain)).await?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    operators::reset_password(
        &mut tx,
        &uuid::Uuid::new_v4().to_string(),
        username,
        &hash,
        now,
        now + ONE_TIME_PASSWORD_TTL_MS,
    )
    .await?;
    operators::delete_sessions_of_username(&mut tx, username).await?;
    operators::audit_password_reset(&mut tx, username, now).await?;
    tx.commit().await?;
    super::sign_in::clear_user(db, username).await?;
    Ok(password)
}

/// The session a request's cookie names, if it is valid; extends it while it is used.
pub async fn session_of(state: &AppState, headers: &HeaderMap) -> anyhow::Result<Option<Session>> {
    let Some(token) = super::cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let hash = token_hash(token);
    let now = now_ms();
    let Some(operators::SessionRow {
        user_id,
        username,
        csrf_token: csrf,
        must_change_password: must_change,
        last_seen_at: last_seen,
    }) = operators::session(&state.db, &hash, now).await?
    else {
        return Ok(None);
    };
    if now - last_seen > 60_000 {
        operators::extend_session(&state.db, &hash, now, now + SESSION_TTL_MS).await?;
    }
    Ok(Some(Session {
        user_id,
        username,
        csrf,
        must_change_password: must_change == 1,
        token_hash: hash,
    }))
}

/// Where a request without a session is sent: the sign-in page, coming back here afterwards.
fn to_sign_in(parts: &Parts) -> Response {
    let mut target = "/console/login".to_owned();
    if parts.method == axum::http::Method::GET {
        let here = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/console/");
        target.push_str("?next=");
        target.push_str(&url::form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>());
    }
    Redirect::to(&target).into_response()
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = session_of(state, &parts.headers)
            .await
            .map_err(|e| ConsoleError::Unexpected(e).into_response())?;
        match session {
            None => Err(to_sign_in(parts)),
            // A one-time password opens only the page that replaces it (and signing out).
            Some(s)
                if s.must_change_password && !matches!(parts.uri.path(), "/console/password" | "/console/logout") =>
            {
                Err(Redirect::to("/console/password").into_response())
            }
            Some(s) => Ok(s),
        }
    }
}

fn secure(state: &AppState) -> &'static str {
    if state.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

fn set_cookie(response: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A `next` that stays inside the console (never another site).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        // A control character would end up in the `Location` header (CR/LF split it).
        Some(n)
            if n.starts_with("/console")
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.contains(char::is_control) =>
        {
            n
        }
        _ => "/console/",
    }
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

fn login_form(lang: Lang, csrf: &str, next: &str, username: &str, message: Option<(&str, &str)>) -> Markup {
    view::bare(
        lang,
        lang.t("登录", "Sign in"),
        html! {
            @if let Some((zh, en)) = message {
                p.flash.warn role="alert" { (lang.t(zh, en)) }
            }
            form.card.stack method="post" action="/console/login" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="next" value=(next);
                label { (lang.t("用户名", "Username"))
                    input type="text" name="username" value=(username) autocomplete="username" required autofocus; }
                label { (lang.t("密码", "Password"))
                    input type="password" name="password" autocomplete="current-password" required; }
                button.primary type="submit" { (lang.t("登录", "Sign in")) }
            }
            p.hint { (lang.t(
                "首次启动时服务会创建 admin 用户，并把一次性密码打印在启动它的终端里；首次登录后需设置新密码。",
                "On first start the service creates the user admin and prints its one-time password in the terminal that started it; you choose a new password after signing in."
            )) }
        },
    )
}

/// `GET /console/login`.
pub(super) async fn login_page(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> Result<Response, ConsoleError> {
    if session_of(&state, &headers).await?.is_some() {
        return Ok(Redirect::to(safe_next(q.next.as_deref())).into_response());
    }
    let users = operators::count_users(&state.db).await?;
    // No user yet: the command that started the service did not create the first one.
    let none = (users == 0).then_some((
        "还没有控制台用户。用 fastreg serve 或 fastreg demo 启动服务时会创建 admin 并打印一次性密码。",
        "There is no console user yet. Starting the service with fastreg serve or fastreg demo creates admin and prints its one-time password.",
    ));
    let csrf = random_token();
    let mut response = login_form(lang, &csrf, safe_next(q.next.as_deref()), "", none).into_response();
    set_cookie(
        &mut response,
        format!(
            "{LOGIN_CSRF_COOKIE}={csrf}; Path=/console/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
            secure(&state)
        ),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /console/login`.
pub(super) async fn login(
    State(state): State<AppState>,
    lang: Lang,
    address: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, ConsoleError> {
    let expected = super::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if form.csrf.is_empty() || !bool::from(form.csrf.as_bytes().ct_eq(expected.as_bytes())) {
        tracing::warn!("sign-in refused: CSRF token missing or wrong");
        return Err(ConsoleError::Csrf);
    }
    let next = safe_next(form.next.as_deref()).to_owned();
    let username = form.username.trim().to_owned();
    let refuse = |status: StatusCode, zh: &'static str, en: &'static str| {
        let mut r = (status, login_form(lang, &form.csrf, &next, &username, Some((zh, en)))).into_response();
        // The same double-submit token stays valid for the next try.
        set_cookie(
            &mut r,
            format!(
                "{LOGIN_CSRF_COOKIE}={}; Path=/console/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
                form.csrf,
                secure(&state)
            ),
        );
        r
    };
    let now = now_ms();
    let busy = |refused: Response| {
        let mut r = refused;
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        r
    };
    match sign_in::throttled(&state, &username, &address, now).await? {
        Some(Throttled::User) => {
            tracing::info!(user = %username, address = %address.0, "sign-in refused: locked from this address");
            return Ok(refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "密码连续输错太多次，请 5 分钟后再试。",
                "Too many wrong passwords in a row; try again in 5 minutes.",
            ));
        }
        Some(Throttled::Address) => {
            tracing::info!(address = %address.0, "sign-in refused: too many failures from this address");
            return Ok(refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "这个网络地址登录失败太多次，请 15 分钟后再试。",
                "Too many failed sign-ins from your address; try again in 15 minutes.",
            ));
        }
        None => {}
    }
    let user = operators::user_for_sign_in(&state.db, &username).await?;
    let Some(operators::SignInUser {
        id: user_id,
        password_hash: hash,
        must_change_password: must_change,
        password_expires_at,
    }) = user
    else {
        match verify_password(&state, form.password.clone(), dummy_hash().await.to_owned()).await {
            Err(HashingError::Busy) => return Ok(busy(refuse(StatusCode::TOO_MANY_REQUESTS, BUSY_ZH, BUSY_EN))),
            Err(HashingError::Unexpected(e)) => return Err(ConsoleError::Unexpected(e)),
            Ok(_) => {}
        }
        sign_in::record_failure(&state, &username, &address, now).await?;
        tracing::warn!(address = %address.0, "sign-in refused: unknown user");
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "用户名或密码不对。",
            "Wrong username or password.",
        ));
    };
    let right = match verify_password(&state, form.password.clone(), hash).await {
        Err(HashingError::Busy) => return Ok(busy(refuse(StatusCode::TOO_MANY_REQUESTS, BUSY_ZH, BUSY_EN))),
        Err(HashingError::Unexpected(e)) => return Err(ConsoleError::Unexpected(e)),
        Ok(right) => right,
    };
    if right && must_change == 1 && password_expires_at.is_some_and(|t| t <= now) {
        tracing::info!(user = %username, "sign-in refused: the one-time password has expired");
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "一次性密码已过期（有效期 24 小时）。在服务器上运行 fastreg console reset-password 获取新的一次性密码。",
            "The one-time password has expired (it works for 24 hours). Run `fastreg console reset-password` on the server for a new one.",
        ));
    }
    if !right {
        sign_in::record_failure(&state, &username, &address, now).await?;
        operators::count_failed_login(&state.db, &user_id, now).await?;
        audit(
            &state,
            &format!("console:{username}"),
            "console.sign_in_failed",
            &format!("console_user:{username}"),
            "",
        )
        .await;
        tracing::warn!(user = %username, "sign-in refused: wrong password");
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "用户名或密码不对。",
            "Wrong username or password.",
        ));
    }
    sign_in::clear(&state, &username, &address).await?;
    let token = random_token();
    let mut tx = state.db.begin().await?;
    operators::reset_failed_logins(&mut tx, &user_id, now).await?;
    operators::purge_expired_sessions(&mut tx, now).await?;
    operators::insert_session(
        &mut tx,
        &token_hash(&token),
        &user_id,
        &random_token(),
        now,
        now + SESSION_TTL_MS,
    )
    .await?;
    tx.commit().await?;
    audit(
        &state,
        &format!("console:{username}"),
        "console.sign_in",
        &format!("console_user:{username}"),
        "",
    )
    .await;
    let target = if must_change == 1 {
        "/console/password"
    } else {
        next.as_str()
    };
    let mut response = Redirect::to(target).into_response();
    set_cookie(
        &mut response,
        format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
            SESSION_TTL_MS / 1000,
            secure(&state)
        ),
    );
    set_cookie(
        &mut response,
        format!("{LOGIN_CSRF_COOKIE}=; Path=/console/login; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(response)
}

/// A form that carries nothing but its CSRF token (buttons: retry, abandon, sign out, …).
#[derive(Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    pub(super) csrf: String,
}

/// `POST /console/logout`.
pub(super) async fn logout(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    operators::delete_session(&state.db, &session.token_hash).await?;
    audit(
        &state,
        &super::actor(&session),
        "console.sign_out",
        &format!("console_user:{}", session.username),
        "",
    )
    .await;
    let mut response = Redirect::to("/console/login").into_response();
    set_cookie(
        &mut response,
        format!(
            "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
            secure(&state)
        ),
    );
    Ok(response)
}

fn password_form(lang: Lang, session: &Session, message: Option<(&str, &str)>) -> Markup {
    view::bare(
        lang,
        lang.t("设置新密码", "Choose a new password"),
        html! {
            @if session.must_change_password {
                p.flash.ok { (lang.t("你用的是一次性密码。请设置自己的密码后继续。",
                    "You signed in with the one-time password. Choose your own password to go on.")) }
            }
            @if let Some((zh, en)) = message { p.flash.warn role="alert" { (lang.t(zh, en)) } }
            form.card.stack method="post" action="/console/password" {
                input type="hidden" name="csrf" value=(session.csrf);
                label { (lang.t("当前密码", "Current password"))
                    input type="password" name="current" autocomplete="current-password" required; }
                label { (lang.t("新密码（至少 10 个字符）", "New password (at least 10 characters)"))
                    input type="password" name="new" autocomplete="new-password" minlength="10" required; }
                label { (lang.t("再输一次新密码", "New password again"))
                    input type="password" name="again" autocomplete="new-password" minlength="10" required; }
                button.primary type="submit" { (lang.t("保存", "Save")) }
            }
        },
    )
}

/// `GET /console/password`.
pub(super) async fn password_page(lang: Lang, session: Session) -> Markup {
    password_form(lang, &session, None)
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    again: String,
}

/// `POST /console/password`.
pub(super) async fn change_password(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    Form(form): Form<PasswordForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    let refuse = |zh, en| Ok((StatusCode::BAD_REQUEST, password_form(lang, &session, Some((zh, en)))).into_response());
    let hash = operators::password_hash(&state.db, &session.user_id).await?;
    if !verify_password(&state, form.current.clone(), hash).await? {
        return refuse("当前密码不对。", "The current password is wrong.");
    }
    if form.new.chars().count() < MIN_PASSWORD_CHARS {
        return refuse(
            "新密码至少要 10 个字符。",
            "The new password must have at least 10 characters.",
        );
    }
    if form.new != form.again {
        return refuse("两次输入的新密码不一样。", "The two new passwords differ.");
    }
    if form.new == form.current {
        return refuse(
            "新密码不能和当前密码一样。",
            "The new password must differ from the current one.",
        );
    }
    let hash = hash_password(&state, form.new.clone()).await?;
    let mut tx = state.db.begin().await?;
    operators::set_password(&mut tx, &session.user_id, &hash, now_ms()).await?;
    // Other browsers signed in with the old password are signed out.
    operators::delete_other_sessions(&mut tx, &session.user_id, &session.token_hash).await?;
    tx.commit().await?;
    audit(
        &state,
        &super::actor(&session),
        "console.password_changed",
        &format!("console_user:{}", session.username),
        "",
    )
    .await;
    Ok(Redirect::to("/console/accounts?done=password").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_inside_the_console() {
        assert_eq!(safe_next(Some("/console/jobs?x=1")), "/console/jobs?x=1");
        assert_eq!(safe_next(Some("https://evil.example/")), "/console/");
        assert_eq!(safe_next(Some("//evil.example/console")), "/console/");
        assert_eq!(safe_next(None), "/console/");
        assert_eq!(safe_next(Some("/console\r\nSet-Cookie: x=1")), "/console/");
    }

    #[test]
    fn generated_passwords_are_long_and_unambiguous() {
        let p = generate_password();
        assert_eq!(p.len(), 20);
        assert!(!p.contains(['0', 'O', 'o', '1', 'l', 'I', 'i']));
        assert_ne!(p, generate_password());
    }
}
