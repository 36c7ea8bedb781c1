//! `spawn_app()` (zero2prod's `tests/api/helpers.rs`): a fresh database per test (a SQLite file,
//! or a new PostgreSQL database when `FASTREG_TEST_DATABASE_URL` is set), the emulator embedded
//! in-process as WeChat, the service on port 0 with no background workers, and helpers that
//! drain the job queue deterministically instead of sleeping.

use fastreg_client::OffsetClock;
use fastreg_emulator::builtin::{COMPONENT_AES_KEY, COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN};
use fastreg_emulator::{Emulator, RunningEmulator, Scenario};
use fastreg_server::Application;
use fastreg_server::settings::{ComponentSettings, SecretString, Settings};
use fastreg_server::startup::{AppState, drain};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The API key every test app accepts.
pub const API_KEY: &str = "test-api-key-0123456789";
/// The encryption key of every test app (tests grep logs for it).
pub const ENCRYPTION_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

// ---- logs: one capture for the whole binary, grep'd for secrets ----

#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn logs() -> &'static LogBuffer {
    static LOGS: OnceLock<LogBuffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = LogBuffer::default();
        let writer = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                std::env::var("TEST_LOG").unwrap_or_else(|_| "debug,sqlx=warn,hyper=info,reqwest=info,h2=info".into()),
            ))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buffer
    })
}

pub fn log_text() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

// ---- databases ----

pub use crate::database::{Db, drop_database, fresh_database};

pub fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fastreg-it-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

// ---- the app ----

pub struct TestApp {
    pub emulator: RunningEmulator,
    pub server: Option<tokio::task::JoinHandle<()>>,
    pub state: AppState,
    pub address: String,
    pub port: u16,
    pub settings: Settings,
    pub http: reqwest::Client,
    pub dir: std::path::PathBuf,
    /// The service's clock (kept across restarts): `clock.advance(…)` lets a lease run out
    /// without waiting for it.
    pub clock: Arc<OffsetClock>,
}

pub fn settings_for(database_url: &str, dir: &std::path::Path, emulator_url: &str) -> Settings {
    let mut s = Settings::with_component(ComponentSettings {
        appid: COMPONENT_APPID.into(),
        secret: SecretString::new(COMPONENT_SECRET),
        token: SecretString::new(COMPONENT_TOKEN),
        encoding_aes_key: SecretString::new(COMPONENT_AES_KEY),
        previous_encoding_aes_key: None,
    });
    s.listen = "127.0.0.1:0".into();
    s.database_url = Some(database_url.to_owned());
    s.data_dir = dir.to_owned();
    s.api_base = emulator_url.to_owned();
    s.mp_base = emulator_url.to_owned();
    s.encryption_key = Some(SecretString::new(ENCRYPTION_KEY));
    s.bootstrap_api_key = Some(SecretString::new(API_KEY));
    s.workers = 0;
    s.nickname_poll_secs = 60;
    s.reconcile_timeout_secs = 30;
    s.token_upkeep_interval_secs = 3600;
    s
}

/// Starts the emulator and the service on a fresh database; `None` when the backend is not
/// available (PostgreSQL without its variable).
pub async fn spawn_app(db: Db) -> Option<TestApp> {
    spawn_app_with(db, Scenario::builtin(), |_| {}).await
}

pub async fn spawn_app_with(db: Db, mut scenario: Scenario, tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    logs();
    let dir = temp_dir();
    let database_url = fresh_database(db, &dir).await?;
    // The service's port is known first, so the emulator accepts it as the login domain and
    // pushes to it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let address = format!("http://127.0.0.1:{port}");
    for c in &mut scenario.components {
        c.login_domain = format!("127.0.0.1:{port}");
        if c.appid == COMPONENT_APPID {
            c.event_url = Some(format!("{address}/wechat/component/events"));
            c.message_url = Some(format!("{address}/wechat/authorizers/$APPID$/events"));
        }
    }
    let emulator = Emulator::new(scenario, Some(7))
        .spawn("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("emulator");
    let mut settings = settings_for(&database_url, &dir, &emulator.base_url());
    tweak(&mut settings);
    let clock = Arc::new(OffsetClock::new());
    let app = Application::build_with_clock(settings.clone(), listener, clock.clone())
        .await
        .expect("build the service");
    let state = app.state().clone();
    let server = tokio::spawn(async move {
        let _ = app.run_until_stopped().await;
    });
    let app = TestApp {
        emulator,
        server: Some(server),
        state,
        address,
        port,
        settings,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http"),
        dir,
        clock,
    };
    app.push_verify_ticket().await;
    Some(app)
}

impl TestApp {
    pub fn emulator_url(&self) -> String {
        self.emulator.base_url()
    }

    /// Runs every job due now until none is left.
    pub async fn drain(&self) -> usize {
        drain(&self.state, Duration::ZERO).await.expect("drain the job queue")
    }

    /// Runs every job due within `ahead` (polls scheduled for later, backoffs).
    pub async fn drain_ahead(&self, ahead: Duration) -> usize {
        drain(&self.state, ahead).await.expect("drain the job queue")
    }

    /// Kills the service (drops its server and any job it was running) and starts a new one
    /// on the same database and port.
    pub async fn restart(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
        self.state.db.close().await;
        let listener = loop {
            match std::net::TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        let app = Application::build_with_clock(self.settings.clone(), listener, self.clock.clone())
            .await
            .expect("rebuild the service");
        self.state = app.state().clone();
        self.server = Some(tokio::spawn(async move {
            let _ = app.run_until_stopped().await;
        }));
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}/__emulator/{path}", self.emulator_url()))
            .json(&body)
            .send()
            .await
            .expect("control call");
        r.json().await.expect("control answer")
    }

    pub async fn control_get(&self, path: &str) -> Value {
        let r = self
            .http
            .get(format!("{}/__emulator/{path}", self.emulator_url()))
            .send()
            .await
            .expect("control call");
        r.json().await.expect("control answer")
    }

    pub async fn push_verify_ticket(&self) {
        let r = self
            .control("push/verify-ticket", json!({ "component_appid": COMPONENT_APPID }))
            .await;
        assert_eq!(r["pushed"], json!(true), "verify ticket push: {r}");
    }

    /// How many times the emulator saw `endpoint` called.
    pub async fn calls(&self, endpoint: &str) -> u64 {
        self.control_get("calls").await["counts"][endpoint]
            .as_u64()
            .unwrap_or(0)
    }

    /// A call to the REST API; its answer is checked against the OpenAPI document
    /// ([`crate::contract`]).
    pub async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let method_name = method.as_str().to_owned();
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.address))
            .bearer_auth(API_KEY);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("api call");
        let status = r.status().as_u16();
        let json = r
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
        let text = r.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if json {
            crate::contract::check(&method_name, path, status, &body);
        }
        (status, body)
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, v) = self.api(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {v}");
        v
    }

    /// Follows a redirect the emulator's page produced, to our callback; returns the status.
    pub async fn follow(&self, redirect: &str) -> (u16, String) {
        let r = self.http.get(redirect).send().await.expect("callback");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// Authorizes an Official Account through the componentloginpage, as its admin would.
    pub async fn authorize(&self, oa: &str) -> Value {
        let id = self.confirm_authorization(oa).await;
        self.drain().await;
        self.get(&format!("/authorizations/{id}")).await
    }

    /// Starts an authorization and has `oa`'s admin confirm it (the callback lands; no job
    /// runs); its id.
    pub async fn confirm_authorization(&self, oa: &str) -> String {
        self.confirm_authorization_with(oa, &fastreg_emulator::builtin::FAST_REGISTRATION_SETS)
            .await
    }

    /// [`Self::confirm_authorization`] with the permission sets the admin ticks.
    pub async fn confirm_authorization_with(&self, oa: &str, sets: &[&str]) -> String {
        let (status, auth) = self
            .api(reqwest::Method::POST, "/authorizations", Some(json!({})))
            .await;
        assert_eq!(status, 201, "{auth}");
        let url = url::Url::parse(auth["auth_url"].as_str().expect("auth_url")).expect("url");
        let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        let mut form = vec![
            ("component_appid".to_owned(), COMPONENT_APPID.to_owned()),
            ("appid".to_owned(), oa.to_owned()),
            ("pre_auth_code".to_owned(), q["pre_auth_code"].clone()),
            ("redirect_uri".to_owned(), q["redirect_uri"].clone()),
        ];
        for set in sets {
            form.push(("set".to_owned(), (*set).to_owned()));
        }
        let r = self
            .http
            .post(format!("{}/cgi-bin/componentloginpage/confirm", self.emulator_url()))
            .form(&form)
            .send()
            .await
            .expect("login confirm");
        assert_eq!(
            r.status().as_u16(),
            302,
            "login page refused: {}",
            r.text().await.unwrap_or_default()
        );
        let location = r.headers()["location"].to_str().expect("location").to_owned();
        let (status, page) = self.follow(&location).await;
        assert_eq!(status, 200, "{page}");
        auth["id"].as_str().expect("id").to_owned()
    }

    /// Starts a registration and returns it (with its auth_url).
    pub async fn start_registration(&self, body: Value) -> Value {
        let (status, reg) = self.api(reqwest::Method::POST, "/registrations", Some(body)).await;
        assert_eq!(status, 201, "{reg}");
        reg
    }

    /// The admin confirms on the fastregisterauth page; returns the redirect back to us.
    pub async fn confirm_fastregister(&self, reg: &Value) -> String {
        let url = url::Url::parse(reg["auth_url"].as_str().expect("auth_url")).expect("url");
        let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        let r = self
            .control(
                "fastregister/confirm",
                json!({
                    "component_appid": q["component_appid"], "appid": q["appid"],
                    "copy_wx_verify": q["copy_wx_verify"] == "1", "redirect_uri": q["redirect_uri"],
                }),
            )
            .await;
        r["redirect"]
            .as_str()
            .unwrap_or_else(|| panic!("no redirect: {r}"))
            .to_owned()
    }

    /// Register and drain: the registration as the API shows it.
    pub async fn register(&self, oa: &str, setup: Option<Value>) -> Value {
        let mut body = json!({ "oa_appid": oa });
        if let Some(s) = setup {
            body["setup"] = s;
        }
        self.register_with(body).await
    }

    /// Register with a full request body and drain.
    pub async fn register_with(&self, body: Value) -> Value {
        let reg = self.start_registration(body).await;
        let redirect = self.confirm_fastregister(&reg).await;
        let (status, page) = self.follow(&redirect).await;
        assert_eq!(status, 200, "{page}");
        self.drain().await;
        self.get(&format!("/registrations/{}", reg["id"].as_str().expect("id")))
            .await
    }

    /// A count from the database (`SELECT COUNT(*) …`).
    pub async fn count(&self, sql: &str) -> i64 {
        let (n,): (i64,) = fastreg_server::fetch_one!(&self.state.db, (i64,), sql).expect("count");
        n
    }

    pub async fn cleanup(self) {
        if let Some(server) = self.server {
            server.abort();
        }
        self.state.db.close().await;
        drop_database(self.settings.database_url.as_deref().unwrap_or_default(), &self.dir).await;
        self.emulator.shutdown().await;
    }
}

/// A tiny valid PNG (1×1).
pub fn png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
        0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF,
        0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
}

pub fn png_b64() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(png())
}

/// Runs a test body on SQLite and on PostgreSQL: `both!(name, |app| async move { … })`.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::helpers::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(fastreg_test_postgres),
                ignore = "needs PostgreSQL: set FASTREG_TEST_DATABASE_URL=postgres://… (CI does)"
            )]
            async fn postgres() {
                ($body)($crate::helpers::Db::Postgres).await
            }
        }
    };
}

/// Waits until `check` gives a value (what the service does in the background: a push that
/// arrives after its answer, a worker's run), checking every 20 ms; fails naming `what` after
/// 60 s. A bounded wait on a condition, never a sleep that lets time pass.
pub async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let started = std::time::Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} did not happen within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
