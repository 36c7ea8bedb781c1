//! An emulator per test, in-process on port 0, and the control calls that stand for what the
//! admins and WeChat do (push a verify ticket, authorize, scan the fastregisterauth QR code,
//! advance the clock, inject faults, count calls).

use fastreg_client::{Client, ClientConfig, ClientConfigBuilder, MemoryStore, OffsetClock, RetryPolicy, TokenStore};
use fastreg_emulator::{Emulator, RunningEmulator, builtin, scenario::Scenario};
use fastreg_protocol::id::Secret;
use fastreg_protocol::{AppId, AuthorizationCode, TaskId, Ticket};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The seed of every emulator of the suite: reproducible ids and fault draws.
pub const SEED: u64 = 20240601;

/// Where the emulator accepts redirects (the component's login-authorization domain).
pub fn redirect_uri() -> String {
    format!("http://{}/callback?from=mp", builtin::COMPONENT_LOGIN_DOMAIN)
}

pub fn appid(s: &str) -> AppId {
    AppId::parse(s).expect("appid")
}

/// A running emulator, one store, one virtual clock kept in step with the emulator's, and a
/// client on them.
pub struct Harness {
    /// Kept so the emulator lives as long as the test.
    pub _emulator: RunningEmulator,
    pub base: String,
    pub control: reqwest::Client,
    pub store: Arc<MemoryStore>,
    pub clock: Arc<OffsetClock>,
    pub client: Client,
}

impl Harness {
    pub async fn start() -> Harness {
        Self::start_with(Scenario::builtin()).await
    }

    pub async fn start_with(scenario: Scenario) -> Harness {
        let emulator = Emulator::new(scenario, Some(SEED))
            .spawn("127.0.0.1:0".parse().unwrap())
            .await
            .expect("emulator starts");
        let base = emulator.base_url().to_string().trim_end_matches('/').to_owned();
        let store = Arc::new(MemoryStore::new());
        let clock = Arc::new(OffsetClock::new());
        let client = client_on(&base, store.clone(), clock.clone(), fast_retry());
        Harness {
            _emulator: emulator,
            base,
            control: reqwest::Client::new(),
            store,
            clock,
            client,
        }
    }

    /// Another client ("another node" or "after a restart") on the same emulator.
    pub fn new_client(&self, store: Arc<dyn TokenStore>, clock: Arc<OffsetClock>) -> Client {
        client_on(&self.base, store, clock, fast_retry())
    }

    pub fn client_with_retry(&self, retry: RetryPolicy) -> Client {
        client_on(&self.base, self.store.clone(), self.clock.clone(), retry)
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self
            .control
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("control call");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(status.is_success(), "POST {path} {body}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn get(&self, path: &str) -> Value {
        self.control
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("control call")
            .json()
            .await
            .expect("control JSON")
    }

    /// WeChat pushes a verify ticket; the service would decrypt it and store it. Here it goes
    /// straight into the harness's store.
    pub async fn push_ticket(&self) -> Secret {
        let ticket = self.push_ticket_only().await;
        self.store
            .put_verify_ticket(&appid(builtin::COMPONENT_APPID), &ticket)
            .await
            .unwrap();
        ticket
    }

    pub async fn push_ticket_only(&self) -> Secret {
        let v = self
            .post(
                "/__emulator/push/verify-ticket",
                json!({"component_appid": builtin::COMPONENT_APPID}),
            )
            .await;
        Secret::parse(v["ticket"].as_str().expect("ticket in push answer")).unwrap()
    }

    /// The account's admin authorizes the component (the login page's QR code).
    pub async fn authorize(&self, account: &str) -> AuthorizationCode {
        let v = self
            .post(
                "/__emulator/authorize",
                json!({"component_appid": builtin::COMPONENT_APPID, "appid": account, "fast_register": true}),
            )
            .await;
        AuthorizationCode::parse(v["auth_code"].as_str().expect("auth_code")).unwrap()
    }

    /// Ticket pushed, `account` authorized and its code exchanged: its tokens are in the store.
    pub async fn onboard(&self, account: &str) -> AppId {
        if self
            .store
            .verify_ticket(&appid(builtin::COMPONENT_APPID))
            .await
            .unwrap()
            .is_none()
        {
            self.push_ticket().await;
        }
        let code = self.authorize(account).await;
        let info = self.client.query_auth(&code).await.expect("query_auth");
        info.authorizer_appid
    }

    /// The Official Account's admin scans the fastregisterauth QR code and confirms.
    pub async fn confirm_fast_register(&self, account: &str) -> Ticket {
        let v = self
            .post(
                "/__emulator/fastregister/confirm",
                json!({
                    "component_appid": builtin::COMPONENT_APPID,
                    "appid": account,
                    "copy_wx_verify": 1,
                    "redirect_uri": redirect_uri(),
                }),
            )
            .await;
        let redirect = v["redirect"].as_str().expect("redirect");
        Ticket::parse(query_value(redirect, "ticket").expect("ticket in redirect")).unwrap()
    }

    /// A new Mini Program fast-registered from [`builtin::OA_ENTERPRISE`], its code exchanged.
    pub async fn new_mini_program(&self) -> AppId {
        let oa = appid(builtin::OA_ENTERPRISE);
        if self.store.refresh_token(&oa).await.unwrap().is_none() {
            self.onboard(builtin::OA_ENTERPRISE).await;
        }
        let ticket = self.confirm_fast_register(builtin::OA_ENTERPRISE).await;
        let reg = self.client.fast_register(&oa, &ticket).await.expect("fastregister");
        self.client
            .query_auth(&reg.authorization_code)
            .await
            .expect("query_auth of the new Mini Program");
        reg.appid
    }

    /// The Mini Program's old and new admins confirm the rebind page; the new admin has this ID
    /// card and phone.
    pub async fn confirm_rebind(&self, mini_program: &AppId, id_card: &str, phone: &str) -> TaskId {
        let v = self
            .post(
                "/__emulator/rebindadmin/confirm",
                json!({
                    "component_appid": builtin::COMPONENT_APPID,
                    "appid": mini_program.as_str(),
                    "redirect_uri": redirect_uri(),
                    "new_admin": {"name": "新管理员", "id_card": id_card, "phone": phone,
                                  "wechat_id": format!("new_admin_{phone}")},
                }),
            )
            .await;
        let redirect = v["redirect"].as_str().expect("redirect");
        TaskId::parse(query_value(redirect, "taskid").expect("taskid in redirect")).unwrap()
    }

    /// Calls per endpoint so far (`GET /__emulator/calls`).
    pub async fn counts(&self) -> HashMap<String, u64> {
        let v = self.get("/__emulator/calls").await;
        v["counts"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect())
            .unwrap_or_default()
    }

    pub async fn count(&self, endpoint: &str) -> u64 {
        self.counts().await.get(endpoint).copied().unwrap_or(0)
    }

    pub async fn fault(&self, spec: Value) {
        self.post("/__emulator/faults", spec).await;
    }

    pub async fn clear_faults(&self) {
        self.control
            .delete(format!("{}/__emulator/faults", self.base))
            .send()
            .await
            .unwrap();
    }

    /// Moves the emulator's clock and the client's together.
    pub async fn advance(&self, by: Duration) {
        self.post("/__emulator/clock/advance", json!({"seconds": by.as_secs()}))
            .await;
        self.clock.advance(by);
    }
}

/// Short backoffs, so the suite is quick; the attempts are the default's.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

pub fn client_on(base: &str, store: Arc<dyn TokenStore>, clock: Arc<OffsetClock>, retry: RetryPolicy) -> Client {
    let config = config_on(base, clock, retry).build().expect("config");
    Client::new(config, store).expect("client")
}

/// The configuration of the suite's clients, to adjust before building.
pub fn config_on(base: &str, clock: Arc<OffsetClock>, retry: RetryPolicy) -> ClientConfigBuilder {
    ClientConfig::builder(
        appid(builtin::COMPONENT_APPID),
        Secret::parse(builtin::COMPONENT_SECRET).unwrap(),
    )
    .token(builtin::COMPONENT_TOKEN)
    .encoding_aes_key(builtin::COMPONENT_AES_KEY)
    .api_base(base)
    .mp_base(base)
    .timeout(Duration::from_secs(10))
    .retry(retry)
    .lease_poll(Duration::from_millis(5))
    .clock(clock)
}

/// The value of `key` in a URL's query.
pub fn query_value(url: &str, key: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// A 1×1 PNG.
pub const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];
