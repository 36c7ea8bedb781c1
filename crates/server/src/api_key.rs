//! API keys: random 32-byte values shown once, stored as SHA-256 hashes (they are high-entropy,
//! so a fast hash is enough; argon2 is for what people choose). Keys are created, listed (never
//! the key nor its hash) and revoked; a revoked key is refused from its next request. The
//! bootstrap key from the settings is hashed in at start, and a bootstrap key the settings no
//! longer name is revoked then. The REST API ([`crate::api::keys`]) is the adapter over these
//! operations and checks every request's key with [`authenticate`].
//!
//! A key found valid is remembered for [`KEY_CACHE_TTL`] ([`KeyCache`]), so a client's stream
//! of requests costs one database read per key every few seconds instead of one per request.
//! A revocation through this instance empties the cache at once; another instance of the same
//! service refuses the revoked key within [`KEY_CACHE_TTL`].

use crate::startup::{AppState, audit};
use crate::store::api_keys::KeyRow;
use crate::store::{self, now_ms};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::Digest;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
    pub(crate) fn lookup(&self, hashed: &str) -> Option<String> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(hashed)
            .filter(|(_, at)| at.elapsed() < KEY_CACHE_TTL)
            .map(|(name, _)| name.clone())
    }

    pub(crate) fn remember(&self, hashed: String, name: String) {
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

/// The name of the valid key `presented`, if it is one (from the cache, else one read, noting its
/// use at most once a minute).
pub async fn authenticate(state: &AppState, presented: &str) -> anyhow::Result<Option<String>> {
    let hashed = hash(presented);
    if let Some(name) = state.api_keys.lookup(&hashed) {
        return Ok(Some(name));
    }
    let Some((name, last_used_at)) = store::api_keys::valid(&state.db, &hashed).await? else {
        return Ok(None);
    };
    let now = now_ms();
    if last_used_at.is_none_or(|t| now - t >= LAST_USE_EVERY_MS) {
        // Bookkeeping: a failure here does not refuse the request.
        if let Err(e) = store::api_keys::note_use(&state.db, &hashed, now).await {
            tracing::warn!(error = %e, "cannot record an API key's use");
        }
    }
    state.api_keys.remember(hashed, name.clone());
    Ok(Some(name))
}

/// The longest key name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A key just made: the only time its value is shown.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The key; store it now, it is not shown again.
    pub key: String,
}

/// Why a key was not made.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The name breaks a rule (the message says which).
    #[error("{0}")]
    Invalid(String),
    /// The database.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Makes a key named `name` for `actor`. The name is who acts in the audit log and the console:
/// not empty, at most [`MAX_NAME_CHARS`], nothing invisible that would let one key pass for
/// another (found by the attack runner), and not [`BOOTSTRAP`].
pub async fn create(state: &AppState, name: &str, actor: &str) -> Result<CreatedKey, CreateError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CreateError::Invalid("name must not be empty".into()));
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(CreateError::Invalid(format!(
            "name: at most {MAX_NAME_CHARS} characters (it has {chars})"
        )));
    }
    fastreg_protocol::rules::check_not_deceptive("name", name).map_err(|e| CreateError::Invalid(e.to_string()))?;
    if name == BOOTSTRAP {
        return Err(CreateError::Invalid(
            "name: `bootstrap` is reserved for the key of the bootstrap_api_key setting; choose another name".into(),
        ));
    }
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let key = format!("frk_{}", URL_SAFE_NO_PAD.encode(raw));
    let id = uuid::Uuid::new_v4().to_string();
    store::api_keys::insert(&state.db, &id, name, &hash(&key), now_ms()).await?;
    audit(state, actor, "api_key.create", &format!("api_key:{id}"), name).await;
    Ok(CreatedKey {
        id,
        name: name.to_owned(),
        key,
    })
}

/// Every key, newest first, revoked ones included (never a key nor its hash).
pub async fn list(state: &AppState) -> anyhow::Result<Vec<KeyRow>> {
    store::api_keys::list(&state.db).await
}

/// Revokes key `id` for `actor`, at once for this instance (the cache is emptied); revoking a
/// revoked key changes nothing. The key as it now stands; `None` if there is no such key.
pub async fn revoke(state: &AppState, id: &str, actor: &str) -> anyhow::Result<Option<KeyRow>> {
    let revoked = store::api_keys::revoke(&state.db, id, now_ms()).await?;
    state.api_keys.clear();
    let Some(key) = store::api_keys::get(&state.db, id).await? else {
        return Ok(None);
    };
    if revoked {
        audit(state, actor, "api_key.revoke", &format!("api_key:{id}"), &key.name).await;
    }
    Ok(Some(key))
}
