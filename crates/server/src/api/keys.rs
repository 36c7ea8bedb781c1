//! The REST adapter of API keys ([`crate::api_key`]): the key check in front of every `/api/v1`
//! route ([`require_key`]) and `POST`/`GET /api-keys`, `DELETE /api-keys/{id}`.

use super::ApiError;
use super::extract::{Json, Path};
use crate::api_key::CreatedKey;
use crate::startup::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

pub use crate::api_key::{KeyCache, install_bootstrap_key};

/// Who is calling (the key's name), for the audit log.
#[derive(Clone, Debug)]
pub struct Actor(pub String);

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
    let name = crate::api_key::authenticate(&state, key).await?.ok_or_else(refused)?;
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

/// Create an API key (shown once).
#[utoipa::path(post, path = "/api-keys", tag = "api-keys", request_body = CreateKey,
    responses((status = 201, description = "The key, shown once", body = CreatedKey),
              (status = "default", description = "Refused", body = ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    axum::Extension(actor): axum::Extension<Actor>,
    Json(body): Json<CreateKey>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    let created = crate::api_key::create(&state, &body.name, &actor.0)
        .await
        .map_err(|e| match e {
            crate::api_key::CreateError::Invalid(m) => ApiError::invalid(m),
            crate::api_key::CreateError::Unexpected(e) => ApiError::unexpected(e),
        })?;
    Ok((StatusCode::CREATED, Json(created)))
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
    let items = crate::api_key::list(&state).await?;
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
    let key = crate::api_key::revoke(&state, &id, &actor.0)
        .await?
        .ok_or_else(|| ApiError::not_found("API key"))?;
    Ok(Json(key))
}
