//! Domains (lifecycle spec §4). Rules, in order:
//! - modify_domain (mode A): a Mini Program (85015); `action` add, delete, set or get (47001);
//!   for a change, `domain_changes_per_month` (50) not spent (86102); each domain has its list's
//!   scheme (`https://` for request, upload and download, `wss://`, `udp://`, `tcp://`), is not
//!   an IP address or api.weixin.qq.com — else it goes to `invalid_*` — and is the component's
//!   registered domain or a subdomain of one (85018); nothing valid left to add or set is
//!   85301; a list over `server_domains_per_type` (200) is 85016. Errors carry only
//!   errcode/errmsg (WeChat also echoes the lists; the emulator does not);
//! - modify_domain_directly (mode B): the same without the component's registration, a wrong
//!   scheme being 86100 and api.weixin.qq.com 86101;
//! - get_effective_domain: the body is `{}` (44002); `effective_domain` is the direct domains
//!   when any are set, else the Mini Program's;
//! - setwebviewdomain: no `action` copies the component's business domains; otherwise each
//!   domain is `https://`, registered on the component or a subdomain of one (89021); over
//!   `webview_domain_limit` (300) is 89029;
//! - modify_wxa_server_domain, modify_wxa_jump_domain (component token): add, delete, set or get
//!   the component's registered domains (`;`-separated, any scheme dropped); testing and
//!   published configurations are one list here.

use super::code::{answer, non_empty, parse_body, require_post};
use crate::error::{ApiResult, WxError};
use crate::lifecycle_state::bare_host;
use crate::state::{Inner, Query};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::routing::post;
use fastreg_protocol::Endpoint;
use fastreg_protocol::domain::{
    GetEffectiveDomain, GetEffectiveDomainResponse, ModifyDomain, ModifyDomainDirectly, ModifyDomainRequest,
    ModifyDomainResponse, ModifyWxaJumpDomain, ModifyWxaJumpDomainRequest, ModifyWxaJumpDomainResponse,
    ModifyWxaServerDomain, ModifyWxaServerDomainRequest, ModifyWxaServerDomainResponse, ServerDomains,
    SetWebviewDomain, SetWebviewDomainRequest, SetWebviewDomainResponse,
};
use std::sync::Arc;

/// The domain routes.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route(ModifyDomain::PATH, post(modify).get(require_post))
        .route(ModifyDomainDirectly::PATH, post(modify_directly).get(require_post))
        .route(GetEffectiveDomain::PATH, post(effective).get(require_post))
        .route(SetWebviewDomain::PATH, post(webview).get(require_post))
        .route(ModifyWxaServerDomain::PATH, post(component_server).get(require_post))
        .route(ModifyWxaJumpDomain::PATH, post(component_jump).get(require_post))
}

fn scheme_of(list: &str) -> &'static str {
    match list {
        "wsrequestdomain" => "wss://",
        "udpdomain" => "udp://",
        "tcpdomain" => "tcp://",
        _ => "https://",
    }
}

fn is_ip(host: &str) -> bool {
    let h = host.split(':').next().unwrap_or(host);
    h.parse::<std::net::IpAddr>().is_ok()
}

/// Whether `host` is a registered domain or a subdomain of one.
fn registered(host: &str, registered: &[String]) -> bool {
    let h = host.split(':').next().unwrap_or(host);
    registered.iter().any(|r| {
        let r = r.split(':').next().unwrap_or(r);
        h == r || h.ends_with(&format!(".{r}"))
    })
}

fn apply(current: &mut Vec<String>, action: &str, given: Vec<String>) {
    match action {
        "add" => {
            for d in given {
                if !current.contains(&d) {
                    current.push(d);
                }
            }
        }
        "delete" => current.retain(|d| !given.contains(d)),
        _ => *current = given,
    }
}

/// Mode A (`direct` false) and mode B (true).
fn change(inner: &Inner, q: Option<&str>, body: &[u8], direct: bool) -> ApiResult {
    let name = if direct {
        "modify_domain_directly"
    } else {
        "modify_domain"
    };
    let (component, appid) = inner.authorizer_caller(&Query::parse(q), name)?;
    let req: ModifyDomainRequest = parse_body(body, &appid)?;
    let now = inner.now();
    let mut w = inner.world.write();
    if !w.accounts.get(&appid).is_some_and(|a| a.is_mini_program()) {
        return Err(WxError::new(85015, "not a Mini Program account").for_app(&appid));
    }
    let settings = w.lifecycle.settings.clone();
    let known = w.lifecycle.component(&component).server_domains.clone();
    let program = w.lifecycle.program(&appid);
    let current = if direct {
        program.direct_server_domains.clone()
    } else {
        program.server_domains.clone()
    };
    let action = req.action.as_str();
    if action == "get" {
        return Ok(answer(&appid, &ModifyDomainResponse::new(current)));
    }
    if !matches!(action, "add" | "delete" | "set") {
        return Err(WxError::new(47001, "data format error: action is add, delete, set or get").for_app(&appid));
    }
    let month = crate::clock::china_month(now);
    let used = if program.domain_changes.0 == month {
        program.domain_changes.1
    } else {
        0
    };
    if used >= settings.domain_changes_per_month {
        return Err(WxError::new(86102, "domains can be modified 50 times a month").for_app(&appid));
    }
    let mut resp = ModifyDomainResponse::default();
    let mut next = current;
    let mut valid_given = 0usize;
    let mut invalid: Vec<(&'static str, Vec<String>)> = Vec::new();
    for ((list, given), (_, target)) in req.domains.lists().into_iter().zip(next.lists_mut()) {
        let scheme = scheme_of(list);
        let mut ok = Vec::new();
        let mut bad = Vec::new();
        for d in given {
            let d = d.trim().to_ascii_lowercase();
            let host = bare_host(&d);
            if direct && !d.starts_with(scheme) {
                return Err(WxError::new(86100, format!("invalid url scheme: {d}")).for_app(&appid));
            }
            if host == "api.weixin.qq.com" && direct {
                return Err(WxError::new(86101, "api.weixin.qq.com cannot be configured").for_app(&appid));
            }
            if !d.starts_with(scheme) || is_ip(&host) || host == "api.weixin.qq.com" {
                bad.push(d);
                continue;
            }
            if !direct && action != "delete" && !registered(&host, &known) {
                return Err(
                    WxError::new(85018, format!("domain not registered on the component: {host}")).for_app(&appid),
                );
            }
            ok.push(d);
        }
        valid_given += ok.len();
        apply(target, action, ok);
        if target.len() > settings.server_domains_per_type {
            return Err(WxError::new(85016, format!("too many {list}")).for_app(&appid));
        }
        invalid.push((list, bad));
    }
    if valid_given == 0 && action != "set" {
        return Err(WxError::new(85301, "no domain to modify after filtered").for_app(&appid));
    }
    let program = w.lifecycle.program(&appid);
    if direct {
        program.direct_server_domains = next.clone();
    } else {
        program.server_domains = next.clone();
    }
    program.domain_changes = (month, used + 1);
    resp.domains = next;
    for (list, bad) in invalid {
        match list {
            "requestdomain" => resp.invalid_requestdomain = bad,
            "wsrequestdomain" => resp.invalid_wsrequestdomain = bad,
            "uploaddomain" => resp.invalid_uploaddomain = bad,
            "downloaddomain" => resp.invalid_downloaddomain = bad,
            "udpdomain" => resp.invalid_udpdomain = bad,
            _ => resp.invalid_tcpdomain = bad,
        }
    }
    Ok(answer(&appid, &resp))
}

async fn modify(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    change(&inner, q.as_deref(), &body, false)
}

async fn modify_directly(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    change(&inner, q.as_deref(), &body, true)
}

async fn effective(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (component, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "get_effective_domain")?;
    non_empty(&body, &appid)?;
    let mut w = inner.world.write();
    let known = w.lifecycle.component(&component).server_domains.clone();
    let program = w.lifecycle.program(&appid);
    let mut resp = GetEffectiveDomainResponse::default();
    let https: Vec<String> = known.iter().map(|d| format!("https://{d}")).collect();
    let mut third = ServerDomains::default();
    third.requestdomain = https.clone();
    third.uploaddomain = https.clone();
    third.downloaddomain = https;
    third.wsrequestdomain = known.iter().map(|d| format!("wss://{d}")).collect();
    resp.third_domain = third;
    resp.mp_domain = program.server_domains.clone();
    resp.direct_domain = program.direct_server_domains.clone();
    resp.effective_domain = if program.direct_server_domains == ServerDomains::default() {
        program.server_domains.clone()
    } else {
        program.direct_server_domains.clone()
    };
    Ok(answer(&appid, &resp))
}

async fn webview(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (component, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "setwebviewdomain")?;
    let req: SetWebviewDomainRequest = parse_body(&body, &appid)?;
    let mut w = inner.world.write();
    let limit = w.lifecycle.settings.webview_domain_limit;
    let known = w.lifecycle.component(&component).webview_domains.clone();
    let program = w.lifecycle.program(&appid);
    let action = req.action.as_deref().unwrap_or("");
    let mut given = Vec::new();
    for d in &req.webviewdomain {
        let d = d.trim().to_ascii_lowercase();
        let host = bare_host(&d);
        if action != "delete" && (!d.starts_with("https://") || host.contains(':') || !registered(&host, &known)) {
            return Err(
                WxError::new(89021, format!("request domain is not open's webview domain: {d}")).for_app(&appid),
            );
        }
        given.push(d);
    }
    match action {
        "" => {
            for d in known.iter().map(|d| format!("https://{d}")) {
                if !program.webview_domains.contains(&d) {
                    program.webview_domains.push(d);
                }
            }
        }
        "get" => {}
        "add" | "delete" | "set" => apply(&mut program.webview_domains, action, given),
        _ => {
            return Err(WxError::new(47001, "data format error: action is add, delete, set or get").for_app(&appid));
        }
    }
    if program.webview_domains.len() > limit {
        return Err(WxError::new(89029, "too many business domains").for_app(&appid));
    }
    Ok(answer(
        &appid,
        &SetWebviewDomainResponse::new(program.webview_domains.clone()),
    ))
}

/// add / delete / set / get on a component's registered list; the new list and the rejected.
fn component_list(current: &mut Vec<String>, action: &str, given: &str) -> Result<Vec<String>, WxError> {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for d in given.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let host = bare_host(d);
        if is_ip(&host) || host == "api.weixin.qq.com" || !host.contains('.') {
            bad.push(d.to_owned());
        } else {
            ok.push(host);
        }
    }
    match action {
        "get" => {}
        "add" | "delete" | "set" => apply(current, action, ok),
        _ => {
            return Err(WxError::new(
                47001,
                "data format error: action is add, delete, set or get",
            ));
        }
    }
    Ok(bad)
}

async fn component_server(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let component = inner.component_caller(&Query::parse(q.as_deref()), "modify_wxa_server_domain")?;
    let req: ModifyWxaServerDomainRequest = parse_body(&body, &component)?;
    let mut w = inner.world.write();
    let c = w.lifecycle.component(&component);
    let bad = component_list(&mut c.server_domains, &req.action, &req.wxa_server_domain)
        .map_err(|e| e.for_app(&component))?;
    let mut resp = ModifyWxaServerDomainResponse::default();
    resp.published_wxa_server_domain = c.server_domains.join(";");
    resp.testing_wxa_server_domain = c.server_domains.join(";");
    resp.invalid_wxa_server_domain = bad.join(";");
    Ok(answer(&component, &resp))
}

async fn component_jump(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let component = inner.component_caller(&Query::parse(q.as_deref()), "modify_wxa_jump_domain")?;
    let req: ModifyWxaJumpDomainRequest = parse_body(&body, &component)?;
    let mut w = inner.world.write();
    let c = w.lifecycle.component(&component);
    let bad = component_list(&mut c.webview_domains, &req.action, &req.wxa_jump_h5_domain)
        .map_err(|e| e.for_app(&component))?;
    let mut resp = ModifyWxaJumpDomainResponse::default();
    resp.published_wxa_jump_h5_domain = c.webview_domains.join(";");
    resp.testing_wxa_jump_h5_domain = c.webview_domains.join(";");
    resp.invalid_wxa_jump_h5_domain = bad.join(";");
    Ok(answer(&component, &resp))
}
