//! The registration routes' human step, played by the emulator: every `authorize_url` the
//! routes answer is a phone-friendly page here (built with maud), where the user — the legal
//! person, the WeChat user, or the trial's future admin — confirms or declines. Its buttons POST
//! to `/wxawap/fastregister/confirm`, which does what `POST /__emulator/register-tasks/confirm`
//! does, and answers with a page showing the task's status and its catalog meaning.
//!
//! - `GET /wxawap/fastregister?action=show&create_token=…` (enterprise, personal, conversion)
//! - `GET /wxawap/fastregistertpbeta?action=show&create_token=…` (trial)
//! - `POST /wxawap/fastregister/confirm` (form: `create_token`, `decision` = confirm|decline,
//!   `face` = ok|fail)

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
    let task = &*task;
    let face = task.route != TaskRoute::Trial;
    let page = layout(
        task.route.chinese(),
        html! {
            div.card {
                h1 { (task.route.chinese()) }
                (details(task))
            }
            div.card {
                @if task.is_open() {
                    form method="post" action="/wxawap/fastregister/confirm" {
                        input type="hidden" name="create_token" value=(token);
                        @if face {
                            label { input type="checkbox" name="face" value="ok" checked; " 人脸识别通过 Face check passes" }
                        } @else {
                            input type="hidden" name="face" value="ok";
                        }
                        button.ok type="submit" name="decision" value="confirm" { "同意并继续 Confirm" }
                        button.no type="submit" name="decision" value="decline" { "拒绝 Decline" }
                    }
                } @else {
                    (status_line(task.status))
                }
            }
        },
    );
    page.into_response()
}

fn deliver_later_settle(inner: &Arc<Inner>) {
    crate::state::deliver_later(inner, inner.settle(false));
}

async fn answer(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let form = Query::parse(std::str::from_utf8(&body).ok());
    let token = form.get("create_token").unwrap_or("").to_owned();
    let decline = form.get("decision") == Some("decline");
    let face_ok = form.get("face") == Some("ok");
    if token.is_empty() {
        return not_found();
    }
    match crate::register_control::confirm_task(&inner, None, Some(&token), decline, face_ok) {
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
