//! The registration routes' part of the scenario file (`[[enterprises]]`, `[[persons]]`,
//! `[registration]`) and the confirmation page's other paths.

use crate::register_flow::*;
use crate::support::*;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;
use fastreg_protocol::event::RegistrationKind;
use serde_json::json;

const TOML: &str = r#"
[[enterprises]]
name = "杭州示例网络有限公司"
code = "91330100MA2TOML001"
operating = true
blacklisted = false

[enterprises.legal_person]
name = "陈一"
id_card = "330101198001010011"
wechat_id = "toml_legal"
openid = "o_toml_legal"

[[persons]]
wechat_id = "toml_legal"
openid = "o_toml_legal"
name = "陈一"
id_card = "330101198001010011"
phone = "13900000001"
mini_programs = 0

[registration]
task_ttl_secs = 3600
legacy_routes = "online"
personal_push_shape = "doc"
"#;

/// The built-in scenario with the TOML's subjects and settings in place of its own.
fn scenario() -> Scenario {
    let mut s = Scenario::builtin();
    let extra = Scenario::from_toml(TOML).expect("the TOML loads");
    s.enterprises = extra.enterprises;
    s.persons = extra.persons;
    s.registration = extra.registration;
    s
}

async fn start(s: Scenario) -> RegEnv {
    let env = Env::with(s).await;
    let receiver = Receiver::start().await;
    env.control(
        "components",
        json!({"appid": COMPONENT_APPID, "event_url": receiver.url}),
    )
    .await;
    let ctoken = env.component_token().await;
    RegEnv { env, receiver, ctoken }
}

#[tokio::test]
async fn scenario_toml_enterprises_persons_and_settings_apply() {
    let mut r = start(scenario()).await;
    let state = r.env.get("/__emulator/state").await;
    assert_eq!(
        state["enterprises"][0]["code"], "91330100MA2TOML001",
        "{}",
        state["enterprises"]
    );
    assert_eq!(state["enterprises"][0]["legal_person"]["wechat_id"], "toml_legal");
    assert_eq!(state["persons"][0]["wechat_id"], "toml_legal");
    let v = r.enterprise("杭州示例网络有限公司", "91330100MA2TOML001").await;
    assert_eq!(v["errcode"], 0, "{v}");
    // task_ttl_secs = 3600.
    r.advance(3600).await;
    assert_eq!(r.task(v["taskid"].as_str().unwrap()).await["status"], 1);
    // legacy_routes = "online": the old version's rules answer, and name the missing field.
    let old = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterenterpriseweapp?action=create&access_token={}",
                r.ctoken
            ),
            json!({"name": "x", "code": "91330100MA2TOML001", "component_phone": "1"}),
        )
        .await;
    assert_err(&old, 86030);
    assert!(old["errmsg"].as_str().unwrap().contains("code_type"), "{old}");
    // The built-in subjects are gone.
    let unknown = r.personal(PERSON_OK).await;
    assert_err(&unknown, 86032);
}

#[tokio::test]
async fn personal_push_doc_shape_setting() {
    let r = start(scenario()).await;
    let v = r.personal("toml_legal").await;
    assert_eq!(v["errcode"], 0, "{v}");
    r.confirm(v["taskid"].as_str().unwrap(), false, true).await;
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.info.wxuser.as_deref(), Some("toml_legal"));
    assert_eq!(push.info.idname.as_deref(), Some("陈一"));
    assert_eq!(push.info.taskid, None);
    assert!(push.succeeded());
}

#[tokio::test]
async fn builtin_scenario_prints_and_reloads_its_subjects() {
    let text = Scenario::builtin().to_toml();
    assert!(text.contains("[[enterprises]]") && text.contains("[[persons]]") && text.contains("[registration]"));
    let back = Scenario::from_toml(&text).unwrap();
    assert_eq!(back.enterprises, Scenario::builtin().enterprises);
    assert_eq!(back.persons.len(), Scenario::builtin().persons.len());
}

#[tokio::test]
async fn page_decline_unknown_token_and_ended_task() {
    let r = RegEnv::start().await;
    let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
    let url = v["authorize_url"].as_str().unwrap();
    let token = url.split("create_token=").nth(1).unwrap().split('#').next().unwrap();
    let declined = r
        .env
        .http
        .post(format!("{}/wxawap/fastregister/confirm", r.env.base))
        .form(&[("create_token", token), ("decision", "decline"), ("face", "ok")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(declined.contains("任务已经被用户拒绝"), "{declined}");
    // The page now shows the outcome, without buttons.
    let html = r.env.http.get(url).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("任务已经被用户拒绝") && !html.contains("<button"),
        "{html}"
    );
    // A second answer is refused with the catalog's meaning.
    let again = r
        .env
        .http
        .post(format!("{}/wxawap/fastregister/confirm", r.env.base))
        .form(&[("create_token", token), ("decision", "confirm"), ("face", "ok")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("89250"), "{again}");
    let missing = r
        .env
        .http
        .get(format!(
            "{}/wxawap/fastregister?action=show&create_token=nope",
            r.env.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    // Values are escaped.
    r.env
        .control(
            "enterprises",
            json!({"name": "<script>x</script>", "code": "91440300MA5ESCAPE1"}),
        )
        .await;
    let v = r.enterprise("<script>x</script>", "91440300MA5ESCAPE1").await;
    let html = r
        .env
        .http
        .get(v["authorize_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script>x"), "{html}");
}

#[tokio::test]
async fn page_unticked_face_check_fails_the_task() {
    let r = RegEnv::start().await;
    let v = r.personal(PERSON_OK).await;
    let url = v["authorize_url"].as_str().unwrap();
    let token = url.split("create_token=").nth(1).unwrap().split('#').next().unwrap();
    // An unticked checkbox is simply absent from the form.
    let html = r
        .env
        .http
        .post(format!("{}/wxawap/fastregister/confirm", r.env.base))
        .form(&[("create_token", token), ("decision", "confirm")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("人脸认证失败"), "{html}");
}

#[tokio::test]
async fn enterprise_status_numbering_senparc_setting() {
    let mut s = Scenario::builtin();
    s.registration.enterprise_status_numbering = fastreg_emulator::subject::StatusNumbering::Senparc;
    let r = start(s).await;
    let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
    assert_eq!(v["status"], 1, "Senparc's 生成任务: {v}");
    let taskid = v["taskid"].as_str().unwrap();
    r.confirm(taskid, true, true).await;
    let q = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterenterpriseweapp?action=query&access_token={}",
                r.ctoken
            ),
            json!({"taskid": taskid}),
        )
        .await;
    assert_eq!(q["status"], 3, "Senparc's 拒绝: {q}");
    // The personal route keeps its own table.
    let p = r.personal(PERSON_OK).await;
    assert_eq!(p["status"], 0);
}
