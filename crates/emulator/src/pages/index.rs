//! `GET /`: the emulator introduces itself — what it is, the scenario's components and
//! accounts (with what each built-in account is for), the pages it plays and where they are
//! opened from, the control API, and its documentation (`GET /docs`, served from the crate's
//! README so it works offline).

use super::layout::shell;
use crate::builtin;
use crate::state::Inner;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fastreg_protocol::page::{COMPONENT_LOGIN_PAGE_PATH, FAST_REGISTER_AUTH_PATH, REBIND_ADMIN_PATH};
use maud::html;
use std::sync::Arc;

const TITLE: &str = "fastreg emulator — 本地模拟的微信 · a local WeChat";

/// The control API's read-only views, linked from the index.
const CONTROL_VIEWS: &[(&str, &str)] = &[
    (
        "/__emulator/state",
        "everything the emulator holds: accounts, authorizations, tasks, audits",
    ),
    ("/__emulator/calls", "how often each API path was called"),
    (
        "/__emulator/audits",
        "name and category audits, to decide with POST /__emulator/audits/{id}",
    ),
    (
        "/__emulator/clock",
        "the virtual clock (advance it with POST /__emulator/clock/advance)",
    ),
    ("/__emulator/scenario", "the scenario as loaded"),
];

/// `GET /`.
pub async fn show(State(inner): State<Arc<Inner>>) -> Response {
    let w = inner.world.read();
    let body = html! {
        div class="card" {
            p {
                "A stand-in for WeChat's side of fast registration: the api.weixin.qq.com paths, the \
                 mp.weixin.qq.com pages where an admin confirms, encrypted pushes to the platform, a \
                 virtual clock and a control API, all on this one port. Point an SDK or fastreg serve \
                 at this address as both its API base and its page base."
            }
            p { "供第三方平台本地开发和测试：接口、管理员确认页面、加密推送、虚拟时钟和控制接口都在这个端口上。" }
            p { a href="/docs" { "文档 · Documentation" } " (the emulator's README)" }
        }
        div class="card" {
            h2 { "第三方平台 · Components" }
            table {
                tr { th { "AppID" } th { "published" } th { "login domain" } th { "pushes to" } }
                @for c in w.components.values() {
                    tr {
                        td class="appid" { (c.def.appid) }
                        td { (if c.def.published { "yes" } else { "no (61028)" }) }
                        td { code { (c.def.login_domain) } }
                        td { code { (c.def.event_url.as_deref().unwrap_or("—")) } }
                    }
                }
            }
        }
        div class="card" {
            h2 { "帐号 · Accounts" }
            table {
                tr { th { "名称 Name" } th { "AppID" } th { "kind" } th { "subject" } th { "for" } }
                @for a in w.accounts.values() {
                    tr {
                        td { (a.nickname) }
                        td class="appid" { (a.appid) }
                        td { (if a.is_mini_program() { "Mini Program 小程序" } else { "Official Account 公众号" }) }
                        td { (a.principal_name) }
                        td { (builtin::purpose(&a.appid).unwrap_or("")) }
                    }
                }
            }
        }
        div class="card" {
            h2 { "页面 · Pages" }
            p class="note" {
                "The platform sends an admin to these with the query WeChat's documents give (a \
                 pre_auth_code, an appid, a redirect_uri …); opened bare they explain what is missing."
            }
            table {
                tr {
                    td { a href=(COMPONENT_LOGIN_PAGE_PATH) { code { (COMPONENT_LOGIN_PAGE_PATH) } } }
                    td { "authorize the platform for an account (授权第三方平台)" }
                }
                tr {
                    td { a href=(FAST_REGISTER_AUTH_PATH) { code { (FAST_REGISTER_AUTH_PATH) } } }
                    td { "confirm a fast registration (复用公众号资质快速注册小程序)" }
                }
                tr {
                    td { a href=(REBIND_ADMIN_PATH) { code { (REBIND_ADMIN_PATH) } } }
                    td { "rebind a Mini Program's admin (小程序换绑管理员)" }
                }
            }
        }
        div class="card" {
            h2 { "控制接口 · Control API" }
            table {
                @for (path, what) in CONTROL_VIEWS {
                    tr { td { a href=(path) { code { (path) } } } td { (what) } }
                }
            }
        }
    };
    shell("wide", TITLE, body, html! {}).into_response()
}

/// `GET /docs`: the emulator's README, as text.
pub async fn docs() -> Response {
    (
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        include_str!("../../README.md"),
    )
        .into_response()
}
