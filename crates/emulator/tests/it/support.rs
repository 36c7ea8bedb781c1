//! Helpers: an emulator per test, JSON calls, the flows every test starts from (component token,
//! authorization, confirmation, fast registration), and an event receiver that decrypts pushes.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use fastreg_emulator::builtin::*;
use fastreg_emulator::{Emulator, RunningEmulator, Scenario};
use fastreg_protocol::crypto::MsgCrypt;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// A running emulator and a client for it.
pub struct Env {
    pub running: RunningEmulator,
    pub http: reqwest::Client,
    pub base: String,
}

/// A redirect_uri on the built-in component's login domain.
pub const REDIRECT: &str = "http://127.0.0.1:8080/auth/callback?from=mp";

/// Bytes that sniff as a PNG.
pub fn png(size: usize) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.resize(size.max(16), 7);
    v
}

impl Env {
    /// The built-in scenario, seed 7.
    pub async fn start() -> Env {
        Env::with(Scenario::builtin()).await
    }

    /// A scenario of the test's own. It goes through its TOML form first, as a scenario file
    /// given to `fastreg emulator --scenario` would, so every test also checks that the file
    /// format carries everything the scenario says.
    pub async fn with(scenario: Scenario) -> Env {
        let text = scenario.to_toml();
        let scenario = Scenario::from_toml(&text)
            .unwrap_or_else(|e| panic!("the scenario's TOML does not load back: {e}\n{text}"));
        let running = Emulator::new(scenario, Some(7))
            .spawn("127.0.0.1:0".parse().unwrap())
            .await
            .expect("the emulator binds");
        let base = running.base_url();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        Env { running, http, base }
    }

    /// POST JSON, answer JSON.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.http
            .post(format!("{}{}", self.base, path))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// POST a raw body, answer JSON.
    pub async fn post_raw(&self, path: &str, body: &'static str) -> Value {
        self.http
            .post(format!("{}{}", self.base, path))
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// GET, answer JSON.
    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// POST to the control API.
    pub async fn control(&self, path: &str, body: Value) -> Value {
        self.post(&format!("/__emulator/{path}"), body).await
    }

    /// Advances the virtual clock.
    pub async fn advance(&self, seconds: i64) -> i64 {
        self.control("clock/advance", json!({"seconds": seconds})).await["now"]
            .as_i64()
            .unwrap()
    }

    /// The virtual time.
    pub async fn now(&self) -> i64 {
        self.get("/__emulator/clock").await["now"].as_i64().unwrap()
    }

    /// A fresh verify ticket, as a push would carry it.
    pub async fn ticket(&self, component: &str) -> String {
        let v = self
            .control("push/verify-ticket", json!({"component_appid": component}))
            .await;
        v["ticket"].as_str().expect("a ticket").to_owned()
    }

    /// A component_access_token of the built-in component.
    pub async fn component_token(&self) -> String {
        self.component_token_of(COMPONENT_APPID, COMPONENT_SECRET).await
    }

    /// A component_access_token of any component.
    pub async fn component_token_of(&self, component: &str, secret: &str) -> String {
        let ticket = self.ticket(component).await;
        let v = self
            .post(
                "/cgi-bin/component/api_component_token",
                json!({"component_appid": component, "component_appsecret": secret, "component_verify_ticket": ticket}),
            )
            .await;
        v["component_access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token: {v}"))
            .to_owned()
    }

    /// The admin of `appid` authorizes the built-in component (with the fast-register set);
    /// returns the authorization_info of api_query_auth.
    pub async fn authorize(&self, ctoken: &str, appid: &str) -> Value {
        let code = self
            .control(
                "authorize",
                json!({"component_appid": COMPONENT_APPID, "appid": appid, "fast_register": true}),
            )
            .await;
        let code = code["auth_code"]
            .as_str()
            .unwrap_or_else(|| panic!("no auth_code: {code}"))
            .to_owned();
        self.query_auth(ctoken, &code).await["authorization_info"].clone()
    }

    /// api_query_auth.
    pub async fn query_auth(&self, ctoken: &str, code: &str) -> Value {
        self.post(
            &format!("/cgi-bin/component/api_query_auth?component_access_token={ctoken}"),
            json!({"component_appid": COMPONENT_APPID, "authorization_code": code}),
        )
        .await
    }

    /// An authorizer access token of an Official Account of the built-in component.
    pub async fn oa_token(&self, ctoken: &str, oa: &str) -> String {
        self.authorize(ctoken, oa).await["authorizer_access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The admin confirms on the fastregisterauth page: the ticket of the redirect.
    pub async fn confirm(&self, oa: &str, copy_wx_verify: u8) -> String {
        let v = self
            .control(
                "fastregister/confirm",
                json!({"component_appid": COMPONENT_APPID, "appid": oa, "copy_wx_verify": copy_wx_verify, "redirect_uri": REDIRECT}),
            )
            .await;
        let redirect = v["redirect"].as_str().unwrap_or_else(|| panic!("no redirect: {v}"));
        redirect.split("ticket=").nth(1).expect("ticket appended").to_owned()
    }

    /// fastregister with an Official Account's token.
    pub async fn fastregister(&self, oa_token: &str, ticket: &str) -> Value {
        self.post(
            &format!("/cgi-bin/account/fastregister?access_token={oa_token}"),
            json!({"ticket": ticket}),
        )
        .await
    }

    /// The whole flow for `oa`: a new Mini Program and its access token.
    pub async fn new_mini_program(&self, oa: &str) -> MiniProgram {
        let ctoken = self.component_token().await;
        let oa_token = self.oa_token(&ctoken, oa).await;
        let ticket = self.confirm(oa, 1).await;
        let v = self.fastregister(&oa_token, &ticket).await;
        assert_eq!(v["errcode"], 0, "{v}");
        let appid = v["appid"].as_str().unwrap().to_owned();
        let info = self
            .query_auth(&ctoken, v["authorization_code"].as_str().unwrap())
            .await;
        let token = info["authorization_info"]["authorizer_access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        MiniProgram { appid, token }
    }

    /// POST with an authorizer token.
    pub async fn call(&self, path: &str, token: &str, body: Value) -> Value {
        self.post(&format!("{path}?access_token={token}"), body).await
    }

    /// Uploads temporary media; the whole answer.
    pub async fn upload(&self, token: &str, kind: &str, bytes: Vec<u8>) -> Value {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("file.png")
            .mime_str("image/png")
            .unwrap();
        let form = reqwest::multipart::Form::new().part("media", part);
        self.http
            .post(format!(
                "{}/cgi-bin/media/upload?access_token={token}&type={kind}",
                self.base
            ))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Uploads an image; its media_id.
    pub async fn image(&self, token: &str) -> String {
        let v = self.upload(token, "image", png(1024)).await;
        v["media_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no media_id: {v}"))
            .to_owned()
    }
}

/// A fast-registered Mini Program.
pub struct MiniProgram {
    pub appid: String,
    pub token: String,
}

/// Asserts an errcode and the rid suffix of errmsg.
#[track_caller]
pub fn assert_err(v: &Value, code: i64) {
    assert_eq!(v["errcode"].as_i64(), Some(code), "expected errcode {code}, got {v}");
    let msg = v["errmsg"].as_str().unwrap_or("");
    let rid = msg.rsplit(" rid: ").next().unwrap_or("");
    assert!(
        msg.contains(" rid: ") && rid.len() == 26 && rid.matches('-').count() == 2,
        "errmsg without rid: {msg}"
    );
}

/// A push as received: the query string and the body.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub query: String,
    pub body: String,
}

/// An HTTP server recording pushes and answering `success`.
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let app = axum::Router::new()
            .fallback(
                |State(got): State<Arc<Mutex<Vec<Received>>>>,
                 uri: axum::http::Uri,
                 RawQuery(q): RawQuery,
                 body: Bytes| async move {
                    got.lock().unwrap().push(Received {
                        path: uri.path().to_owned(),
                        query: q.unwrap_or_default(),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    "success"
                },
            )
            .with_state(Arc::clone(&got));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, got }
    }

    /// Every push so far, decrypted with the built-in component's key: (path, plaintext XML).
    pub fn decrypted(&self) -> Vec<(String, String)> {
        let crypt = MsgCrypt::new(COMPONENT_TOKEN, COMPONENT_AES_KEY, COMPONENT_APPID).unwrap();
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|r| {
                let q: std::collections::HashMap<String, String> =
                    url::form_urlencoded::parse(r.query.as_bytes()).into_owned().collect();
                let opened = crypt
                    .open(&q["msg_signature"], &q["timestamp"], &q["nonce"], &r.body)
                    .expect("a push verifies and decrypts");
                crypt
                    .verify_url_signature(&q["signature"], &q["timestamp"], &q["nonce"])
                    .expect("url signature");
                assert_eq!(q["encrypt_type"], "aes");
                (r.path.clone(), opened.message)
            })
            .collect()
    }

    /// Waits until at least `n` pushes arrived (pushes from handlers are sent in the background).
    pub async fn wait_for(&self, n: usize) -> Vec<(String, String)> {
        for _ in 0..100 {
            if self.got.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.decrypted()
    }
}
