//! The platform's subject type (`subject_type`): a platform owned by a person is refused by
//! the enterprise route (89295) and the personal route (86040); set in the scenario's
//! `[[components]]` and by `POST /__emulator/components`.

use crate::register_flow::*;
use crate::support::*;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;
use fastreg_emulator::subject::ComponentSubject;
use serde_json::json;

async fn create(r: &RegEnv, ctoken: &str, route: &str) -> serde_json::Value {
    let body = match route {
        "enterprise" => json!({"name": ENT_OK_NAME, "code": ENT_OK, "component_phone": "1", "new_version": true}),
        _ => json!({"wxuser": PERSON_OK, "component_phone": "1", "new_version": true}),
    };
    r.env
        .post(
            &format!("/wxa/component/fastregister{route}weapp?action=create&access_token={ctoken}"),
            body,
        )
        .await
}

#[tokio::test]
async fn individual_platform_89295_enterprise_and_86040_personal() {
    let r = RegEnv::start().await;
    let ctoken = r.other_ctoken(COMPONENT_INDIVIDUAL_APPID).await;
    let v = create(&r, &ctoken, "enterprise").await;
    assert_err(&v, 89295);
    assert!(v["errmsg"].as_str().unwrap().contains("个人主体"), "{v}");
    assert_err(&create(&r, &ctoken, "personal").await, 86040);
    let v = r
        .env
        .post(
            &format!("/wxa/component/fastregisterbetaweapp?access_token={ctoken}"),
            json!({"name": "小麦烤鸡", "openid": PERSON_OK_OPENID}),
        )
        .await;
    assert_err(&v, 89295);
    let state = r.env.get("/__emulator/state").await;
    let c = state["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["appid"] == COMPONENT_INDIVIDUAL_APPID)
        .cloned()
        .unwrap();
    assert_eq!(c["subject_type"], "individual");
}

#[tokio::test]
async fn control_api_sets_a_component_subject_type() {
    let r = RegEnv::start().await;
    let v = r
        .env
        .control(
            "components",
            json!({"appid": COMPONENT_APPID, "subject_type": "individual"}),
        )
        .await;
    assert_eq!(v["component"]["subject_type"], "individual", "{v}");
    assert_err(&r.enterprise(ENT_OK_NAME, ENT_OK).await, 89295);
    assert_err(&r.personal(PERSON_OK).await, 86040);
    // Another upsert without the field keeps it; setting it back opens the routes.
    r.env
        .control("components", json!({"appid": COMPONENT_APPID, "published": true}))
        .await;
    assert_err(&r.personal(PERSON_OK).await, 86040);
    r.env
        .control(
            "components",
            json!({"appid": COMPONENT_APPID, "subject_type": "enterprise"}),
        )
        .await;
    assert_eq!(r.personal(PERSON_OK).await["errcode"], 0);
    let bad = r
        .env
        .http
        .post(format!("{}/__emulator/components", r.env.base))
        .json(&json!({"appid": COMPONENT_APPID, "subject_type": "company"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("individual"));
}

#[tokio::test]
async fn scenario_toml_component_subject_type_loads_prints_and_applies() {
    let mut s = Scenario::builtin();
    let text = s.to_toml();
    assert!(text.contains("subject_type = \"individual\""), "{text}");
    let back = Scenario::from_toml(&text).unwrap();
    assert_eq!(back.components, s.components);
    let toml = format!(
        r#"
[[components]]
appid = "{COMPONENT_APPID}"
secret = "{COMPONENT_SECRET}"
token = "{COMPONENT_TOKEN}"
encoding_aes_key = "{COMPONENT_AES_KEY}"
login_domain = "127.0.0.1:8080"
subject_type = "individual"
"#
    );
    let one = Scenario::from_toml(&toml).unwrap();
    assert_eq!(one.components[0].subject_type, ComponentSubject::Individual);
    assert!(one.components[0].published, "the definition's defaults apply");
    let typo = toml.replace("subject_type = \"individual\"", "subject_type = \"person\"");
    let e = Scenario::from_toml(&typo).unwrap_err().to_string();
    assert!(e.contains("subject_type"), "{e}");
    let unknown = toml.replace("subject_type", "subject_kind");
    let e = Scenario::from_toml(&unknown).unwrap_err().to_string();
    assert!(e.contains("subject_kind"), "{e}");
    s.components[0].subject_type = ComponentSubject::Individual;
    let r = RegEnv::with(s).await;
    assert_err(&r.enterprise(ENT_OK_NAME, ENT_OK).await, 89295);
}
