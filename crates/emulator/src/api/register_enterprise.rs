//! POST /wxa/component/fastregisterenterpriseweapp?action=create|query — enterprise fast
//! registration, new version (`registration-routes.md` §1.2). Create checks, in order:
//!
//! 1. the component token, as `access_token` or `component_access_token`;
//! 2. `action` other than create/query → -1 (非法 action 参数);
//! 3. no `"new_version": true` → -1 `system error` (the old version is offline; with
//!    `legacy_routes = "online"` the old rules of `register_legacy.rs` apply);
//! 4. `name`, `code` or `component_phone` missing → 86030;
//! 5. `code` not 18 digits/upper-case letters → 89255;
//! 6. the component owned by a person (`subject_type = "individual"`) → 89295; unpublished or
//!    missing Mini Program sets → 89254;
//! 7. a known code with another name → 86022; a known enterprise not operating → 86021;
//! 8. a task for the same code opened less than `subject_task_interval_secs` (24 h) ago → 89249.
//!
//! An unknown code is accepted (the registry is asked at the confirmation: push 102). Query:
//! an unknown taskid, or one of another component → 89250.

use super::json_object;
use super::register_task::{answer, component_ready, host, is_new_version, legacy_online, offline, required};
use crate::error::{ApiResult, WxError};
use crate::register_task::TaskRoute;
use crate::state::{Inner, Query};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use fastreg_protocol::registration::{RegisterTaskResponse, TaskStatus, is_credit_code};
use std::sync::Arc;

/// The handler of both actions.
pub async fn enterprise(
    State(inner): State<Arc<Inner>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let component = inner.component_caller(&q, "fastregisterenterpriseweapp")?;
    let result = match q.get("action") {
        Some("create") => create(&inner, &component, &host(&headers), &body),
        Some("query") => query(&inner, &component, &body, TaskRoute::Enterprise),
        _ => Err(WxError::new(-1, "invalid action")),
    };
    result.map_err(|e| e.for_app(&component))
}

fn create(inner: &Inner, component: &str, host: &str, body: &[u8]) -> ApiResult {
    let map = json_object(body)?;
    if !is_new_version(&map) {
        if !legacy_online(&inner.world.read()) {
            return Err(offline());
        }
        // The old version (legacy_routes = "online"): the legal person by openid.
        let task =
            super::register_legacy::enterprise_task(inner, component, host, &map, "legal_persona_openid", 86030)?;
        return Ok(answer(
            component,
            RegisterTaskResponse::new(task.id, task.authorize_url, TaskStatus::Created),
        ));
    }
    let (Some(name), Some(code), Some(phone)) = (
        required(&map, "name"),
        required(&map, "code"),
        required(&map, "component_phone"),
    ) else {
        return Err(WxError::new(
            86030,
            "lack of some params: name, code and component_phone are required",
        ));
    };
    if !is_credit_code(&code) {
        return Err(WxError::new(
            89255,
            "enterprise code invalid: the new version takes the 18-character unified social credit code",
        ));
    }
    let now = inner.now();
    let mut w = inner.world.write();
    component_ready(&w, component, 89295, 89254, 89254)?;
    if let Some(e) = w.registration.enterprises.get(&code) {
        if e.name != name {
            return Err(WxError::of(86022));
        }
        if !e.operating {
            return Err(WxError::of(86021));
        }
    }
    let interval = w.registration.settings.subject_task_interval_secs;
    if w.registration
        .tasks
        .values()
        .any(|t| t.route == TaskRoute::Enterprise && t.code == code && (t.is_open() || now - t.created_at < interval))
    {
        return Err(WxError::new(89249, "task running"));
    }
    let task = w
        .registration
        .open(&inner.ids, host, TaskRoute::Enterprise, component, now, |t| {
            t.name = name;
            t.code = code;
            t.component_phone = phone;
        });
    let status = w.registration.settings.enterprise_status_numbering.answer(task.status);
    inner.due_at(task.expires_at);
    Ok(answer(
        component,
        RegisterTaskResponse::new(task.id, task.authorize_url, TaskStatus::from_code(status)),
    ))
}

/// `action=query` of the enterprise and personal routes.
pub fn query(inner: &Arc<Inner>, component: &str, body: &[u8], route: TaskRoute) -> ApiResult {
    let map = json_object(body)?;
    let Some(taskid) = required(&map, "taskid") else {
        return Err(WxError::new(86030, "lack of some params: taskid is required"));
    };
    // Settle first so a task past its deadline answers its timeout.
    let now = inner.now();
    let pushes = {
        let mut w = inner.world.write();
        crate::register_task::expire_due(&mut w, &inner.ids, now)
    };
    crate::state::deliver_later(inner, pushes);
    let w = inner.world.read();
    let Some(task) = w
        .registration
        .tasks
        .get(&taskid)
        .filter(|t| t.route == route && t.component_appid == component)
    else {
        return Err(WxError::new(89250, "task not found"));
    };
    let status = match route {
        TaskRoute::Enterprise => w.registration.settings.enterprise_status_numbering.answer(task.status),
        _ => task.status,
    };
    Ok(answer(
        component,
        RegisterTaskResponse::new(
            task.id.clone(),
            task.authorize_url.clone(),
            TaskStatus::from_code(status),
        ),
    ))
}
