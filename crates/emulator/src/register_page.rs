//! The registration routes' human step, played by the emulator: every `authorize_url` the
//! routes answer is a phone-friendly page here (built with maud), where the user — the legal
//! person, the WeChat user, or the trial's future admin — confirms or declines. Its buttons POST
//! to `/wxawap/fastregister/confirm`, which does what `POST /__emulator/register-tasks/confirm`
//! does, and answers with a page showing the task's status and its catalog meaning.
//!
//! - `GET /wxawap/fastregister?action=show&create_token=…` (enterprise, personal, conversion)
//! - `GET /wxawap/fastregistertpbeta?action=show&create_token=…` (trial)
//! - `POST /wxawap/fastregister/confirm` (form: `create_token`, `decision`, `face` = ok)
//!
//! The page walks the user through the task's steps ([`crate::register_step`]) one button at a
//! time — agree (3), start the face check (4), pass (6) or fail (5) it, get a code (7), enter
//! it right (9) or wrong (8), submit (10 and the checks) — so `action=query` shows each status
//! while the user stands on it. `decision` is the button: `agree`, `face_start`, `face_ok`,
//! `face_fail`, `send_code`, `code_ok`, `code_fail`, `submit`, `decline`, or `confirm` (all the
//! remaining steps at once, the face check passing when `face=ok`; a trial's only button).

use crate::register_step::{Answers, Step};
use crate::register_task::{RegisterTask, TaskRoute};
use crate::state::{Inner, Query};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fastreg_protocol::catalog::task_status::{StatusTable, lookup_status};
use maud::{DOCTYPE, Markup, html};
use std::sync::Arc;

/// The page routes.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route("/wxawap/fastregister", get(show))
        .route("/wxawap/fastregistertpbeta", get(show))
        .route("/wxawap/fastregister/confirm", post(answer))
}

const STYLE: &str = "body{font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;background:#ededed;color:#111}\
main{max-width:480px;margin:0 auto;padding:16px}\
.card{background:#fff;border-radius:8px;padding:16px;margin-bottom:12px}\
h1{font-size:20px;margin:0 0 12px}dl{margin:0}dt{color:#888;font-size:13px;margin-top:8px}dd{margin:2px 0 0;word-break:break-all}\
button{display:block;width:100%;padding:12px;margin-top:10px;font-size:17px;border:0;border-radius:6px}\
.ok{background:#07c160;color:#fff}.no{background:#f2f2f2;color:#fa5151}\
label{display:block;margin-top:10px;font-size:14px;color:#555}.muted{color:#888;font-size:13px}";

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (STYLE) }
            }
            body { main { (body) } }
        }
    }
}

fn status_line(status: i64) -> Markup {
    let entry = lookup_status(StatusTable::Task, status);
    html! {
        p { "状态 status " strong { (status) } }
        @if let Some(e) = entry {
            p { (e.zh) " — " (e.en) }
            p.muted { (e.remedy_zh) " " (e.remedy_en) }
        }
    }
}

fn details(task: &RegisterTask) -> Markup {
    html! {
        dl {
            dt { "第三方平台 Platform" } dd { (task.component_appid) }
            @if !task.name.is_empty() { dt { "名称 Name" } dd { (task.name) } }
            @if !task.code.is_empty() { dt { "统一社会信用代码 Credit code" } dd { (task.code) } }
            @if !task.wxuser.is_empty() { dt { "微信号 WeChat id" } dd { (task.wxuser) } }
            @if let Some(appid) = &task.appid { dt { "小程序 Mini Program" } dd { (appid) } }
            dt { "请在此时间前完成 Confirm before (unix)" } dd { (task.expires_at) }
        }
    }
}

fn not_found() -> Response {
    let page = layout(
        "链接无效",
        html! { div.card { h1 { "链接无效或已过期" } p { "This link is not valid (unknown create_token)." } } },
    );
    (StatusCode::NOT_FOUND, page).into_response()
}

async fn show(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> Response {
    deliver_later_settle(&inner);
    let q = Query::parse(q.as_deref());
    let token = q.get("create_token").unwrap_or("").to_owned();
    let mut w = inner.world.write();
    let Some(id) = w
        .registration
        .task_by_url(&token)
        .filter(|_| !token.is_empty())
        .map(|t| t.id.clone())
    else {
        return not_found();
    };
    let Some(task) = w.registration.tasks.get_mut(&id) else {
        return not_found();
    };
    task.viewed = true;
    render(task, &token).into_response()
}

/// The buttons of the step the task stands on: `(decision, label, class)`.
fn buttons(task: &RegisterTask) -> Vec<(&'static str, &'static str, &'static str)> {
    let decline = ("decline", "拒绝 Decline", "no");
    match (task.route, task.status) {
        (TaskRoute::Trial, _) => vec![("confirm", "同意并继续 Confirm", "ok"), decline],
        (_, 0) => vec![("agree", "同意 Agree", "ok"), decline],
        (_, 3) => vec![("face_start", "开始人脸识别 Start the face check", "ok"), decline],
        (_, 4) => vec![
            ("face_ok", "人脸识别通过 Face check passes", "ok"),
            ("face_fail", "人脸识别失败 Face check fails", "no"),
        ],
        (_, 6) => vec![("send_code", "获取短信验证码 Send me a code", "ok"), decline],
        (_, 7) => vec![
            ("code_ok", "验证码正确 The code is right", "ok"),
            ("code_fail", "验证码错误 The code is wrong", "no"),
        ],
        (_, 9) => vec![("submit", "提交创建 Submit", "ok"), decline],
        _ => vec![("submit", "完成 Finish", "ok")],
    }
}

fn render(task: &RegisterTask, token: &str) -> Markup {
    let face = task.route != TaskRoute::Trial && task.status == 0;
    layout(
        task.route.chinese(),
        html! {
            div.card {
                h1 { (task.route.chinese()) }
                (details(task))
            }
            div.card {
                @if task.is_open() {
                    @if task.status != 0 { (status_line(task.status)) }
                    form method="post" action="/wxawap/fastregister/confirm" {
                        input type="hidden" name="create_token" value=(token);
                        @for (decision, label, class) in buttons(task) {
                            button class=(class) type="submit" name="decision" value=(decision) { (label) }
                        }
                    }
                    @if face {
                        form method="post" action="/wxawap/fastregister/confirm" {
                            input type="hidden" name="create_token" value=(token);
                            label { input type="checkbox" name="face" value="ok" checked; " 人脸识别通过 Face check passes" }
                            button.no type="submit" name="decision" value="confirm" { "一步完成全部步骤 Do every step at once" }
                        }
                    }
                } @else {
                    (status_line(task.status))
                }
            }
        },
    )
}

fn deliver_later_settle(inner: &Arc<Inner>) {
    crate::state::deliver_later(inner, inner.settle(false));
}

async fn answer(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let form = Query::parse(std::str::from_utf8(&body).ok());
    let token = form.get("create_token").unwrap_or("").to_owned();
    if token.is_empty() {
        return not_found();
    }
    let step = |until: Step| Answers {
        until: Some(until),
        ..Answers::default()
    };
    let answers = match form.get("decision").unwrap_or("") {
        "decline" => Answers {
            decline: true,
            ..Answers::default()
        },
        "confirm" => Answers {
            face_ok: form.get("face") == Some("ok"),
            ..Answers::default()
        },
        "agree" => step(Step::Agreed),
        "face_start" => step(Step::FaceStarted),
        "face_ok" => step(Step::FaceChecked),
        "face_fail" => Answers {
            face_ok: false,
            ..step(Step::FaceChecked)
        },
        "send_code" => step(Step::CodeSent),
        "code_ok" => step(Step::PhoneVerified),
        "code_fail" => Answers {
            phone_ok: false,
            ..step(Step::PhoneVerified)
        },
        "submit" => Answers::default(),
        other => {
            let page = layout(
                "无法完成",
                html! { div.card { h1 { "无法完成 Cannot complete" } p { "unknown decision " (other) } } },
            );
            return (StatusCode::BAD_REQUEST, page).into_response();
        }
    };
    match crate::register_control::confirm_task(&inner, None, Some(&token), answers) {
        Ok(ended) if ended.appid.is_none() && crate::register_step::is_waiting(ended.status) => {
            // On a step: the page of the next one.
            let w = inner.world.read();
            match w.registration.task_by_url(&token) {
                Some(task) => render(task, &token).into_response(),
                None => not_found(),
            }
        }
        Ok(ended) => layout(
            "结果",
            html! {
                div.card {
                    h1 { @if ended.appid.is_some() { "已完成 Done" } @else { "未完成 Not completed" } }
                    (status_line(ended.status))
                    @if let Some(appid) = &ended.appid { p { "小程序 appid: " (appid) } }
                }
            },
        )
        .into_response(),
        Err(e) => {
            let meaning = fastreg_protocol::catalog::lookup(e.code);
            let page = layout(
                "无法完成",
                html! {
                    div.card {
                        h1 { "无法完成 Cannot complete" }
                        p { (e.code) ": " (e.msg) }
                        @if let Some(m) = meaning { p { (m.zh) " — " (m.en) } }
                    }
                },
            );
            (StatusCode::OK, page).into_response()
        }
    }
}
