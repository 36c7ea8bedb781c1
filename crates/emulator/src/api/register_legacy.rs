//! The old versions of the registration routes (`registration-routes.md` §1.1, §1.2, §2.1,
//! §3.3). Since 2026-04-30 12:00 WeChat answers them a plain
//! `{"errcode":-1,"errmsg":"system error rid: …"}` whatever the body and token (observed
//! 2026-05-06); so does the emulator by default (`[registration] legacy_routes = "offline"`).
//!
//! With `legacy_routes = "online"` they answer with their old rules, and open tasks that are
//! confirmed (the template message the legal person tapped is the emulator's page) and pushed
//! like the new ones. The old bodies name the legal person; the checks, in order:
//!
//! 1. a field missing → 89253 缺少参数 on fastregisterweapp (its API page's meaning), 86030 on
//!    the other routes;
//! 2. `code_type` not 1, 2 or 3 (a number or a string, as WxJava sends it) → 89248;
//! 3. `code_type` 1 with a 15-character code → 89247 `inner error, retry after some while`
//!    (what WeChat answered when this was seen); any other length that does not fit the type
//!    (1: 18 characters, 2: `xxxxxxxx-x` or 9 characters, 3: 15 digits) → 89255;
//! 4. the component owned by a person → 89295; not published or without the sets → 89254;
//! 5. `legal_persona_wechat` (or `legal_persona_openid`) no person has → 86004;
//! 6. `legal_persona_name` other than that person's name → 61070;
//! 7. a task for the same code within 24 h → 89249.
//!
//! A legal person who is not the enterprise's is not refused at create: the confirmation
//! pushes -1 `open verity failed`, as WeChat does (create answered 0 on a mismatch).
//!
//! `fastregisterweapp?action=search {name, legal_persona_wechat, legal_persona_name}` reports
//! the current task in `errcode`: no task → 89250; during the first `legacy_front_check_secs`
//! (60 s) after create → 89252 法人&企业信息一致性校验中; then, until the legal person
//! confirms → 89251 待法人人脸核身校验; ended → 0 (the push says how).

use super::json_object;
use super::register_task::{answer, component_ready, host, legacy_online, offline, required};
use crate::error::{ApiResult, WxError};
use crate::register_task::TaskRoute;
use crate::state::{Inner, Query};
use crate::world::World;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use fastreg_protocol::endpoint::Empty;
use fastreg_protocol::registration::is_credit_code;
use serde_json::{Map, Value};
use std::sync::Arc;

/// POST /cgi-bin/component/fastregisterweapp?action=create|search.
pub async fn fastregisterweapp(
    State(inner): State<Arc<Inner>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    if !legacy_online(&inner.world.read()) {
        return Err(offline());
    }
    let q = Query::parse(q.as_deref());
    let component = inner.component_caller(&q, "fastregisterweapp")?;
    let result = match q.get("action") {
        Some("create") => create(&inner, &component, &host(&headers), &body),
        Some("search") => search(&inner, &component, &body),
        _ => Err(WxError::new(-1, "invalid action")),
    };
    result.map_err(|e| e.for_app(&component))
}

/// Steps 1–3 of the module doc on an old body: `name_key` is `name` or `enterprise_name`,
/// `person_key` `legal_persona_wechat` or `legal_persona_openid`, `missing` the route's code
/// for a missing field; `extra` names more required fields.
pub fn legacy_fields(
    map: &Map<String, Value>,
    name_key: &str,
    person_key: &str,
    extra: &[&str],
    missing: i64,
) -> Result<(String, String, String, String), WxError> {
    let keys = [name_key, "code", "code_type", person_key, "legal_persona_name"];
    if let Some(k) = keys.iter().chain(extra).find(|k| required(map, k).is_none()) {
        return Err(WxError::new(missing, format!("lack of some params: {k} is required")));
    }
    let field = |k: &str| required(map, k).unwrap_or_default();
    let code_type = field("code_type").parse::<i64>().ok().filter(|t| (1..=3).contains(t));
    let Some(code_type) = code_type else {
        return Err(WxError::new(89248, "invalid code type: code_type must be 1, 2 or 3"));
    };
    let code = field("code");
    let len = code.chars().count();
    let fits = match code_type {
        1 => is_credit_code(&code),
        2 => {
            let plain = code.replacen('-', "", 1);
            plain.len() == 9
                && plain.chars().all(|c| c.is_ascii_alphanumeric())
                && (len == 9 || code.find('-') == Some(8))
        }
        _ => len == 15 && code.chars().all(|c| c.is_ascii_digit()),
    };
    if code_type == 1 && len == 15 {
        return Err(WxError::new(89247, "inner error, retry after some while"));
    }
    if !fits {
        return Err(WxError::new(
            89255,
            "enterprise code invalid: code_type 1 takes 18 characters, 2 takes xxxxxxxx-x, 3 takes 15 digits",
        ));
    }
    Ok((field(name_key), code, field(person_key), field("legal_persona_name")))
}

/// Steps 5–6: the legal person named by WeChat id (or openid) and name.
pub fn legacy_person(w: &World, person: &str, legal_name: &str) -> Result<String, WxError> {
    let reg = &w.registration;
    let Some(p) = reg.persons.get(person).or_else(|| reg.person_by_openid(person)) else {
        return Err(WxError::new(86004, "invalid wechat"));
    };
    if p.name != legal_name {
        return Err(WxError::new(61070, "name, wechat name not in accordance"));
    }
    Ok(p.wechat_id.clone())
}

/// Steps 1–7 of an old enterprise create (fastregisterweapp, or fastregisterenterpriseweapp
/// without `new_version`); opens the task.
pub fn enterprise_task(
    inner: &Inner,
    component: &str,
    host: &str,
    map: &Map<String, Value>,
    person_key: &str,
    missing: i64,
) -> Result<crate::register_task::RegisterTask, WxError> {
    let (name, code, person, legal_name) = legacy_fields(map, "name", person_key, &[], missing)?;
    let now = inner.now();
    let mut w = inner.world.write();
    component_ready(&w, component, 89295, 89254, 89254)?;
    let legal_wechat = legacy_person(&w, &person, &legal_name)?;
    let interval = w.registration.settings.subject_task_interval_secs;
    if w.registration
        .tasks
        .values()
        .any(|t| t.route == TaskRoute::Enterprise && t.code == code && (t.is_open() || now - t.created_at < interval))
    {
        return Err(WxError::new(89249, "task running"));
    }
    let phone = required(map, "component_phone").unwrap_or_default();
    let task = w
        .registration
        .open(&inner.ids, host, TaskRoute::Enterprise, component, now, |t| {
            t.name = name;
            t.code = code;
            t.component_phone = phone;
            t.wxuser = legal_wechat;
            t.legal_persona_name = legal_name;
            t.legacy = true;
        });
    inner.due_at(task.expires_at);
    Ok(task)
}

fn create(inner: &Inner, component: &str, host: &str, body: &[u8]) -> ApiResult {
    let map = json_object(body)?;
    enterprise_task(inner, component, host, &map, "legal_persona_wechat", 89253)?;
    // The old route answers errcode/errmsg only: the result comes as a push.
    Ok(answer(component, Empty {}))
}

fn search(inner: &Arc<Inner>, component: &str, body: &[u8]) -> ApiResult {
    let map = json_object(body)?;
    let keys = ["name", "legal_persona_wechat", "legal_persona_name"];
    if let Some(k) = keys.iter().find(|k| required(&map, k).is_none()) {
        return Err(WxError::new(89253, format!("lack of some params: {k} is required")));
    }
    let field = |k: &str| required(&map, k).unwrap_or_default();
    let now = inner.now();
    let pushes = {
        let mut w = inner.world.write();
        crate::register_task::expire_due(&mut w, &inner.ids, now)
    };
    crate::state::deliver_later(inner, pushes);
    let w = inner.world.read();
    let task = w
        .registration
        .tasks
        .values()
        .filter(|t| {
            t.legacy
                && t.route == TaskRoute::Enterprise
                && t.component_appid == component
                && t.name == field("name")
                && t.wxuser == field("legal_persona_wechat")
                && t.legal_persona_name == field("legal_persona_name")
        })
        .max_by_key(|t| t.created_at);
    let Some(task) = task else {
        return Err(WxError::new(89250, "task not found"));
    };
    if task.is_open() {
        if now - task.created_at < w.registration.settings.legacy_front_check_secs {
            return Err(WxError::new(89252, "front checking"));
        }
        return Err(WxError::new(89251, "legal person checking"));
    }
    Ok(answer(component, Empty {}))
}
