//! The trial Mini Program (`registration-routes.md` §3): create, convert, rename.
//!
//! POST /wxa/component/fastregisterbetaweapp (component token), in order:
//! 1. `name` or `openid` missing → 86030;
//! 2. `name` shorter than 4 or longer than 30 characters (before the suffix) → 40097 (WeChat
//!    documents no code; the emulator's choice);
//! 3. the name contains 小程序, 微信, 腾讯 or a word of `rules.forbidden_nickname_words` /
//!    `keyword_nickname_words` → 86011;
//! 4. the component owned by a person → 89295; unpublished or missing Mini Program sets →
//!    89254;
//! 5. an openid no person has → 40003.
//!
//! POST /wxa/verifybetaweapp (the trial's token), in order:
//! 1. not an unconverted, unexpired trial → 91021;
//! 2. more than `verify_per_minute` (5) calls in the last minute → 45011, more than
//!    `verify_per_day` (100) in the last day → 45009 (every call counts);
//! 3. no `new_version: true` beside or inside `verify_info` → -1 (with `legacy_routes =
//!    "online"`, the old version: the legal person's fields, `code_type`, and the old checks of
//!    `register_legacy.rs` — 86030, 89248, 89247, 89255, 86004, 61070; it answers without a URL);
//! 4. `enterprise_name`, `code` or `component_phone` missing → 86030; a bad code → 89255;
//! 5. a conversion task still open → 89251;
//! 6. a known code with another name → 86022; not operating → 86021.
//!
//! POST /wxa/setbetaweappnickname (the trial's token): not a trial, or converted → 91020; no
//! name → 86030; a keyword → 86011; else the name becomes `name + 的体验小程序`.

use super::json_object;
use super::register_task::{answer, component_ready, host, is_new_version, legacy_online, offline, required};
use crate::error::{ApiResult, WxError};
use crate::register_task::{TaskRoute, trial_name};
use crate::state::{Inner, Query};
use crate::world::World;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use fastreg_protocol::endpoint::Empty;
use fastreg_protocol::registration::{BetaCreateResponse, TRIAL_NAME_SUFFIX, VerifyBetaResponse, is_credit_code};
use serde_json::Value;
use std::sync::Arc;

/// Words no trial name may contain besides the scenario's (the doc's examples).
const TRIAL_KEYWORDS: [&str; 3] = ["小程序", "微信", "腾讯"];

fn keyword_in(w: &World, name: &str) -> bool {
    let stem = name.strip_suffix(TRIAL_NAME_SUFFIX).unwrap_or(name);
    TRIAL_KEYWORDS.iter().any(|k| stem.contains(k))
        || w.rules
            .forbidden_nickname_words
            .iter()
            .chain(w.rules.keyword_nickname_words.iter())
            .any(|k| !k.is_empty() && stem.contains(k.as_str()))
}

fn keyword_error() -> WxError {
    WxError::new(
        86011,
        "名称命中了关键字;像小程序、微信、腾讯等以及知名品牌关键字。请更换名字后重试。",
    )
}

/// POST /wxa/component/fastregisterbetaweapp.
pub async fn create(
    State(inner): State<Arc<Inner>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let component = inner.component_caller(&q, "fastregisterbetaweapp")?;
    create_in(&inner, &component, &host(&headers), &body).map_err(|e| e.for_app(&component))
}

fn create_in(inner: &Inner, component: &str, host: &str, body: &[u8]) -> ApiResult {
    let map = json_object(body)?;
    let (Some(name), Some(openid)) = (required(&map, "name"), required(&map, "openid")) else {
        return Err(WxError::new(86030, "lack of some params: name and openid are required"));
    };
    let stem_len = name.strip_suffix(TRIAL_NAME_SUFFIX).unwrap_or(&name).chars().count();
    if !(4..=30).contains(&stem_len) {
        return Err(WxError::new(40097, "invalid args: name must have 4 to 30 characters"));
    }
    let now = inner.now();
    let mut w = inner.world.write();
    if keyword_in(&w, &name) {
        return Err(keyword_error());
    }
    component_ready(&w, component, 89295, 89254, 89254)?;
    if w.registration.person_by_openid(&openid).is_none() {
        return Err(WxError::new(40003, "invalid openid"));
    }
    let task = w
        .registration
        .open(&inner.ids, host, TaskRoute::Trial, component, now, |t| {
            t.name = trial_name(&name);
            t.openid = openid;
        });
    inner.due_at(task.expires_at);
    Ok(answer(component, BetaCreateResponse::new(task.id, task.authorize_url)))
}

/// POST /wxa/verifybetaweapp.
pub async fn verify(
    State(inner): State<Arc<Inner>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let (component, appid) = inner.authorizer_caller(&q, "verifybetaweapp")?;
    verify_in(&inner, &component, &appid, &host(&headers), &body).map_err(|e| e.for_app(&appid))
}

fn verify_in(inner: &Inner, component: &str, appid: &str, host: &str, body: &[u8]) -> ApiResult {
    let now = inner.now();
    let mut w = inner.world.write();
    let is_trial = w
        .registration
        .trials
        .get(appid)
        .is_some_and(|t| !t.converted && now < t.expires_at);
    if !is_trial {
        return Err(WxError::new(91021, "不是没转正的试用小程序"));
    }
    let (per_minute, per_day) = (
        w.registration.settings.verify_per_minute as usize,
        w.registration.settings.verify_per_day as usize,
    );
    let calls = w.registration.verify_calls.entry(appid.to_owned()).or_default();
    calls.retain(|at| now - at < 86_400);
    if calls.iter().filter(|at| now - **at < 60).count() >= per_minute {
        return Err(WxError::new(45011, "api minute-quota reach limit"));
    }
    if calls.len() >= per_day {
        return Err(WxError::of(45009));
    }
    calls.push(now);
    let map = json_object(body)?;
    let info = match map.get("verify_info") {
        Some(Value::Object(o)) => o.clone(),
        _ => serde_json::Map::new(),
    };
    let legacy = !is_new_version(&map) && !is_new_version(&info);
    if legacy && !legacy_online(&w) {
        return Err(offline());
    }
    let mut legal = None;
    if legacy {
        // The old version (legacy_routes = "online"): the legal person named, any code type.
        let extra = ["legal_persona_idcard", "component_phone"];
        let (_, _, person, legal_name) =
            super::register_legacy::legacy_fields(&info, "enterprise_name", "legal_persona_wechat", &extra, 86030)?;
        let wechat = super::register_legacy::legacy_person(&w, &person, &legal_name)?;
        legal = Some((wechat, legal_name));
    }
    let (Some(name), Some(code), Some(phone)) = (
        required(&info, "enterprise_name"),
        required(&info, "code"),
        required(&info, "component_phone"),
    ) else {
        return Err(WxError::new(
            86030,
            "lack of some params: verify_info needs enterprise_name, code and component_phone",
        ));
    };
    if !legacy && !is_credit_code(&code) {
        return Err(WxError::new(89255, "enterprise code invalid"));
    }
    if w.registration
        .tasks
        .values()
        .any(|t| t.route == TaskRoute::TrialVerify && t.appid.as_deref() == Some(appid) && t.is_open())
    {
        return Err(WxError::new(
            89251,
            "legal person checking: a conversion task is still open",
        ));
    }
    if let Some(e) = w.registration.enterprises.get(&code) {
        if e.name != name {
            return Err(WxError::of(86022));
        }
        if !e.operating {
            return Err(WxError::of(86021));
        }
    }
    let task = w
        .registration
        .open(&inner.ids, host, TaskRoute::TrialVerify, component, now, |t| {
            t.name = name;
            t.code = code;
            t.component_phone = phone;
            t.appid = Some(appid.to_owned());
            if let Some((wechat, legal_name)) = legal {
                t.legacy = true;
                t.wxuser = wechat;
                t.legal_persona_name = legal_name;
            }
        });
    inner.due_at(task.expires_at);
    if task.legacy {
        // The old version answered errcode/errmsg only (template messages did the rest).
        return Ok(answer(appid, Empty {}));
    }
    Ok(answer(appid, VerifyBetaResponse::new(task.authorize_url)))
}

/// POST /wxa/setbetaweappnickname.
pub async fn set_nickname(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let q = Query::parse(q.as_deref());
    let (_component, appid) = inner.authorizer_caller(&q, "setbetaweappnickname")?;
    set_nickname_in(&inner, &appid, &body).map_err(|e| e.for_app(&appid))
}

fn set_nickname_in(inner: &Inner, appid: &str, body: &[u8]) -> ApiResult {
    let map = json_object(body)?;
    let mut w = inner.world.write();
    if w.registration.trials.get(appid).is_none_or(|t| t.converted) {
        return Err(WxError::new(91020, "小程序注册类型不正确,该接口仅适用于试用小程序调用"));
    }
    let Some(name) = required(&map, "name") else {
        return Err(WxError::new(86030, "lack of some params: name is required"));
    };
    if keyword_in(&w, &name) {
        return Err(keyword_error());
    }
    if let Some(a) = w.accounts.get_mut(appid) {
        a.nickname = trial_name(&name);
    }
    Ok(answer(appid, Empty {}))
}
