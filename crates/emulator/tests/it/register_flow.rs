//! Helpers of the registration-route tests: a receiver on the component's event URL, the
//! create calls, the confirmation, and the registration pushes read with the protocol types.

use crate::support::*;
use fastreg_emulator::builtin::*;
use fastreg_protocol::event::{ComponentEvent, RegistrationKind, RegistrationPush, parse_component_event};
use serde_json::{Value, json};

/// An emulator whose built-in component pushes to a receiver.
pub struct RegEnv {
    pub env: Env,
    pub receiver: Receiver,
    pub ctoken: String,
}

impl RegEnv {
    pub async fn start() -> RegEnv {
        Self::with(fastreg_emulator::Scenario::builtin()).await
    }

    /// As [`RegEnv::start`], from a scenario.
    pub async fn with(scenario: fastreg_emulator::Scenario) -> RegEnv {
        let env = Env::with(scenario).await;
        let receiver = Receiver::start().await;
        let v = env
            .control(
                "components",
                json!({"appid": COMPONENT_APPID, "event_url": receiver.url}),
            )
            .await;
        assert!(v.get("errcode").is_none() || v["errcode"] == 0, "{v}");
        let ctoken = env.component_token().await;
        RegEnv { env, receiver, ctoken }
    }

    /// Advances the virtual clock and takes a fresh component token (the old one expires).
    pub async fn advance(&mut self, seconds: i64) {
        self.env.advance(seconds).await;
        self.ctoken = self.env.component_token().await;
    }

    /// fastregisterenterpriseweapp `action=create`, new version.
    pub async fn enterprise(&self, name: &str, code: &str) -> Value {
        self.env
            .post(
                &format!(
                    "/wxa/component/fastregisterenterpriseweapp?action=create&access_token={}",
                    self.ctoken
                ),
                json!({"name": name, "code": code, "component_phone": "13800138000", "new_version": true}),
            )
            .await
    }

    /// fastregisterpersonalweapp `action=create`, new version.
    pub async fn personal(&self, wxuser: &str) -> Value {
        self.env
            .post(
                &format!(
                    "/wxa/component/fastregisterpersonalweapp?action=create&component_access_token={}",
                    self.ctoken
                ),
                json!({"wxuser": wxuser, "component_phone": "13800138000", "new_version": true}),
            )
            .await
    }

    /// fastregisterbetaweapp.
    pub async fn trial(&self, name: &str, openid: &str) -> Value {
        self.env
            .post(
                &format!("/wxa/component/fastregisterbetaweapp?access_token={}", self.ctoken),
                json!({"name": name, "openid": openid}),
            )
            .await
    }

    /// The control API's confirmation.
    pub async fn confirm(&self, id: &str, decline: bool, face_ok: bool) -> Value {
        self.env
            .control(
                "register-tasks/confirm",
                json!({"id": id, "decline": decline, "face_ok": face_ok}),
            )
            .await
    }

    /// The control API's confirmation with a body of its own (`until`, `phone_ok`, …).
    pub async fn confirm_with(&self, body: Value) -> Value {
        self.env.control("register-tasks/confirm", body).await
    }

    /// `action=query` of the enterprise or personal route.
    pub async fn query(&self, route: &str, taskid: &str) -> Value {
        self.env
            .post(
                &format!(
                    "/wxa/component/fastregister{route}weapp?action=query&access_token={}",
                    self.ctoken
                ),
                json!({"taskid": taskid, "new_version": true}),
            )
            .await
    }

    /// A component token of another built-in component (they share a secret).
    pub async fn other_ctoken(&self, component: &str) -> String {
        self.env.component_token_of(component, OTHER_COMPONENTS_SECRET).await
    }

    /// A confirmed trial: (appid, its access token, unique_id).
    pub async fn trial_mp(&self) -> (String, String, String) {
        let v = self.trial("小麦烤鸡", PERSON_OK_OPENID).await;
        assert_eq!(v["errcode"], 0, "{v}");
        let unique_id = v["unique_id"].as_str().unwrap().to_owned();
        let c = self.confirm(&unique_id, false, true).await;
        assert_eq!(c["status"], 12, "{c}");
        let push = self.push(RegistrationKind::TrialCreated, 1).await;
        let appid = push.appid.clone().unwrap().into_string();
        let code = self.authorized_code(&appid).await;
        let token = self.exchange_and_call(&code, &appid).await;
        (appid, token, unique_id)
    }

    /// A Mini Program registered through the enterprise route: (appid, its access token).
    pub async fn enterprise_mp(&self) -> (String, String) {
        let v = self.enterprise(ENT_OK_NAME, ENT_OK).await;
        assert_eq!(v["errcode"], 0, "{v}");
        let c = self.confirm(v["taskid"].as_str().unwrap(), false, true).await;
        assert_eq!(c["status"], 12, "{c}");
        let push = self.push(RegistrationKind::FastRegister, 1).await;
        let appid = push.appid.clone().unwrap().into_string();
        let token = self
            .exchange_and_call(push.auth_code.as_ref().unwrap().as_str(), &appid)
            .await;
        (appid, token)
    }

    /// Waits for the `n`-th registration push of a kind (1-based) and parses it.
    pub async fn push(&self, kind: RegistrationKind, n: usize) -> RegistrationPush {
        for _ in 0..200 {
            let got: Vec<RegistrationPush> = self
                .receiver
                .decrypted()
                .into_iter()
                .filter_map(|(_, xml)| {
                    let event = parse_component_event(&xml).expect("every push parses");
                    RegistrationPush::from_event(&event).map(|p| p.expect("a registration push parses"))
                })
                .filter(|p| p.kind == kind)
                .collect();
            if got.len() >= n {
                return got[n - 1].clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("no {kind:?} push #{n} arrived: {:?}", self.receiver.decrypted());
    }

    /// Waits for the `authorized` push of `appid`; its authorization code.
    pub async fn authorized_code(&self, appid: &str) -> String {
        for _ in 0..200 {
            for (_, xml) in self.receiver.decrypted() {
                if let Ok(ComponentEvent::Authorized {
                    authorizer_appid,
                    authorization_code,
                    ..
                }) = parse_component_event(&xml)
                    && authorizer_appid.as_str() == appid
                {
                    return authorization_code.as_str().to_owned();
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("no authorized push for {appid}");
    }

    /// query_auth with a code; the new Mini Program's access token, after checking an
    /// authorizer API answers with it.
    pub async fn exchange_and_call(&self, code: &str, appid: &str) -> String {
        let info = self.env.query_auth(&self.ctoken, code).await;
        assert_eq!(info["authorization_info"]["authorizer_appid"], appid, "{info}");
        let token = info["authorization_info"]["authorizer_access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token: {info}"))
            .to_owned();
        let basic = self
            .env
            .get(&format!("/cgi-bin/account/getaccountbasicinfo?access_token={token}"))
            .await;
        assert_eq!(basic["errcode"], 0, "{basic}");
        assert_eq!(basic["appid"], appid, "{basic}");
        token
    }

    /// The task as `GET /__emulator/register-tasks` lists it.
    pub async fn task(&self, id: &str) -> Value {
        let v = self.env.get("/__emulator/register-tasks").await;
        v["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("task {id} not listed: {v}"))
    }
}
