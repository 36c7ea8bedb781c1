//! API keys: random 32-byte values shown once, stored as SHA-256 hashes (they are high-entropy,
//! so a fast hash is enough; argon2 is for what people choose). The bootstrap key from the
//! settings is hashed in at start.

use super::ApiError;
use crate::startup::{AppState, audit};
use crate::store::now_ms;
use crate::{execute, fetch_optional};
use anyhow::Context;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Who is calling (the key's name), for the audit log.
#[derive(Clone, Debug)]
pub struct Actor(pub String);

fn hash(key: &str) -> String {
    hex::encode(sha2::Sha256::digest(key.as_bytes()))
}

/// Stores the bootstrap key's hash, if one is configured.
pub async fn install_bootstrap_key(state: &AppState) -> anyhow::Result<()> {
    let Some(key) = &state.settings.bootstrap_api_key else {
        return Ok(());
    };
    execute!(
        &state.db,
        "INSERT INTO api_keys (id, name, hash, created_at) VALUES ($1, 'bootstrap', $2, $3) ON CONFLICT (hash) DO NOTHING",
        uuid::Uuid::new_v4().to_string(),
        hash(key.expose()),
        now_ms()
    )
    .context("cannot install the bootstrap API key")?;
    Ok(())
}

/// Refuses requests without a valid key; passes the key's name on as [`Actor`].
pub async fn require_key(State(state): State<AppState>, mut req: Request, next: Next) -> Result<Response, ApiError> {
    let refused = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or unknown API key",
            "Send `Authorization: Bearer <key>`; create keys with POST /api/v1/api-keys or set FASTREG_BOOTSTRAP_API_KEY.",
        )
    };
    let key = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(refused)?;
    let row: Option<(String,)> = fetch_optional!(
        &state.db,
        (String,),
        "SELECT name FROM api_keys WHERE hash = $1 AND revoked_at IS NULL",
        hash(key)
    )
    .context("cannot check the API key")?;
    let (name,) = row.ok_or_else(refused)?;
    req.extensions_mut().insert(Actor(name));
    Ok(next.run(req).await)
}

/// Body of `POST /api/v1/api-keys`.
#[derive(Deserialize)]
pub struct CreateKey {
    /// A name for the key (who uses it).
    pub name: String,
}

/// A key, shown once.
#[derive(Serialize)]
pub struct CreatedKey {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The key; store it now, it is not shown again.
    pub key: String,
}

/// `POST /api/v1/api-keys`.
pub async fn create(
    State(state): State<AppState>,
    axum::Extension(actor): axum::Extension<Actor>,
    Json(body): Json<CreateKey>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    if body.name.trim().is_empty() {
        return Err(ApiError::invalid("name must not be empty"));
    }
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let key = format!("frk_{}", URL_SAFE_NO_PAD.encode(raw));
    let id = uuid::Uuid::new_v4().to_string();
    execute!(
        &state.db,
        "INSERT INTO api_keys (id, name, hash, created_at) VALUES ($1, $2, $3, $4)",
        &id,
        body.name.trim(),
        hash(&key),
        now_ms()
    )
    .context("cannot store the API key")?;
    audit(
        &state,
        &actor.0,
        "api_key.create",
        &format!("api_key:{id}"),
        body.name.trim(),
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            id,
            name: body.name.trim().to_owned(),
            key,
        }),
    ))
}
