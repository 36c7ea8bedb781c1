//! The peers' token bugs (reports against WxJava, EasyWeChat, wechatpy and silenceper/wechat),
//! one test each, named after the bug it pins; the comment says what went wrong there.

use crate::harness::{Harness, appid, client_on, fast_retry};
use crate::scripted;
use async_trait::async_trait;
use fastreg_client::{Auth, Error, Lease, MemoryStore, OffsetClock, StoreError, StoredToken, TokenStore};
use fastreg_emulator::builtin;
use fastreg_protocol::account::AccountBasicInfo;
use fastreg_protocol::component::{GetAuthorizerInfo, GetAuthorizerInfoRequest};
use fastreg_protocol::endpoint::{Empty, Method};
use fastreg_protocol::id::Secret;
use fastreg_protocol::{AccessToken, AppId, RefreshToken};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The peers: the verify ticket lived in one host's memory or cache, so after a restart (or on
/// another host) api_component_token failed with 61006 until the next push. Here the ticket is
/// in the store: a new client on the same store gets a token without a new push, and reuses the
/// stored component token instead of fetching another.
#[tokio::test]
async fn verify_ticket_in_the_shared_store_survives_a_new_client() {
    let h = Harness::start().await;
    h.push_ticket().await;
    let first = h.client.component_token().await.unwrap();

    let restarted = h.new_client(h.store.clone(), h.clock.clone());
    assert_eq!(restarted.component_token().await.unwrap(), first);
    assert_eq!(h.count("api_component_token").await, 1);

    // A process whose store kept only the ticket (tokens lost) fetches a token with it.
    let only_ticket = Arc::new(MemoryStore::new());
    let ticket = h
        .store
        .verify_ticket(&appid(builtin::COMPONENT_APPID))
        .await
        .unwrap()
        .unwrap();
    only_ticket
        .put_verify_ticket(&appid(builtin::COMPONENT_APPID), &ticket)
        .await
        .unwrap();
    let other_host = h.new_client(only_ticket, h.clock.clone());
    other_host.component_token().await.unwrap();
    assert_eq!(h.count("api_component_token").await, 2);
}

/// Without a ticket the error says where the ticket comes from, and nothing is sent.
#[tokio::test]
async fn missing_verify_ticket_says_where_it_comes_from() {
    let h = Harness::start().await;
    let err = h.client.component_token().await.unwrap_err();
    assert!(matches!(err, Error::Token(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("no component_verify_ticket yet")
            && text.contains("every 10 minutes")
            && text.contains("authorization-event URL"),
        "{text}"
    );
    assert_eq!(h.count("api_component_token").await, 0);
}

/// A store that logs what is written, for checking the order of writes against the use of a
/// token; it can also refuse refresh-token writes.
#[derive(Default)]
struct RecordingStore {
    inner: MemoryStore,
    log: Arc<Mutex<Vec<String>>>,
    refuse_refresh_writes: bool,
}

impl RecordingStore {
    fn note(&self, s: String) {
        self.log.lock().unwrap().push(s);
    }
}

#[async_trait]
impl TokenStore for RecordingStore {
    async fn verify_ticket(&self, c: &AppId) -> Result<Option<Secret>, StoreError> {
        self.inner.verify_ticket(c).await
    }
    async fn put_verify_ticket(&self, c: &AppId, t: &Secret) -> Result<(), StoreError> {
        self.inner.put_verify_ticket(c, t).await
    }
    async fn component_token(&self, c: &AppId) -> Result<Option<StoredToken>, StoreError> {
        self.inner.component_token(c).await
    }
    async fn put_component_token(&self, c: &AppId, t: &StoredToken) -> Result<(), StoreError> {
        self.inner.put_component_token(c, t).await
    }
    async fn invalidate_component_token_if(&self, c: &AppId, t: &AccessToken) -> Result<bool, StoreError> {
        self.inner.invalidate_component_token_if(c, t).await
    }
    async fn authorizer_token(&self, a: &AppId) -> Result<Option<StoredToken>, StoreError> {
        self.inner.authorizer_token(a).await
    }
    async fn put_authorizer_token(&self, a: &AppId, t: &StoredToken) -> Result<(), StoreError> {
        self.note(format!("put access {}", t.token.expose()));
        self.inner.put_authorizer_token(a, t).await
    }
    async fn delete_authorizer_token(&self, a: &AppId) -> Result<(), StoreError> {
        self.inner.delete_authorizer_token(a).await
    }
    async fn invalidate_authorizer_token_if(&self, a: &AppId, t: &AccessToken) -> Result<bool, StoreError> {
        self.inner.invalidate_authorizer_token_if(a, t).await
    }
    async fn refresh_token(&self, a: &AppId) -> Result<Option<RefreshToken>, StoreError> {
        self.inner.refresh_token(a).await
    }
    async fn put_refresh_token(&self, a: &AppId, t: &RefreshToken) -> Result<(), StoreError> {
        if self.refuse_refresh_writes {
            return Err(StoreError::new("database is read-only"));
        }
        self.note(format!("put refresh {}", t.expose()));
        self.inner.put_refresh_token(a, t).await
    }
    async fn delete_refresh_token(&self, a: &AppId) -> Result<(), StoreError> {
        self.inner.delete_refresh_token(a).await
    }
    async fn try_lease(&self, k: &str, ttl: Duration) -> Result<Option<Lease>, StoreError> {
        self.inner.try_lease(k, ttl).await
    }
    async fn release_lease(&self, l: &Lease) -> Result<(), StoreError> {
        self.inner.release_lease(l).await
    }
}

/// A scripted WeChat whose api_authorizer_token rotates the refresh token (RT1 → RT2), and
/// whose getaccountbasicinfo logs which access token it got.
async fn rotating_wechat(log: Arc<Mutex<Vec<String>>>) -> scripted::Scripted {
    scripted::serve(move |req| {
        let body = match req.path {
            "/cgi-bin/component/api_component_token" => {
                json!({"component_access_token": "COMPONENT_T", "expires_in": 7200})
            }
            "/cgi-bin/component/api_authorizer_token" => json!({
                "authorizer_access_token": "ACCESS_T2",
                "expires_in": 7200,
                "authorizer_refresh_token": "REFRESH_T2",
            }),
            "/cgi-bin/account/getaccountbasicinfo" => {
                let token = req
                    .query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("access_token="))
                    .unwrap_or("");
                log.lock().unwrap().push(format!("used {token}"));
                json!({"errcode": 0, "errmsg": "ok", "appid": "wx7b00000000000f99",
                       "account_type": 3, "principal_type": 1, "realname_status": 1})
            }
            other => json!({"errcode": 40066, "errmsg": format!("invalid url {other}")}),
        };
        (200, body.to_string())
    })
    .await
}

/// The peers: api_authorizer_token returned a new refresh token, the SDK kept using the
/// old one, and every refresh failed with 61023 once the old one died. Here the new refresh
/// token is written to the store before the access token that came with it is stored or used.
#[tokio::test]
async fn rotated_refresh_token_is_persisted_before_the_access_token_is_used() {
    let store = Arc::new(RecordingStore::default());
    let log = store.log.clone();
    let wechat = rotating_wechat(log.clone()).await;
    let mp = appid("wx7b00000000000f99");
    store
        .put_verify_ticket(&appid(builtin::COMPONENT_APPID), &Secret::parse("ticket@@@x").unwrap())
        .await
        .unwrap();
    store
        .put_refresh_token(&mp, &RefreshToken::parse("REFRESH_T1").unwrap())
        .await
        .unwrap();
    log.lock().unwrap().clear();
    let client = client_on(&wechat.base, store.clone(), Arc::new(OffsetClock::new()), fast_retry());

    client.account_basic_info(&mp).await.unwrap();

    assert_eq!(
        *log.lock().unwrap(),
        vec!["put refresh REFRESH_T2", "put access ACCESS_T2", "used ACCESS_T2"]
    );
    assert_eq!(store.refresh_token(&mp).await.unwrap().unwrap().expose(), "REFRESH_T2");
}

/// The other half of the same lesson: if the new refresh token cannot be stored, the call fails
/// and the access token is neither stored nor used — a refresh token living only in memory is an
/// authorization lost at the next restart.
#[tokio::test]
async fn rotated_refresh_token_that_cannot_be_stored_fails_the_call() {
    let store = Arc::new(RecordingStore {
        refuse_refresh_writes: true,
        ..Default::default()
    });
    let log = store.log.clone();
    let wechat = rotating_wechat(log.clone()).await;
    let mp = appid("wx7b00000000000f99");
    store
        .put_verify_ticket(&appid(builtin::COMPONENT_APPID), &Secret::parse("ticket@@@x").unwrap())
        .await
        .unwrap();
    store
        .inner
        .put_refresh_token(&mp, &RefreshToken::parse("REFRESH_T1").unwrap())
        .await
        .unwrap();
    let client = client_on(&wechat.base, store.clone(), Arc::new(OffsetClock::new()), fast_retry());

    let err = client.account_basic_info(&mp).await.unwrap_err();
    assert!(matches!(err, Error::Store(_)), "{err:?}");
    assert!(log.lock().unwrap().is_empty(), "{:?}", log.lock().unwrap());
}

/// Re-authorizing issues a new refresh token (the emulator, like WeChat, kills the old one).
/// The code exchanged by one node is what the next refresh on another node uses.
#[tokio::test]
async fn refresh_token_from_a_reauthorization_is_what_later_refreshes_use() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let first = h.store.refresh_token(&oa).await.unwrap().unwrap();

    let other_node = h.new_client(h.store.clone(), h.clock.clone());
    let code = h.authorize(builtin::OA_ENTERPRISE).await;
    other_node.query_auth(&code).await.unwrap();
    let second = h.store.refresh_token(&oa).await.unwrap().unwrap();
    assert_ne!(first, second, "re-authorization issues a new refresh token");

    h.advance(Duration::from_secs(7300)).await;
    h.client.account_basic_info(&oa).await.unwrap();
    assert_eq!(h.store.refresh_token(&oa).await.unwrap().unwrap(), second);
}

/// The peers: every goroutine or thread that found the token expired fetched
/// its own, burning the daily quota of api_component_token (and each new token killing the
/// previous). Here 300 tasks asking at once make one fetch of each token.
/// `n` concurrent calls on one authorizer, half an authorizer API and half a component API
/// about it (so both tokens are wanted at once); every one must succeed.
async fn herd(client: &fastreg_client::Client, oa: &AppId, n: usize) {
    let calls = (0..n).map(|i| {
        let client = client.clone();
        let oa = oa.clone();
        async move {
            if i % 2 == 0 {
                client.account_basic_info(&oa).await.map(drop)
            } else {
                client.authorizer_info(&oa).await.map(drop)
            }
        }
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
}

#[tokio::test]
async fn no_thundering_herd_of_refreshes() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let before = h.counts().await;
    h.advance(Duration::from_secs(7300)).await;

    herd(&h.client, &oa, 300).await;
    let after = h.counts().await;
    let delta = |k: &str| after.get(k).unwrap_or(&0) - before.get(k).unwrap_or(&0);
    assert_eq!(delta("api_component_token"), 1);
    assert_eq!(delta("api_authorizer_token"), 1);
}

/// The same herd when only WeChat knows the tokens expired (the client's clock says they are
/// fresh, as after WeChat revoked them): every task is told 42001, and still each token is
/// fetched once. An authorizer token may be asked for twice — the first api_authorizer_token
/// itself carries the rejected component token — but never once per task.
#[tokio::test]
async fn no_thundering_herd_when_only_wechat_knows_the_tokens_expired() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    h.client.authorizer_info(&oa).await.unwrap();
    let before = h.counts().await;
    // The emulator's clock only: the client still trusts its tokens.
    h.post("/__emulator/clock/advance", json!({"seconds": 7300})).await;

    herd(&h.client, &oa, 300).await;
    let after = h.counts().await;
    let delta = |k: &str| after.get(k).unwrap_or(&0) - before.get(k).unwrap_or(&0);
    assert_eq!(delta("api_component_token"), 1);
    assert!((1..=2).contains(&delta("api_authorizer_token")), "{after:?}");
}

/// The peers: a request that failed with the old token deleted the token cache after
/// another request had already refreshed it, so the fresh token was thrown away and fetched
/// again (and again, under load). Here a token is deleted only if it is still the one that
/// failed.
#[tokio::test]
async fn no_expiring_a_token_another_task_refreshed() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let old = h.client.authorizer_token(&oa).await.unwrap();
    let new = h.client.refresh_authorizer_token(&oa).await.unwrap();
    assert_ne!(old, new);
    assert_eq!(h.count("api_authorizer_token").await, 1);

    // The slow task that failed with the old token now invalidates "its" token: a no-op.
    assert!(!h.store.invalidate_authorizer_token_if(&oa, &old).await.unwrap());
    assert_eq!(h.client.authorizer_token(&oa).await.unwrap(), new);

    // And through the client: two calls in flight with the same token both get 42001; one
    // refresh serves both.
    h.fault(json!({"path": "/cgi-bin/account/getaccountbasicinfo", "errcode": 42001,
                   "count": 2, "latency_ms": 50}))
        .await;
    let (a, b) = tokio::join!(h.client.account_basic_info(&oa), h.client.account_basic_info(&oa));
    a.unwrap();
    b.unwrap();
    assert_eq!(h.count("api_authorizer_token").await, 2, "one refresh for both");
}

/// The peers, in clusters with per-node caches: node B's cache still held the token node A had
/// replaced, B's call failed with 40001, B refreshed — killing A's token — and so on, each node
/// invalidating the other. Here B's 40001 makes it re-read the shared store and use A's token.
#[tokio::test]
async fn two_clients_sharing_a_store_do_not_invalidate_each_other() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let node_a = h.client.clone();
    let node_b = h.new_client(h.store.clone(), h.clock.clone());
    node_a.account_basic_info(&oa).await.unwrap();
    node_b.account_basic_info(&oa).await.unwrap();
    node_b.authorizer_info(&oa).await.unwrap();

    // Node A replaces the tokens; after WeChat's 5-minute overlap B's cached ones answer 40001.
    node_a.refresh_authorizer_token(&oa).await.unwrap();
    let base = h.counts().await;
    h.advance(Duration::from_secs(301)).await;

    for _ in 0..5 {
        node_b.account_basic_info(&oa).await.unwrap();
        node_a.account_basic_info(&oa).await.unwrap();
    }
    let after = h.counts().await;
    let delta = |k: &str| after.get(k).unwrap_or(&0) - base.get(k).unwrap_or(&0);
    assert_eq!(delta("api_authorizer_token"), 0, "nobody refreshed again");
    assert_eq!(delta("getaccountbasicinfo"), 11, "10 calls and B's one retry");
}

/// Several processes on one store refresh once between them: each has its own cache and its
/// own in-process locks, so only the store's lease keeps them from refreshing together.
#[tokio::test]
async fn processes_sharing_a_store_refresh_once_through_the_lease() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let nodes: Vec<_> = (0..4).map(|_| h.new_client(h.store.clone(), h.clock.clone())).collect();
    let before = h.counts().await;
    h.advance(Duration::from_secs(7300)).await;

    let calls = (0..200).map(|i| {
        let node = nodes[i % nodes.len()].clone();
        let oa = oa.clone();
        async move { node.account_basic_info(&oa).await }
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    let after = h.counts().await;
    let delta = |k: &str| after.get(k).unwrap_or(&0) - before.get(k).unwrap_or(&0);
    assert_eq!(delta("api_component_token"), 1);
    assert_eq!(delta("api_authorizer_token"), 1);
}

/// A process that took the refresh lease and died does not block the others for ever: the
/// lease expires and another process refreshes.
#[tokio::test]
async fn a_lease_left_by_a_dead_process_expires() {
    let h = Harness::start().await;
    h.push_ticket().await;
    let key = format!("component_token:{}", builtin::COMPONENT_APPID);
    let _dead = h
        .store
        .try_lease(&key, Duration::from_millis(300))
        .await
        .unwrap()
        .unwrap();
    let started = std::time::Instant::now();
    h.client.component_token().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(h.count("api_component_token").await, 1);
}

/// The peers: on 40001 the SDK refreshed and called itself again, without limit — a
/// token WeChat kept rejecting (clock skew, a revoked IP whitelist) became an endless loop of
/// refreshes. Here a token error is retried once; a second one is returned.
#[tokio::test]
async fn no_unbounded_recursion_on_repeated_40001() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    h.fault(json!({"path": "/cgi-bin/account/getaccountbasicinfo", "errcode": 40001}))
        .await;
    let before = h.counts().await;
    let err = h.client.account_basic_info(&oa).await.unwrap_err();
    assert_eq!(err.code(), Some(40001), "{err}");
    let after = h.counts().await;
    let delta = |k: &str| after.get(k).unwrap_or(&0) - before.get(k).unwrap_or(&0);
    assert_eq!(delta("getaccountbasicinfo"), 2, "the call and its one retry");
    assert_eq!(delta("api_authorizer_token"), 1, "one refresh");

    // The same for the component token.
    h.fault(json!({"path": "/cgi-bin/component/api_get_authorizer_info", "errcode": 40001}))
        .await;
    let err = h.client.authorizer_info(&oa).await.unwrap_err();
    assert_eq!(err.code(), Some(40001));
    let last = h.counts().await;
    assert_eq!(last["api_get_authorizer_info"], 2);
    assert_eq!(
        last["api_component_token"] - after.get("api_component_token").unwrap_or(&0),
        1
    );
}

/// The peers: authorizer APIs called with the component token (or a token from the
/// wrong account) answered 40001/48001, and the SDK "fixed" that by refreshing. Here the
/// mismatch is refused before anything is sent — at compile time with `call_as_authorizer` /
/// `call_as_component` (see their doctests), at run time with `call` and `call_raw`.
#[tokio::test]
async fn component_token_is_never_sent_to_an_authorizer_api() {
    let h = Harness::start().await;
    let oa = h.onboard(builtin::OA_ENTERPRISE).await;
    let before = h.counts().await;

    let err = h
        .client
        .call::<AccountBasicInfo>(Auth::Component, &Empty {})
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::WrongToken {
                endpoint: "getaccountbasicinfo",
                ..
            }
        ),
        "{err:?}"
    );
    let err = h
        .client
        .call_raw(
            Method::Get,
            "/cgi-bin/account/getaccountbasicinfo",
            Auth::Component,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongToken { .. }), "{err:?}");
    // And the reverse: an authorizer token on a component API.
    let req = GetAuthorizerInfoRequest {
        component_appid: appid(builtin::COMPONENT_APPID),
        authorizer_appid: oa.clone(),
    };
    let err = h
        .client
        .call::<GetAuthorizerInfo>(Auth::Authorizer(oa.clone()), &req)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongToken { .. }), "{err:?}");

    assert_eq!(h.counts().await, before, "nothing was sent");
    // The right token works.
    h.client
        .call::<AccountBasicInfo>(Auth::Authorizer(oa), &Empty {})
        .await
        .unwrap();
}
