//! Getting a token: from this process's cache, else the store, else WeChat — once.
//!
//! ```text
//! cache fresh? ──yes──▶ use it
//!   │no
//! take this process's lock for the token (single-flight: one task per process goes on, the
//! others wait and then find the cache fresh)
//!   │
//! store fresh? ──yes──▶ cache it, use it
//!   │no
//! take the store's lease for the token (one process in the cluster goes on)
//!   ├─got it: read the store once more (another process may just have finished), else fetch:
//!   │           component: api_component_token with the stored verify ticket;
//!   │           authorizer: api_authorizer_token with the stored refresh token — and if WeChat
//!   │           sends a new refresh token, store it *before* the access token is stored or used;
//!   │         store the token, cache it, give the lease back
//!   └─held elsewhere: the old token, if it has not expired yet, is still good: use it; else
//!     re-read the store every `lease_poll` until the other process stores a fresh one (or its
//!     lease runs out and we take over)
//! ```
//!
//! "Fresh" means valid for at least `refresh_margin` more (5 minutes by default), so tokens are
//! replaced before WeChat stops accepting them, and one refresh serves every task and process.

use crate::client::{Auth, Inner, TokenKey};
use crate::error::Error;
use crate::store::StoredToken;
use fastreg_protocol::AccessToken;
use fastreg_protocol::component::{AuthorizerToken, AuthorizerTokenRequest, ComponentToken, ComponentTokenRequest};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl TokenKey {
    fn lease_key(&self, component: &str) -> String {
        match self {
            TokenKey::Component => format!("component_token:{component}"),
            TokenKey::Authorizer(appid) => format!("authorizer_token:{appid}"),
        }
    }
}

impl Inner {
    /// A token for `key`: cached, stored or fetched, valid for at least the refresh margin
    /// (or, while another process refreshes it, at least still valid).
    pub(crate) async fn token(self: &Arc<Self>, key: &TokenKey) -> Result<AccessToken, Error> {
        if let Some(t) = self.cached(key)
            && t.is_fresh_at(self.now(), self.config.refresh_margin)
        {
            return Ok(t.token);
        }
        self.token_slow(key).await
    }

    /// Boxed, and not an `async fn`: fetching a token makes a call, which may need a token (the
    /// component token for api_authorizer_token), and a future cannot contain itself.
    fn token_slow<'a>(self: &'a Arc<Self>, key: &'a TokenKey) -> BoxFuture<'a, Result<AccessToken, Error>> {
        Box::pin(async move {
            let flight = self.flight(key);
            let result = {
                let _turn = flight.lock().await;
                self.token_in_flight(key).await
            };
            self.end_flight(key, flight);
            result
        })
    }

    async fn token_in_flight(self: &Arc<Self>, key: &TokenKey) -> Result<AccessToken, Error> {
        let margin = self.config.refresh_margin;
        // A task ahead of us in this process may have just fetched it.
        if let Some(t) = self.cached(key)
            && t.is_fresh_at(self.now(), margin)
        {
            return Ok(t.token);
        }
        let mut stored = self.load(key).await?;
        if let Some(t) = &stored
            && t.is_fresh_at(self.now(), margin)
        {
            self.cache_put(key, t.clone());
            return Ok(t.token.clone());
        }
        let lease_key = key.lease_key(self.config.component_appid.as_str());
        let ttl = self.config.lease_ttl;
        let give_up = Instant::now() + ttl * 2;
        loop {
            if let Some(lease) = self.store.try_lease(&lease_key, ttl).await? {
                let result = self.fetch_leased(key).await;
                if let Err(e) = self.store.release_lease(&lease).await {
                    // The lease expires by itself; the token we got is what matters.
                    tracing::warn!(lease = %lease_key, error = %e, "cannot release a refresh lease");
                }
                return result;
            }
            if let Some(t) = &stored
                && t.is_valid_at(self.now())
            {
                tracing::debug!(lease = %lease_key, "another process is refreshing; the current token is still valid");
                return Ok(t.token.clone());
            }
            if Instant::now() >= give_up {
                return Err(Error::Token(format!(
                    "another process has held the refresh lease {lease_key} for over {:?} without storing a token; check that process or the store's leases",
                    ttl * 2
                )));
            }
            tokio::time::sleep(self.config.lease_poll).await;
            stored = self.load(key).await?;
            if let Some(t) = &stored
                && t.is_fresh_at(self.now(), margin)
            {
                self.cache_put(key, t.clone());
                return Ok(t.token.clone());
            }
        }
    }

    /// With the lease held: the store once more, else a fetch from WeChat.
    async fn fetch_leased(self: &Arc<Self>, key: &TokenKey) -> Result<AccessToken, Error> {
        if let Some(t) = self.load(key).await?
            && t.is_fresh_at(self.now(), self.config.refresh_margin)
        {
            self.cache_put(key, t.clone());
            return Ok(t.token);
        }
        let fresh = match key {
            TokenKey::Component => self.fetch_component_token().await?,
            TokenKey::Authorizer(appid) => self.fetch_authorizer_token(appid).await?,
        };
        self.cache_put(key, fresh.clone());
        Ok(fresh.token)
    }

    async fn fetch_component_token(self: &Arc<Self>) -> Result<StoredToken, Error> {
        let component = &self.config.component_appid;
        let ticket = self.store.verify_ticket(component).await?.ok_or_else(|| {
            Error::Token(format!(
                "no component_verify_ticket yet: WeChat pushes it every 10 minutes to your authorization-event URL; \
                 put the latest one in the token store (TokenStore::put_verify_ticket) for {component}"
            ))
        })?;
        let req = ComponentTokenRequest {
            component_appid: component.clone(),
            component_appsecret: self.config.component_secret.clone(),
            component_verify_ticket: ticket,
        };
        let issued = self.now();
        let resp = self.call_endpoint::<ComponentToken>(&Auth::None, None, &req).await?;
        let stored = StoredToken::new(
            resp.component_access_token,
            issued,
            Duration::from_secs(resp.expires_in),
        );
        self.store.put_component_token(component, &stored).await?;
        tracing::info!(token = %stored.token.fingerprint(), expires_in = resp.expires_in, "component_access_token refreshed");
        Ok(stored)
    }

    async fn fetch_authorizer_token(self: &Arc<Self>, appid: &fastreg_protocol::AppId) -> Result<StoredToken, Error> {
        let refresh = self.store.refresh_token(appid).await?.ok_or_else(|| {
            Error::Token(format!(
                "no authorizer_refresh_token stored for {appid}: exchange its authorization code with query_auth first \
                 (or store the refresh_token api_get_authorizer_list gives for it)"
            ))
        })?;
        let req = AuthorizerTokenRequest {
            component_appid: self.config.component_appid.clone(),
            authorizer_appid: appid.clone(),
            authorizer_refresh_token: refresh.clone(),
        };
        let issued = self.now();
        let resp = self
            .call_endpoint::<AuthorizerToken>(&Auth::Component, Some(appid), &req)
            .await?;
        if let Some(rotated) = &resp.authorizer_refresh_token
            && *rotated != refresh
        {
            // Written before the access token is stored or used: if this write fails, the call
            // fails, rather than leaving the only copy of the new refresh token in memory.
            self.store.put_refresh_token(appid, rotated).await?;
            tracing::info!(%appid, refresh_token = %rotated.fingerprint(), "authorizer_refresh_token rotated and stored");
        }
        let stored = StoredToken::new(
            resp.authorizer_access_token,
            issued,
            Duration::from_secs(resp.expires_in),
        );
        self.store.put_authorizer_token(appid, &stored).await?;
        tracing::info!(%appid, token = %stored.token.fingerprint(), expires_in = resp.expires_in, "authorizer_access_token refreshed");
        Ok(stored)
    }

    /// Forgets `rejected` here and in the store, but only where it is still the current token:
    /// a newer one put by another task or process stays.
    pub(crate) async fn invalidate(&self, key: &TokenKey, rejected: &AccessToken) -> Result<(), Error> {
        {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if cache.get(key).is_some_and(|t| t.token == *rejected) {
                cache.remove(key);
            }
        }
        let deleted = match key {
            TokenKey::Component => {
                self.store
                    .invalidate_component_token_if(&self.config.component_appid, rejected)
                    .await?
            }
            TokenKey::Authorizer(appid) => self.store.invalidate_authorizer_token_if(appid, rejected).await?,
        };
        tracing::debug!(token = %rejected.fingerprint(), deleted, "invalidated if current");
        Ok(())
    }

    /// The token currently cached or stored for `key`, fresh or not.
    pub(crate) async fn current(&self, key: &TokenKey) -> Result<Option<StoredToken>, Error> {
        if let Some(t) = self.cached(key) {
            return Ok(Some(t));
        }
        self.load(key).await
    }

    pub(crate) fn forget_cached(&self, key: &TokenKey) {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }

    pub(crate) fn cache_put(&self, key: &TokenKey, token: StoredToken) {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone(), token);
    }

    fn cached(&self, key: &TokenKey) -> Option<StoredToken> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(key).cloned()
    }

    async fn load(&self, key: &TokenKey) -> Result<Option<StoredToken>, Error> {
        Ok(match key {
            TokenKey::Component => self.store.component_token(&self.config.component_appid).await?,
            TokenKey::Authorizer(appid) => self.store.authorizer_token(appid).await?,
        })
    }

    fn flight(&self, key: &TokenKey) -> Arc<tokio::sync::Mutex<()>> {
        self.flights
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.clone())
            .or_default()
            .clone()
    }

    /// Drops the lock of `key` from the map once nobody else holds or waits on it, so the map
    /// does not grow with every authorizer ever seen. Clones are only made under the map's lock,
    /// so a count of 2 (the map's and ours) means nobody else can be waiting.
    fn end_flight(&self, key: &TokenKey, flight: Arc<tokio::sync::Mutex<()>>) {
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        if Arc::strong_count(&flight) == 2 {
            flights.remove(key);
        }
    }
}
