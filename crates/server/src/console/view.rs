//! The page layout and the pieces every page shares: the header with the menu and the language
//! switch, state badges, times, the explained-error card, the history timeline, and the security
//! headers of every console response.
//!
//! Pages are maud templates (escaped by construction). A region whose content changes while a
//! workflow runs is marked `data-live` with an `id`; while any carries `data-pending`, the
//! vendored script re-reads the page every two seconds and swaps those regions in place (without
//! the script, the page's "refresh" link does the same).

use super::auth::Session;
use super::i18n::{Explained, Lang};
use crate::startup::AppState;
use crate::store::HistoryEntry;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use maud::{DOCTYPE, Markup, html};
use std::borrow::Cow;

/// The header the script's live updates send (the page may then skip what they do not swap).
pub const LIVE_HEADER: &str = "x-fastreg-live";

/// Cache-busting suffix of the asset URLs.
const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every page of a signed-in operator needs.
pub struct Cx {
    /// The page's language.
    pub lang: Lang,
    /// Who is signed in.
    pub username: String,
    /// The session's CSRF token, for the page's forms.
    pub csrf: String,
    /// The page's path and query without `lang=` (for the language switch).
    pub here: String,
    /// The menu entry to highlight.
    pub section: Section,
}

/// The menu's entries.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Official Accounts.
    Accounts,
    /// Mini Programs.
    MiniPrograms,
    /// Jobs and events.
    Jobs,
    /// New Mini Program (every route).
    New,
    /// Trial Mini Programs.
    Trials,
}

impl Cx {
    /// The context of a page at `uri`.
    pub fn new(lang: Lang, session: &Session, uri: &axum::http::Uri, section: Section) -> Cx {
        let query: Vec<(String, String)> = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .filter(|(k, _)| k != "lang")
            .collect();
        let mut here = uri.path().to_owned();
        if !query.is_empty() {
            here.push('?');
            here.push_str(
                &url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(query)
                    .finish(),
            );
        }
        Cx {
            lang,
            username: session.username.clone(),
            csrf: session.csrf.clone(),
            here,
            section,
        }
    }

    /// Text in the page's language.
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.t(zh, en)
    }

    /// The hidden CSRF field every form carries.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.csrf); }
    }

    fn lang_href(&self, lang: Lang) -> String {
        let sep = if self.here.contains('?') { '&' } else { '?' };
        format!("{}{sep}lang={}", self.here, lang.code())
    }
}

/// A list's search box and status filter (a GET form, so the page's address says what it shows).
pub fn list_search(cx: &Cx, action: &str, q: &str, status: &str, statuses: &[(&str, String)]) -> Markup {
    html! {
        form.list-search method="get" action=(action) role="search" {
            label { (cx.t("搜索 AppID 或名称", "Search by appid or name"))
                input type="search" name="q" value=(q) autocomplete="off"; }
            label { (cx.t("状态", "Status"))
                select name="status" {
                    option value="" selected[status.is_empty()] { (cx.t("全部", "All")) }
                    @for (value, words) in statuses {
                        option value=(value) selected[status == *value] { (words) }
                    }
                }
            }
            button.secondary type="submit" { (cx.t("筛选", "Filter")) }
        }
    }
}

/// A list's way on: the first page (when not on it) and the next page (when there is one).
pub fn pager(cx: &Cx, path: &str, q: &str, status: &str, not_first: bool, next: Option<&str>) -> Markup {
    let href = |cursor: Option<&str>| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if !q.is_empty() {
            query.append_pair("q", q);
        }
        if !status.is_empty() {
            query.append_pair("status", status);
        }
        if let Some(c) = cursor {
            query.append_pair("cursor", c);
        }
        let query = query.finish();
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    };
    html! {
        @if not_first || next.is_some() {
            nav.pager aria-label=(cx.t("分页", "Pages")) {
                @if not_first { a.button.secondary href=(href(None)) { (cx.t("« 第一页", "« First page")) } " " }
                @if let Some(next) = next { a.button.secondary rel="next" href=(href(Some(next))) { (cx.t("下一页 »", "Next page »")) } }
            }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="same-origin";
            title { (title) " · fastreg" }
            link rel="stylesheet" href={ "/console/assets/console.css?v=" (ASSET_VERSION) };
            script src={ "/console/assets/console.js?v=" (ASSET_VERSION) } defer {}
        }
    }
}

/// A page of the signed-in console.
pub fn page(cx: &Cx, title: &str, body: Markup) -> Markup {
    let nav = [
        (
            Section::Accounts,
            "/console/accounts",
            cx.t("公众号", "Official Accounts"),
        ),
        (
            Section::MiniPrograms,
            "/console/mini-programs",
            cx.t("小程序", "Mini Programs"),
        ),
        (Section::New, "/console/new", cx.t("新建小程序", "New Mini Program")),
        (Section::Trials, "/console/trials", cx.t("试用小程序", "Trials")),
        (Section::Jobs, "/console/jobs", cx.t("任务与事件", "Jobs & events")),
    ];
    html! {
        (DOCTYPE)
        html lang=(cx.lang.html()) {
            (head(title))
            body {
                header.top {
                    a.brand href="/console/" { "fastreg" span.brand-sub { (cx.t("控制台", "console")) } }
                    nav.menu {
                        @for (section, href, label) in nav {
                            a href=(href) class=[(section == cx.section).then_some("current")] { (label) }
                        }
                    }
                    div.tools {
                        span.langs {
                            @for lang in [Lang::Zh, Lang::En] {
                                @if lang == cx.lang {
                                    strong { (lang.t("中文", "English")) }
                                } @else {
                                    a href=(cx.lang_href(lang)) hreflang=(lang.html()) { (lang.t("中文", "English")) }
                                }
                            }
                        }
                        form.inline method="post" action="/console/logout" {
                            (cx.csrf_field())
                            span.user { (cx.username) }
                            button.link type="submit" { (cx.t("退出", "Sign out")) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
                footer { (cx.t("fastreg · 复用公众号主体快速注册小程序", "fastreg · fast registration of Mini Programs reusing an Official Account's entity")) }
            }
        }
    }
}

/// A page outside the signed-in console (sign-in, errors).
pub fn bare(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.html()) {
            (head(title))
            body.bare {
                header.top {
                    a.brand href="/console/" { "fastreg" span.brand-sub { (lang.t("控制台", "console")) } }
                    div.tools {
                        span.langs {
                            @for l in [Lang::Zh, Lang::En] {
                                @if l == lang { strong { (l.t("中文", "English")) } }
                                @else { a href={ "?lang=" (l.code()) } { (l.t("中文", "English")) } }
                            }
                        }
                    }
                }
                main.narrow {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// Middleware: the security headers of every console response. Scripts and styles come only
/// from the console itself; forms may post to the console and be redirected to WeChat's pages.
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let mp = origin(&state.settings.mp_base);
    let csp = format!(
        "default-src 'self'; img-src 'self' data: blob: http: https:; style-src 'self'; script-src 'self'; \
         connect-src 'self'; form-action 'self' {mp}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    );
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// `scheme://host[:port]` of a URL (what CSP source lists take).
fn origin(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// Beijing time (what WeChat's admins and most operators live by).
const UTC8: time::UtcOffset = match time::UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => time::UtcOffset::UTC,
};

/// A unix-ms time as `2026-05-03 14:20:05`, Beijing time.
pub fn when(ms: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return ms.to_string();
    };
    let t = t.to_offset(UTC8);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A unix-seconds date as `2026-05-03`, Beijing time.
pub fn date(secs: i64) -> String {
    when(secs.saturating_mul(1000)).chars().take(10).collect()
}

/// The first instant of the current month, Beijing time, in unix ms (WeChat counts its monthly
/// limits by calendar month).
pub fn month_start_ms() -> i64 {
    crate::calendar::month_start_ms()
}

/// The first instant of the next month, Beijing time, in unix ms: when a month's limits end.
pub fn next_month_start_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc().to_offset(UTC8);
    let (year, month) = match now.month() {
        time::Month::December => (now.year() + 1, time::Month::January),
        m => (now.year(), m.next()),
    };
    time::Date::from_calendar_date(year, month, 1)
        .map(|d| d.with_time(time::Time::MIDNIGHT).assume_offset(UTC8))
        .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
        .unwrap_or(i64::MAX)
}

/// How a state looks: its words and its colour.
pub fn state_label(lang: Lang, state: &str) -> (Cow<'static, str>, &'static str) {
    let (zh, en, class) = match state {
        "awaiting_admin" => ("等待管理员确认", "Waiting for the admin", "wait"),
        "ticket_received" => ("已收到确认", "Confirmation received", "run"),
        "submitting" => ("正在提交", "Submitting", "run"),
        "outcome_unknown" => ("正在核实结果", "Checking the outcome", "warn"),
        "code_received" => ("正在获取授权", "Getting the authorization", "run"),
        "registered" => ("注册成功", "Registered", "ok"),
        "creating" => ("正在申请二维码", "Getting the QR code", "run"),
        "create_unknown" => ("正在核实申请结果", "Checking the request", "warn"),
        "awaiting_user" => ("等待扫码", "Waiting for the scan", "wait"),
        "exchanging" => ("正在获取授权", "Getting the authorization", "run"),
        "converted" => ("已转正", "Converted", "ok"),
        "authorized" => ("已授权", "Authorized", "ok"),
        "unauthorized" => ("已取消授权", "Authorization withdrawn", "err"),
        "refresh_rejected" => ("令牌已失效", "Token rejected", "err"),
        "taskid_received" => ("已收到新管理员信息", "New admin received", "run"),
        "pending" => ("排队中", "Queued", "wait"),
        "queued" => ("排队中", "Queued", "wait"),
        "running" => ("进行中", "Running", "run"),
        "awaiting_audit" => ("审核中", "Under review", "wait"),
        "done" => ("已完成", "Done", "ok"),
        "succeeded" => ("已完成", "Succeeded", "ok"),
        "failed" => ("失败", "Failed", "err"),
        "abandoned" => ("已放弃", "Abandoned", "warn"),
        "dead" => ("已放弃", "Gave up", "err"),
        "reviewing" => ("审核中", "Under review", "wait"),
        "approved" => ("审核通过", "Approved", "ok"),
        "rejected" => ("审核不通过", "Rejected", "err"),
        "deleted" => ("已删除", "Deleted", "ok"),
        _ => ("", "", "wait"),
    };
    if zh.is_empty() {
        // Unknown states are shown as they are stored.
        return (Cow::Owned(state.to_owned()), class);
    }
    (Cow::Borrowed(lang.t(zh, en)), class)
}

/// A state badge.
pub fn badge(lang: Lang, state: &str) -> Markup {
    let (text, class) = state_label(lang, state);
    html! { span class={ "badge " (class) } data-state=(state) { (text) } }
}

/// Whether a workflow still waits for an admin whose link (the signed `state`) has expired.
pub fn link_expired(state: &AppState, workflow_state: &str, created_at: i64) -> bool {
    let ttl_ms = i64::try_from(state.settings.state_ttl_secs)
        .unwrap_or(i64::MAX / 4_000)
        .saturating_mul(1000);
    workflow_state == "awaiting_admin" && crate::store::now_ms() - created_at > ttl_ms
}

/// Whether a state is final (the page stops refreshing).
pub fn is_final(state: &str) -> bool {
    matches!(
        state,
        "registered"
            | "authorized"
            | "done"
            | "failed"
            | "succeeded"
            | "dead"
            | "unauthorized"
            | "abandoned"
            | "converted"
    )
}

/// An error explained: its meaning and remedy in the page's language, then in the other one.
pub fn explained(lang: Lang, e: &Explained) -> Markup {
    let other = lang.other();
    html! {
        div.error-card role="alert" data-code=(e.code) {
            p.code {
                @if e.wechat { (lang.t("微信错误码", "WeChat error")) " " } @else { (lang.t("原因", "Reason")) " " }
                code { (e.code) }
            }
            p.meaning { (e.meaning(lang)) }
            p.remedy { strong { (lang.t("怎么办：", "What to do: ")) } (e.remedy(lang)) }
            div.other-lang lang=(other.html()) {
                p.meaning { (e.meaning(other)) }
                p.remedy { strong { (other.t("怎么办：", "What to do: ")) } (e.remedy(other)) }
            }
            @if let Some(detail) = &e.detail {
                p.detail { (lang.t("详情：", "Details: ")) (detail) }
            }
        }
    }
}

/// A history timeline, newest last.
pub fn history(lang: Lang, entries: &[HistoryEntry]) -> Markup {
    html! {
        @if !entries.is_empty() {
            details.history {
                summary { (lang.t("经过", "History")) " (" (entries.len()) ")" }
                ol {
                    @for e in entries {
                        li {
                            time { (when(e.at)) } " "
                            @if let Some(from) = &e.from_state { span.from { (state_words(lang, from)) } " → " }
                            strong { (state_words(lang, &e.to_state)) }
                            @if let Some(note) = &e.note { " — " span.note { (note) } }
                        }
                    }
                }
            }
        }
    }
}

/// A history state (`nickname:awaiting_audit`, `registered`) in words.
fn state_words(lang: Lang, s: &str) -> String {
    match s.split_once(':') {
        Some((step, state)) => format!("{} {}", step_name(lang, step), state_label(lang, state).0),
        None => state_label(lang, s).0.into_owned(),
    }
}

/// A setup step's name.
pub fn step_name(lang: Lang, step: &str) -> &'static str {
    match step {
        "nickname" => lang.t("名称", "Name"),
        "avatar" => lang.t("头像", "Avatar"),
        "signature" => lang.t("功能介绍", "Description"),
        "categories" => lang.t("类目", "Categories"),
        _ => lang.t("步骤", "Step"),
    }
}

/// A notice at the top of a page (`?done=…`).
pub fn flash(text: &str) -> Markup {
    html! { p.flash.ok role="status" { (text) } }
}

/// A "refresh" link for pages that update (the script does it by itself).
pub fn refresh(lang: Lang, href: &str) -> Markup {
    html! { a.refresh href=(href) { "↻ " (lang.t("刷新", "Refresh")) } }
}
