//! Official Accounts: the list, authorizing one (componentloginpage), an account's page with the
//! fast-registration button, and the result pages of an authorization and of a registration.
//!
//! The fast-registration button applies the spec's rules before sending the admin to WeChat:
//! `copy_wx_verify` is explained and forced to 1 for government, media and other-organization
//! accounts (61056); an individual's or an unverified account, a missing fast-register
//! permission set, a registration under way and the month's five registrations are shown with
//! the catalog's words for the code WeChat would answer.

use super::auth::CsrfForm;
use super::auth::Session;
use super::error::{ConsoleError, explained_code};
use super::i18n::{Lang, explain};
use super::view::{self, Cx, Section, badge, when};
use crate::authorization::Authorization;
use crate::failure::Failure;
use crate::listing;
use crate::registration::{self, Registration};
use crate::startup::AppState;
use crate::store::{history, now_ms};
use crate::{execute, fetch_all, fetch_optional};
use anyhow::Context;
use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use fastreg_protocol::AppId;
use fastreg_protocol::permission::PermissionSet;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

/// Fast registrations an Official Account may make per calendar month (spec rule 4).
const MONTHLY_LIMIT: i64 = 5;
/// Accounts per page of the list.
const PAGE_SIZE: i64 = 50;
/// How long the account list trusts a stored profile before refreshing it in the background.
const PROFILE_MAX_AGE_MS: i64 = 6 * 3600 * 1000;

/// Refreshes, after the list was sent, the profiles of the listed accounts that have none or a
/// stale one — one call after another, each account at most once at a time and once per
/// [`PROFILE_MAX_AGE_MS`] — so the next view shows them without the list waiting for WeChat.
fn refresh_profiles_later(state: &AppState, appids: Vec<String>) {
    static REFRESHING: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let appids: Vec<String> = {
        let mut busy = REFRESHING.lock().unwrap_or_else(|e| e.into_inner());
        let fresh: Vec<String> = appids.into_iter().filter(|a| !busy.contains(a)).collect();
        busy.extend(fresh.iter().cloned());
        fresh
    };
    if appids.is_empty() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        for appid in &appids {
            if let Err(e) = profile(&state, appid, PROFILE_MAX_AGE_MS).await {
                tracing::warn!(%appid, error = %format!("{e:#}"), "cannot refresh an account profile");
            }
        }
        REFRESHING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|a| !appids.contains(a));
    });
}

#[derive(Clone, Debug, sqlx::FromRow)]
struct AccountRow {
    appid: String,
    status: String,
    nick_name: Option<String>,
    principal_name: Option<String>,
    verify_type: Option<i64>,
    func_info: String,
}

impl AccountRow {
    fn sets(&self) -> Vec<PermissionSet> {
        serde_json::from_str::<Vec<u32>>(&self.func_info)
            .unwrap_or_default()
            .into_iter()
            .filter_map(PermissionSet::from_funcscope_id)
            .collect()
    }

    fn name(&self) -> &str {
        self.nick_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.appid)
    }
}

const ACCOUNT_COLUMNS: &str = "appid, status, nick_name, principal_name, verify_type, func_info";

/// What getaccountbasicinfo said of an account.
#[derive(Clone, Debug, sqlx::FromRow)]
struct Profile {
    principal_type: i64,
    realname_status: i64,
    verified: i64,
    verify_expires_at: Option<i64>,
    fetched_at: i64,
}

impl Profile {
    /// Government (3), media (2) and other organizations (4) must reuse the verification (61056).
    fn must_copy_verify(&self) -> bool {
        matches!(self.principal_type, 2..=4)
    }
}

/// The subject type's words.
fn principal_type(lang: Lang, t: i64) -> &'static str {
    match t {
        0 => lang.t("个人", "Individual"),
        1 => lang.t("企业", "Enterprise"),
        2 => lang.t("媒体", "Media"),
        3 => lang.t("政府", "Government"),
        4 => lang.t("其他组织", "Other organization"),
        _ => lang.t("未知", "Unknown"),
    }
}

/// The stored profile of `appid`, asking WeChat when it is missing or older than `max_age_ms`;
/// a stale one is kept when WeChat does not answer.
async fn profile(state: &AppState, appid: &str, max_age_ms: i64) -> anyhow::Result<Result<Profile, Failure>> {
    let stored: Option<Profile> = fetch_optional!(
        &state.db,
        Profile,
        "SELECT principal_type, realname_status, verified, verify_expires_at, fetched_at FROM console_account_profiles WHERE appid = $1",
        appid
    )
    .context("cannot read an account profile")?;
    let now = now_ms();
    if let Some(p) = &stored
        && now - p.fetched_at < max_age_ms
    {
        return Ok(Ok(p.clone()));
    }
    let Ok(id) = AppId::parse(appid.to_owned()) else {
        return Ok(Err(Failure::new(
            "internal",
            format!("{appid} is not an appid"),
            "See the service's logs.",
        )));
    };
    match state.client.account_basic_info(&id).await {
        Ok(info) => {
            let verify = info.wx_verify_info.unwrap_or_default();
            let p = Profile {
                principal_type: i64::try_from(info.principal_type).unwrap_or(-1),
                realname_status: i64::try_from(info.realname_status).unwrap_or(0),
                verified: i64::from(verify.qualification_verify.0),
                verify_expires_at: verify.annual_review_end_time.and_then(|t| i64::try_from(t).ok()),
                fetched_at: now,
            };
            execute!(
                &state.db,
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
            Ok(Ok(p))
        }
        Err(e) => match stored {
            Some(p) => {
                tracing::warn!(%appid, error = %e, "cannot refresh an account profile; showing the stored one");
                Ok(Ok(p))
            }
            None => Ok(Err(Failure::from_client(&e))),
        },
    }
}

/// Successful fast registrations per account this calendar month (spec rule 4 counts only
/// successes), as this platform made them.
async fn used_this_month(state: &AppState) -> anyhow::Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = fetch_all!(
        &state.db,
        (String, i64),
        "SELECT oa_appid, COUNT(*) FROM registrations
         WHERE state = 'registered' AND COALESCE(submitted_at, created_at) >= $1 GROUP BY oa_appid",
        view::month_start_ms()
    )
    .context("cannot count this month's registrations")?;
    Ok(rows.into_iter().collect())
}

/// Accounts WeChat refused with 61055 this month (China's calendar), with when: WeChat counts
/// every platform's registrations, so its answer outranks our own count until the month ends.
/// Only those refusals are read (a handful a month), whatever the number of accounts.
async fn refused_full_this_month(state: &AppState) -> anyhow::Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = fetch_all!(
        &state.db,
        (String, i64),
        "SELECT oa_appid, MAX(updated_at) FROM registrations
         WHERE state = 'failed' AND updated_at >= $1 AND failure LIKE $2 GROUP BY oa_appid",
        view::month_start_ms(),
        "%\"code\":\"61055\"%"
    )
    .context("cannot read this month's 61055 answers")?;
    Ok(rows.into_iter().collect())
}

/// The month's count: ours, or full with WeChat's reason once it answered 61055.
fn month_count(lang: Lang, used: i64, refused_at: Option<i64>) -> Markup {
    html! {
        @match refused_at {
            Some(at) => {
                dd.used.full { (MONTHLY_LIMIT) " / " (MONTHLY_LIMIT) }
                dd.month-full { (lang.t("微信在 ", "WeChat answered 61055 on ")) (when(at))
                    (lang.t(" 答复 61055：本月的快速注册次数已用完（包括其他平台发起的）。", ": this month's fast registrations are used up (other platforms' count too)."))
                    " " (lang.t("可在 ", "Free again from ")) (when(view::next_month_start_ms())) (lang.t(" 起重新注册（北京时间）。", " (Beijing time)."))
                }
            }
            None => { dd.used class=[(used >= MONTHLY_LIMIT).then_some("full")] { (used) " / " (MONTHLY_LIMIT) } }
        }
    }
}

fn sets_chips(lang: Lang, sets: &[PermissionSet]) -> Markup {
    html! {
        ul.chips {
            @for s in sets {
                li class=[(*s == PermissionSet::FastRegister).then_some("key")] title=(s.as_str()) {
                    (lang.t(s.chinese_name(), s.english_name()))
                }
            }
        }
    }
}

fn verification(lang: Lang, row: &AccountRow, p: Option<&Profile>) -> Markup {
    let verified = match p {
        Some(p) => p.verified == 1,
        None => row.verify_type.is_some_and(|v| v >= 0),
    };
    html! {
        @if verified {
            span.badge.ok { (lang.t("已认证", "Verified")) }
            @if let Some(until) = p.and_then(|p| p.verify_expires_at) {
                " " span.muted { (lang.t("有效期至 ", "until ")) (view::date(until)) }
            }
        } @else {
            span.badge.err { (lang.t("未认证", "Not verified")) }
        }
    }
}

fn done_flash(lang: Lang, done: Option<&str>) -> Markup {
    html! {
        @match done {
            Some("password") => (view::flash(lang.t("新密码已保存。", "Your new password is saved."))),
            _ => {}
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    done: Option<String>,
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    cursor: Option<String>,
}

/// The statuses the account list filters by.
const ACCOUNT_STATUSES: &[&str] = &["authorized", "unauthorized", "refresh_rejected"];

/// `GET /console/accounts`: a page of accounts (searched, filtered), from the database only —
/// a stored profile is shown as stored and a missing or stale one is read in the background
/// for the next view; the account's own page reads WeChat afresh.
pub(super) async fn list(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Query(q): Query<ListQuery>,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::Accounts);
    let filter = listing::Filter {
        q: q.q.clone(),
        status: q.status.clone(),
        cursor: q.cursor.clone(),
        limit: PAGE_SIZE,
    };
    let page = match listing::accounts(&state, &filter).await {
        Ok(p) => p,
        Err(listing::ListError::BadCursor) => {
            return Err(ConsoleError::invalid(
                "这个分页链接无效，请从第一页开始。",
                "This page link is not valid; start from the first page.",
                "/console/accounts".to_owned(),
            ));
        }
        Err(listing::ListError::Unexpected(e)) => return Err(ConsoleError::Unexpected(e)),
    };
    let now = now_ms();
    refresh_profiles_later(
        &state,
        page.items
            .iter()
            .filter(|a| a.status == "authorized" && a.profile_fetched_at.is_none_or(|t| now - t >= PROFILE_MAX_AGE_MS))
            .map(|a| a.appid.clone())
            .collect(),
    );
    let used = used_this_month(&state).await?;
    let full = refused_full_this_month(&state).await?;
    let mut profiles: HashMap<String, Profile> = HashMap::new();
    let accounts: Vec<AccountRow> = page
        .items
        .iter()
        .map(|a| {
            if let (Some(principal_type), Some(verified)) = (a.principal_type, a.verified) {
                profiles.insert(
                    a.appid.clone(),
                    Profile {
                        principal_type,
                        realname_status: 0,
                        verified,
                        verify_expires_at: a.verify_expires_at,
                        fetched_at: 0,
                    },
                );
            }
            AccountRow {
                appid: a.appid.clone(),
                status: a.status.clone(),
                nick_name: a.nick_name.clone(),
                principal_name: a.principal_name.clone(),
                verify_type: a.verify_type,
                func_info: a.func_info.clone(),
            }
        })
        .collect();
    let recent: Vec<Authorization> = fetch_all!(
        &state.db,
        Authorization,
        "SELECT id, state, auth_url, authorizer_appid, failure, created_by, created_at, updated_at
         FROM authorizations ORDER BY created_at DESC LIMIT 5"
    )
    .context("cannot list authorizations")?;
    let body = html! {
        (done_flash(lang, q.done.as_deref()))
        section.card {
            h2 { (cx.t("授权公众号", "Authorize an account")) }
            p { (cx.t(
                "公众号管理员在微信的授权页上扫码，把本平台需要的权限集（其中“快速注册小程序权限”是互斥的，只能授权给一个第三方平台）授权给本平台。",
                "The account's admin scans WeChat's authorization page and grants this platform its permission sets (the fast-registration set is exclusive: an account grants it to one platform only)."
            )) }
            form method="post" action="/console/authorizations" {
                (cx.csrf_field())
                button.primary type="submit" { (cx.t("授权一个公众号", "Authorize an account")) }
            }
        }
        (view::list_search(&cx, "/console/accounts", &q.q, &q.status, &ACCOUNT_STATUSES.iter().map(|s| (*s, view::state_label(lang, s).0.into_owned())).collect::<Vec<_>>()))
        @if accounts.is_empty() {
            @if q.q.is_empty() && q.status.is_empty() && q.cursor.is_none() {
                p.empty { (cx.t("还没有公众号授权给本平台。", "No Official Account has authorized this platform yet.")) }
            } @else {
                p.empty { (cx.t("没有符合条件的公众号。", "No Official Account matches.")) }
            }
        }
        ul.cards id="accounts" {
            @for a in &accounts {
                @let p = profiles.get(&a.appid);
                @let n = used.get(&a.appid).copied().unwrap_or(0);
                li.card data-appid=(a.appid) {
                    h3 { a href={ "/console/accounts/" (a.appid) } { (a.name()) } " " (badge(lang, &a.status)) }
                    dl.facts {
                        dt { "AppID" } dd { code { (a.appid) } }
                        dt { (cx.t("主体", "Subject")) }
                        dd {
                            (a.principal_name.as_deref().unwrap_or("—"))
                            @if let Some(p) = p { " · " span.subject-type { (principal_type(lang, p.principal_type)) } }
                        }
                        dt { (cx.t("微信认证", "Verification")) } dd { (verification(lang, a, p)) }
                        dt { (cx.t("权限集", "Permission sets")) } dd { (sets_chips(lang, &a.sets())) }
                        dt { (cx.t("本月快速注册", "Registered this month")) }
                        (month_count(lang, n, full.get(&a.appid).copied()))
                    }
                    p { a.button.secondary href={ "/console/accounts/" (a.appid) "#register" } { (cx.t("快速注册小程序", "Register a Mini Program")) } }
                }
            }
        }
        (view::pager(&cx, "/console/accounts", &q.q, &q.status, q.cursor.is_some(), page.next.as_deref()))
        @if !recent.is_empty() {
            section.card {
                h2 { (cx.t("最近的授权", "Recent authorizations")) }
                ul.rows {
                    @for r in &recent {
                        li { a href={ "/console/authorizations/" (r.id) } { (when(r.created_at)) } " " (badge(lang, &r.state))
                            @if let Some(appid) = &r.authorizer_appid { " " code { (appid) } } }
                    }
                }
            }
        }
    };
    Ok(view::page(&cx, cx.t("公众号", "Official Accounts"), body))
}

/// `POST /console/authorizations`: api_create_preauthcode, then WeChat's authorization page.
pub(super) async fn start_authorization(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    let a = crate::authorization::start(&state, None, &super::actor(&session))
        .await
        .map_err(|e| match e.downcast_ref::<fastreg_client::Error>() {
            Some(c) => ConsoleError::wechat(c, "/console/accounts"),
            None => ConsoleError::Unexpected(e),
        })?;
    Ok(Redirect::to(&a.auth_url).into_response())
}

#[derive(Deserialize)]
pub(super) struct Back {
    pub(super) back: Option<String>,
    #[serde(default)]
    pub(super) done: Option<String>,
}

fn back_from_wechat(lang: Lang, back: Option<&str>) -> Markup {
    html! {
        @if back == Some("wechat") {
            (view::flash(lang.t("已从微信页面返回。", "Back from WeChat's page.")))
        }
    }
}

/// `GET /console/authorizations/{id}`: where the operator lands after the admin authorized.
pub(super) async fn authorization(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<Back>,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::Accounts);
    let a = crate::authorization::get(&state, &id)
        .await?
        .ok_or_else(|| ConsoleError::not_found("没有这个授权", "No such authorization"))?;
    let h = history(&state.db, &format!("authorization:{id}")).await?;
    let failure = a
        .failure
        .as_deref()
        .and_then(|f| serde_json::from_str::<Failure>(f).ok());
    let expired = view::link_expired(&state, &a.state, a.created_at);
    let body = html! {
        (back_from_wechat(lang, q.back.as_deref()))
        section.card data-live id="authorization-status" data-pending[!view::is_final(&a.state) && !expired] {
            p.status { (cx.t("状态：", "State: ")) (badge(lang, &a.state)) " " (view::refresh(lang, &format!("/console/authorizations/{id}"))) }
            @match a.state.as_str() {
                "awaiting_admin" if expired => { (expired_note(lang)) }
                "awaiting_admin" => {
                    p { (cx.t("等待公众号管理员在微信授权页上扫码确认。", "Waiting for the account's admin to scan and confirm on WeChat's authorization page.")) }
                    p { a.button.secondary href=(a.auth_url) { (cx.t("再次打开微信授权页", "Open WeChat's page again")) } }
                }
                "code_received" => {
                    p { (cx.t("微信已返回授权码，正在换取令牌并读取帐号信息……", "WeChat sent the authorization code; exchanging it and reading the account…")) }
                }
                "authorized" => {
                    @if let Some(appid) = &a.authorizer_appid {
                        p.flash.ok { (cx.t("授权成功：", "Authorized: ")) code { (appid) } }
                        p { a.button.primary href={ "/console/accounts/" (appid) } { (cx.t("打开这个公众号", "Open this account")) } }
                    }
                }
                _ => {}
            }
            @if let Some(f) = &failure { (view::explained(lang, &explain(f))) }
        }
        (view::history(lang, &h))
        p { a href="/console/accounts" { "← " (cx.t("公众号列表", "All accounts")) } }
    };
    Ok(view::page(&cx, cx.t("授权结果", "Authorization"), body))
}

/// `GET /console/accounts/{appid}`.
pub(super) async fn account(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(appid): Path<String>,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::Accounts);
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM authorizers WHERE appid = $1 AND kind = 'official_account'");
    let a: AccountRow = fetch_optional!(&state.db, AccountRow, sql.as_str(), &appid)
        .context("cannot read an account")?
        .ok_or_else(|| ConsoleError::not_found("没有这个公众号", "No such Official Account"))?;
    // The page the operator registers from reads the account afresh.
    let p = if a.status == "authorized" {
        Some(profile(&state, &appid, 60_000).await?)
    } else {
        None
    };
    let profile_ok = p.as_ref().and_then(|p| p.as_ref().ok());
    let n = used_this_month(&state).await?.get(&appid).copied().unwrap_or(0);
    let refused_at = refused_full_this_month(&state).await?.get(&appid).copied();
    let regs = registration::list(&state, Some(&appid), 20).await?;
    let under_way = regs
        .iter()
        .find(|r| !view::is_final(&r.state) && !view::link_expired(&state, &r.state, r.created_at));
    let sets = a.sets();
    let body = html! {
        section.card {
            h2 { (a.name()) }
            dl.facts {
                dt { "AppID" } dd { code { (a.appid) } }
                dt { (cx.t("授权状态", "Authorization")) } dd { (badge(lang, &a.status)) }
                dt { (cx.t("主体", "Subject")) }
                dd { (a.principal_name.as_deref().unwrap_or("—"))
                    @if let Some(p) = profile_ok { " · " span.subject-type { (principal_type(lang, p.principal_type)) } } }
                dt { (cx.t("微信认证", "Verification")) } dd { (verification(lang, &a, profile_ok)) }
                dt { (cx.t("本月快速注册", "Registered this month")) } (month_count(lang, n, refused_at))
            }
            h3 { (cx.t("已授权的权限集", "Permission sets granted")) }
            ul.checklist {
                @for s in PermissionSet::ALL {
                    @let has = sets.contains(&s);
                    li class=(if has { "yes" } else { "no" }) {
                        (if has { "✓ " } else { "✗ " }) (lang.t(s.chinese_name(), s.english_name()))
                    }
                }
            }
            @if let Some(Err(f)) = &p { (view::explained(lang, &explain(f))) }
        }
        (register_card(&cx, &a, profile_ok, if refused_at.is_some() { MONTHLY_LIMIT } else { n }, under_way))
        section.card {
            h2 { (cx.t("注册记录", "Registrations")) }
            @if regs.is_empty() { p.empty { (cx.t("还没有。", "None yet.")) } }
            ul.rows {
                @for r in &regs {
                    li {
                        a href={ "/console/registrations/" (r.id) } { (when(r.created_at)) } " " (badge(lang, &r.state))
                        @if let Some(mp) = &r.mini_program_appid { " " a href={ "/console/mini-programs/" (mp) } { code { (mp) } } }
                        @if let Some(f) = r.failure() { " " span.muted { (f.code) } }
                    }
                }
            }
        }
    };
    Ok(view::page(&cx, a.name(), body))
}

/// The fast-registration card: what copy_wx_verify means, the subject-type rule, and what
/// WeChat would refuse.
fn register_card(cx: &Cx, a: &AccountRow, p: Option<&Profile>, used: i64, under_way: Option<&Registration>) -> Markup {
    let lang = cx.lang;
    let forced = p.is_some_and(Profile::must_copy_verify);
    let mut warnings: Vec<i64> = Vec::new();
    if let Some(p) = p {
        if p.principal_type == 0 {
            warnings.push(61051);
        }
        if p.verified != 1 {
            warnings.push(61052);
        }
    }
    if used >= MONTHLY_LIMIT {
        warnings.push(61055);
    }
    let granted = a.sets().contains(&PermissionSet::FastRegister);
    html! {
        section.card id="register" {
            h2 { (cx.t("复用本公众号主体快速注册小程序", "Fast-register a Mini Program with this account's entity")) }
            p { (cx.t(
                "点击后会打开微信的确认页，公众号管理员用手机微信扫码确认；确认后微信把你带回这里，服务会调用 fastregister 完成注册并把新小程序授权给本平台。",
                "The button opens WeChat's confirmation page; the account's admin scans it with WeChat and confirms. WeChat then sends you back here, and the service calls fastregister, which creates the Mini Program and authorizes it to this platform."
            )) }
            div.explain {
                h3 { (cx.t("复用公众号的微信认证（copy_wx_verify）", "Reuse the account's WeChat verification (copy_wx_verify)")) }
                p { (cx.t(
                    "选择复用时，新小程序注册完成即为“已认证”，认证到期时间与公众号一致；不复用时，新小程序注册后是未认证状态，需要另行完成微信认证。",
                    "When reused, the new Mini Program is verified as soon as it is registered, and its verification expires with the account's; otherwise it starts unverified and must be verified on its own."
                )) }
                @if forced {
                    p.rule { (cx.t(
                        "本公众号的主体是政府、媒体或其他组织：按微信规则必须复用认证（否则微信返回 61056），所以这里固定为复用。",
                        "This account's subject is a government, media or other organization: WeChat requires reusing the verification for these (it answers 61056 otherwise), so it is fixed to reuse here."
                    )) }
                }
            }
            @if let Some(r) = under_way {
                div.flash.warn {
                    p { (cx.t("这个公众号已有一个注册在进行中，微信不允许同时发起第二个（61057）：", "A registration of this account is under way; WeChat does not allow a second one at the same time (61057): "))
                        a href={ "/console/registrations/" (r.id) } { (cx.t("查看", "open it")) } }
                }
            }
            @if !granted && a.status == "authorized" {
                div.flash.warn { p { (cx.t(
                    "这个公众号没有把“快速注册小程序权限”授权给本平台，微信会拒绝注册。请让管理员重新授权并勾选该权限集。",
                    "This account has not granted this platform the fast-registration permission set, so WeChat will refuse. Have its admin authorize again with that set ticked."
                )) } }
            }
            @for code in &warnings {
                div.warning-code {
                    p { (cx.t("微信很可能会拒绝：", "WeChat will likely refuse:")) }
                    (view::explained(lang, &explained_code(*code)))
                }
            }
            form.stack method="post" action={ "/console/accounts/" (a.appid) "/registrations" } {
                (cx.csrf_field())
                label.check {
                    @if forced {
                        input type="checkbox" checked disabled;
                        input type="hidden" name="copy_wx_verify" value="1";
                    } @else {
                        input type="checkbox" name="copy_wx_verify" value="1" checked;
                    }
                    " " (cx.t("复用公众号的微信认证（copy_wx_verify=1）", "Reuse the account's WeChat verification (copy_wx_verify=1)"))
                }
                button.primary type="submit" disabled[a.status != "authorized"] { (cx.t("去微信确认并注册", "Confirm on WeChat and register")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub(super) struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    copy_wx_verify: Option<String>,
}

/// `POST /console/accounts/{appid}/registrations`: starts a registration and sends the browser
/// to WeChat's fastregisterauth page.
pub(super) async fn start_registration(
    State(state): State<AppState>,
    session: Session,
    Path(appid): Path<String>,
    Form(form): Form<RegisterForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    let back = format!("/console/accounts/{appid}");
    let oa = AppId::parse(appid.clone())
        .map_err(|_| ConsoleError::not_found("没有这个公众号", "No such Official Account"))?;
    let copy = form.copy_wx_verify.as_deref() == Some("1");
    use registration::StartError as S;
    match registration::start(&state, &oa, Some(copy), None, &super::actor(&session)).await {
        Ok(r) => Ok(Redirect::to(&r.auth_url).into_response()),
        Err(S::NotAuthorized(_)) => Err(ConsoleError::invalid(
            "这个公众号还没有授权给本平台（或已取消授权）。请先授权。",
            "This account has not authorized this platform (or withdrew). Authorize it first.",
            back,
        )),
        Err(S::InProgress { id, .. }) => Err(ConsoleError::invalid(
            "这个公众号已有一个注册在进行中；微信不允许同时发起第二个（61057）。请等它完成。",
            "A registration of this account is still under way; WeChat does not allow a second one at the same time (61057). Wait for it to finish.",
            format!("/console/registrations/{id}"),
        )),
        Err(S::PermissionMissing(_)) => Err(ConsoleError::invalid(
            "这个公众号没有把“快速注册小程序权限”授权给本平台，微信会拒绝注册（48001）。请让管理员重新授权并勾选该权限集。",
            "This account has not granted this platform the fast-registration permission set, so WeChat would refuse (48001). Have its admin authorize again with that set ticked.",
            back,
        )),
        Err(S::MonthlyLimit { used, .. }) => Err(ConsoleError::invalid(
            format!(
                "这个公众号本月已成功快速注册 {used} 个小程序，达到微信每月 5 个的上限（61055）。请下个月（北京时间）再注册。"
            ),
            format!(
                "This account has made {used} successful fast registrations this month, WeChat's limit of 5 (61055). Register again next month (China time)."
            ),
            back,
        )),
        Err(S::Invalid(m)) => Err(ConsoleError::invalid(
            format!("无法发起注册：{m}"),
            format!("Cannot start the registration: {m}"),
            back,
        )),
        Err(S::Unexpected(e)) => Err(ConsoleError::Unexpected(e)),
    }
}

/// `GET /console/registrations/{id}`: the result of a fast registration.
pub(super) async fn registration(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<Back>,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::Accounts);
    let r = registration::get(&state, &id)
        .await?
        .ok_or_else(|| ConsoleError::not_found("没有这个注册", "No such registration"))?;
    let h = history(&state.db, &format!("registration:{id}")).await?;
    let expired = view::link_expired(&state, &r.state, r.created_at);
    let declined = r.note.as_deref() == Some(registration::DECLINED_NOTE);
    let body = html! {
        (back_from_wechat(lang, q.back.as_deref()))
        @if q.done.as_deref() == Some("abandoned") {
            (view::flash(cx.t("已放弃这个注册；这个公众号可以重新发起注册。", "The registration is abandoned; the account may start a new one.")))
        }
        section.card data-live id="registration-status" data-pending[!view::is_final(&r.state) && !expired] {
            p.status { (cx.t("状态：", "State: ")) (badge(lang, &r.state)) " " (view::refresh(lang, &format!("/console/registrations/{id}"))) }
            dl.facts {
                dt { (cx.t("公众号", "Official Account")) } dd { a href={ "/console/accounts/" (r.oa_appid) } { code { (r.oa_appid) } } }
                dt { (cx.t("复用认证", "Reuse verification")) } dd { (if r.copy_wx_verify == 1 { cx.t("是（copy_wx_verify=1）", "yes (copy_wx_verify=1)") } else { cx.t("否（copy_wx_verify=0）", "no (copy_wx_verify=0)") }) }
                dt { (cx.t("发起", "Started")) } dd { (when(r.created_at)) " · " (r.created_by) }
            }
            @match r.state.as_str() {
                "awaiting_admin" if expired => { (expired_note(lang)) }
                "awaiting_admin" => {
                    p { (cx.t("等待公众号管理员在微信页面上扫码确认。确认后微信会带你回到这里。",
                        "Waiting for the account's admin to scan and confirm on WeChat's page. WeChat brings you back here afterwards.")) }
                    p { a.button.secondary href=(r.auth_url) { (cx.t("打开微信确认页", "Open WeChat's confirmation page")) } }
                }
                "registered" => {
                    @if let Some(mp) = &r.mini_program_appid {
                        div.result.ok {
                            p.big { (cx.t("新小程序已注册：", "The new Mini Program is registered: ")) code.appid { (mp) } }
                            dl.facts {
                                dt { (cx.t("复用认证成功", "Verification reused")) } dd { (yes_no(lang, r.is_wx_verify_succ)) }
                                dt { (cx.t("与公众号关联成功", "Linked to the account")) } dd { (yes_no(lang, r.is_link_succ)) }
                            }
                            p { a.button.primary href={ "/console/mini-programs/" (mp) } { (cx.t("设置这个小程序", "Set up this Mini Program")) } }
                        }
                    }
                }
                "failed" => {
                    @if let Some(f) = r.failure() {
                        p { (cx.t("注册没有成功。", "The registration did not succeed.")) }
                        (view::explained(lang, &explain(&f)))
                    }
                    p { a.button.secondary href={ "/console/accounts/" (r.oa_appid) "#register" } { (cx.t("回到公众号重新发起", "Back to the account to start again")) } }
                }
                "abandoned" if declined => {
                    div.flash.warn id="declined" {
                        p { (cx.t(
                            "公众号管理员在微信页面上拒绝了（或关闭了）这次快速注册，没有注册任何小程序。",
                            "The account's admin declined (or closed) WeChat's confirmation page, so no Mini Program was registered."
                        )) }
                        p { (cx.t(
                            "如果是误操作，可以重新发起：管理员需要再次在微信页面上确认。",
                            "If that was a mistake, start again: the admin confirms on WeChat's page once more."
                        )) }
                    }
                    (start_again(&cx, &r))
                }
                "abandoned" => {
                    p { (cx.t("这个注册已被放弃，没有向微信提交 fastregister。", "This registration was abandoned; fastregister was never sent to WeChat.")) }
                    (start_again(&cx, &r))
                }
                _ => {
                    p { (cx.t("管理员已确认，服务正在向微信注册小程序……", "The admin confirmed; the service is registering the Mini Program with WeChat…")) }
                }
            }
            @if let Some(note) = r.note.as_deref().filter(|n| *n != registration::DECLINED_NOTE) { p.note { (note) } }
            // Inside the live region, so it goes away as soon as the state moves on.
            @if r.may_abandon() { (abandon_card(&cx, &r)) }
        }
        (view::history(lang, &h))
    };
    Ok(view::page(&cx, cx.t("快速注册结果", "Fast registration"), body))
}

/// Starting a new registration of the same account, with the same choice of verification:
/// straight on to WeChat's confirmation page.
fn start_again(cx: &Cx, r: &Registration) -> Markup {
    html! {
        form.stack method="post" action={ "/console/accounts/" (r.oa_appid) "/registrations" } {
            (cx.csrf_field())
            @if r.copy_wx_verify == 1 { input type="hidden" name="copy_wx_verify" value="1"; }
            button.primary type="submit" id="start-again" { (cx.t("重新发起注册", "Start again")) }
        }
    }
}

/// Giving up a registration that has not reached fastregister, which frees its account.
fn abandon_card(cx: &Cx, r: &Registration) -> Markup {
    html! {
        div.abandon id="abandon" {
            h2 { (cx.t("放弃这个注册", "Abandon this registration")) }
            p.hint { (cx.t(
                "还没有向微信提交 fastregister，所以不会留下小程序。放弃后这个公众号可以重新发起注册（管理员需要重新扫码确认）。",
                "fastregister has not been sent to WeChat, so no Mini Program is left behind. Once abandoned, the account is free to start a new registration (its admin confirms again)."
            )) }
            form method="post" action={ "/console/registrations/" (r.id) "/abandon" } {
                (cx.csrf_field())
                button.secondary type="submit" { (cx.t("放弃注册", "Abandon")) }
            }
        }
    }
}

/// `POST /console/registrations/{id}/abandon`: gives up a registration that has not reached
/// fastregister ([`registration::abandon`], as `POST /api/v1/registrations/{id}/abandon`).
pub(super) async fn abandon_registration(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    let page = format!("/console/registrations/{id}");
    use registration::AbandonError as E;
    match registration::abandon(&state, &id, &super::actor(&session)).await {
        Ok(_) => Ok(Redirect::to(&format!("{page}?done=abandoned")).into_response()),
        Err(E::NotFound) => Err(ConsoleError::not_found("没有这个注册", "No such registration")),
        Err(E::Finished { .. }) => Err(ConsoleError::invalid(
            "这个注册已经结束，无需放弃。",
            "This registration is over already; there is nothing to abandon.",
            page,
        )),
        Err(E::MayHaveBeenSent { .. }) => Err(ConsoleError::invalid(
            "fastregister 可能已经提交给微信，小程序可能已经创建，所以不能放弃。请等它完成：服务会向微信核实结果，最后显示注册成功或失败原因。如果它的任务已放弃，请在“任务与事件”里重试。",
            "fastregister may have been sent to WeChat, so the Mini Program may exist, and the registration cannot be abandoned. Let it finish: the service finds out from WeChat and ends it registered, or failed with what to check. If its job gave up, retry it under Jobs.",
            page,
        )),
        Err(E::Unexpected(e)) => Err(ConsoleError::Unexpected(e)),
    }
}

/// The admin never confirmed and the link's signed `state` has expired.
fn expired_note(lang: Lang) -> Markup {
    html! {
        p.flash.warn { (lang.t(
            "管理员没有在链接有效期内确认，这个链接已经失效。请回到公众号页面重新发起。",
            "The admin did not confirm while the link was valid, and it has expired. Start again from the account's page."
        )) }
    }
}

fn yes_no(lang: Lang, v: Option<i64>) -> &'static str {
    match v {
        Some(1) => lang.t("是", "yes"),
        Some(_) => lang.t("否", "no"),
        None => "—",
    }
}

/// Middleware around the service's `/callback/…` pages: when the browser WeChat sends back
/// carries a console session, it goes on to the console's page for that workflow instead of the
/// plain "received" page (which the admin's phone, with no session, still gets).
pub(super) async fn return_to_console(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let purpose = match req.uri().path() {
        "/callback/authorize" => "authorize",
        "/callback/fastregister" => "fastregister",
        "/callback/rebind" => "rebind",
        _ => return next.run(req).await,
    };
    let signed = url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let id = state.states.verify(purpose, &signed).ok();
    let signed_in = match &id {
        Some(_) => matches!(super::auth::session_of(&state, req.headers()).await, Ok(Some(_))),
        None => false,
    };
    let response = next.run(req).await;
    match id {
        Some(id) if signed_in && !response.status().is_server_error() => {
            let page = match purpose {
                "authorize" => "authorizations",
                "fastregister" => "registrations",
                _ => "rebinds",
            };
            Redirect::to(&format!("/console/{page}/{id}?back=wechat")).into_response()
        }
        _ => response,
    }
}
