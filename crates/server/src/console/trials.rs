//! Trial Mini Programs: the list with the days each has left, and a trial's page, where it is
//! renamed (setbetaweappnickname) or converted (转正): the conversion shows its QR code, link,
//! countdown and status like a new registration does ([`super::new_mini_program`]).

use super::auth::Session;
use super::error::ConsoleError;
use super::i18n::Lang;
use super::new_mini_program::{explain_route, qr_block, svg_response};
use super::view::{self, Cx, Section, badge, when};
use crate::routes::input::Conversion;
use crate::routes::trial::{self, TrialError};
use crate::startup::AppState;
use crate::store::history;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

/// `GET /console/trials`.
pub(super) async fn list(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::Trials);
    let trials = trial::open_trials(&state).await?;
    let now = state.now_ms();
    let body = html! {
        p.hint { (cx.t("试用小程序 14 天后失效，除非转正。到期前 3 天会发送 trial.expiring webhook。",
            "A trial lapses after 14 days unless converted; the trial.expiring webhook is sent 3 days before.")) }
        @if trials.is_empty() { p.muted { (cx.t("没有未转正的试用小程序。", "No trial waiting for conversion.")) } }
        ul.rows.trials {
            @for t in &trials {
                @let left = t.days_left(now);
                li data-appid=(t.appid) {
                    p { a href={ "/console/trials/" (t.appid) } { strong { (t.name) } } " " code { (t.appid) } }
                    p class={ "days " (if left < 3 { "warn" } else { "" }) } {
                        @if left >= 0 { (cx.t("剩余 ", "")) strong.days-left { (left) } (cx.t(" 天", " days left")) }
                        @else { (cx.t("已失效", "Lapsed")) }
                        " · " span.muted { (cx.t("失效时间 ", "lapses ")) (when(t.expires_at)) }
                    }
                }
            }
        }
    };
    Ok(view::page(&cx, cx.t("试用小程序", "Trials"), body))
}

#[derive(Deserialize)]
pub(super) struct Done {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /console/trials/{appid}`.
pub(super) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(appid): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::Trials);
    let t = trial::get_trial(&state, &appid)
        .await?
        .ok_or_else(|| ConsoleError::not_found("没有这个试用小程序", "No such trial"))?;
    let conversions = trial::of_trial(&state, &appid).await?;
    let open = conversions.iter().find(|v| crate::routes::in_flight(&v.state));
    let latest = conversions.first();
    let h = match latest {
        Some(v) => history(&state.db, &format!("beta_verification:{}", v.id)).await?,
        None => vec![],
    };
    let body = html! {
        @if q.done.as_deref() == Some("renamed") { (view::flash(cx.t("已改名。", "Renamed."))) }
        section.card {
            dl.facts {
                dt { "AppID" } dd { a href={ "/console/mini-programs/" (t.appid) } { code { (t.appid) } } }
                dt { (cx.t("名称", "Name")) } dd { (t.name) }
                dt { (cx.t("失效时间", "Lapses")) } dd { (when(t.expires_at)) " · " (cx.t("剩余 ", "")) (t.days_left(state.now_ms()).max(0)) (cx.t(" 天", " days left")) }
                @if let Some(at) = t.converted_at { dt { (cx.t("已转正", "Converted")) } dd { (when(at)) } }
            }
        }
        @if t.converted_at.is_none() {
            section.card id="rename" {
                h2 { (cx.t("改名", "Rename")) }
                form.stack method="post" action={ "/console/trials/" (t.appid) "/rename" } {
                    (cx.csrf_field())
                    label { (cx.t("新名称（微信会加上“的体验小程序”）", "New name (WeChat adds “的体验小程序”)")) input type="text" name="name" required; }
                    button type="submit" { (cx.t("改名", "Rename")) }
                }
            }
            @if open.is_none() {
                section.card id="convert" {
                    h2 { (cx.t("转正", "Convert")) }
                    p.hint { (cx.t("转正后成为正式小程序，保留 AppID 和授权；由企业法定代表人扫码完成。",
                        "Conversion makes it a formal Mini Program with the same appid and authorization; the enterprise's legal person scans.")) }
                    form.stack method="post" action={ "/console/trials/" (t.appid) "/convert" } {
                        (cx.csrf_field())
                        label { (cx.t("企业名称", "Enterprise name")) input type="text" name="enterprise_name" required; }
                        label { (cx.t("统一社会信用代码", "Unified social credit code")) input type="text" name="code" required; }
                        label { (cx.t("联系电话", "Contact phone")) input type="tel" name="component_phone" required; }
                        button type="submit" { (cx.t("生成转正二维码", "Make the conversion QR code")) }
                    }
                }
            }
        }
        @if let Some(v) = latest {
            section.card data-live id="conversion-live" data-pending[open.is_some()] {
                h2 { (cx.t("转正", "Conversion")) " " (badge(lang, &v.state)) " " (view::refresh(lang, &format!("/console/trials/{}", t.appid))) }
                @if v.state == crate::routes::AWAITING_USER && let Some(url) = &v.auth_url {
                    (qr_block(&cx, &format!("/console/beta-verifications/{}/qr.svg", v.id), url, v.auth_expires_at))
                }
                @if let Some(f) = v.failure.as_deref().and_then(|f| serde_json::from_str(f).ok()) {
                    (view::explained(lang, &explain_route(&f)))
                }
                (view::history(lang, &h))
            }
        }
    };
    Ok(view::page(&cx, &t.name, body))
}

fn trial_error(appid: &str, e: TrialError) -> ConsoleError {
    let back = format!("/console/trials/{appid}");
    match e {
        TrialError::Field(f) => ConsoleError::invalid(
            format!("{}：{}", f.field, f.reason),
            format!("{}: {}", f.field, f.reason),
            back,
        ),
        TrialError::WeChat(w) => {
            let ex = super::i18n::explain(&crate::failure::Failure::from_client(&w));
            ConsoleError::invalid(ex.meaning_zh, ex.meaning_en, back)
        }
        TrialError::Unexpected(e) => e.into(),
        other => ConsoleError::invalid(other.to_string(), other.to_string(), back),
    }
}

#[derive(Deserialize)]
pub(super) struct RenameForm {
    csrf: String,
    name: String,
}

/// `POST /console/trials/{appid}/rename`.
pub(super) async fn rename(
    State(state): State<AppState>,
    session: Session,
    Path(appid): Path<String>,
    Form(f): Form<RenameForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&f.csrf)?;
    trial::rename(&state, &appid, f.name.trim(), &super::actor(&session))
        .await
        .map_err(|e| trial_error(&appid, e))?;
    Ok(Redirect::to(&format!("/console/trials/{appid}?done=renamed")).into_response())
}

#[derive(Deserialize)]
pub(super) struct ConvertForm {
    csrf: String,
    enterprise_name: String,
    code: String,
    component_phone: String,
}

/// `POST /console/trials/{appid}/convert`.
pub(super) async fn convert(
    State(state): State<AppState>,
    session: Session,
    Path(appid): Path<String>,
    Form(f): Form<ConvertForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&f.csrf)?;
    let input = Conversion {
        enterprise_name: f.enterprise_name.trim().to_owned(),
        code: f.code.trim().to_uppercase(),
        component_phone: f.component_phone.trim().to_owned(),
    };
    trial::start(&state, &appid, input, &super::actor(&session))
        .await
        .map_err(|e| trial_error(&appid, e))?;
    Ok(Redirect::to(&format!("/console/trials/{appid}")).into_response())
}

/// `GET /console/beta-verifications/{id}/qr.svg`.
pub(super) async fn qr(
    State(state): State<AppState>,
    _session: Session,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let url = trial::get(&state, &id)
        .await?
        .and_then(|v| v.auth_url)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ConsoleError::not_found("还没有二维码", "No QR code yet"))?;
    svg_response(&url)
}
