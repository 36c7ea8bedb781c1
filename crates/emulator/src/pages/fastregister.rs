//! `GET /cgi-bin/fastregisterauth` → `POST /cgi-bin/fastregisterauth/confirm`: the admin of an
//! Official Account confirms (or declines) that the platform registers a Mini Program with the
//! account's subject.

use super::layout::{account_card, bad_query, error_page, hidden, page, redirect};
use crate::actions::{self, FastRegisterConfirm};
use crate::error::WxError;
use crate::state::{Inner, Query};
use crate::world::World;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use fastreg_protocol::page::{FAST_REGISTER_AUTH_PATH, FastRegisterAuthQuery};
use maud::html;
use std::sync::Arc;

const TITLE: &str = "复用公众号资质快速注册小程序";

fn component_name(w: &World, appid: &str) -> String {
    w.components
        .get(appid)
        .map(|c| c.def.appid.clone())
        .unwrap_or_else(|| appid.to_owned())
}

/// `GET /cgi-bin/fastregisterauth?appid&component_appid&copy_wx_verify&redirect_uri`.
pub async fn show(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> Response {
    let query = match FastRegisterAuthQuery::from_query(q.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return bad_query(TITLE, e.to_string()),
    };
    let w = inner.world.read();
    let (component, appid) = (query.component_appid.as_str(), query.appid.as_str());
    if let Err(e) = actions::fastregister_page_checks(&w, component, appid, &query.redirect_uri) {
        return error_page(TITLE, &e);
    }
    let Some(account) = w.accounts.get(appid) else {
        return error_page(TITLE, &WxError::of(40013));
    };
    let copy = query.copy_wx_verify != 0;
    let body = html! {
        (account_card(account))
        div class="card" {
            h2 { "确认内容 · You confirm" }
            p {
                "第三方平台 " b { (component_name(&w, component)) }
                " 将使用本公众号的主体快速注册一个小程序，注册后默认授权给该平台管理。"
            }
            p { "The platform will register a Mini Program with this account's subject." }
            dl {
                dt { "复用微信认证 Reuse verification" }
                dd { (if copy { "是 · yes (copy_wx_verify=1)" } else { "否 · no (copy_wx_verify=0)" }) }
                dt { "完成后返回 Then back to" }
                dd { code { (query.redirect_uri) } }
            }
        }
        form method="post" action={ (FAST_REGISTER_AUTH_PATH) "/confirm" } {
            (hidden("component_appid", component))
            (hidden("appid", appid))
            (hidden("copy_wx_verify", if copy { "1" } else { "0" }))
            (hidden("redirect_uri", &query.redirect_uri))
            button class="ok" name="decision" value="confirm" { "确认 · Confirm" }
            button class="no" name="decision" value="decline" { "拒绝 · Decline" }
        }
    };
    page(TITLE, body).into_response()
}

/// `POST /cgi-bin/fastregisterauth/confirm` (form).
pub async fn confirm(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let form = Query::parse(std::str::from_utf8(&body).ok());
    let req = FastRegisterConfirm {
        component_appid: form.get("component_appid").unwrap_or("").to_owned(),
        appid: form.get("appid").unwrap_or("").to_owned(),
        copy_wx_verify: form.get("copy_wx_verify") == Some("1"),
        redirect_uri: form.get("redirect_uri").unwrap_or("").to_owned(),
        decline: form.get("decision") == Some("decline"),
    };
    match actions::confirm_fastregister(&inner, &req) {
        Ok(to) => redirect(&to),
        Err(e) => error_page(TITLE, &e),
    }
}
