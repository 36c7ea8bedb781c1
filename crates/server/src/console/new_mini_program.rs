//! "New Mini Program": the four routes to one, each with who it is for, and — for the enterprise,
//! personal and trial routes — the page the operator keeps open while the merchant scans: the QR
//! code large, "copy link", a countdown to the link's expiry, WeChat's task status as it moves
//! (the page refreshes itself while the registration is under way), and a failure with the
//! catalog's meaning and remedy and a "start again" button.
//!
//! The forms call what the REST API calls ([`crate::routes::start`], [`crate::routes::restart`]).

use super::auth::{CsrfForm, Session};
use super::error::ConsoleError;
use super::i18n::{Explained, Lang};
use super::view::{self, Cx, Section, badge, when};
use crate::failure::Failure;
use crate::routes::input::{Enterprise, Personal, RouteInput, Trial};
use crate::routes::{self, Route, RouteRegistration};
use crate::startup::AppState;
use crate::store::history;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

/// Who each route is for, in both languages.
pub fn who_for(lang: Lang, route: Route) -> (&'static str, &'static str) {
    match route {
        Route::OfficialAccount => (
            lang.t("复用公众号主体", "Reuse an Official Account"),
            lang.t(
                "已有认证的公众号：由公众号管理员扫码确认。",
                "Has a verified Official Account: its admin confirms.",
            ),
        ),
        Route::Enterprise => (
            lang.t("企业快速注册", "Enterprise"),
            lang.t(
                "没有公众号的企业：由法定代表人扫码完成人脸核验。",
                "A company without an Official Account: its legal person scans and passes a face check.",
            ),
        ),
        Route::Personal => (
            lang.t("个人小程序", "Personal"),
            lang.t(
                "个人：由本人用微信扫码确认。",
                "An individual: the WeChat user scans and confirms.",
            ),
        ),
        Route::Trial => (
            lang.t("试用小程序", "Trial"),
            lang.t(
                "先试用 14 天，之后再转正为正式小程序。",
                "Try first for 14 days, convert into a formal Mini Program later.",
            ),
        ),
    }
}

fn field(name: &str, label: &str, hint: &str, kind: &str) -> Markup {
    html! {
        label { (label)
            input type=(kind) name=(name) required autocomplete="off";
            @if !hint.is_empty() { span.hint { (hint) } }
        }
    }
}

/// `GET /console/new`.
pub(super) async fn page(lang: Lang, session: Session, uri: Uri) -> Markup {
    let cx = Cx::new(lang, &session, &uri, Section::New);
    let phone = cx.t(
        "第三方联系电话（手机或带区号的座机）",
        "The platform's contact phone (mobile, or landline with area code)",
    );
    let body = html! {
        p.hint { (cx.t("选择适合商户的方式。除第一种外，都会生成一个二维码，商户需在 24 小时内扫码完成。",
            "Pick the route that fits the merchant. All but the first give a QR code the merchant must scan within 24 hours.")) }
        @for route in Route::ALL {
            @let (title, who) = who_for(lang, route);
            section.card.route id={ "route-" (route.as_str()) } {
                h2 { (title) }
                p.who { (who) }
                @match route {
                    Route::OfficialAccount => {
                        p { a.button.secondary href="/console/accounts" { (cx.t("选择公众号", "Choose the Official Account")) } }
                    }
                    Route::Enterprise => {
                        form.stack method="post" action="/console/new/enterprise" {
                            (cx.csrf_field())
                            (field("name", cx.t("企业名称", "Enterprise name"), "", "text"))
                            (field("code", cx.t("统一社会信用代码", "Unified social credit code"), cx.t("18 位，含校验位", "18 characters, check character included"), "text"))
                            (field("component_phone", cx.t("联系电话", "Contact phone"), phone, "tel"))
                            button type="submit" { (cx.t("生成二维码", "Make the QR code")) }
                        }
                    }
                    Route::Personal => {
                        form.stack method="post" action="/console/new/personal" {
                            (cx.csrf_field())
                            (field("wxuser", cx.t("微信号", "WeChat id"), "", "text"))
                            (field("component_phone", cx.t("联系电话", "Contact phone"), phone, "tel"))
                            button type="submit" { (cx.t("生成二维码", "Make the QR code")) }
                        }
                    }
                    Route::Trial => {
                        form.stack method="post" action="/console/new/trial" {
                            (cx.csrf_field())
                            (field("name", cx.t("名称（4–30 个字，微信会加上“的体验小程序”）", "Name (4–30 characters; WeChat adds “的体验小程序”)"), "", "text"))
                            (field("openid", cx.t("管理员的 openid", "The admin's openid"), "", "text"))
                            button type="submit" { (cx.t("生成二维码", "Make the QR code")) }
                        }
                    }
                }
            }
        }
    };
    view::page(&cx, cx.t("新建小程序", "New Mini Program"), body)
}

#[derive(Deserialize)]
pub(super) struct NewForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    component_phone: String,
    #[serde(default)]
    wxuser: String,
    #[serde(default)]
    openid: String,
}

/// `POST /console/new/{route}`.
pub(super) async fn start(
    State(state): State<AppState>,
    session: Session,
    Path(route): Path<String>,
    Form(f): Form<NewForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&f.csrf)?;
    let trim = |s: &str| s.trim().to_owned();
    let input = match Route::parse(&route) {
        Some(Route::Enterprise) => RouteInput::Enterprise(Enterprise {
            name: trim(&f.name),
            code: trim(&f.code).to_uppercase(),
            component_phone: trim(&f.component_phone),
        }),
        Some(Route::Personal) => RouteInput::Personal(Personal {
            wxuser: trim(&f.wxuser),
            component_phone: trim(&f.component_phone),
        }),
        Some(Route::Trial) => RouteInput::Trial(Trial {
            name: trim(&f.name),
            openid: trim(&f.openid),
        }),
        _ => return Err(ConsoleError::not_found("没有这种方式", "No such route")),
    };
    match routes::start(&state, input, None, None, &super::actor(&session)).await {
        Ok(reg) => Ok(Redirect::to(&format!("/console/new/{}", reg.id)).into_response()),
        Err(routes::StartError::Field(e)) => Err(ConsoleError::invalid(
            format!("{}：{}", e.field, e.reason),
            format!("{}: {}", e.field, e.reason),
            "/console/new",
        )),
        Err(routes::StartError::InProgress(id)) => Ok(Redirect::to(&format!("/console/new/{id}")).into_response()),
        Err(e) => Err(anyhow::Error::new(e).into()),
    }
}

/// A route failure explained (the status catalog's words are already in the failure; the
/// errcode catalog must not re-read a status number as an errcode).
pub fn explain_route(f: &Failure) -> Explained {
    if f.message_zh.is_none() {
        return super::i18n::explain(f);
    }
    Explained {
        code: f.code.clone(),
        wechat: f.code.parse::<i64>().is_ok(),
        meaning_zh: f.message_zh.clone().unwrap_or_default(),
        meaning_en: f.message.clone(),
        remedy_zh: f.remedy_zh.clone().unwrap_or_default(),
        remedy_en: f.remedy.clone(),
        detail: None,
    }
}

/// The QR block of a link: the code large, the link, "copy link" and the countdown.
pub fn qr_block(cx: &Cx, qr_src: &str, url: &str, expires_at: Option<i64>) -> Markup {
    html! {
        div.qr {
            img.qr-code src=(qr_src) width="320" height="320" alt=(cx.t("二维码", "QR code"));
            p.link { code.url data-link { (url) } }
            p.actions {
                button.secondary type="button" data-copy=(url) { (cx.t("复制链接", "Copy link")) }
                " " a.button.secondary href=(url) target="_blank" rel="noopener" { (cx.t("打开链接", "Open the link")) }
            }
            @if let Some(at) = expires_at {
                p.countdown { (cx.t("剩余时间：", "Time left: ")) span data-deadline=(at) { (left_text(cx.lang, at)) } " · " (when(at)) }
            }
        }
    }
}

/// `23 h 59 min` (the script counts it down by the second).
fn left_text(lang: Lang, at: i64) -> String {
    let ms = (at - crate::store::now_ms()).max(0);
    let (h, m) = (ms / 3_600_000, ms % 3_600_000 / 60_000);
    lang.t(&format!("{h} 小时 {m} 分"), &format!("{h} h {m} min"))
        .to_owned()
}

fn task_status(lang: Lang, reg: &RouteRegistration) -> Markup {
    let Some(code) = reg.task_status else { return html! {} };
    let status = routes::TaskStatus::of(reg.status_table(), code);
    let text = if lang == Lang::Zh {
        status.zh.unwrap_or_default()
    } else {
        status.en
    };
    html! { p.task-status { (lang.t("微信任务状态：", "WeChat's task status: ")) code { (code) } " " (text) } }
}

/// `GET /console/new/{id}`: the live page of a QR-code registration.
pub(super) async fn live(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::New);
    let reg = routes::get(&state, &id)
        .await?
        .ok_or_else(|| ConsoleError::not_found("没有这个注册", "No such registration"))?;
    if reg.route() == Route::OfficialAccount {
        return Ok(Redirect::to(&format!("/console/registrations/{id}")).into_response());
    }
    let h = history(&state.db, &format!("registration:{id}")).await?;
    let (title, who) = who_for(lang, reg.route());
    let trial = match &reg.mini_program_appid {
        Some(appid) => routes::trial::get_trial(&state, appid).await?,
        None => None,
    };
    let body = html! {
        section.card data-live id="registration-live" data-pending[routes::in_flight(&reg.state)] {
            p.status { (cx.t("状态：", "State: ")) (badge(lang, &reg.state)) " " (view::refresh(lang, &format!("/console/new/{id}"))) }
            p.who { strong { (title) } " · " (who) }
            (task_status(lang, &reg))
            @match reg.state.as_str() {
                routes::CREATING | routes::CREATE_UNKNOWN => {
                    p { (cx.t("正在向微信申请二维码……", "Asking WeChat for the QR code…")) }
                }
                routes::AWAITING_USER => {
                    p { (cx.t("请商户用微信扫描下面的二维码并按页面完成。", "Have the merchant scan this QR code with WeChat and follow the page.")) }
                    (qr_block(&cx, &format!("/console/new/{id}/qr.svg"), &reg.auth_url, reg.auth_expires_at))
                }
                routes::EXCHANGING => {
                    p { (cx.t("微信已创建小程序，正在获取授权……", "WeChat created the Mini Program; getting its authorization…")) }
                }
                "registered" => {
                    div.result.ok {
                        @if let Some(mp) = &reg.mini_program_appid {
                            p.big { (cx.t("新小程序已注册：", "The new Mini Program is registered: ")) a href={ "/console/mini-programs/" (mp) } { code.appid { (mp) } } }
                        }
                        @if let Some(t) = &trial {
                            p { (cx.t("试用小程序，剩余 ", "A trial: ")) strong { (t.days_left(state.now_ms()).max(0)) } (cx.t(" 天。", " days left. "))
                                a href={ "/console/trials/" (t.appid) } { (cx.t("改名或转正", "Rename or convert")) } }
                        }
                    }
                }
                _ => {
                    @if let Some(f) = reg.failure() { (view::explained(lang, &explain_route(&f))) }
                    @if let Some(new) = &reg.restarted_as {
                        p { a href={ "/console/new/" (new) } { (cx.t("已重新发起 →", "Started again →")) } }
                    } @else {
                        form method="post" action={ "/console/new/" (id) "/restart" } {
                            (cx.csrf_field())
                            button type="submit" { (cx.t("重新发起", "Start again")) }
                        }
                    }
                }
            }
            @if let Some(note) = &reg.note { p.note.muted { (note) } }
            (view::history(lang, &h))
        }
    };
    Ok(view::page(&cx, cx.t("新小程序", "New Mini Program"), body).into_response())
}

/// `GET /console/new/{id}/qr.svg`.
pub(super) async fn qr(
    State(state): State<AppState>,
    _session: Session,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let reg = routes::get(&state, &id)
        .await?
        .filter(|r| !r.auth_url.is_empty())
        .ok_or_else(|| ConsoleError::not_found("还没有二维码", "No QR code yet"))?;
    svg_response(&reg.auth_url)
}

/// An SVG QR code response.
pub fn svg_response(url: &str) -> Result<Response, ConsoleError> {
    let svg = routes::qr::svg(url, 320).map_err(|e| ConsoleError::from(anyhow::Error::new(e)))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// `POST /console/new/{id}/restart`.
pub(super) async fn restart(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    match routes::restart(&state, &id, &super::actor(&session)).await {
        Ok(new) => Ok(Redirect::to(&format!("/console/new/{new}")).into_response()),
        Err(routes::RestartError::Already { new, .. }) => {
            Ok(Redirect::to(&format!("/console/new/{new}")).into_response())
        }
        Err(routes::RestartError::Start(routes::StartError::InProgress(other))) => {
            Ok(Redirect::to(&format!("/console/new/{other}")).into_response())
        }
        Err(e @ routes::RestartError::NotFinished { .. }) => Err(ConsoleError::invalid(
            "只有失败或已放弃的注册可以重新发起。",
            e.to_string(),
            format!("/console/new/{id}"),
        )),
        Err(e) => Err(anyhow::Error::new(e).into()),
    }
}
