//! The client's [`TokenStore`] over the service's database, so every instance on one
//! PostgreSQL (or the one process on SQLite) shares the verify ticket, the component token, the
//! authorizer tokens and the refresh tokens.
//!
//! Access tokens and the verify ticket live in `tokens` (sealed, with a keyed digest for the
//! compare-and-delete the client needs); refresh tokens live on their `authorizers` row, sealed,
//! written before the call that brought them returns. Leases are rows of `leases` taken with one
//! conditional upsert: the row is written only if it is absent or expired, so two instances
//! racing for it cannot both win.

use crate::secret_box::SecretBox;
use crate::store::{Db, authorizers, now_ms, tokens};
use async_trait::async_trait;
use fastreg_client::{Lease, StoreError, StoredToken, TokenStore};
use fastreg_protocol::id::Secret;
use fastreg_protocol::{AccessToken, AppId, RefreshToken};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The SQL token store.
#[derive(Clone, Debug)]
pub struct SqlTokenStore {
    db: Db,
    secrets: SecretBox,
    refresh_window_ms: i64,
}

fn store_err(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| StoreError::with_source(what, e)
}

fn to_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn from_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

impl SqlTokenStore {
    /// A store on `db`, sealing with `secrets`; authorizer tokens are planned for refresh by
    /// the upkeep within the default window (30 minutes) before expiry.
    pub fn new(db: Db, secrets: SecretBox) -> Self {
        Self::with_refresh_window(db, secrets, Duration::from_secs(1800))
    }

    /// A store whose authorizer tokens are planned for refresh within `window` before expiry.
    pub fn with_refresh_window(db: Db, secrets: SecretBox, window: Duration) -> Self {
        let refresh_window_ms = i64::try_from(window.as_millis()).unwrap_or(1_800_000).max(1);
        SqlTokenStore {
            db,
            secrets,
            refresh_window_ms,
        }
    }

    async fn get(&self, key: &str) -> Result<Option<(String, Option<i64>)>, StoreError> {
        let row = tokens::get(&self.db, key)
            .await
            .map_err(store_err("cannot read a token"))?;
        match row {
            None => Ok(None),
            Some((sealed, expires_at)) => {
                let plain = self
                    .secrets
                    .open_str(&format!("tokens:{key}"), &sealed)
                    .map_err(|e| StoreError::with_source(format!("cannot open the stored {}", kind_of(key)), e))?;
                Ok(Some((plain, expires_at)))
            }
        }
    }

    async fn put(&self, key: &str, value: &str, expires_at: Option<i64>) -> Result<(), StoreError> {
        let sealed = self.secrets.seal_str(&format!("tokens:{key}"), value);
        let digest = self.secrets.digest("tokens", value);
        tokens::put(&self.db, key, &sealed, &digest, expires_at, now_ms())
            .await
            .map_err(store_err("cannot write a token"))?;
        Ok(())
    }

    async fn delete_if(&self, key: &str, rejected: &str) -> Result<bool, StoreError> {
        let digest = self.secrets.digest("tokens", rejected);
        tokens::delete_if_digest(&self.db, key, &digest)
            .await
            .map_err(store_err("cannot delete a token"))
    }

    async fn get_token(&self, key: &str) -> Result<Option<StoredToken>, StoreError> {
        match self.get(key).await? {
            None => Ok(None),
            Some((plain, expires_at)) => {
                let token =
                    AccessToken::parse(plain).map_err(|e| StoreError::with_source("a stored token is malformed", e))?;
                Ok(Some(StoredToken {
                    token,
                    expires_at: from_ms(expires_at.unwrap_or(0)),
                }))
            }
        }
    }
}

impl SqlTokenStore {
    /// An authorizer's access token, with the refresh token that came with it if any, and the
    /// access token's refresh plan, in one transaction of two statements. Whoever fetched the
    /// token (the client on demand, or the upkeep), the next refresh is planned at a random
    /// moment of the window before it expires.
    async fn write_authorizer_tokens(
        &self,
        authorizer: &AppId,
        access: &StoredToken,
        refresh: Option<&RefreshToken>,
    ) -> Result<(), StoreError> {
        let key = authorizer_key(authorizer);
        let expires = to_ms(access.expires_at);
        let sealed = self.secrets.seal_str(&format!("tokens:{key}"), access.token.expose());
        let digest = self.secrets.digest("tokens", access.token.expose());
        let next = crate::upkeep::refresh_moment(expires, self.refresh_window_ms);
        let now = now_ms();
        let what = if refresh.is_some() {
            "cannot write a refresh token"
        } else {
            "cannot write a token"
        };
        let mut tx = self
            .db
            .begin()
            .await
            .map_err(|e| StoreError::with_source(what, AsStdError(e)))?;
        match refresh {
            Some(refresh) => {
                let sealed_refresh = self
                    .secrets
                    .seal_str(&refresh_context(authorizer.as_str()), refresh.expose());
                authorizers::put_refresh_token_and_expiry(
                    &mut tx,
                    authorizer.as_str(),
                    &sealed_refresh,
                    expires,
                    next,
                    now,
                )
                .await
                .map_err(store_err("cannot write a refresh token"))?;
            }
            None => authorizers::note_token_expiry(&mut tx, authorizer.as_str(), expires, next, now)
                .await
                .map_err(store_err("cannot note a token's expiry"))?,
        }
        tokens::put(&mut tx, &key, &sealed, &digest, Some(expires), now)
            .await
            .map_err(store_err("cannot write a token"))?;
        tx.commit()
            .await
            .map_err(|e| StoreError::with_source(what, AsStdError(e)))?;
        Ok(())
    }
}

/// An `anyhow::Error` (the store's transaction errors) as a `std::error::Error` source.
#[derive(Debug)]
struct AsStdError(anyhow::Error);

impl std::fmt::Display for AsStdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for AsStdError {}

fn kind_of(key: &str) -> &str {
    key.split(':').next().unwrap_or("token")
}

fn ticket_key(component: &AppId) -> String {
    format!("verify_ticket:{component}")
}
fn component_key(component: &AppId) -> String {
    format!("component_token:{component}")
}
fn authorizer_key(authorizer: &AppId) -> String {
    format!("authorizer_token:{authorizer}")
}

/// Stores a pushed verify ticket in `tx` unless the stored one was issued later: `issued_at_ms`
/// is the push's `CreateTime`, so a replayed older push (genuinely signed, byte for byte) cannot
/// roll the ticket back. Returns whether the ticket was written.
pub async fn put_verify_ticket_if_newer(
    tx: &mut crate::store::Tx,
    secrets: &SecretBox,
    component: &AppId,
    ticket: &Secret,
    issued_at_ms: i64,
) -> anyhow::Result<bool> {
    let key = ticket_key(component);
    let sealed = secrets.seal_str(&format!("tokens:{key}"), ticket.expose());
    let digest = secrets.digest("tokens", ticket.expose());
    tokens::put_ticket_if_newer(tx, &key, &sealed, &digest, now_ms(), issued_at_ms)
        .await
        .map_err(|e| anyhow::Error::new(e).context("cannot store the verify ticket"))
}

/// The sealing context of an authorizer's refresh token.
pub fn refresh_context(authorizer: &str) -> String {
    format!("refresh_token:{authorizer}")
}

#[async_trait]
impl TokenStore for SqlTokenStore {
    async fn verify_ticket(&self, component: &AppId) -> Result<Option<Secret>, StoreError> {
        match self.get(&ticket_key(component)).await? {
            None => Ok(None),
            Some((plain, _)) => Secret::parse(plain)
                .map(Some)
                .map_err(|e| StoreError::with_source("the stored verify ticket is malformed", e)),
        }
    }

    async fn put_verify_ticket(&self, component: &AppId, ticket: &Secret) -> Result<(), StoreError> {
        self.put(&ticket_key(component), ticket.expose(), None).await
    }

    async fn component_token(&self, component: &AppId) -> Result<Option<StoredToken>, StoreError> {
        self.get_token(&component_key(component)).await
    }

    async fn put_component_token(&self, component: &AppId, token: &StoredToken) -> Result<(), StoreError> {
        self.put(
            &component_key(component),
            token.token.expose(),
            Some(to_ms(token.expires_at)),
        )
        .await
    }

    async fn invalidate_component_token_if(
        &self,
        component: &AppId,
        rejected: &AccessToken,
    ) -> Result<bool, StoreError> {
        self.delete_if(&component_key(component), rejected.expose()).await
    }

    async fn authorizer_token(&self, authorizer: &AppId) -> Result<Option<StoredToken>, StoreError> {
        self.get_token(&authorizer_key(authorizer)).await
    }

    async fn put_authorizer_token(&self, authorizer: &AppId, token: &StoredToken) -> Result<(), StoreError> {
        self.write_authorizer_tokens(authorizer, token, None).await
    }

    async fn delete_authorizer_token(&self, authorizer: &AppId) -> Result<(), StoreError> {
        tokens::delete(&self.db, &authorizer_key(authorizer))
            .await
            .map_err(store_err("cannot delete a token"))?;
        Ok(())
    }

    async fn invalidate_authorizer_token_if(
        &self,
        authorizer: &AppId,
        rejected: &AccessToken,
    ) -> Result<bool, StoreError> {
        self.delete_if(&authorizer_key(authorizer), rejected.expose()).await
    }

    async fn refresh_token(&self, authorizer: &AppId) -> Result<Option<RefreshToken>, StoreError> {
        let sealed = authorizers::refresh_token_sealed(&self.db, authorizer.as_str())
            .await
            .map_err(store_err("cannot read a refresh token"))?;
        let Some(sealed) = sealed else { return Ok(None) };
        let plain = self
            .secrets
            .open_str(&refresh_context(authorizer.as_str()), &sealed)
            .map_err(|e| StoreError::with_source("cannot open a stored refresh token", e))?;
        RefreshToken::parse(plain)
            .map(Some)
            .map_err(|e| StoreError::with_source("a stored refresh token is malformed", e))
    }

    async fn put_refresh_token(&self, authorizer: &AppId, token: &RefreshToken) -> Result<(), StoreError> {
        let sealed = self
            .secrets
            .seal_str(&refresh_context(authorizer.as_str()), token.expose());
        let now = now_ms();
        authorizers::put_refresh_token(&self.db, authorizer.as_str(), &sealed, now)
            .await
            .map_err(store_err("cannot write a refresh token"))?;
        Ok(())
    }

    /// Both tokens, and the access token's refresh plan, in one transaction of two statements
    /// (where separate writes took two transactions of three).
    async fn put_authorizer_tokens(
        &self,
        authorizer: &AppId,
        refresh: &RefreshToken,
        access: &StoredToken,
    ) -> Result<(), StoreError> {
        self.write_authorizer_tokens(authorizer, access, Some(refresh)).await
    }

    async fn delete_refresh_token(&self, authorizer: &AppId) -> Result<(), StoreError> {
        authorizers::clear_refresh_token(&self.db, authorizer.as_str(), now_ms())
            .await
            .map_err(store_err("cannot delete a refresh token"))?;
        Ok(())
    }

    async fn try_lease(&self, key: &str, ttl: Duration) -> Result<Option<Lease>, StoreError> {
        let lease = Lease::new(key);
        let now = now_ms();
        let until = now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 4));
        let taken = tokens::try_lease(&self.db, key, &lease.id, until, now)
            .await
            .map_err(store_err("cannot take a lease"))?;
        Ok(taken.then_some(lease))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        tokens::release_lease(&self.db, &lease.key, &lease.id)
            .await
            .map_err(store_err("cannot release a lease"))?;
        Ok(())
    }
}
