//! The mp.weixin.qq.com pages, played by the emulator: small server-rendered, phone-friendly
//! pages standing for the admin's QR-code scan. Each shows the account and what is being
//! confirmed; its buttons POST a form to a handler that calls the same code as the control API
//! ([`crate::actions`]) and answers 302 to the redirect. Refusals (61028, 61029, 61060, …) are
//! shown on the page with the catalog's Chinese and English meaning. Every value is HTML-escaped.
//!
//! - `GET /cgi-bin/fastregisterauth` → `POST /cgi-bin/fastregisterauth/confirm`
//! - `GET /wxopen/componentrebindadmin` → `POST /wxopen/componentrebindadmin/confirm`
//! - `GET /cgi-bin/componentloginpage` → `POST /cgi-bin/componentloginpage/confirm`

use crate::actions::{self, AuthorizeRequest, FastRegisterConfirm, RebindConfirm};
use crate::error::WxError;
use crate::scenario::AdminDef;
use crate::state::{Inner, Query, deliver_later};
use crate::world::{Account, World};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use fastreg_protocol::page::{
    COMPONENT_LOGIN_PAGE_PATH, ComponentLoginQuery, FAST_REGISTER_AUTH_PATH, FastRegisterAuthQuery, REBIND_ADMIN_PATH,
    RebindAdminQuery,
};
use fastreg_protocol::permission::PermissionSet;
use std::fmt::Write as _;
use std::sync::Arc;

/// The page routes.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route(FAST_REGISTER_AUTH_PATH, get(fastregister_page))
        .route(
            &format!("{FAST_REGISTER_AUTH_PATH}/confirm"),
            post(fastregister_confirm),
        )
        .route(REBIND_ADMIN_PATH, get(rebind_page))
        .route(&format!("{REBIND_ADMIN_PATH}/confirm"), post(rebind_confirm))
        .route(COMPONENT_LOGIN_PAGE_PATH, get(login_page))
        .route(&format!("{COMPONENT_LOGIN_PAGE_PATH}/confirm"), post(login_confirm))
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;background:#ededed;color:#111}\
main{max-width:420px;margin:0 auto;padding:16px}\
.card{background:#fff;border-radius:8px;padding:16px;margin-bottom:12px}\
h1{font-size:18px;margin:8px 0 16px}h2{font-size:15px;margin:0 0 8px;color:#555}\
dl{margin:0}dt{color:#888;font-size:13px;margin-top:8px}dd{margin:2px 0 0;font-size:15px}\
button{display:block;width:100%;padding:12px;margin-top:10px;border:0;border-radius:6px;font-size:16px}\
.ok{background:#07c160;color:#fff}.no{background:#f2f2f2;color:#111}\
.err{background:#fff3f3;border:1px solid #f5c2c2}.code{font-family:monospace;color:#c00}\
label{display:block;margin-top:10px;font-size:14px;color:#555}input[type=text]{width:100%;box-sizing:border-box;padding:8px;font-size:15px}\
.note{font-size:12px;color:#888}";

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head><body><main><h1>{t}</h1>{body}\
         <p class=\"note\">fastreg emulator — 此页面代表管理员在手机微信上的扫码确认 (this page stands for the admin's QR-code scan).</p>\
         </main></body></html>",
        t = escape(title)
    ))
}

/// The error card: code, the emulator's message, the catalog's zh and en meaning.
fn error_card(e: &WxError) -> String {
    let (zh, en) = fastreg_protocol::catalog::lookup(e.code)
        .map(|c| (c.zh, c.en))
        .unwrap_or(("", ""));
    format!(
        "<div class=\"card err\" role=\"alert\"><h2>无法继续 · Cannot continue</h2>\
         <p><span class=\"code\">errcode {}</span></p><p>{}</p><p>{}</p><p class=\"note\">{}</p></div>",
        e.code,
        escape(zh),
        escape(en),
        escape(&e.msg)
    )
}

fn error_page(title: &str, e: &WxError) -> Response {
    (StatusCode::OK, page(title, &error_card(e))).into_response()
}

fn bad_query(title: &str, msg: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        page(title, &error_card(&WxError::new(47001, msg))),
    )
        .into_response()
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_owned())], ()).into_response()
}

fn account_card(a: &Account) -> String {
    format!(
        "<div class=\"card\"><h2>帐号 · Account</h2><dl>\
         <dt>名称 Name</dt><dd>{}</dd><dt>AppID</dt><dd>{}</dd>\
         <dt>主体 Subject</dt><dd>{}（{}）</dd><dt>微信认证 Verified</dt><dd>{}</dd></dl></div>",
        escape(if a.nickname.is_empty() {
            "（未命名）"
        } else {
            &a.nickname
        }),
        escape(&a.appid),
        escape(&a.principal_name),
        escape(a.principal_type.chinese()),
        if a.verified {
            "已认证 · yes"
        } else {
            "未认证 · no"
        }
    )
}

fn component_name(w: &World, appid: &str) -> String {
    w.components
        .get(appid)
        .map(|c| c.def.appid.clone())
        .unwrap_or_else(|| appid.to_owned())
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        escape(name),
        escape(value)
    )
}

const FR_TITLE: &str = "复用公众号资质快速注册小程序";

/// `GET /cgi-bin/fastregisterauth?appid&component_appid&copy_wx_verify&redirect_uri`.
async fn fastregister_page(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> Response {
    let query = match FastRegisterAuthQuery::from_query(q.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return bad_query(FR_TITLE, e.to_string()),
    };
    let w = inner.world.read();
    let (component, appid) = (query.component_appid.as_str(), query.appid.as_str());
    if let Err(e) = actions::fastregister_page_checks(&w, component, appid, &query.redirect_uri) {
        return error_page(FR_TITLE, &e);
    }
    let Some(account) = w.accounts.get(appid) else {
        return error_page(FR_TITLE, &WxError::of(40013));
    };
    let copy = query.copy_wx_verify != 0;
    let mut body = account_card(account);
    let _ = write!(
        body,
        "<div class=\"card\"><h2>确认内容 · You confirm</h2><p>第三方平台 <b>{}</b> 将使用本公众号的主体快速注册一个小程序，\
         注册后默认授权给该平台管理。</p><p>The platform will register a Mini Program with this account's subject.</p>\
         <dl><dt>复用微信认证 Reuse verification</dt><dd>{}</dd><dt>完成后返回 Then back to</dt><dd>{}</dd></dl></div>",
        escape(&component_name(&w, component)),
        if copy {
            "是 · yes (copy_wx_verify=1)"
        } else {
            "否 · no (copy_wx_verify=0)"
        },
        escape(&query.redirect_uri)
    );
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{}/confirm\">{}{}{}{}\
         <button class=\"ok\" name=\"decision\" value=\"confirm\">确认 · Confirm</button>\
         <button class=\"no\" name=\"decision\" value=\"decline\">拒绝 · Decline</button></form>",
        FAST_REGISTER_AUTH_PATH,
        hidden("component_appid", component),
        hidden("appid", appid),
        hidden("copy_wx_verify", if copy { "1" } else { "0" }),
        hidden("redirect_uri", &query.redirect_uri)
    );
    page(FR_TITLE, &body).into_response()
}

/// `POST /cgi-bin/fastregisterauth/confirm` (form).
async fn fastregister_confirm(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
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
        Err(e) => error_page(FR_TITLE, &e),
    }
}

const RB_TITLE: &str = "小程序换绑管理员";

/// `GET /wxopen/componentrebindadmin?appid&component_appid&redirect_uri`.
async fn rebind_page(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> Response {
    let query = match RebindAdminQuery::from_query(q.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return bad_query(RB_TITLE, e.to_string()),
    };
    let w = inner.world.read();
    let (component, appid) = (query.component_appid.as_str(), query.appid.as_str());
    if let Err(e) = actions::rebind_page_checks(&w, component, appid, &query.redirect_uri) {
        return error_page(RB_TITLE, &e);
    }
    let Some(account) = w.accounts.get(appid) else {
        return error_page(RB_TITLE, &WxError::of(40013));
    };
    let masked: String = account
        .admin
        .name
        .chars()
        .enumerate()
        .map(|(i, c)| if i == 0 { c } else { '*' })
        .collect();
    let mut body = account_card(account);
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{}/confirm\">{}{}{}\
         <div class=\"card\"><h2>原管理员确认 · Current admin</h2><p>{}</p>\
         <label>原管理员身份证号 Current admin's ID card<input type=\"text\" name=\"old_admin_id_card\" autocomplete=\"off\"></label></div>\
         <div class=\"card\"><h2>新管理员 · New admin</h2>\
         <label>姓名 Name<input type=\"text\" name=\"name\" required></label>\
         <label>身份证号 ID card<input type=\"text\" name=\"id_card\" required></label>\
         <label>手机号 Phone<input type=\"text\" name=\"phone\" required></label>\
         <label>微信号 WeChat id<input type=\"text\" name=\"wechat_id\" required></label></div>\
         <button class=\"ok\">提交 · Submit</button></form>",
        REBIND_ADMIN_PATH,
        hidden("component_appid", component),
        hidden("appid", appid),
        hidden("redirect_uri", &query.redirect_uri),
        escape(&masked)
    );
    page(RB_TITLE, &body).into_response()
}

/// `POST /wxopen/componentrebindadmin/confirm` (form).
async fn rebind_confirm(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
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
        Err(e) => error_page(RB_TITLE, &e),
    }
}

const LOGIN_TITLE: &str = "授权第三方平台";

/// `GET /cgi-bin/componentloginpage?component_appid&pre_auth_code&redirect_uri[&auth_type][&biz_appid]`.
async fn login_page(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> Response {
    let query = match ComponentLoginQuery::from_query(q.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return bad_query(LOGIN_TITLE, e.to_string()),
    };
    let now = inner.now();
    let w = inner.world.read();
    let component = query.component_appid.as_str();
    let Some(c) = w.components.get(component) else {
        return error_page(LOGIN_TITLE, &WxError::of(61011));
    };
    match w.pre_auth_codes.get(&query.pre_auth_code) {
        Some(p) if p.component_appid == component && !p.used && now < p.expires_at => {}
        Some(p) if now >= p.expires_at => {
            return error_page(LOGIN_TITLE, &WxError::new(61010, "pre_auth_code is expired"));
        }
        _ => return error_page(LOGIN_TITLE, &WxError::new(61009, "pre_auth_code is invalid or used")),
    }
    let domain = c.def.login_domain.to_ascii_lowercase();
    match fastreg_protocol::page::redirect_host(&query.redirect_uri) {
        Ok(host) if host == domain => {}
        _ => {
            return error_page(
                LOGIN_TITLE,
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
    let mut body = String::new();
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{}/confirm\">{}{}{}<div class=\"card\"><h2>选择帐号 · Account</h2>",
        COMPONENT_LOGIN_PAGE_PATH,
        hidden("component_appid", component),
        hidden("pre_auth_code", &query.pre_auth_code),
        hidden("redirect_uri", &query.redirect_uri)
    );
    for (i, a) in accounts.iter().enumerate() {
        let _ = write!(
            body,
            "<label><input type=\"radio\" name=\"appid\" value=\"{}\"{}> {} · {}（{}）</label>",
            escape(&a.appid),
            if i == 0 { " checked" } else { "" },
            escape(if a.nickname.is_empty() { &a.appid } else { &a.nickname }),
            escape(&a.principal_name),
            if a.is_mini_program() { "小程序" } else { "公众号" }
        );
    }
    body.push_str("</div><div class=\"card\"><h2>授权权限集 · Permission sets</h2>");
    let mut sets = c.def.permission_sets.clone();
    sets.push(PermissionSet::FastRegister);
    for s in sets {
        let _ = write!(
            body,
            "<label><input type=\"checkbox\" name=\"set\" value=\"{}\" checked> {}（{}）</label>",
            s.as_str(),
            escape(s.chinese_name()),
            escape(s.english_name())
        );
    }
    body.push_str("</div><button class=\"ok\">授权 · Authorize</button></form>");
    page(LOGIN_TITLE, &body).into_response()
}

/// `POST /cgi-bin/componentloginpage/confirm` (form) → 302 `redirect_uri?auth_code=…&expires_in=…`.
async fn login_confirm(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
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
                LOGIN_TITLE,
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
                Err(e) => error_page(LOGIN_TITLE, &WxError::new(61060, e.to_string())),
            }
        }
        Err(e) => error_page(LOGIN_TITLE, &e),
    }
}
