//! The pieces every emulated page is made of (maud, so every value is escaped): the page
//! itself, the account card, the refusal card with the catalog's meaning and a way back, hidden
//! form fields and the redirect. New pages (other confirmation flows) build on these.

use crate::error::WxError;
use crate::world::Account;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

const STYLE: &str = "body{font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;background:#ededed;color:#111}\
main{max-width:420px;margin:0 auto;padding:16px}main.wide{max-width:960px}\
.card{background:#fff;border-radius:8px;padding:16px;margin-bottom:12px}\
h1{font-size:18px;margin:8px 0 16px}h2{font-size:15px;margin:0 0 8px;color:#555}\
dl{margin:0}dt{color:#888;font-size:13px;margin-top:8px}dd{margin:2px 0 0;font-size:15px;overflow-wrap:anywhere}\
button{display:block;width:100%;padding:12px;margin-top:10px;border:0;border-radius:6px;font-size:16px}\
.ok{background:#07c160;color:#fff}.no{background:#f2f2f2;color:#111}\
.err{background:#fff3f3;border:1px solid #f5c2c2}.code{font-family:monospace;color:#c00}\
label{display:block;margin-top:10px;font-size:14px;color:#555}input[type=text]{width:100%;box-sizing:border-box;padding:8px;font-size:15px}\
.note{font-size:12px;color:#888}.appid{font-family:monospace;font-size:13px;color:#576b95}\
a.back{display:block;text-align:center;padding:12px;margin-top:10px;border-radius:6px;background:#f2f2f2;color:#111;text-decoration:none}\
table{border-collapse:collapse;width:100%;font-size:14px}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}\
code{overflow-wrap:anywhere}";

/// A whole WeChat page: `title` as the heading, `body` under it, the emulator's footnote last.
pub fn page(title: &str, body: Markup) -> Markup {
    shell(
        "",
        title,
        body,
        html! {
            p class="note" {
                "fastreg emulator — 此页面代表管理员在手机微信上的扫码确认 (this page stands for the admin's QR-code scan). "
                a href="/" { "关于模拟器 · About the emulator" }
            }
        },
    )
}

/// The document around a page: `class` on `<main>` (`"wide"` for tables), `footer` last.
pub fn shell(class: &str, title: &str, body: Markup, footer: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                main class=[(!class.is_empty()).then_some(class)] {
                    h1 { (title) }
                    (body)
                    (footer)
                }
            }
        }
    }
}

/// The account being acted on: name, appid, subject, verification.
pub fn account_card(a: &Account) -> Markup {
    html! {
        div class="card" {
            h2 { "帐号 · Account" }
            dl {
                dt { "名称 Name" }
                dd { (if a.nickname.is_empty() { "（未命名）" } else { &a.nickname }) }
                dt { "AppID" }
                dd class="appid" { (a.appid) }
                dt { "主体 Subject" }
                dd { (a.principal_name) "（" (a.principal_type.chinese()) "）" }
                dt { "微信认证 Verified" }
                dd { (if a.verified { "已认证 · yes" } else { "未认证 · no" }) }
            }
        }
    }
}

/// A hidden form field.
pub fn hidden(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
}

/// Why a page cannot go on, said better than the catalog's general entry for the code.
#[derive(Clone, Copy, Debug)]
pub struct Meaning {
    /// In Chinese.
    pub zh: &'static str,
    /// In English.
    pub en: &'static str,
}

/// The refusal card: the code, its meaning (the page's own, else the catalog's), the
/// emulator's message, and a way back when there is one.
pub fn error_card(e: &WxError, meaning: Option<Meaning>, back: Option<&str>) -> Markup {
    let (zh, en) = match meaning {
        Some(m) => (m.zh, m.en),
        None => fastreg_protocol::catalog::lookup(e.code)
            .map(|c| (c.zh, c.en))
            .unwrap_or(("", "")),
    };
    html! {
        div class="card err" role="alert" {
            h2 { "无法继续 · Cannot continue" }
            p { span class="code" { "errcode " (e.code) } }
            p { (zh) }
            p { (en) }
            p class="note" { (e.msg) }
            @if let Some(back) = back {
                a class="back" href=(back) { "返回修改 · Back to the form" }
            }
        }
    }
}

/// A page with only the refusal card (HTTP 200, as WeChat's pages answer).
pub fn error_page(title: &str, e: &WxError) -> Response {
    (StatusCode::OK, page(title, error_card(e, None, None))).into_response()
}

/// A page whose query could not be read (HTTP 400).
pub fn bad_query(title: &str, msg: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        page(title, error_card(&WxError::new(47001, msg), None, None)),
    )
        .into_response()
}

/// 302 to `to`.
pub fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_owned())], ()).into_response()
}
