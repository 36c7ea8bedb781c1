//! Jobs and events: what is running and waiting, what failed and why (with the catalog's words
//! when WeChat's code is known), the workflows that stopped, the pushes received, and a retry
//! button for a job that gave up.
//!
//! Retrying a job puts it back in the queue as it was, with its dedupe key
//! ([`crate::job::Queue::retry`], which `POST /api/v1/jobs/{id}/retry` calls too); the workflow it
//! drives checks its stored state first (see [`crate::job`]), so a retry never repeats a step
//! that already happened. A
//! setup step that failed on WeChat's answer is retried from the Mini Program's page instead,
//! where it is submitted again.

use super::auth::CsrfForm;
use super::auth::Session;
use super::error::ConsoleError;
use super::i18n::{Explained, Lang, explain, wechat_code_in};
use super::view::{self, Cx, Section, badge, step_name, when};
use crate::failure::Failure;
use crate::job::{JobView, Retried};
use crate::startup::{AppState, audit};
use crate::store::{self, now_ms};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

/// Where a job's payload points in the console.
fn target(job: &JobView) -> Option<(String, String)> {
    let p: serde_json::Value = serde_json::from_str(&job.payload).ok()?;
    let s = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    match job.kind.as_str() {
        crate::registration::JOB => s("id").map(|id| (format!("/console/registrations/{id}"), id)),
        crate::authorization::JOB => s("id").map(|id| (format!("/console/authorizations/{id}"), id)),
        crate::routes::JOB => s("id").map(|id| (format!("/console/new/{id}"), id)),
        crate::routes::trial::REMINDER_JOB => s("appid").map(|a| (format!("/console/trials/{a}"), a)),
        crate::rebind::JOB => s("id").map(|id| (format!("/console/rebinds/{id}"), id)),
        crate::setup::JOB => {
            let appid = s("appid")?;
            let step = s("step").unwrap_or_default();
            Some((
                format!("/console/mini-programs/{appid}#{step}"),
                format!("{appid} {step}"),
            ))
        }
        _ => None,
    }
}

fn kind_name(lang: Lang, kind: &str) -> String {
    match kind {
        crate::registration::JOB => lang.t("快速注册", "Fast registration").to_owned(),
        crate::authorization::JOB => lang.t("授权", "Authorization").to_owned(),
        crate::routes::JOB => lang.t("扫码注册小程序", "QR-code registration").to_owned(),
        crate::routes::trial::JOB => lang.t("试用小程序转正", "Trial conversion").to_owned(),
        crate::routes::trial::REMINDER_JOB => lang.t("试用到期提醒", "Trial expiry reminder").to_owned(),
        crate::rebind::JOB => lang.t("换绑管理员", "Admin rebind").to_owned(),
        crate::setup::JOB => lang.t("小程序设置", "Mini Program setup").to_owned(),
        crate::event::JOB => lang.t("处理推送", "Processing a push").to_owned(),
        crate::upkeep::JOB => lang.t("令牌维护", "Token upkeep").to_owned(),
        crate::webhook::JOB => lang.t("发送 Webhook", "Webhook delivery").to_owned(),
        other => other.to_owned(),
    }
}

fn job_error(lang: Lang, error: &str) -> Markup {
    html! {
        @if let Some(code) = wechat_code_in(error) {
            (view::explained(lang, &Explained { detail: Some(error.to_owned()), ..Explained::code(code, None) }))
        } @else {
            p.detail { code { (error) } }
        }
    }
}

fn jobs_table(cx: &Cx, jobs: &[JobView], retry: bool) -> Markup {
    let lang = cx.lang;
    html! {
        ul.rows.jobs {
            @for j in jobs {
                li data-job=(j.id) {
                    p {
                        span.muted { "#" (j.id) } " " strong { (kind_name(lang, &j.kind)) } " " (badge(lang, &j.status)) " "
                        @if let Some((href, label)) = target(j) { a href=(href) { code { (label) } } }
                    }
                    p.muted {
                        (cx.t("尝试 ", "attempt ")) (j.attempts) " / " (j.max_attempts)
                        @if j.status == "queued" { " · " (cx.t("下次运行 ", "next run ")) (when(j.run_at)) }
                        " · " (cx.t("更新于 ", "updated ")) (when(j.updated_at))
                    }
                    @if let Some(e) = &j.last_error { (job_error(lang, e)) }
                    @if retry {
                        form method="post" action={ "/console/jobs/" (j.id) "/retry" } {
                            (cx.csrf_field())
                            button.secondary type="submit" { (cx.t("重试", "Retry")) }
                        }
                    }
                }
            }
        }
    }
}

fn failure_of(json: Option<&str>) -> Option<Failure> {
    json.and_then(|f| serde_json::from_str(f).ok())
}

#[derive(Deserialize)]
pub(super) struct Done {
    done: Option<String>,
}

/// `GET /console/jobs`.
pub(super) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Query(q): Query<Done>,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::Jobs);
    let running = state.queue.list(Some("running"), 50).await?;
    let queued = state.queue.list(Some("queued"), 50).await?;
    let dead = state.queue.list(Some("dead"), 50).await?;
    let registrations = store::jobs::failed_registrations(&state.db).await?;
    let steps = store::jobs::failed_setup_steps(&state.db).await?;
    let events = store::events::newest(&state.db).await?;
    let busy = !running.is_empty() || queued.iter().any(|j| j.run_at <= now_ms() + 5_000);
    let body = html! {
        @if q.done.as_deref() == Some("retried") { (view::flash(cx.t("任务已重新排队。", "The job is queued again."))) }
        section.card data-live id="jobs-active" data-pending[busy] {
            h2 { (cx.t("正在运行", "Running")) " (" (running.len()) ")" " " (view::refresh(lang, "/console/jobs")) }
            @if running.is_empty() { p.muted { (cx.t("没有。", "None.")) } }
            (jobs_table(&cx, &running, false))
            h2 { (cx.t("等待中", "Waiting")) " (" (queued.len()) ")" }
            p.hint { (cx.t("包括等待审核结果、按时轮询和失败后按退避时间重试的任务。", "Including jobs waiting for a review, polling on a schedule, and retrying after a failure with backoff.")) }
            @if queued.is_empty() { p.muted { (cx.t("没有。", "None.")) } }
            (jobs_table(&cx, &queued, false))
        }
        section.card id="jobs-dead" {
            h2 { (cx.t("已放弃的任务", "Jobs that gave up")) " (" (dead.len()) ")" }
            p.hint { (cx.t("重试次数用完后任务会停下，最后的错误保留在这里。排除原因后可以重试。",
                "A job stops when its attempts run out; its last error stays here. Retry once the cause is fixed.")) }
            @if dead.is_empty() { p.muted { (cx.t("没有。", "None.")) } }
            (jobs_table(&cx, &dead, true))
        }
        section.card id="failed" {
            h2 { (cx.t("停下的流程", "Workflows that stopped")) }
            @if registrations.is_empty() && steps.is_empty() { p.muted { (cx.t("没有。", "None.")) } }
            ul.rows {
                @for r in &registrations {
                    li {
                        p { strong { (cx.t("快速注册", "Fast registration")) } " " @if r.oa_appid.is_empty() { a href={ "/console/new/" (r.id) } { code { (r.id) } } } @else { a href={ "/console/registrations/" (r.id) } { code { (r.oa_appid) } } } " " span.muted { (when(r.updated_at)) } }
                        @if let Some(f) = failure_of(r.failure.as_deref()) { (view::explained(lang, &explain(&f))) }
                    }
                }
                @for s in &steps {
                    li {
                        p { strong { (step_name(lang, &s.step)) } " " a href={ "/console/mini-programs/" (s.appid) "#" (s.step) } { code { (s.appid) } } " " span.muted { (when(s.updated_at)) } }
                        @if let Some(f) = failure_of(s.failure.as_deref()) { (view::explained(lang, &explain(&f))) }
                    }
                }
            }
        }
        section.card id="events" {
            h2 { (cx.t("最近收到的推送", "Recent pushes from WeChat")) }
            @if events.is_empty() { p.muted { (cx.t("还没有。", "None yet.")) } }
            ul.rows.events {
                @for e in &events {
                    li {
                        span.muted { "#" (e.id) } " " strong { (e.kind) } " "
                        @if let Some(s) = &e.subject { code { (s) } " " }
                        span.muted { (e.source) " · " (when(e.received_at)) } " "
                        @if e.processed_at.is_some() { (badge(lang, "done")) }
                        @else if e.error.is_some() { (badge(lang, "failed")) }
                        @else { (badge(lang, "pending")) }
                        @if let Some(err) = &e.error { p.detail { code { (err) } } }
                    }
                }
            }
        }
    };
    Ok(view::page(&cx, cx.t("任务与事件", "Jobs and events"), body))
}

/// `POST /console/jobs/{id}/retry`: a job that gave up goes back in the queue, due now.
pub(super) async fn retry(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    match state.queue.retry(id).await? {
        Retried::Queued => {}
        Retried::NotFound => return Err(ConsoleError::not_found("没有这个任务", "No such job")),
        Retried::NotDead(_) => {
            return Err(ConsoleError::invalid(
                "只有已放弃的任务可以重试（这个任务可能已经在运行或已完成）。",
                "Only a job that gave up can be retried (this one may be running or finished already).",
                "/console/jobs",
            ));
        }
        Retried::Superseded(live) => {
            return Err(ConsoleError::invalid(
                format!("这个流程已经有另一个任务（#{live}）在运行，不需要重试这个。"),
                format!("Another job (#{live}) already drives this workflow; there is no need to retry this one."),
                "/console/jobs",
            ));
        }
    }
    audit(&state, &super::actor(&session), "job.retry", &format!("job:{id}"), "").await;
    Ok(Redirect::to("/console/jobs?done=retried").into_response())
}
