//! The api.weixin.qq.com paths: one module per area of the spec, routed by the protocol crate's
//! endpoint constants, behind one middleware that applies faults and records every call.

mod account;
mod admin;
mod audit;
mod category;
mod code;
mod component;
mod domain;
mod media;
mod names;
mod privacy;
mod register_enterprise;
mod register_legacy;
mod register_personal;
mod register_task;
mod register_trial;
mod registration;
mod release;
mod template;
mod tester;

use crate::calls::endpoint_index;
use crate::error::{Outcome, WxError};
use crate::faults::FaultMode;
use crate::state::Inner;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fastreg_protocol::Endpoint;
use fastreg_protocol::{
    account as acc, admin as adm, category as cat, component as comp, media as med, registration as reg,
};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The API routes.
pub fn routes(inner: Arc<Inner>) -> Router<Arc<Inner>> {
    Router::new()
        .route(comp::ComponentToken::PATH, post(component::component_token))
        .route(comp::CreatePreAuthCode::PATH, post(component::create_preauthcode))
        .route(comp::QueryAuth::PATH, post(component::query_auth))
        .route(comp::AuthorizerToken::PATH, post(component::authorizer_token))
        .route(comp::GetAuthorizerInfo::PATH, post(component::authorizer_info))
        .route(comp::GetAuthorizerList::PATH, post(component::authorizer_list))
        .route(reg::FastRegister::PATH, post(registration::fastregister))
        .route(reg::EnterpriseCreate::PATH, post(register_enterprise::enterprise))
        .route(reg::PersonalCreate::PATH, post(register_personal::personal))
        .route(reg::BetaCreate::PATH, post(register_trial::create))
        .route(reg::VerifyBeta::PATH, post(register_trial::verify))
        .route(reg::SetBetaNickname::PATH, post(register_trial::set_nickname))
        .route(
            reg::legacy::FASTREGISTERWEAPP_PATH,
            post(register_legacy::fastregisterweapp),
        )
        .route(
            acc::AccountBasicInfo::PATH,
            get(account::basic_info).post(account::basic_info),
        )
        .route(acc::CheckNickname::PATH, post(account::check_nickname))
        .route(acc::SetNickname::PATH, post(account::set_nickname))
        .route(acc::QueryNicknameAudit::PATH, post(account::query_nickname))
        .route(acc::ModifyHeadImage::PATH, post(account::modify_head_image))
        .route(acc::ModifySignature::PATH, post(account::modify_signature))
        .route(
            med::UploadTempMedia::PATH,
            post(media::upload).layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route(
            cat::GetAllCategories::PATH,
            get(category::all_categories).post(category::all_categories),
        )
        .route(cat::AddCategory::PATH, post(category::add))
        .route(cat::DeleteCategory::PATH, post(category::delete))
        .route(cat::GetCategory::PATH, get(category::get).post(category::get))
        .route(cat::ModifyCategory::PATH, post(category::modify))
        .route(adm::RebindAdmin::PATH, post(admin::rebind_admin))
        .merge(template::routes())
        .merge(code::routes())
        .merge(audit::routes())
        .merge(release::routes())
        .merge(domain::routes())
        .merge(privacy::routes())
        .merge(tester::routes())
        .layer(middleware::from_fn_with_state(inner, api_layer))
}

/// Faults first, then the call, then the call log.
async fn api_layer(State(inner): State<Arc<Inner>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let index = endpoint_index(&path);
    let fault = inner.faults.pick(&path, || inner.ids.chance());
    if let Some(f) = fault
        && f.latency_ms > 0
    {
        tokio::time::sleep(Duration::from_millis(f.latency_ms)).await;
    }
    let response = match fault.map(|f| f.mode) {
        Some(FaultMode::Error) => {
            let code = fault.map(|f| f.errcode).unwrap_or(-1);
            WxError::new(
                code,
                format!("{} (injected fault)", crate::error::default_message(code)),
            )
            .into_response()
        }
        _ => next.run(request).await,
    };
    let outcome = response.extensions().get::<Outcome>().cloned().unwrap_or_default();
    if let Some(i) = index {
        inner.calls.record(i, inner.now(), outcome.appid, outcome.errcode);
    }
    if fault.map(|f| f.mode) == Some(FaultMode::DropResponse) {
        return cut_connection();
    }
    response
}

/// A response whose body fails at once: hyper aborts the connection, and the client sees a
/// transport error after the call was applied.
fn cut_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "emulated connection loss (drop_response fault)",
        ))
    });
    Response::builder()
        .status(200)
        .header("content-type", "application/json; encoding=utf-8")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// The body as the protocol crate's request type (47001, with serde's reason, when it is not
/// one). An empty body reads as `{}`.
fn request<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WxError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| WxError::new(47001, format!("data format error: {e}")))
}

/// The body as the protocol crate's request type, where the endpoint answers a missing or
/// malformed field with a code of its own (fastregister's ticket: 61058): 47001 when the body is
/// not a JSON object, `invalid` with serde's reason when it is one that does not fit the type.
fn request_or<T: serde::de::DeserializeOwned>(
    body: &[u8],
    invalid: impl FnOnce(String) -> WxError,
) -> Result<T, WxError> {
    let map = json_object(body)?;
    serde_json::from_value(Value::Object(map)).map_err(|e| invalid(e.to_string()))
}

/// The body as a JSON object (47001 when it is not one). An empty body reads as `{}`.
fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, WxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(WxError::of(47001)),
    }
}

/// A string field of a JSON object (numbers are accepted and printed).
fn str_field<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    match map.get(key)? {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// A value the emulator made (a token, a code, an id) as its wire type. It made it well formed,
/// so a failure is the emulator's own bug: answered as `-1`, not a panic.
fn wire<T, E: std::fmt::Display>(value: Result<T, E>) -> Result<T, WxError> {
    value.map_err(|e| WxError::new(-1, format!("system error: {e}")))
}

/// An appid of the world as the wire type. Every appid the emulator holds was parsed or made by
/// it, so a failure is the emulator's own bug: answered as `-1`, not a panic.
fn wire_appid(appid: &str) -> Result<fastreg_protocol::AppId, WxError> {
    fastreg_protocol::AppId::parse(appid).map_err(|e| WxError::new(-1, format!("system error: appid {appid:?}: {e}")))
}

/// A virtual unix time as the wire's unsigned seconds (times before 1970 do not occur).
fn unix(at: i64) -> u64 {
    u64::try_from(at).unwrap_or(0)
}
