//! Where tokens live between calls, between restarts and between processes: the [`TokenStore`]
//! trait, and [`MemoryStore`], its in-process implementation.
//!
//! Every bug the peers' trackers record about tokens comes from keeping one in the wrong place:
//! a verify ticket held in one host's memory (61006 after a restart or on another host), a rotated
//! refresh token never written down (61023 later), a token deleted by a task that had not noticed
//! another task had already replaced it. So the client keeps nothing that matters only in its own
//! memory: the verify ticket, the tokens and the refresh tokens are all read from and written to
//! the store, and the writes that matter are awaited before a call returns.
//!
//! Two kinds of writes are special:
//! - **compare-and-delete** ([`TokenStore::invalidate_component_token_if`],
//!   [`TokenStore::invalidate_authorizer_token_if`]): when WeChat rejects a token (40001, 40014,
//!   42001) the client deletes it only if the store still holds *that* token, so a task whose call
//!   failed with an old token never expires the new one another task (or process) has just put;
//! - **leases** ([`TokenStore::try_lease`], [`TokenStore::release_lease`]): a try-lock with an
//!   expiry, so that several processes sharing one store refresh a token once between them. A
//!   lease whose holder died expires by itself.
//!
//! A store belongs to one component: the verify ticket and the component token are keyed by the
//! component's appid, authorizer tokens by the authorizer's appid.

use async_trait::async_trait;
use fastreg_protocol::{AccessToken, AppId, RefreshToken, id::Secret};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// A failure of the store itself (a database down, a row that cannot be read).
#[derive(Debug, thiserror::Error)]
#[error("token store: {message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// An error with a message saying what failed; the message must not contain a secret.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by another one (a driver error, say).
    pub fn with_source(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// What failed.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A copy for another task waiting on the same refresh; the cause is kept as its text.
    pub(crate) fn duplicate(&self) -> StoreError {
        StoreError {
            message: self.message.clone(),
            source: self
                .source
                .as_ref()
                .map(|s| Box::new(StoreError::new(s.to_string())) as Box<dyn std::error::Error + Send + Sync>),
        }
    }
}

/// An access token with the moment it stops working.
///
/// The expiry is wall-clock time so that processes sharing a store agree on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredToken {
    /// The token.
    pub token: AccessToken,
    /// When WeChat stops accepting it (issue time plus `expires_in`).
    pub expires_at: SystemTime,
}

impl StoredToken {
    /// A token that expires `expires_in` after `now`.
    pub fn new(token: AccessToken, now: SystemTime, expires_in: Duration) -> Self {
        StoredToken {
            token,
            expires_at: now + expires_in,
        }
    }

    /// Whether WeChat still accepts it at `now`.
    pub fn is_valid_at(&self, now: SystemTime) -> bool {
        now < self.expires_at
    }

    /// Whether it is valid at `now` and will stay valid for at least `margin` more: the client
    /// refreshes a token once it is within `margin` of its expiry.
    pub fn is_fresh_at(&self, now: SystemTime, margin: Duration) -> bool {
        now.checked_add(margin).is_some_and(|later| later < self.expires_at)
    }
}

/// A held lease: returned by [`TokenStore::try_lease`], given back to
/// [`TokenStore::release_lease`]. The id makes the release a compare-and-delete, so a holder
/// whose lease expired and was taken by another cannot release the other's lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// What is leased (`component_token:wx…`, `authorizer_token:wx…`).
    pub key: String,
    /// A random id, unique to this holding.
    pub id: String,
}

impl Lease {
    /// A new lease on `key` with a random id.
    pub fn new(key: impl Into<String>) -> Self {
        Lease {
            key: key.into(),
            id: format!("{:032x}", rand::random::<u128>()),
        }
    }
}

/// Where the client keeps the verify ticket, the component token, and each authorizer's access
/// and refresh tokens. Implement it over whatever several processes can share (the service's SQL
/// store does); [`MemoryStore`] is the one-process implementation.
///
/// Every method may be called concurrently. Writes must be durable when they return: the client
/// awaits [`put_refresh_token`](TokenStore::put_refresh_token) before it uses the access token that
/// came with the refresh token, because a refresh token lost is an authorization lost.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The latest component_verify_ticket WeChat pushed for `component`, if any.
    async fn verify_ticket(&self, component: &AppId) -> Result<Option<Secret>, StoreError>;

    /// Keeps the latest component_verify_ticket (WeChat pushes one every 10 minutes; keep the
    /// latest and put it where every process can read it).
    async fn put_verify_ticket(&self, component: &AppId, ticket: &Secret) -> Result<(), StoreError>;

    /// The component_access_token of `component`, if one is stored (expired or not).
    async fn component_token(&self, component: &AppId) -> Result<Option<StoredToken>, StoreError>;

    /// Replaces the component_access_token of `component`.
    async fn put_component_token(&self, component: &AppId, token: &StoredToken) -> Result<(), StoreError>;

    /// Deletes the component_access_token of `component` only if it is still `rejected`;
    /// returns whether it deleted it.
    async fn invalidate_component_token_if(
        &self,
        component: &AppId,
        rejected: &AccessToken,
    ) -> Result<bool, StoreError>;

    /// The authorizer_access_token of `authorizer`, if one is stored (expired or not).
    async fn authorizer_token(&self, authorizer: &AppId) -> Result<Option<StoredToken>, StoreError>;

    /// Replaces the authorizer_access_token of `authorizer`.
    async fn put_authorizer_token(&self, authorizer: &AppId, token: &StoredToken) -> Result<(), StoreError>;

    /// Deletes the authorizer_access_token of `authorizer`, whatever it is (after an
    /// `unauthorized` push, say).
    async fn delete_authorizer_token(&self, authorizer: &AppId) -> Result<(), StoreError>;

    /// Deletes the authorizer_access_token of `authorizer` only if it is still `rejected`;
    /// returns whether it deleted it.
    async fn invalidate_authorizer_token_if(
        &self,
        authorizer: &AppId,
        rejected: &AccessToken,
    ) -> Result<bool, StoreError>;

    /// The authorizer_refresh_token of `authorizer`, if known.
    async fn refresh_token(&self, authorizer: &AppId) -> Result<Option<RefreshToken>, StoreError>;

    /// Keeps the authorizer_refresh_token of `authorizer`. Must be durable when it returns.
    async fn put_refresh_token(&self, authorizer: &AppId, token: &RefreshToken) -> Result<(), StoreError>;

    /// Keeps a refresh token and the access token that came with it (api_query_auth's answer,
    /// or a refresh that rotated the refresh token). The refresh token must be durable when this
    /// returns. The default writes the refresh token first, then the access token; a store that
    /// can write both at once (one transaction) should override it: the pair is then never half
    /// written, and a database store commits once instead of twice.
    async fn put_authorizer_tokens(
        &self,
        authorizer: &AppId,
        refresh: &RefreshToken,
        access: &StoredToken,
    ) -> Result<(), StoreError> {
        self.put_refresh_token(authorizer, refresh).await?;
        self.put_authorizer_token(authorizer, access).await
    }

    /// Forgets the refresh token of `authorizer` (after an `unauthorized` push: it no longer
    /// works, and keeping it only produces 61023 later).
    async fn delete_refresh_token(&self, authorizer: &AppId) -> Result<(), StoreError>;

    /// Takes the lease on `key` for `ttl` if nobody holds it (or the holder's lease expired);
    /// `None` if another holds it.
    async fn try_lease(&self, key: &str, ttl: Duration) -> Result<Option<Lease>, StoreError>;

    /// Gives a lease back, if it is still this holding (same id); otherwise does nothing.
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError>;
}

#[derive(Default)]
struct MemoryState {
    verify_tickets: HashMap<AppId, Secret>,
    component_tokens: HashMap<AppId, StoredToken>,
    authorizer_tokens: HashMap<AppId, StoredToken>,
    refresh_tokens: HashMap<AppId, RefreshToken>,
    leases: HashMap<String, (String, Instant)>,
}

/// A [`TokenStore`] in this process's memory: right for one process, tests and tools. Share one
/// `Arc<MemoryStore>` between clients of the same process to have them share tokens; use a
/// store several processes can reach (the service's SQL store) when more than one process calls
/// WeChat for the same component — a verify ticket or a refresh token kept here dies with the
/// process.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<MemoryState>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.lock();
        f.debug_struct("MemoryStore")
            .field("verify_tickets", &s.verify_tickets.len())
            .field("component_tokens", &s.component_tokens.len())
            .field("authorizer_tokens", &s.authorizer_tokens.len())
            .field("refresh_tokens", &s.refresh_tokens.len())
            .field("leases", &s.leases.len())
            .finish()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        // A panic while holding this lock cannot leave the maps half-written (each operation is a
        // single insert or remove), so a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn verify_ticket(&self, component: &AppId) -> Result<Option<Secret>, StoreError> {
        Ok(self.lock().verify_tickets.get(component).cloned())
    }

    async fn put_verify_ticket(&self, component: &AppId, ticket: &Secret) -> Result<(), StoreError> {
        self.lock().verify_tickets.insert(component.clone(), ticket.clone());
        Ok(())
    }

    async fn component_token(&self, component: &AppId) -> Result<Option<StoredToken>, StoreError> {
        Ok(self.lock().component_tokens.get(component).cloned())
    }

    async fn put_component_token(&self, component: &AppId, token: &StoredToken) -> Result<(), StoreError> {
        self.lock().component_tokens.insert(component.clone(), token.clone());
        Ok(())
    }

    async fn invalidate_component_token_if(
        &self,
        component: &AppId,
        rejected: &AccessToken,
    ) -> Result<bool, StoreError> {
        Ok(remove_if(&mut self.lock().component_tokens, component, rejected))
    }

    async fn authorizer_token(&self, authorizer: &AppId) -> Result<Option<StoredToken>, StoreError> {
        Ok(self.lock().authorizer_tokens.get(authorizer).cloned())
    }

    async fn put_authorizer_token(&self, authorizer: &AppId, token: &StoredToken) -> Result<(), StoreError> {
        self.lock().authorizer_tokens.insert(authorizer.clone(), token.clone());
        Ok(())
    }

    async fn delete_authorizer_token(&self, authorizer: &AppId) -> Result<(), StoreError> {
        self.lock().authorizer_tokens.remove(authorizer);
        Ok(())
    }

    async fn invalidate_authorizer_token_if(
        &self,
        authorizer: &AppId,
        rejected: &AccessToken,
    ) -> Result<bool, StoreError> {
        Ok(remove_if(&mut self.lock().authorizer_tokens, authorizer, rejected))
    }

    async fn refresh_token(&self, authorizer: &AppId) -> Result<Option<RefreshToken>, StoreError> {
        Ok(self.lock().refresh_tokens.get(authorizer).cloned())
    }

    async fn put_refresh_token(&self, authorizer: &AppId, token: &RefreshToken) -> Result<(), StoreError> {
        self.lock().refresh_tokens.insert(authorizer.clone(), token.clone());
        Ok(())
    }

    async fn delete_refresh_token(&self, authorizer: &AppId) -> Result<(), StoreError> {
        self.lock().refresh_tokens.remove(authorizer);
        Ok(())
    }

    async fn try_lease(&self, key: &str, ttl: Duration) -> Result<Option<Lease>, StoreError> {
        let now = Instant::now();
        let mut state = self.lock();
        if let Some((_, until)) = state.leases.get(key)
            && *until > now
        {
            return Ok(None);
        }
        let lease = Lease::new(key);
        state.leases.insert(key.to_owned(), (lease.id.clone(), now + ttl));
        Ok(Some(lease))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.leases.get(&lease.key).is_some_and(|(id, _)| *id == lease.id) {
            state.leases.remove(&lease.key);
        }
        Ok(())
    }
}

fn remove_if(map: &mut HashMap<AppId, StoredToken>, key: &AppId, rejected: &AccessToken) -> bool {
    if map.get(key).is_some_and(|t| t.token == *rejected) {
        map.remove(key);
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn appid() -> AppId {
        AppId::parse("wxa1b2c3d4e5f60001").unwrap()
    }

    fn token(s: &str) -> StoredToken {
        StoredToken::new(
            AccessToken::parse(s).unwrap(),
            SystemTime::now(),
            Duration::from_secs(7200),
        )
    }

    /// The peers' bug: a task whose call failed with the old token deleted the new one another
    /// task had just stored, and every node refreshed again.
    #[tokio::test]
    async fn invalidate_if_leaves_a_newer_token_alone() {
        let store = MemoryStore::new();
        let (old, new) = (token("OLD"), token("NEW"));
        store.put_authorizer_token(&appid(), &new).await.unwrap();
        assert!(
            !store
                .invalidate_authorizer_token_if(&appid(), &old.token)
                .await
                .unwrap()
        );
        assert_eq!(store.authorizer_token(&appid()).await.unwrap(), Some(new.clone()));
        assert!(
            store
                .invalidate_authorizer_token_if(&appid(), &new.token)
                .await
                .unwrap()
        );
        assert_eq!(store.authorizer_token(&appid()).await.unwrap(), None);

        store.put_component_token(&appid(), &new).await.unwrap();
        assert!(!store.invalidate_component_token_if(&appid(), &old.token).await.unwrap());
        assert!(store.component_token(&appid()).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn a_lease_is_exclusive_until_released_or_expired() {
        let store = MemoryStore::new();
        let a = store
            .try_lease("k", Duration::from_secs(30))
            .await
            .unwrap()
            .expect("free lease");
        assert!(store.try_lease("k", Duration::from_secs(30)).await.unwrap().is_none());
        assert!(
            store
                .try_lease("other", Duration::from_secs(30))
                .await
                .unwrap()
                .is_some()
        );
        store.release_lease(&a).await.unwrap();
        let b = store
            .try_lease("k", Duration::from_millis(1))
            .await
            .unwrap()
            .expect("released lease");
        tokio::time::sleep(Duration::from_millis(5)).await;
        let c = store
            .try_lease("k", Duration::from_secs(30))
            .await
            .unwrap()
            .expect("expired lease is free");
        // The expired holder's release must not free the new holder's lease.
        store.release_lease(&b).await.unwrap();
        assert!(store.try_lease("k", Duration::from_secs(30)).await.unwrap().is_none());
        store.release_lease(&c).await.unwrap();
    }

    #[test]
    fn freshness_keeps_a_margin() {
        let now = SystemTime::now();
        let t = StoredToken::new(AccessToken::parse("T").unwrap(), now, Duration::from_secs(7200));
        assert!(t.is_fresh_at(now, Duration::from_secs(300)));
        let late = now + Duration::from_secs(7000);
        assert!(!t.is_fresh_at(late, Duration::from_secs(300)));
        assert!(t.is_valid_at(late));
        assert!(!t.is_valid_at(now + Duration::from_secs(7200)));
    }

    #[test]
    fn debug_shows_counts_not_secrets() {
        let store = MemoryStore::new();
        let s = format!("{store:?}");
        assert!(s.contains("refresh_tokens: 0"), "{s}");
    }
}
