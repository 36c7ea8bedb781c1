//! Official Accounts: the list, authorizing one (componentloginpage), an account's page with the
//! fast-registration button, and the result pages of an authorization and of a registration.
//!
//! The fast-registration button applies the spec's rules before sending the admin to WeChat:
//! `copy_wx_verify` is explained and forced to 1 for government, media and other-organization
//! accounts (61056); an individual's or an unverified account, a missing fast-register
//! permission set, a registration under way and the month's five registrations are shown with
//! the catalog's words for the code WeChat would answer.

mod account;
mod registration_page;

pub(super) use account::*;
pub(super) use registration_page::*;

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
use crate::store::registrations::{self as store, AccountProfile as Profile, ConsoleAccount as AccountRow};
use crate::store::{history, now_ms};
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
    let stored = store::account_profile(&state.db, appid).await?;
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
            store::store_account_profile(&state.db, appid, &p).await?;
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
    let rows = store::registered_per_account_since(&state.db, view::month_start_ms()).await?;
    Ok(rows.into_iter().collect())
}

/// Accounts WeChat refused with 61055 this month (China's calendar), with when: WeChat counts
/// every platform's registrations, so its answer outranks our own count until the month ends.
/// Only those refusals are read (a handful a month), whatever the number of accounts.
async fn refused_full_this_month(state: &AppState) -> anyhow::Result<HashMap<String, i64>> {
    let rows = store::refused_full_since(&state.db, view::month_start_ms()).await?;
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
    let recent: Vec<Authorization> = store::recent_authorizations(&state.db).await?;
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
        .map_err(|e| match e {
            crate::authorization::StartError::WeChat(c) => ConsoleError::wechat(&c, "/console/accounts"),
            crate::authorization::StartError::Unexpected(e) => ConsoleError::Unexpected(e),
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
