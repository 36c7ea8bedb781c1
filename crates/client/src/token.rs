//! Getting a token: from this process's cache, else the store, else WeChat — once.
//!
//! ```text
//! cache fresh? ──yes──▶ use it
//!   │no
//! join this process's flight for the token, or start it (one flight per token: a task of its
//! own, so it ends even if the callers who wait on it give up); wait for its outcome at most
//! `flight_wait`. The outcome, a token or an error, goes to every task that joined.
//!
//! the flight:
//! store fresh? ──yes──▶ cache it, use it
//!   │no
//! authorizer marked refused (61023) with the refresh token still stored? ──yes──▶ that error,
//!   │no                                                                      nothing sent
//! take the store's lease for the token (one process in the cluster goes on)
//!   ├─got it: read the store once more (another process may just have finished), else fetch:
//!   │           component: api_component_token with the stored verify ticket;
//!   │           authorizer: api_authorizer_token with the stored refresh token — and if WeChat
//!   │           sends a new refresh token, store it *before* the access token is stored or used;
//!   │           a 61023 answer marks the authorizer refused until its stored refresh token changes;
//!   │         store the token, cache it, give the lease back
//!   └─held elsewhere: the old token, if it has not expired yet, is still good: use it; else
//!     re-read the store every `lease_poll` until the other process stores a fresh one (or its
//!     lease runs out and we take over)
//! ```
//!
//! "Fresh" means valid for at least `refresh_margin` more (5 minutes by default), so tokens are
//! replaced before WeChat stops accepting them, and one refresh serves every task and process.
//! A failed flight fails every task that joined it with the same error: a refresh that WeChat
//! keeps answering `-1` costs one retry sequence, however many tasks wait, and a task that comes
//! after it starts a new one.

use crate::client::{Auth, Inner, TokenKey};
use crate::error::Error;
use crate::store::StoredToken;
use fastreg_protocol::component::{AuthorizerToken, AuthorizerTokenRequest, ComponentToken, ComponentTokenRequest};
use fastreg_protocol::endpoint::Endpoint;
use fastreg_protocol::{AccessToken, AppId, RefreshToken};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tracing::Instrument;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a flight ends with. The error is shared; each task that joined gets its own copy.
type Outcome = Result<AccessToken, Arc<Error>>;

/// A flight as its waiters see it: `None` until it has ended.
pub(crate) type Flight = watch::Receiver<Option<Outcome>>;

/// The errcode of api_authorizer_token for a refresh token WeChat no longer accepts (the
/// account withdrew its authorization, or a newer refresh token replaced it).
const REFRESH_REFUSED: i64 = 61023;

/// An authorizer whose refresh WeChat refused with 61023: the refresh token refused and what
/// WeChat said. Calls fail with that error, unsent, while the store holds the same refresh token.
#[derive(Clone, Debug)]
pub(crate) struct Refusal {
    refresh_token: RefreshToken,
    message: String,
}

impl std::fmt::Display for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenKey::Component => f.write_str("the component_access_token"),
            TokenKey::Authorizer(appid) => write!(f, "the authorizer_access_token of {appid}"),
        }
    }
}

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

    /// Joins the flight of `key` (starting it if none is under way) and waits for its outcome,
    /// at most `flight_wait`: a refresh stuck behind a slow WeChat or another process's lease
    /// fails its waiters at the deadline, and goes on by itself to fill the cache.
    async fn token_slow(self: &Arc<Self>, key: &TokenKey) -> Result<AccessToken, Error> {
        let mut flight = self.flight(key);
        let wait = self.config.flight_wait;
        match tokio::time::timeout(wait, flight.wait_for(Option::is_some)).await {
            Ok(Ok(outcome)) => match &*outcome {
                Some(Ok(token)) => Ok(token.clone()),
                Some(Err(e)) => Err(e.duplicate()),
                None => Err(Error::Token(format!("the refresh of {key} ended without an outcome"))),
            },
            Ok(Err(_)) => Err(Error::Token(format!(
                "the refresh of {key} stopped without an outcome (its task panicked or the runtime is shutting down)"
            ))),
            Err(_) => Err(Error::Token(format!(
                "waited {wait:?} (the client's flight_wait) for the refresh of {key}, which is still under way; \
                 WeChat or the token store is slow, or another process holds the refresh lease"
            ))),
        }
    }

    /// The flight of `key`: the one under way, or a new one started in a task of its own.
    fn flight(self: &Arc<Self>, key: &TokenKey) -> Flight {
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        // A flight whose sender is gone without removing itself (its task panicked) is over.
        if let Some(flight) = flights.get(key)
            && flight.has_changed().is_ok()
        {
            return flight.clone();
        }
        let (done, flight) = watch::channel(None);
        flights.insert(key.clone(), flight.clone());
        drop(flights);
        let inner = Arc::clone(self);
        let key = key.clone();
        let mine = flight.clone();
        tokio::spawn(
            async move {
                let outcome = inner.fly(&key).await.map_err(Arc::new);
                // Announced first, then removed: a task arriving in between joins this flight
                // and gets its outcome, instead of starting another.
                done.send_replace(Some(outcome));
                let mut flights = inner.flights.lock().unwrap_or_else(|e| e.into_inner());
                if flights.get(&key).is_some_and(|f| f.same_channel(&mine)) {
                    flights.remove(&key);
                }
            }
            .instrument(tracing::Span::current()),
        );
        flight
    }

    /// Boxed, and not an `async fn`: fetching a token makes a call, which may need a token (the
    /// component token for api_authorizer_token), and a future cannot contain itself.
    fn fly<'a>(self: &'a Arc<Self>, key: &'a TokenKey) -> BoxFuture<'a, Result<AccessToken, Error>> {
        Box::pin(self.token_in_flight(key))
    }

    async fn token_in_flight(self: &Arc<Self>, key: &TokenKey) -> Result<AccessToken, Error> {
        let margin = self.config.refresh_margin;
        // A flight that ended just before this one started may have filled the cache.
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
        if let TokenKey::Authorizer(appid) = key {
            self.check_refusal(appid).await?;
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
        let req = ComponentTokenRequest::new(component.clone(), self.config.component_secret.clone(), ticket);
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

    async fn fetch_authorizer_token(self: &Arc<Self>, appid: &AppId) -> Result<StoredToken, Error> {
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
        let resp = match self
            .call_endpoint::<AuthorizerToken>(&Auth::Component, Some(appid), &req)
            .await
        {
            Ok(resp) => resp,
            Err(Error::Api { code, message, .. }) if code == REFRESH_REFUSED => {
                tracing::warn!(
                    %appid,
                    refresh_token = %refresh.fingerprint(),
                    "refresh token refused (61023): calls for this authorizer now fail unsent until a new refresh token is stored (re-authorization and query_auth)"
                );
                self.refused.lock().unwrap_or_else(|e| e.into_inner()).insert(
                    appid.clone(),
                    Refusal {
                        refresh_token: refresh,
                        message: message.clone(),
                    },
                );
                return Err(Error::api(AuthorizerToken::NAME, code, message));
            }
            Err(e) => return Err(e),
        };
        let stored = StoredToken::new(
            resp.authorizer_access_token,
            issued,
            Duration::from_secs(resp.expires_in),
        );
        if let Some(rotated) = &resp.authorizer_refresh_token
            && *rotated != refresh
        {
            // Written with (a store's transaction), or before, the access token, which is used
            // only after: if this write fails, the call fails, rather than leaving the only copy
            // of the new refresh token in memory.
            self.store.put_authorizer_tokens(appid, rotated, &stored).await?;
            tracing::info!(%appid, refresh_token = %rotated.fingerprint(), "authorizer_refresh_token rotated and stored");
        } else {
            self.store.put_authorizer_token(appid, &stored).await?;
        }
        tracing::info!(%appid, token = %stored.token.fingerprint(), expires_in = resp.expires_in, "authorizer_access_token refreshed");
        Ok(stored)
    }

    /// Fails with the 61023 WeChat gave if `appid` is marked refused and its stored refresh
    /// token is still the refused one; a changed (or deleted) refresh token lifts the mark.
    async fn check_refusal(&self, appid: &AppId) -> Result<(), Error> {
        let marked = self
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(appid)
            .cloned();
        let Some(refusal) = marked else {
            return Ok(());
        };
        let stored = self.store.refresh_token(appid).await?;
        if stored.as_ref() == Some(&refusal.refresh_token) {
            tracing::debug!(%appid, "refresh token refused earlier (61023) and unchanged; not calling WeChat");
            return Err(Error::api(AuthorizerToken::NAME, REFRESH_REFUSED, refusal.message));
        }
        let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        if refused
            .get(appid)
            .is_some_and(|r| r.refresh_token == refusal.refresh_token)
        {
            refused.remove(appid);
        }
        Ok(())
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
}
