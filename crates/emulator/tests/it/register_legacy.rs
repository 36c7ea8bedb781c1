//! The old versions (`register_legacy.rs`): offline by default (a plain -1, tested with each
//! route), and with `[registration] legacy_routes = "online"` their old rules and codes —
//! 61070, 86004, 86036, 89247, 89248, 89252, 89253, … — and tasks confirmed and pushed like
//! the new ones.

use crate::register_flow::*;
use crate::support::*;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;
use fastreg_emulator::subject::LegacyRoutes;
use fastreg_protocol::event::RegistrationKind;
use fastreg_protocol::registration::RegisterPushStatus;
use serde_json::{Value, json};

/// The built-in scenario with `legacy_routes = "online"`.
pub async fn online() -> RegEnv {
    let mut s = Scenario::builtin();
    s.registration.legacy_routes = LegacyRoutes::Online;
    RegEnv::with(s).await
}

/// A fastregisterweapp body for ENT_OK and its legal person 张三 (`legal_zhangsan`).
pub fn old_body() -> Value {
    json!({
        "name": ENT_OK_NAME, "code": ENT_OK, "code_type": 1,
        "legal_persona_wechat": "legal_zhangsan", "legal_persona_name": "张三",
        "component_phone": "13800138000"
    })
}

/// The body with one field changed (`Value::Null` removes it).
pub fn with(field: &str, value: Value) -> Value {
    let mut b = old_body();
    if value.is_null() {
        b.as_object_mut().unwrap().remove(field);
    } else {
        b[field] = value;
    }
    b
}

impl RegEnv {
    /// fastregisterweapp with an action.
    pub async fn old(&self, action: &str, body: Value) -> Value {
        self.env
            .post(
                &format!(
                    "/cgi-bin/component/fastregisterweapp?action={action}&component_access_token={}",
                    self.ctoken
                ),
                body,
            )
            .await
    }
}

fn search_body() -> Value {
    json!({"name": ENT_OK_NAME, "legal_persona_wechat": "legal_zhangsan", "legal_persona_name": "张三"})
}

#[tokio::test]
async fn fastregisterweapp_online_create_search_confirm_push_authorize() {
    let mut r = online().await;
    assert_err(&r.old("search", search_body()).await, 89250);
    let v = r.old("create", old_body()).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert!(
        v.get("taskid").is_none(),
        "the old route answers errcode/errmsg only: {v}"
    );
    // Right after create WeChat checks the legal person against the enterprise.
    let s = r.old("search", search_body()).await;
    assert_err(&s, 89252);
    assert!(s["errmsg"].as_str().unwrap().starts_with("front checking"), "{s}");
    r.advance(60).await;
    let s = r.old("search", search_body()).await;
    assert_err(&s, 89251);
    // The template message is the emulator's page; the task is listed.
    let tasks = r.env.get("/__emulator/register-tasks").await;
    let task = tasks["tasks"].as_array().unwrap()[0].clone();
    assert_eq!(task["legacy"], true, "{task}");
    let c = r.confirm(task["id"].as_str().unwrap(), false, true).await;
    assert_eq!(c["status"], 12, "{c}");
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::Success);
    assert_eq!(push.info.legal_persona_wechat.as_deref(), Some("legal_zhangsan"));
    assert_eq!(push.info.legal_persona_name.as_deref(), Some("张三"));
    let appid = push.appid.clone().unwrap().into_string();
    r.exchange_and_call(push.auth_code.as_ref().unwrap().as_str(), &appid)
        .await;
    assert_eq!(r.old("search", search_body()).await["errcode"], 0);
}

#[tokio::test]
async fn fastregisterweapp_online_89253_missing_field() {
    let r = online().await;
    let v = r.old("create", with("legal_persona_name", Value::Null)).await;
    assert_err(&v, 89253);
    assert!(v["errmsg"].as_str().unwrap().contains("legal_persona_name"), "{v}");
    assert_err(&r.old("search", json!({"name": ENT_OK_NAME})).await, 89253);
}

#[tokio::test]
async fn fastregisterweapp_online_89248_code_type() {
    let r = online().await;
    assert_err(&r.old("create", with("code_type", json!(4))).await, 89248);
    // WxJava's string code_type is read as the number.
    assert_eq!(r.old("create", with("code_type", json!("1"))).await["errcode"], 0);
}

#[tokio::test]
async fn fastregisterweapp_online_89247_code_type_1_with_15_characters() {
    let r = online().await;
    let v = r.old("create", with("code", json!("440300123456789"))).await;
    assert_err(&v, 89247);
    assert!(
        v["errmsg"]
            .as_str()
            .unwrap()
            .starts_with("inner error, retry after some while"),
        "{v}"
    );
}

#[tokio::test]
async fn fastregisterweapp_online_89255_code_does_not_fit_its_type() {
    let r = online().await;
    let b = json!({"code_type": 3, "code": "91440300MA5REG0001"});
    let mut body = old_body();
    body["code_type"] = b["code_type"].clone();
    assert_err(&r.old("create", body).await, 89255);
    // A 9-character organization code fits type 2.
    let mut body = old_body();
    body["code_type"] = json!(2);
    body["code"] = json!("MA5REG001");
    assert_eq!(r.old("create", body).await["errcode"], 0);
}

#[tokio::test]
async fn fastregisterweapp_online_86004_and_61070() {
    let r = online().await;
    assert_err(
        &r.old("create", with("legal_persona_wechat", json!("nobody_here")))
            .await,
        86004,
    );
    let v = r.old("create", with("legal_persona_name", json!("李四"))).await;
    assert_err(&v, 61070);
}

#[tokio::test]
async fn fastregisterweapp_online_89249_and_89295() {
    let r = online().await;
    assert_eq!(r.old("create", old_body()).await["errcode"], 0);
    assert_err(&r.old("create", old_body()).await, 89249);
    let ctoken = r.other_ctoken(COMPONENT_INDIVIDUAL_APPID).await;
    let v = r
        .env
        .post(
            &format!("/cgi-bin/component/fastregisterweapp?action=create&component_access_token={ctoken}"),
            old_body(),
        )
        .await;
    assert_err(&v, 89295);
}

#[tokio::test]
async fn fastregisterweapp_online_legal_person_of_another_enterprise_pushes_minus_1() {
    let r = online().await;
    // 李四 is who they say, but not ENT_OK's legal person: create answers 0, the push -1.
    let body = json!({
        "name": ENT_OK_NAME, "code": ENT_OK, "code_type": 1,
        "legal_persona_wechat": PERSON_OK, "legal_persona_name": "李四"
    });
    assert_eq!(r.old("create", body).await["errcode"], 0);
    let tasks = r.env.get("/__emulator/register-tasks").await;
    let id = tasks["tasks"][0]["id"].as_str().unwrap().to_owned();
    let c = r.confirm(&id, false, true).await;
    assert_eq!(c["status"], 14, "{c}");
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::LegalPersonMismatch);
    assert_eq!(push.msg, "open verity failed");
}

#[tokio::test]
async fn enterpriseweapp_old_version_online_by_openid() {
    let r = online().await;
    let url = format!(
        "/wxa/component/fastregisterenterpriseweapp?action=create&access_token={}",
        r.ctoken
    );
    let body = json!({
        "name": ENT_OK_NAME, "code": ENT_OK, "code_type": 1,
        "legal_persona_openid": openid_of("legal_zhangsan"), "legal_persona_name": "张三"
    });
    let missing = r.env.post(&url, json!({"name": ENT_OK_NAME})).await;
    assert_err(&missing, 86030);
    let v = r.env.post(&url, body).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["status"], 0);
    let c = r.confirm(v["taskid"].as_str().unwrap(), false, true).await;
    assert_eq!(c["status"], 12, "{c}");
}

#[tokio::test]
async fn personal_old_version_online_86036_name_and_wechat_id() {
    let r = online().await;
    let url = format!(
        "/wxa/component/fastregisterpersonalweapp?action=create&access_token={}",
        r.ctoken
    );
    let v = r.env.post(&url, json!({"idname": "王五", "wxuser": PERSON_OK})).await;
    assert_err(&v, 86036);
    assert_err(&r.env.post(&url, json!({"wxuser": PERSON_OK})).await, 86030);
    let v = r.env.post(&url, json!({"idname": "李四", "wxuser": PERSON_OK})).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let c = r.confirm(v["taskid"].as_str().unwrap(), false, true).await;
    assert_eq!(c["status"], 12, "{c}");
}

#[tokio::test]
async fn verifybetaweapp_old_version_online() {
    let r = online().await;
    let (_, token, _) = r.trial_mp().await;
    let info = |k: &str, v: Value| {
        let mut i = json!({
            "enterprise_name": ENT_OK_NAME, "code": ENT_OK, "code_type": 1,
            "legal_persona_wechat": "legal_zhangsan", "legal_persona_name": "张三",
            "legal_persona_idcard": "440301198001010011", "component_phone": "13800138000"
        });
        if !k.is_empty() {
            i[k] = v;
        }
        json!({"verify_info": i})
    };
    let call = |b: Value| {
        let token = token.clone();
        let env = &r.env;
        async move { env.call("/wxa/verifybetaweapp", &token, b).await }
    };
    assert_err(&call(info("code_type", json!(9))).await, 89248);
    assert_err(&call(info("legal_persona_wechat", json!("nobody_here"))).await, 86004);
    assert_err(&call(info("legal_persona_name", json!("李四"))).await, 61070);
    let v = call(info("", Value::Null)).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert!(v.get("authorize_url").is_none(), "the old version answers no URL: {v}");
}

#[tokio::test]
async fn offline_is_the_default_for_every_old_version() {
    let r = RegEnv::start().await;
    assert_err(&r.old("create", old_body()).await, -1);
    assert_err(&r.old("search", search_body()).await, -1);
    let v = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterpersonalweapp?action=create&access_token={}",
                r.ctoken
            ),
            json!({"idname": "李四", "wxuser": PERSON_OK}),
        )
        .await;
    assert_err(&v, -1);
    assert!(v["errmsg"].as_str().unwrap().starts_with("system error"), "{v}");
}
