//! The lifecycle's control routes under `/__emulator/`: `POST /template-drafts`, what uploading
//! from WeChat's developer tool (or miniprogram-ci) does. Code audits are listed and decided by
//! the audit routes of `control.rs`; the lifecycle state shows in `GET /__emulator/state`.

use crate::lifecycle::DraftDef;
use crate::state::Inner;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The routes, nested under `/__emulator` with the others.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new().route("/template-drafts", post(upload_draft))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftUpload {
    component_appid: String,
    user_version: String,
    #[serde(default)]
    user_desc: String,
    pages: Vec<String>,
    #[serde(default)]
    source_miniprogram_appid: Option<String>,
    #[serde(default)]
    source_miniprogram: Option<String>,
    #[serde(default)]
    developer: Option<String>,
}

fn bad_request(msg: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"errcode": 47001, "errmsg": format!("data format error: {}", msg.into())})),
    )
        .into_response()
}

/// `POST /__emulator/template-drafts {"component_appid", "user_version", "user_desc", "pages",
/// "source_miniprogram_appid"?, "source_miniprogram"?, "developer"?}` → `{"draft_id"}`. An
/// upload from the same 开发小程序 replaces its draft, as the draft box keeps one per source.
async fn upload_draft(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let req: DraftUpload = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e.to_string()),
    };
    if req.pages.is_empty() || req.pages.iter().any(|p| p.trim().is_empty()) {
        return bad_request("pages must list the package's pages");
    }
    if req.user_version.trim().is_empty() {
        return bad_request("user_version is required");
    }
    let now = inner.now();
    let mut w = inner.world.write();
    if !w.components.contains_key(&req.component_appid) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"errcode": 61011, "errmsg": format!("no component {}", req.component_appid)})),
        )
            .into_response();
    }
    let def = DraftDef {
        user_version: req.user_version,
        user_desc: req.user_desc,
        pages: req.pages,
        source_miniprogram_appid: req
            .source_miniprogram_appid
            .unwrap_or_else(|| crate::builtin::DEV_MINI_PROGRAM.to_owned()),
        source_miniprogram: req.source_miniprogram.unwrap_or_else(|| "开发小程序".to_owned()),
        developer: req.developer.unwrap_or_else(|| "developer".to_owned()),
    };
    let draft_id = w.lifecycle.add_draft(&req.component_appid, def, now);
    Json(json!({"draft_id": draft_id})).into_response()
}
