//! `GET /cgi-bin/componentloginpage` → `POST /cgi-bin/componentloginpage/confirm`: an admin
//! picks one of their accounts and the permission sets to grant the platform. Each account is
//! shown with its name, appid, subject and kind, so it can be told apart in any language.

use super::layout::{bad_query, error_page, hidden, page, redirect};
use crate::actions::{self, AuthorizeRequest};
use crate::error::WxError;
use crate::state::{Inner, Query, deliver_later};
use crate::world::Account;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use fastreg_protocol::page::{COMPONENT_LOGIN_PAGE_PATH, ComponentLoginQuery};
use fastreg_protocol::permission::PermissionSet;
use maud::html;
use std::sync::Arc;

const TITLE: &str = "授权第三方平台";

/// `GET /cgi-bin/componentloginpage?component_appid&pre_auth_code&redirect_uri[&auth_type][&biz_appid]`.
pub async fn show(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> Response {
    let query = match ComponentLoginQuery::from_query(q.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return bad_query(TITLE, e.to_string()),
    };
    let now = inner.now();
    let w = inner.world.read();
    let component = query.component_appid.as_str();
    let Some(c) = w.components.get(component) else {
        return error_page(TITLE, &WxError::of(61011));
    };
    match w.pre_auth_codes.get(&query.pre_auth_code) {
        Some(p) if p.component_appid == component && !p.used && now < p.expires_at => {}
        Some(p) if now >= p.expires_at => {
            return error_page(TITLE, &WxError::new(61010, "pre_auth_code is expired"));
        }
        _ => return error_page(TITLE, &WxError::new(61009, "pre_auth_code is invalid or used")),
    }
    let domain = c.def.login_domain.to_ascii_lowercase();
    match fastreg_protocol::page::redirect_host(&query.redirect_uri) {
        Ok(host) if host == domain => {}
        _ => {
            return error_page(
                TITLE,
                &WxError::new(
                    61060,
                    format!("redirect_uri must be on the component's login domain {domain}"),
                ),
            );
        }
    }
    let accounts: Vec<&Account> = w
        .accounts
        .values()
        .filter(|a| match (&query.biz_appid, query.auth_type) {
            (Some(only), _) => a.appid == only.as_str(),
            (None, Some(1)) => !a.is_mini_program(),
            (None, Some(2)) => a.is_mini_program(),
            _ => true,
        })
        .collect();
    let mut sets = c.def.permission_sets.clone();
    sets.push(PermissionSet::FastRegister);
    let body = html! {
        form method="post" action={ (COMPONENT_LOGIN_PAGE_PATH) "/confirm" } {
            (hidden("component_appid", component))
            (hidden("pre_auth_code", &query.pre_auth_code))
            (hidden("redirect_uri", &query.redirect_uri))
            div class="card" {
                h2 { "选择帐号 · Account" }
                @for (i, a) in accounts.iter().enumerate() {
                    label {
                        input type="radio" name="appid" value=(a.appid) checked[i == 0];
                        " " (if a.nickname.is_empty() { &a.appid } else { &a.nickname })
                        " " span class="appid" { (a.appid) }
                        " · " (a.principal_name)
                        "（" (if a.is_mini_program() { "小程序" } else { "公众号" }) "）"
                    }
                }
            }
            div class="card" {
                h2 { "授权权限集 · Permission sets" }
                @for s in sets {
                    label {
                        input type="checkbox" name="set" value=(s.as_str()) checked;
                        " " (s.chinese_name()) "（" (s.english_name()) "）"
                    }
                }
            }
            button class="ok" { "授权 · Authorize" }
        }
    };
    page(TITLE, body).into_response()
}

/// `POST /cgi-bin/componentloginpage/confirm` (form) → 302 `redirect_uri?auth_code=…&expires_in=…`.
pub async fn confirm(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let text = std::str::from_utf8(&body).unwrap_or("");
    let form = Query::parse(Some(text));
    let sets: Vec<PermissionSet> = url::form_urlencoded::parse(text.as_bytes())
        .filter(|(k, _)| k == "set")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let redirect_uri = form.get("redirect_uri").unwrap_or("").to_owned();
    let req = AuthorizeRequest {
        component_appid: form.get("component_appid").unwrap_or("").to_owned(),
        appid: form.get("appid").unwrap_or("").to_owned(),
        fast_register: sets.contains(&PermissionSet::FastRegister),
        permission_sets: Some(sets),
        pre_auth_code: form.get("pre_auth_code").map(str::to_owned),
    };
    {
        let w = inner.world.read();
        let domain = w
            .components
            .get(&req.component_appid)
            .map(|c| c.def.login_domain.to_ascii_lowercase())
            .unwrap_or_default();
        if fastreg_protocol::page::redirect_host(&redirect_uri).ok() != Some(domain) {
            return error_page(
                TITLE,
                &WxError::new(61060, "redirect_uri is not on the component's login domain"),
            );
        }
    }
    match actions::authorize(&inner, &req) {
        Ok(done) => {
            deliver_later(&inner, done.pushes);
            let with_code = fastreg_protocol::page::append_query(&redirect_uri, "auth_code", &done.auth_code)
                .and_then(|u| fastreg_protocol::page::append_query(&u, "expires_in", &done.expires_in.to_string()));
            match with_code {
                Ok(to) => redirect(&to),
                Err(e) => error_page(TITLE, &WxError::new(61060, e.to_string())),
            }
        }
        Err(e) => error_page(TITLE, &e),
    }
}
