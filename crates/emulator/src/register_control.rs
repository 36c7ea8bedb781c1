//! The control API of the registration routes, nested under `/__emulator` with the rest:
//!
//! - `POST /enterprises` — upsert an enterprise by `code` ([`EnterpriseDef`]);
//! - `POST /persons` — upsert a WeChat user by `wechat_id` ([`PersonDef`]);
//! - `GET /register-tasks` — `{"tasks": [{id, route, component_appid, status, authorize_url,
//!   created_at, expires_at, appid, …}]}`;
//! - `POST /register-tasks/confirm {"authorize_url" | "id", "decline": false, "face_ok": true,
//!   "phone_ok": true, "until": null}` → `{"status", "appid"}`: what the confirmation page's
//!   buttons do. `until` ("agreed", "face_started", "face_checked", "code_sent",
//!   "phone_verified", "submitted") stops the walk on that step, and a later call goes on from
//!   there ([`crate::register_step`]); `phone_ok: false` fails the phone code (8). A task that is
//!   unknown or already ended answers 200 with `{"errcode": 89250, …}`; `until` on a trial
//!   answers 400.

use crate::error::WxError;
use crate::register_step::{Answers, Step};
use crate::register_task::{self, RegisterTask};
use crate::state::{Inner, deliver_later};
use crate::subject::{EnterpriseDef, PersonDef};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fastreg_protocol::registration::is_credit_code;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// The routes, to be nested under `/__emulator`.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route("/enterprises", post(upsert_enterprise))
        .route("/persons", post(upsert_person))
        .route("/register-tasks", get(tasks))
        .route("/register-tasks/confirm", post(confirm))
}

fn bad_request(msg: impl Into<String>) -> Response {
    let e = WxError::new(47001, format!("data format error: {}", msg.into()));
    (StatusCode::BAD_REQUEST, Json(e.body())).into_response()
}

async fn upsert_enterprise(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let def: EnterpriseDef = match serde_json::from_slice(&body) {
        Ok(d) => d,
        Err(e) => return bad_request(e.to_string()),
    };
    if !is_credit_code(&def.code) {
        return bad_request(format!(
            "code {:?} is not an 18-character unified social credit code (digits and upper-case letters)",
            def.code
        ));
    }
    let mut w = inner.world.write();
    w.registration.enterprises.insert(def.code.clone(), def.clone());
    Json(json!(def)).into_response()
}

async fn upsert_person(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let def: PersonDef = match serde_json::from_slice(&body) {
        Ok(d) => d,
        Err(e) => return bad_request(e.to_string()),
    };
    if def.wechat_id.trim().is_empty() {
        return bad_request("wechat_id is required: it is the person's key");
    }
    let mut w = inner.world.write();
    w.registration.persons.insert(def.wechat_id.clone(), def.clone());
    Json(json!(def)).into_response()
}

/// The tasks as `GET /register-tasks` and the state list them.
pub fn task_views(tasks: &std::collections::BTreeMap<String, RegisterTask>) -> Vec<Value> {
    let mut v: Vec<&RegisterTask> = tasks.values().collect();
    v.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    v.into_iter()
        .map(|t| serde_json::to_value(t).unwrap_or(Value::Null))
        .collect()
}

/// The registration part of `GET /__emulator/state`.
pub fn state_view(w: &crate::world::World) -> Value {
    let r = &w.registration;
    json!({
        "enterprises": r.enterprises.values().collect::<Vec<_>>(),
        "persons": r.persons.values().collect::<Vec<_>>(),
        "register_tasks": task_views(&r.tasks),
        "trials": r.trials.values().collect::<Vec<_>>(),
    })
}

async fn tasks(State(inner): State<Arc<Inner>>) -> Response {
    deliver_later(&inner, inner.settle(false));
    let w = inner.world.read();
    Json(json!({"tasks": task_views(&w.registration.tasks)})).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Confirm {
    #[serde(default)]
    authorize_url: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    decline: bool,
    #[serde(default = "yes")]
    face_ok: bool,
    #[serde(default = "yes")]
    phone_ok: bool,
    #[serde(default)]
    until: Option<Step>,
}

fn yes() -> bool {
    true
}

/// Confirms (or declines) the task an `id` or `authorize_url` names; shared with the page.
pub fn confirm_task(
    inner: &Arc<Inner>,
    id: Option<&str>,
    url: Option<&str>,
    answers: Answers,
) -> Result<register_task::Ended, WxError> {
    let now = inner.now();
    let (ended, pushes) = {
        let mut w = inner.world.write();
        let id = match (id, url) {
            (Some(id), _) => id.to_owned(),
            (None, Some(url)) => match w.registration.task_by_url(url) {
                Some(t) => t.id.clone(),
                None => return Err(WxError::new(89250, "task not found: no task has this authorize_url")),
            },
            (None, None) => return Err(WxError::new(47001, "data format error: give id or authorize_url")),
        };
        register_task::confirm(&mut w, &inner.ids, now, &id, answers)?
    };
    deliver_later(inner, pushes);
    Ok(ended)
}

async fn confirm(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let req: Confirm = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e.to_string()),
    };
    match confirm_task(
        &inner,
        req.id.as_deref(),
        req.authorize_url.as_deref(),
        Answers {
            decline: req.decline,
            face_ok: req.face_ok,
            phone_ok: req.phone_ok,
            until: req.until,
        },
    ) {
        Ok(ended) => Json(json!({"status": ended.status, "appid": ended.appid})).into_response(),
        Err(e) if e.code == 47001 => bad_request(e.msg),
        Err(e) => Json(e.body()).into_response(),
    }
}
