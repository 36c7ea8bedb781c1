//! `GET /wxopen/componentrebindadmin` → `POST /wxopen/componentrebindadmin/confirm`: the
//! current admin confirms (with their ID card) and names the new admin. A refused form comes
//! back with what was wrong and a link back to the form.

use super::layout::{Meaning, account_card, bad_query, error_card, error_page, hidden, page, redirect};
use crate::actions::{self, OLD_ADMIN_ID_CARD_MISMATCH, RebindConfirm};
use crate::error::WxError;
use crate::scenario::AdminDef;
use crate::state::{Inner, Query};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use fastreg_protocol::page::{REBIND_ADMIN_PATH, RebindAdminQuery};
use maud::html;
use std::sync::Arc;

const TITLE: &str = "小程序换绑管理员";

/// `GET /wxopen/componentrebindadmin?appid&component_appid&redirect_uri`.
pub async fn show(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> Response {
    let query = match RebindAdminQuery::from_query(q.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return bad_query(TITLE, e.to_string()),
    };
    let w = inner.world.read();
    let (component, appid) = (query.component_appid.as_str(), query.appid.as_str());
    if let Err(e) = actions::rebind_page_checks(&w, component, appid, &query.redirect_uri) {
        return error_page(TITLE, &e);
    }
    let Some(account) = w.accounts.get(appid) else {
        return error_page(TITLE, &WxError::of(40013));
    };
    let masked: String = account
        .admin
        .name
        .chars()
        .enumerate()
        .map(|(i, c)| if i == 0 { c } else { '*' })
        .collect();
    let body = html! {
        (account_card(account))
        form method="post" action={ (REBIND_ADMIN_PATH) "/confirm" } {
            (hidden("component_appid", component))
            (hidden("appid", appid))
            (hidden("redirect_uri", &query.redirect_uri))
            div class="card" {
                h2 { "原管理员确认 · Current admin" }
                p { (masked) }
                label {
                    "原管理员身份证号 Current admin's ID card"
                    input type="text" name="old_admin_id_card" autocomplete="off"
                        placeholder="18 位身份证号 · 18-character ID card number"
                        aria-describedby="old-id-hint";
                }
                p class="note" id="old-id-hint" {
                    "选填：填写该帐号当前管理员的身份证号以核验本人；填错会被拒绝。模拟器中，它是场景里该帐号管理员的身份证号（见 "
                    a href="/__emulator/state" { "/__emulator/state" }
                    "）。"
                    br;
                    "Optional: the ID card number of the account's current admin, to check it is them; a wrong one is refused. \
                     In the emulator it is the scenario admin's (see "
                    a href="/__emulator/state" { "/__emulator/state" }
                    ")."
                }
            }
            div class="card" {
                h2 { "新管理员 · New admin" }
                label { "姓名 Name" input type="text" name="name" required; }
                label { "身份证号 ID card" input type="text" name="id_card" required; }
                label { "手机号 Phone" input type="text" name="phone" required; }
                label { "微信号 WeChat id" input type="text" name="wechat_id" required; }
            }
            button class="ok" { "提交 · Submit" }
        }
    };
    page(TITLE, body).into_response()
}

/// The page's own words for a refused form (the catalog's 40097 is about other APIs).
fn meaning(e: &WxError) -> Option<Meaning> {
    if e.code != 40097 {
        return None;
    }
    Some(if e.msg == OLD_ADMIN_ID_CARD_MISMATCH {
        Meaning {
            zh: "原管理员身份证号与该帐号当前管理员不符。请核对后重新填写，或留空。",
            en: "The ID card number does not match the account's current admin. Check it and try again, or leave it empty.",
        }
    } else {
        Meaning {
            zh: "新管理员的信息不完整：姓名、身份证号、手机号、微信号都必须填写。",
            en: "The new admin's details are incomplete: name, ID card, phone and WeChat id are all required.",
        }
    })
}

/// `POST /wxopen/componentrebindadmin/confirm` (form).
pub async fn confirm(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let form = Query::parse(std::str::from_utf8(&body).ok());
    let field = |k: &str| form.get(k).unwrap_or("").trim().to_owned();
    let old = field("old_admin_id_card");
    let req = RebindConfirm {
        component_appid: field("component_appid"),
        appid: field("appid"),
        redirect_uri: field("redirect_uri"),
        new_admin: AdminDef {
            name: field("name"),
            id_card: field("id_card"),
            phone: field("phone"),
            wechat_id: field("wechat_id"),
        },
        old_admin_id_card: (!old.is_empty()).then_some(old),
    };
    match actions::confirm_rebind(&inner, &req) {
        Ok(to) => redirect(&to),
        Err(e) => {
            let back = format!(
                "{REBIND_ADMIN_PATH}?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("appid", &req.appid)
                    .append_pair("component_appid", &req.component_appid)
                    .append_pair("redirect_uri", &req.redirect_uri)
                    .finish()
            );
            page(TITLE, error_card(&e, meaning(&e), Some(&back))).into_response()
        }
    }
}
