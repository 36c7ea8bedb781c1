//! API keys: random 32-byte values shown once, stored as SHA-256 hashes (they are high-entropy,
//! so a fast hash is enough; argon2 is for what people choose). Keys are listed (never the key
//! nor its hash) and revoked through the API; a revoked key is refused from its next request.
//! The bootstrap key from the settings is hashed in at start, and a bootstrap key the settings
//! no longer name is revoked then.
//!
//! A key found valid is remembered for [`KEY_CACHE_TTL`] ([`KeyCache`]), so a client's stream
//! of requests costs one database read per key every few seconds instead of one per request.
//! A revocation through this instance empties the cache at once; another instance of the same
//! service refuses the revoked key within [`KEY_CACHE_TTL`].

use super::ApiError;
use super::extract::{Json, Path};
use crate::startup::{AppState, audit};
use crate::store::{self, now_ms};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Who is calling (the key's name), for the audit log.
#[derive(Clone, Debug)]
pub struct Actor(pub String);

/// The name of the key that comes from the `bootstrap_api_key` setting (reserved).
pub const BOOTSTRAP: &str = "bootstrap";

/// How long a key found valid is trusted without reading the database again.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(5);

/// Keys found valid recently: SHA-256 hash → (name, when it was read). Only valid keys enter,
/// so its size is bounded by the number of keys, whatever callers send.
#[derive(Debug, Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl KeyCache {
    fn lookup(&self, hashed: &str) -> Option<String> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(hashed)
            .filter(|(_, at)| at.elapsed() < KEY_CACHE_TTL)
            .map(|(name, _)| name.clone())
    }

    fn remember(&self, hashed: String, name: String) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, (_, at)| at.elapsed() < KEY_CACHE_TTL);
        entries.insert(hashed, (name, Instant::now()));
    }

    /// Forgets every key (a key was revoked).
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// `last_used_at` is written at most this often per key (ms), not on every request.
const LAST_USE_EVERY_MS: i64 = 60_000;

fn hash(key: &str) -> String {
    hex::encode(sha2::Sha256::digest(key.as_bytes()))
}

/// Stores the bootstrap key's hash, if one is configured, and revokes every earlier bootstrap
/// key the settings no longer name (all of them when `bootstrap_api_key` is unset). A bootstrap
/// key revoked through the API stays revoked even while the settings still name it.
pub async fn install_bootstrap_key(state: &AppState) -> anyhow::Result<()> {
    let current = state.settings.bootstrap_api_key.as_ref().map(|k| hash(k.expose()));
    if let Some(h) = &current {
        let id = uuid::Uuid::new_v4().to_string();
        if store::api_keys::install_bootstrap(&state.db, &id, BOOTSTRAP, h, now_ms()).await? {
            tracing::warn!("bootstrap_api_key names a key that was revoked; it stays revoked: set another one");
        }
    }
    for id in store::api_keys::stale_bootstrap_keys(&state.db, current.as_deref()).await? {
        store::api_keys::revoke(&state.db, &id, now_ms()).await?;
        tracing::info!(api_key = %id, "bootstrap API key no longer in the settings: revoked");
        audit(
            state,
            "settings",
            "api_key.revoke",
            &format!("api_key:{id}"),
            "no longer bootstrap_api_key",
        )
        .await;
    }
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
    let hashed = hash(key);
    if let Some(name) = state.api_keys.lookup(&hashed) {
        req.extensions_mut().insert(Actor(name));
        return Ok(next.run(req).await);
    }
    let (name, last_used_at) = store::api_keys::valid(&state.db, &hashed).await?.ok_or_else(refused)?;
    let now = now_ms();
    if last_used_at.is_none_or(|t| now - t >= LAST_USE_EVERY_MS) {
        // Bookkeeping: a failure here does not refuse the request.
        if let Err(e) = store::api_keys::note_use(&state.db, &hashed, now).await {
            tracing::warn!(error = %e, "cannot record an API key's use");
        }
    }
    state.api_keys.remember(hashed, name.clone());
    req.extensions_mut().insert(Actor(name));
    Ok(next.run(req).await)
}

/// Body of `POST /api/v1/api-keys`.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = CreateApiKey)]
pub struct CreateKey {
    /// A name for the key (who uses it).
    pub name: String,
}

/// A key, shown once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The key; store it now, it is not shown again.
    pub key: String,
}

/// The longest key name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Create an API key (shown once).
#[utoipa::path(post, path = "/api-keys", tag = "api-keys", request_body = CreateKey,
    responses((status = 201, description = "The key, shown once", body = CreatedKey),
              (status = "default", description = "Refused", body = ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    axum::Extension(actor): axum::Extension<Actor>,
    Json(body): Json<CreateKey>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    if body.name.trim().is_empty() {
        return Err(ApiError::invalid("name must not be empty"));
    }
    // The name is who acts in the audit log and the console: bounded, and nothing invisible
    // that would let one key pass for another (found by the attack runner).
    let chars = body.name.trim().chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(ApiError::invalid(format!(
            "name: at most {MAX_NAME_CHARS} characters (it has {chars})"
        )));
    }
    fastreg_protocol::rules::check_not_deceptive("name", body.name.trim())
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    if body.name.trim() == BOOTSTRAP {
        return Err(ApiError::invalid(
            "name: `bootstrap` is reserved for the key of the bootstrap_api_key setting; choose another name",
        ));
    }
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let key = format!("frk_{}", URL_SAFE_NO_PAD.encode(raw));
    let id = uuid::Uuid::new_v4().to_string();
    store::api_keys::insert(&state.db, &id, body.name.trim(), &hash(&key), now_ms()).await?;
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

/// A key as listed: never the key nor its hash.
pub use crate::store::api_keys::KeyRow as KeyView;

/// Every key, newest first, revoked ones included.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyList {
    /// The keys: id, name, created_at, last_used_at, revoked_at (never the key nor its hash).
    pub items: Vec<KeyView>,
}

/// List the API keys: id, name, created_at, last_used_at, revoked_at (never the key nor its
/// hash), newest first, revoked ones included.
#[utoipa::path(get, path = "/api-keys", tag = "api-keys",
    responses((status = 200, description = "The keys", body = KeyList),
              (status = "default", description = "Refused", body = ApiError)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<KeyList>, ApiError> {
    let items = store::api_keys::list(&state.db).await?;
    Ok(Json(KeyList { items }))
}

/// Revoke an API key: refused from its next request. Revoking a revoked key changes nothing.
#[utoipa::path(delete, path = "/api-keys/{id}", tag = "api-keys",
    params(("id" = String, Path, description = "The key's id")),
    responses((status = 200, description = "The key, revoked", body = KeyView),
              (status = "default", description = "Not found", body = ApiError)))]
pub async fn revoke(
    State(state): State<AppState>,
    axum::Extension(actor): axum::Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<KeyView>, ApiError> {
    let revoked = store::api_keys::revoke(&state.db, &id, now_ms()).await?;
    state.api_keys.clear();
    let key = store::api_keys::get(&state.db, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("API key"))?;
    if revoked {
        audit(&state, &actor.0, "api_key.revoke", &format!("api_key:{id}"), &key.name).await;
    }
    Ok(Json(key))
}
