//! The control API under `/__emulator/` (JSON), kept apart from WeChat's paths as moto's
//! `/moto-api/` and WireMock's `/__admin/` are: state, clock, components and accounts, the
//! admin's confirmations, audits, faults, the call log, pushes, reset.
//!
//! Malformed control requests answer HTTP 400 with `{"errcode": 47001, "errmsg": …}`; WeChat's
//! own refusals (61028, 61060, …) answer 200 with `{"errcode", "errmsg"}`, as the pages show them.

use crate::actions::{self, AuthorizeRequest, FastRegisterConfirm, RebindConfirm};
use crate::error::WxError;
use crate::faults::FaultSpec;
use crate::push::{self, PushMode};
use crate::scenario::{AccountType, AdminDef, ComponentDef, PrincipalType};
use crate::state::{Inner, deliver_later, tick};
use crate::world::{Account, AccountKind, Counter};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fastreg_protocol::permission::PermissionSet;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;

/// The control routes, to be nested under `/__emulator`.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route("/state", get(state))
        .route("/scenario", get(scenario))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route("/components", post(upsert_component))
        .route("/official-accounts", post(upsert_official_account))
        .route("/mini-programs/{appid}", post(patch_mini_program))
        .route("/authorize", post(authorize))
        .route("/unauthorize", post(unauthorize))
        .route("/fastregister/confirm", post(confirm_fastregister))
        .route("/rebindadmin/confirm", post(confirm_rebind))
        .route("/audits", get(audits))
        .route("/audits/{audit_id}", post(decide_audit))
        .route("/faults", get(faults).post(add_fault).delete(clear_faults))
        .route("/calls", get(calls))
        .route("/push/verify-ticket", post(push_verify_ticket))
        .route("/push/mode", get(push_mode).post(set_push_mode))
        .route("/reset", post(reset))
        .merge(crate::register_control::routes())
        .merge(crate::control_lifecycle::routes())
}

fn bad_request(msg: impl Into<String>) -> Response {
    let e = WxError::new(47001, format!("data format error: {}", msg.into()));
    (StatusCode::BAD_REQUEST, Json(e.body())).into_response()
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

fn refusal(e: WxError) -> Response {
    Json(e.body()).into_response()
}

/// `GET /__emulator/state`.
async fn state(State(inner): State<Arc<Inner>>) -> Response {
    deliver_later(&inner, inner.settle_due());
    let now = inner.now();
    let overlap = inner.token_overlap.load(std::sync::atomic::Ordering::SeqCst);
    let w = inner.world.read();
    let components: Vec<Value> = w
        .components
        .values()
        .map(|c| {
            json!({
                "appid": c.def.appid,
                "published": c.def.published,
                "permission_sets": c.def.permission_sets,
                "login_domain": c.def.login_domain,
                "event_url": c.def.event_url,
                "message_url": c.def.message_url,
                "ticket": c.current_ticket(),
                "next_ticket_push_at": c.next_ticket_push_at,
                "subject_type": c.subject_type,
            })
        })
        .collect();
    let account_json = |a: &Account| {
        let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
        v["quotas"] = json!({
            "fast_register_used_this_month": w.used(&a.appid, Counter::FastRegister, now),
            "head_image_used_this_month": w.used(&a.appid, Counter::HeadImage, now),
            "signature_used_this_month": w.used(&a.appid, Counter::Signature, now),
            "category_changes_used_this_month": w.used(&a.appid, Counter::CategoryChange, now),
            "nickname_checks_today": w.used(&a.appid, Counter::NicknameCheck, now),
        });
        v
    };
    let official_accounts: Vec<Value> = w
        .accounts
        .values()
        .filter(|a| !a.is_mini_program())
        .map(account_json)
        .collect();
    let mini_programs: Vec<Value> = w
        .accounts
        .values()
        .filter(|a| a.is_mini_program())
        .map(account_json)
        .collect();
    let authorizations: Vec<Value> = w
        .authorizations
        .values()
        .map(|a| {
            json!({
                "component_appid": a.component_appid,
                "appid": a.appid,
                "permission_sets": a.permission_sets,
                "auth_time": a.auth_time,
                "refresh_token_fingerprint": fastreg_protocol::id::fingerprint(&a.refresh_token),
            })
        })
        .collect();
    let tickets: Vec<Value> = w
        .fastregister_tickets
        .iter()
        .map(|(t, v)| {
            let mut j = serde_json::to_value(v).unwrap_or(Value::Null);
            j["ticket"] = json!(t);
            j
        })
        .collect();
    let tasks: Vec<Value> = w
        .rebind_tasks
        .iter()
        .map(|(t, v)| {
            let mut j = serde_json::to_value(v).unwrap_or(Value::Null);
            j["taskid"] = json!(t);
            j
        })
        .collect();
    let registration = crate::register_control::state_view(&w);
    Json(json!({
        "now": now,
        "components": components,
        "official_accounts": official_accounts,
        "mini_programs": mini_programs,
        "authorizations": authorizations,
        "tokens": inner.tokens.views(now, overlap),
        "fastregister_tickets": tickets,
        "rebind_tasks": tasks,
        "audits": w.audits.values().collect::<Vec<_>>(),
        "media": w.media.len(),
        "pushes": w.pushes,
        "push_mode": *inner.push_mode.lock(),
        "faults": inner.faults.list(),
        "enterprises": registration["enterprises"],
        "persons": registration["persons"],
        "register_tasks": registration["register_tasks"],
        "trials": registration["trials"],
        "lifecycle": w.lifecycle,
    }))
    .into_response()
}

/// `GET /__emulator/scenario` — the scenario reset returns to, as TOML.
async fn scenario(State(inner): State<Arc<Inner>>) -> Response {
    let text = inner.scenario.read().to_toml();
    ([("content-type", "application/toml; charset=utf-8")], text).into_response()
}

/// `GET /__emulator/clock`.
async fn clock(State(inner): State<Arc<Inner>>) -> Response {
    let now = inner.now();
    let (y, m, d) = crate::clock::china_date(now);
    Json(json!({"now": now, "china_date": format!("{y:04}-{m:02}-{d:02}"), "next_month_starts_at": crate::clock::next_china_month_start(now)}))
        .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

/// `POST /__emulator/clock/advance {"seconds": N}` — moves the clock, then runs the schedule
/// (verify-ticket push, due audits and their pushes) before answering.
async fn advance(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let req: Advance = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    if req.seconds < 0 {
        return bad_request("seconds must not be negative: the clock only moves forward");
    }
    let now = inner.clock.advance(req.seconds);
    tick(&inner).await;
    Json(json!({"now": now})).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentUpsert {
    appid: String,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    encoding_aes_key: Option<String>,
    #[serde(default)]
    published: Option<bool>,
    #[serde(default)]
    permission_sets: Option<Vec<PermissionSet>>,
    #[serde(default)]
    login_domain: Option<String>,
    #[serde(default)]
    event_url: Option<String>,
    #[serde(default)]
    message_url: Option<String>,
    /// The component's registered server domains (lifecycle; no scheme needed).
    #[serde(default)]
    server_domains: Option<Vec<String>>,
    /// The component's registered business domains.
    #[serde(default)]
    webview_domains: Option<Vec<String>>,
    /// Who owns the platform: "enterprise" (default) or "individual" (the registration routes
    /// answer 89295 / 86040).
    #[serde(default)]
    subject_type: Option<crate::subject::ComponentSubject>,
}

/// `POST /__emulator/components` — adds a component or changes the given fields of one.
async fn upsert_component(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let req: ComponentUpsert = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    let existing = inner.world.read().components.get(&req.appid).map(|c| c.def.clone());
    let base = existing.clone().unwrap_or_else(|| ComponentDef {
        appid: req.appid.clone(),
        secret: String::new(),
        token: String::new(),
        encoding_aes_key: String::new(),
        published: true,
        permission_sets: fastreg_protocol::permission::REQUIRED_FOR_FAST_REGISTER.to_vec(),
        login_domain: String::new(),
        event_url: None,
        message_url: None,
    });
    let def = ComponentDef {
        appid: req.appid.clone(),
        secret: req.secret.unwrap_or(base.secret),
        token: req.token.unwrap_or(base.token),
        encoding_aes_key: req.encoding_aes_key.unwrap_or(base.encoding_aes_key),
        published: req.published.unwrap_or(base.published),
        permission_sets: req.permission_sets.unwrap_or(base.permission_sets),
        login_domain: req.login_domain.unwrap_or(base.login_domain),
        event_url: req.event_url.or(base.event_url).filter(|u| !u.is_empty()),
        message_url: req.message_url.or(base.message_url).filter(|u| !u.is_empty()),
    };
    if let Err(e) = fastreg_protocol::AppId::parse(def.appid.as_str()) {
        return bad_request(e.to_string());
    }
    if def.secret.is_empty() || def.token.is_empty() || def.login_domain.is_empty() {
        return bad_request("a new component needs secret, token, encoding_aes_key and login_domain");
    }
    if let Err(e) = fastreg_protocol::crypto::MsgCrypt::new(&def.token, &def.encoding_aes_key, &def.appid) {
        return bad_request(e.to_string());
    }
    let event_url_changed = existing.as_ref().map(|e| &e.event_url) != Some(&def.event_url);
    let now = inner.now();
    {
        let mut w = inner.world.write();
        w.upsert_component(def.clone(), now, &inner.ids);
        if let Some(subject) = req.subject_type
            && let Some(c) = w.components.get_mut(&def.appid)
        {
            c.subject_type = subject;
        }
        w.lifecycle.register_domains(
            &def.appid,
            req.server_domains.as_deref(),
            req.webview_domains.as_deref(),
        );
        if event_url_changed && let Some(c) = w.components.get_mut(&def.appid) {
            // A platform that just set its event URL gets a ticket at once, not in 10 minutes.
            c.next_ticket_push_at = now;
        }
    }
    if event_url_changed {
        let inner = Arc::clone(&inner);
        tokio::spawn(async move { tick(&inner).await });
    }
    let mut view = def_view(&def);
    view["subject_type"] = json!(inner.world.read().components.get(&def.appid).map(|c| c.subject_type));
    Json(json!({"ok": true, "created": existing.is_none(), "component": view})).into_response()
}

fn def_view(def: &ComponentDef) -> Value {
    json!({
        "appid": def.appid,
        "published": def.published,
        "permission_sets": def.permission_sets,
        "login_domain": def.login_domain,
        "event_url": def.event_url,
        "message_url": def.message_url,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficialAccountUpsert {
    appid: String,
    #[serde(default)]
    nickname: Option<String>,
    #[serde(default)]
    account_type: Option<AccountType>,
    #[serde(default)]
    principal_type: Option<PrincipalType>,
    #[serde(default)]
    principal_name: Option<String>,
    #[serde(default)]
    verified: Option<bool>,
    #[serde(default)]
    verify_expires_at: Option<i64>,
    #[serde(default)]
    overseas: Option<bool>,
    #[serde(default)]
    blacklisted: Option<bool>,
    #[serde(default)]
    icp_filed: Option<bool>,
    #[serde(default)]
    pending_registration: Option<bool>,
    #[serde(default)]
    subject_mini_programs: Option<u32>,
    #[serde(default)]
    admin: Option<AdminDef>,
}

/// `POST /__emulator/official-accounts` — adds an Official Account or changes the given fields.
async fn upsert_official_account(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let req: OfficialAccountUpsert = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    if let Err(e) = fastreg_protocol::AppId::parse(req.appid.as_str()) {
        return bad_request(e.to_string());
    }
    let now = inner.now();
    let mut w = inner.world.write();
    let created = !w.accounts.contains_key(&req.appid);
    if created && req.principal_name.as_deref().is_none_or(str::is_empty) {
        return bad_request("a new Official Account needs principal_name");
    }
    if w.accounts.get(&req.appid).is_some_and(Account::is_mini_program) {
        return bad_request(format!("{} is a Mini Program", req.appid));
    }
    let original_id = inner.ids.original_id();
    let account = w.accounts.entry(req.appid.clone()).or_insert_with(|| Account {
        appid: req.appid.clone(),
        kind: AccountKind::OfficialAccount {
            account_type: AccountType::Service,
        },
        original_id,
        nickname: String::new(),
        principal_type: PrincipalType::Enterprise,
        principal_name: String::new(),
        verified: false,
        verify_expires_at: now + 365 * 86_400,
        overseas: false,
        blacklisted: false,
        icp_filed: true,
        pending_registration: false,
        subject_mini_programs: 0,
        admin: AdminDef::default(),
        signature: String::new(),
        head_image_url: String::new(),
        realname_status: 1,
        realname_due_at: None,
        categories: vec![],
        nickname_audit: None,
        created_at: now,
    });
    if let Some(t) = req.account_type {
        account.kind = AccountKind::OfficialAccount { account_type: t };
    }
    if let Some(v) = req.nickname {
        account.nickname = v;
    }
    if let Some(v) = req.principal_type {
        account.principal_type = v;
    }
    if let Some(v) = req.principal_name {
        account.principal_name = v;
    }
    if let Some(v) = req.verified {
        account.verified = v;
    }
    if let Some(v) = req.verify_expires_at {
        account.verify_expires_at = v;
    }
    if let Some(v) = req.overseas {
        account.overseas = v;
    }
    if let Some(v) = req.blacklisted {
        account.blacklisted = v;
    }
    if let Some(v) = req.icp_filed {
        account.icp_filed = v;
    }
    if let Some(v) = req.pending_registration {
        account.pending_registration = v;
    }
    if let Some(v) = req.subject_mini_programs {
        account.subject_mini_programs = v;
    }
    if let Some(v) = req.admin {
        account.admin = v;
    }
    let view = serde_json::to_value(&*account).unwrap_or(Value::Null);
    Json(json!({"ok": true, "created": created, "official_account": view})).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MiniProgramPatch {
    #[serde(default)]
    released: Option<bool>,
    #[serde(default)]
    realname_status: Option<u64>,
    #[serde(default)]
    verified: Option<bool>,
    #[serde(default)]
    nickname: Option<String>,
}

/// `POST /__emulator/mini-programs/{appid}` — marks a Mini Program released, verified, …
async fn patch_mini_program(State(inner): State<Arc<Inner>>, Path(appid): Path<String>, body: Bytes) -> Response {
    let req: MiniProgramPatch = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    let mut w = inner.world.write();
    let Some(account) = w.accounts.get_mut(&appid).filter(|a| a.is_mini_program()) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"errcode": 40013, "errmsg": format!("{appid} is not a Mini Program")})),
        )
            .into_response();
    };
    if let (Some(r), AccountKind::MiniProgram { released, .. }) = (req.released, &mut account.kind) {
        *released = r;
    }
    if let Some(v) = req.realname_status {
        account.realname_status = v;
        account.realname_due_at = None;
    }
    if let Some(v) = req.verified {
        account.verified = v;
    }
    if let Some(v) = req.nickname {
        account.nickname = v;
    }
    let view = serde_json::to_value(&*account).unwrap_or(Value::Null);
    Json(json!({"ok": true, "mini_program": view})).into_response()
}

/// `POST /__emulator/authorize`.
async fn authorize(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let req: AuthorizeRequest = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    match actions::authorize(&inner, &req) {
        Ok(done) => {
            for p in done.pushes {
                push::deliver(&inner, p).await;
            }
            Json(json!({"auth_code": done.auth_code, "expires_in": done.expires_in})).into_response()
        }
        Err(e) => refusal(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Unauthorize {
    component_appid: String,
    appid: String,
}

/// `POST /__emulator/unauthorize` — the account withdraws its authorization.
async fn unauthorize(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let req: Unauthorize = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    match actions::unauthorize(&inner, &req.component_appid, &req.appid) {
        Ok(pushes) => {
            for p in pushes {
                push::deliver(&inner, p).await;
            }
            Json(json!({"ok": true})).into_response()
        }
        Err(e) => refusal(e),
    }
}

/// `POST /__emulator/fastregister/confirm`.
async fn confirm_fastregister(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let req: FastRegisterConfirm = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    match actions::confirm_fastregister(&inner, &req) {
        Ok(redirect) => Json(json!({"redirect": redirect})).into_response(),
        Err(e) => refusal(e),
    }
}

/// `POST /__emulator/rebindadmin/confirm`.
async fn confirm_rebind(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let req: RebindConfirm = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    match actions::confirm_rebind(&inner, &req) {
        Ok(redirect) => Json(json!({"redirect": redirect})).into_response(),
        Err(e) => refusal(e),
    }
}

/// `GET /__emulator/audits`.
async fn audits(State(inner): State<Arc<Inner>>) -> Response {
    deliver_later(&inner, inner.settle_due());
    let w = inner.world.read();
    Json(json!({"audits": w.audits.values().collect::<Vec<_>>()})).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditDecision {
    approve: bool,
    #[serde(default)]
    reason: Option<String>,
    /// Code audits: push `weapp_audit_delay` now and decide later.
    #[serde(default)]
    delay: bool,
    /// Code audits: the rejection's screenshots (`|`-separated media ids).
    #[serde(default)]
    screenshot: Option<String>,
}

/// `POST /__emulator/audits/{audit_id} {"approve", "reason"}` — decides an audit now and pushes
/// its result before answering.
async fn decide_audit(State(inner): State<Arc<Inner>>, Path(audit_id): Path<String>, body: Bytes) -> Response {
    let Ok(audit_id) = audit_id.parse::<u64>() else {
        return bad_request("audit_id must be a number");
    };
    let req: AuditDecision = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    let now = inner.now();
    let result = {
        let mut w = inner.world.write();
        let code = matches!(
            w.audits.get(&audit_id).map(|a| &a.subject),
            Some(crate::world::AuditSubject::Code { .. })
        );
        let default_reason = if code {
            "小程序内容不符合规范（模拟器驳回）"
        } else {
            "不符合命名规范（模拟器驳回）"
        };
        let reason = req.reason.clone().unwrap_or_else(|| default_reason.to_owned());
        if req.delay {
            let reason = req
                .reason
                .clone()
                .unwrap_or_else(|| "审核排队中，结果将延后通知（模拟器）".to_owned());
            // The delayed decision falls due later: reads settle it then.
            inner.due_at(now + w.lifecycle.settings.code_audit_delayed_secs);
            crate::lifecycle_state::delay(&mut w, audit_id, &reason, now, &inner.ids)
        } else if code {
            let screenshot = req.screenshot.clone().unwrap_or_default();
            crate::lifecycle_state::decide(&mut w, audit_id, req.approve, &reason, &screenshot, now, &inner.ids)
        } else {
            inner.decide_audit(&mut w, audit_id, req.approve, &reason)
        }
    };
    match result {
        Ok(push) => {
            let pushed = match push {
                Some(p) => push::deliver(&inner, p).await.status,
                None => None,
            };
            let audit_stat = if req.delay {
                4
            } else if req.approve {
                3
            } else {
                2
            };
            Json(json!({"audit_id": audit_id, "audit_stat": audit_stat, "pushed_status": pushed})).into_response()
        }
        Err(msg) => (StatusCode::NOT_FOUND, Json(json!({"errcode": 91011, "errmsg": msg}))).into_response(),
    }
}

/// `GET /__emulator/faults`.
async fn faults(State(inner): State<Arc<Inner>>) -> Response {
    Json(json!({"faults": inner.faults.list(), "hits": inner.faults.hits()})).into_response()
}

/// `POST /__emulator/faults`.
async fn add_fault(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let spec: FaultSpec = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    if !(0.0..=1.0).contains(&spec.probability) {
        return bad_request("probability must be in [0, 1]");
    }
    if spec.path != "*" && crate::calls::endpoint_index(&spec.path).is_none() {
        return bad_request(format!(
            "{} is not an API path of the emulator (or use \"*\")",
            spec.path
        ));
    }
    inner.faults.add(spec);
    Json(json!({"ok": true, "faults": inner.faults.list()})).into_response()
}

/// `DELETE /__emulator/faults`.
async fn clear_faults(State(inner): State<Arc<Inner>>) -> Response {
    inner.faults.clear();
    Json(json!({"ok": true})).into_response()
}

/// `GET /__emulator/calls`.
async fn calls(State(inner): State<Arc<Inner>>) -> Response {
    Json(inner.calls.snapshot()).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PushTicket {
    component_appid: String,
}

/// `POST /__emulator/push/verify-ticket {"component_appid"}` — a new ticket now, pushed if the
/// component has an event URL: `{"ticket", "pushed", "status"}`.
async fn push_verify_ticket(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let req: PushTicket = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    let emulator = crate::Emulator { inner };
    let Some((ticket, status)) = emulator.push_verify_ticket(&req.component_appid).await else {
        return (StatusCode::NOT_FOUND, Json(WxError::of(61011).body())).into_response();
    };
    Json(json!({"ticket": ticket, "pushed": status.is_some(), "status": status})).into_response()
}

/// `GET /__emulator/push/mode`.
async fn push_mode(State(inner): State<Arc<Inner>>) -> Response {
    Json(*inner.push_mode.lock()).into_response()
}

/// `POST /__emulator/push/mode {"mode": "normal"|"duplicate"|"delay"|"drop", "delay_ms", "count"}`.
async fn set_push_mode(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let mode: PushMode = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    *inner.push_mode.lock() = mode;
    Json(json!({"ok": true, "push_mode": mode})).into_response()
}

/// `POST /__emulator/reset`.
async fn reset(State(inner): State<Arc<Inner>>) -> Response {
    inner.reset();
    Json(json!({"ok": true, "now": inner.now()})).into_response()
}
