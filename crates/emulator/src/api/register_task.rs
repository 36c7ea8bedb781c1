//! What the registration routes' handlers share: the host the authorize_url is built on, the
//! answer built from the protocol's types, the old-version refusal, the component's checks.

use crate::error::{Reply, WxError};
use crate::subject::{ComponentSubject, LegacyRoutes};
use crate::world::World;
use axum::http::HeaderMap;
use fastreg_protocol::endpoint::Envelope;
use fastreg_protocol::permission::PermissionSet;
use serde::Serialize;
use serde_json::Value;

/// The host the caller reached the emulator on (authorize_urls point back to it).
pub fn host(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

/// `{errcode: 0, errmsg: "ok", …body}` from a protocol response type.
pub fn answer<T: Serialize>(appid: &str, body: T) -> Reply {
    Reply::bare(appid, serde_json::to_value(Envelope::ok(body)).unwrap_or(Value::Null))
}

/// What WeChat answers an old version since 2026-04-30 12:00: a plain `-1`.
pub fn offline() -> WxError {
    WxError::new(-1, "system error")
}

/// Whether the old versions answer with their old rules (`legacy_routes = "online"`).
pub fn legacy_online(w: &World) -> bool {
    w.registration.settings.legacy_routes == LegacyRoutes::Online
}

/// Whether the body says `"new_version": true` (a JSON boolean; the string "true" is accepted
/// too, as loosely typed clients send it).
pub fn is_new_version(map: &serde_json::Map<String, Value>) -> bool {
    match map.get("new_version") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// The component's subject, publication and permission sets: `Err(code)` with the route's
/// code for "owned by a person" / "not published" / "missing sets".
pub fn component_ready(
    w: &World,
    component: &str,
    individual: i64,
    unpublished: i64,
    missing: i64,
) -> Result<(), WxError> {
    let Some(c) = w.components.get(component) else {
        return Err(WxError::of(61011));
    };
    if c.subject_type == ComponentSubject::Individual {
        return Err(WxError::new(
            individual,
            "the third-party platform is owned by a person (个人主体), which this API does not serve",
        ));
    }
    if !c.def.published {
        return Err(WxError::new(
            unpublished,
            "the third-party platform is not fully published (全网发布)",
        ));
    }
    let needed = [
        PermissionSet::MpAccountManagement,
        PermissionSet::MpDevelopment,
        PermissionSet::MpBasicInfo,
    ];
    if let Some(m) = needed.iter().find(|s| !c.def.permission_sets.contains(s)) {
        return Err(WxError::new(
            missing,
            format!("lack of some component rights: {m} ({})", m.chinese_name()),
        ));
    }
    Ok(())
}

/// A required string field, trimmed; `None` when absent or empty.
pub fn required(map: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    super::str_field(map, key)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}
