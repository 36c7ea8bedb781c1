//! POST /wxa/component/fastregisterpersonalweapp?action=create|query — personal fast
//! registration, new version (`registration-routes.md` §2). Create checks, in order:
//!
//! 1. the component token (either name); `action` other than create/query → -1;
//! 2. no `"new_version": true` → -1 `system error` (with `legacy_routes = "online"`, the old
//!    version: `idname` required, `component_phone` optional, and 86036 below);
//! 3. `wxuser` or `component_phone` missing → 86030;
//! 4. the component owned by a person → 86040; unpublished → 86031; missing Mini Program sets
//!    → 86033;
//! 5. a WeChat id no person has → 86032; a restricted (blacklisted) person → 86034; the old
//!    version's `idname` other than the person's name → 86036;
//! 6. more than `personal_creates_per_day` (5) creates for the WeChat id today → 91030.

use super::json_object;
use super::register_enterprise::query;
use super::register_task::{answer, component_ready, host, is_new_version, legacy_online, offline, required};
use crate::clock::china_day;
use crate::error::{ApiResult, WxError};
use crate::register_task::TaskRoute;
use crate::state::{Inner, Query};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use fastreg_protocol::registration::{RegisterTaskResponse, TaskStatus};
use std::sync::Arc;

/// The handler of both actions.
pub async fn personal(
    State(inner): State<Arc<Inner>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let component = inner.component_caller(&q, "fastregisterpersonalweapp")?;
    let result = match q.get("action") {
        Some("create") => create(&inner, &component, &host(&headers), &body),
        Some("query") => query(&inner, &component, &body, TaskRoute::Personal),
        _ => Err(WxError::new(-1, "invalid action")),
    };
    result.map_err(|e| e.for_app(&component))
}

fn create(inner: &Inner, component: &str, host: &str, body: &[u8]) -> ApiResult {
    let map = json_object(body)?;
    let legacy = !is_new_version(&map);
    if legacy && !legacy_online(&inner.world.read()) {
        return Err(offline());
    }
    // The old version (legacy_routes = "online") also needs the user's real name, `idname`;
    // its `component_phone` is optional.
    let idname = required(&map, "idname");
    let (Some(wxuser), Some(phone)) = (
        required(&map, "wxuser"),
        required(&map, "component_phone").or_else(|| legacy.then(String::new)),
    ) else {
        return Err(WxError::new(
            86030,
            "lack of some params: wxuser and component_phone are required",
        ));
    };
    if legacy && idname.is_none() {
        return Err(WxError::new(86030, "lack of some params: idname is required"));
    }
    let now = inner.now();
    let mut w = inner.world.write();
    component_ready(&w, component, 86040, 86031, 86033)?;
    let Some(person) = w.registration.persons.get(&wxuser) else {
        return Err(WxError::new(86032, "invalid wechat id"));
    };
    if person.blacklisted {
        return Err(WxError::new(86034, "the wechat id is restricted"));
    }
    if let Some(idname) = idname.filter(|_| legacy)
        && idname != person.name
    {
        return Err(WxError::new(86036, "name, wechat id not in accordance"));
    }
    let today = china_day(now);
    let limit = w.registration.settings.personal_creates_per_day;
    let used = w
        .registration
        .personal_creates
        .entry(wxuser.clone())
        .or_insert((today, 0));
    if used.0 != today {
        *used = (today, 0);
    }
    if used.1 >= limit {
        return Err(WxError::new(91030, "each wechat id may start 5 registrations a day"));
    }
    used.1 += 1;
    let task = w
        .registration
        .open(&inner.ids, host, TaskRoute::Personal, component, now, |t| {
            t.wxuser = wxuser;
            t.component_phone = phone;
            t.legacy = legacy;
        });
    inner.due_at(task.expires_at);
    Ok(answer(
        component,
        RegisterTaskResponse::new(task.id, task.authorize_url, TaskStatus::Created),
    ))
}
