//! Enterprise fast registration, new version (`registration-routes.md` §1): create, the legal
//! person's page, the push, the new Mini Program's authorization, every create error and every
//! push status of the notes.

use crate::register_flow::*;
use crate::support::*;
use fastreg_emulator::builtin::*;
use fastreg_protocol::event::RegistrationKind;
use fastreg_protocol::registration::RegisterPushStatus;
use serde_json::json;

#[tokio::test]
async fn enterprise_end_to_end_through_the_page() {
    let r = RegEnv::start().await;
    let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["status"], 0);
    let taskid = v["taskid"].as_str().unwrap().to_owned();
    let url = v["authorize_url"].as_str().unwrap().to_owned();
    // The page the legal person opens: phone-friendly, showing the enterprise.
    let page = r.env.http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("width=device-width"), "{html}");
    assert!(html.contains(ENT_OK_NAME) && html.contains(ENT_OK));
    let token = url.split("create_token=").nth(1).unwrap().split('#').next().unwrap();
    let done = r
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
    assert!(done.contains("创建成功"), "{done}");
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::Success);
    assert_eq!(push.msg, "OK");
    assert_eq!(push.app_id.as_str(), COMPONENT_APPID);
    assert_eq!(push.info.name.as_deref(), Some(ENT_OK_NAME));
    assert_eq!(push.info.code.as_deref(), Some(ENT_OK));
    assert_eq!(push.info.taskid.as_deref(), Some(taskid.as_str()));
    let appid = push.appid.clone().expect("appid on success").into_string();
    let code = push.auth_code.clone().expect("auth_code on success");
    r.exchange_and_call(code.as_str(), &appid).await;
    // The authorized push comes too, with a code of its own.
    let code2 = r.authorized_code(&appid).await;
    assert_ne!(code2, code.as_str());
    // The query and the task list agree.
    let q = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterenterpriseweapp?action=query&access_token={}",
                r.ctoken
            ),
            json!({"taskid": taskid, "new_version": true}),
        )
        .await;
    assert_eq!(q["status"], 12, "{q}");
    let t = r.task(&taskid).await;
    assert_eq!(t["route"], "enterprise");
    assert_eq!(t["appid"], appid.as_str());
    assert_eq!(t["component_appid"], COMPONENT_APPID);
    let state = r.env.get("/__emulator/state").await;
    let mp = state["mini_programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["appid"] == appid.as_str())
        .cloned()
        .expect("the new Mini Program is in the state");
    assert_eq!(mp["principal_name"], ENT_OK_NAME);
    assert_eq!(mp["verified"], false, "these routes create unverified accounts");
    assert!(
        state["enterprises"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == ENT_OK)
    );
    assert!(
        state["register_tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == taskid.as_str())
    );
}

#[tokio::test]
async fn enterprise_confirm_by_authorize_url_and_token_named_component_access_token() {
    let r = RegEnv::start().await;
    let v = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterenterpriseweapp?action=create&component_access_token={}",
                r.ctoken
            ),
            json!({"name": ENT_OK_NAME, "code": ENT_OK, "component_phone": "1", "new_version": true}),
        )
        .await;
    assert_eq!(v["errcode"], 0, "{v}");
    let c = r
        .env
        .control(
            "register-tasks/confirm",
            json!({"authorize_url": v["authorize_url"], "decline": false, "face_ok": true}),
        )
        .await;
    assert_eq!(c["status"], 12, "{c}");
    assert!(c["appid"].as_str().unwrap().starts_with("wx"));
    // A second confirmation of an ended task is refused.
    let again = r.confirm(v["taskid"].as_str().unwrap(), false, true).await;
    assert_err(&again, 89250);
}

#[tokio::test]
async fn enterprise_old_version_answers_minus_1() {
    let r = RegEnv::start().await;
    let v = r
        .env
        .post(
            &format!("/wxa/component/fastregisterenterpriseweapp?action=create&access_token={}", r.ctoken),
            json!({"name": ENT_OK_NAME, "code": ENT_OK, "code_type": 1, "legal_persona_openid": "o", "legal_persona_name": "张三"}),
        )
        .await;
    assert_err(&v, -1);
}

#[tokio::test]
async fn fastregisterweapp_is_offline_with_minus_1() {
    let r = RegEnv::start().await;
    let v = r
        .env
        .post(
            &format!("/cgi-bin/component/fastregisterweapp?action=create&component_access_token={}", r.ctoken),
            json!({"name": ENT_OK_NAME, "code": ENT_OK, "code_type": "1", "legal_persona_wechat": "x", "legal_persona_name": "张三"}),
        )
        .await;
    assert_err(&v, -1);
    assert!(v["errmsg"].as_str().unwrap().starts_with("system error"));
}

#[tokio::test]
async fn enterprise_invalid_action_answers_minus_1() {
    let r = RegEnv::start().await;
    let v = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterenterpriseweapp?action=search&access_token={}",
                r.ctoken
            ),
            json!({}),
        )
        .await;
    assert_err(&v, -1);
}

#[tokio::test]
async fn enterprise_86030_missing_component_phone() {
    let r = RegEnv::start().await;
    let v = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterenterpriseweapp?action=create&access_token={}",
                r.ctoken
            ),
            json!({"name": ENT_OK_NAME, "code": ENT_OK, "new_version": true}),
        )
        .await;
    assert_err(&v, 86030);
}

#[tokio::test]
async fn enterprise_89255_code_not_18_characters() {
    let r = RegEnv::start().await;
    assert_err(&r.enterprise(ENT_OK_NAME, "440300123456789").await, 89255);
}

#[tokio::test]
async fn enterprise_89254_component_not_published() {
    let r = RegEnv::start().await;
    let ctoken = r
        .env
        .component_token_of(COMPONENT_UNPUBLISHED_APPID, OTHER_COMPONENTS_SECRET)
        .await;
    let v = r
        .env
        .post(
            &format!("/wxa/component/fastregisterenterpriseweapp?action=create&access_token={ctoken}"),
            json!({"name": ENT_OK_NAME, "code": ENT_OK, "component_phone": "1", "new_version": true}),
        )
        .await;
    assert_err(&v, 89254);
}

#[tokio::test]
async fn enterprise_86022_name_does_not_match_code() {
    let r = RegEnv::start().await;
    assert_err(&r.enterprise("另一家公司", ENT_OK).await, 86022);
}

#[tokio::test]
async fn enterprise_86021_not_operating() {
    let r = RegEnv::start().await;
    assert_err(
        &r.enterprise("深圳市已注销示例有限公司", ENT_NOT_OPERATING).await,
        86021,
    );
}

#[tokio::test]
async fn enterprise_89249_one_task_per_subject_per_24h() {
    let mut r = RegEnv::start().await;
    let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert_err(&r.enterprise(ENT_OK_NAME, ENT_OK).await, 89249);
    // Declined, still within 24 h of the last task: refused.
    r.confirm(v["taskid"].as_str().unwrap(), true, true).await;
    assert_err(&r.enterprise(ENT_OK_NAME, ENT_OK).await, 89249);
    r.advance(86_400).await;
    assert_eq!(r.enterprise(ENT_OK_NAME, ENT_OK).await["errcode"], 0);
}

#[tokio::test]
async fn enterprise_query_89250_unknown_task() {
    let r = RegEnv::start().await;
    let v = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterenterpriseweapp?action=query&access_token={}",
                r.ctoken
            ),
            json!({"taskid": "nope", "new_version": true}),
        )
        .await;
    assert_err(&v, 89250);
}

#[tokio::test]
async fn enterprise_push_100003_timeout_after_24h() {
    let mut r = RegEnv::start().await;
    let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
    let taskid = v["taskid"].as_str().unwrap().to_owned();
    r.advance(86_399).await;
    assert_eq!(r.task(&taskid).await["status"], 0, "still open one second before");
    r.advance(1).await;
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::TimedOut);
    assert!(push.appid.is_none() && push.auth_code.is_none());
    assert_eq!(r.task(&taskid).await["status"], 1);
    assert_err(&r.confirm(&taskid, false, true).await, 89250);
}

#[tokio::test]
async fn enterprise_push_2_declined() {
    let r = RegEnv::start().await;
    let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
    let c = r.confirm(v["taskid"].as_str().unwrap(), true, true).await;
    assert_eq!(c["status"], 2, "{c}");
    assert_eq!(c["appid"], serde_json::Value::Null);
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::Declined);
}

#[tokio::test]
async fn enterprise_push_minus_1_face_check_failed() {
    let r = RegEnv::start().await;
    let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
    let c = r.confirm(v["taskid"].as_str().unwrap(), false, false).await;
    assert_eq!(c["status"], 5, "{c}");
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::LegalPersonMismatch);
    assert_eq!(push.msg, "open verity failed");
    assert!(push.appid.is_none());
}

/// One test per push status reached through a built-in enterprise.
macro_rules! push_status {
    ($name:ident, $code:expr, $status:expr, $task_status:expr) => {
        #[tokio::test]
        async fn $name() {
            let r = RegEnv::start().await;
            let name = r.env.get("/__emulator/state").await["enterprises"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["code"] == $code)
                .map(|e| e["name"].as_str().unwrap().to_owned())
                .unwrap_or_else(|| "未登记的企业".to_owned());
            let v = r.enterprise(&name, $code).await;
            assert_eq!(v["errcode"], 0, "{v}");
            let c = r.confirm(v["taskid"].as_str().unwrap(), false, true).await;
            assert_eq!(c["status"], $task_status, "{c}");
            let push = r.push(RegistrationKind::FastRegister, 1).await;
            assert_eq!(push.status, $status);
            assert!(
                push.register_status().entry().is_some(),
                "the catalog knows {}",
                $status
            );
            assert!(push.appid.is_none() && push.auth_code.is_none());
        }
    };
}

push_status!(enterprise_push_102_unknown_to_the_registry, ENT_UNKNOWN, 102, 14);
push_status!(enterprise_push_101_cancelled, ENT_REGISTRY_101, 101, 14);
push_status!(enterprise_push_103_legal_name_mismatch, ENT_REGISTRY_103, 103, 14);
push_status!(enterprise_push_104_legal_id_card_mismatch, ENT_REGISTRY_104, 104, 14);
push_status!(enterprise_push_105_id_card_not_updated, ENT_REGISTRY_105, 105, 14);
push_status!(enterprise_push_1000_registry_inconsistent, ENT_REGISTRY_1000, 1000, 14);
push_status!(enterprise_push_1001_subject_cap, ENT_SUBJECT_CAP, 1001, 1001);
push_status!(enterprise_push_1002_subject_blacklisted, ENT_BLACKLISTED, 1002, 1002);
push_status!(enterprise_push_1003_admin_cap, ENT_ADMIN_CAP, 1003, 1003);
push_status!(
    enterprise_push_1004_admin_blacklisted,
    ENT_ADMIN_BLACKLISTED,
    1004,
    1004
);
push_status!(enterprise_push_1005_phone_cap, ENT_PHONE_CAP, 1005, 1005);
push_status!(
    enterprise_push_1006_phone_blacklisted,
    ENT_PHONE_BLACKLISTED,
    1006,
    1006
);
push_status!(enterprise_push_1007_id_card_cap, ENT_ID_CARD_CAP, 1007, 1007);
push_status!(
    enterprise_push_1008_id_card_blacklisted,
    ENT_ID_CARD_BLACKLISTED,
    1008,
    1008
);

#[tokio::test]
async fn control_upserts_enterprise_and_person() {
    let mut r = RegEnv::start().await;
    let code = "91110000MA0NEW0001";
    let v = r
        .env
        .control(
            "persons",
            json!({"wechat_id": "new_legal", "openid": "o_new_legal", "name": "新法人", "id_card": "1", "phone": "2", "blacklisted": false, "mini_programs": 0}),
        )
        .await;
    assert_eq!(v["wechat_id"], "new_legal", "{v}");
    let v = r
        .env
        .control(
            "enterprises",
            json!({"name": "新公司", "code": code, "legal_person": {"name": "新法人", "id_card": "1", "wechat_id": "new_legal", "openid": "o_new_legal"}, "operating": true, "blacklisted": false}),
        )
        .await;
    assert_eq!(v["code"], code, "{v}");
    let t = r.enterprise("新公司", code).await;
    let c = r.confirm(t["taskid"].as_str().unwrap(), false, true).await;
    assert_eq!(c["status"], 12, "{c}");
    // Upsert: the enterprise stops operating; a new create is refused.
    r.env
        .control(
            "enterprises",
            json!({"name": "新公司", "code": code, "operating": false}),
        )
        .await;
    r.advance(86_400).await;
    assert_err(&r.enterprise("新公司", code).await, 86021);
    // A bad code is a malformed control request.
    let bad = r
        .env
        .http
        .post(format!("{}/__emulator/enterprises", r.env.base))
        .json(&json!({"name": "x", "code": "123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn enterprise_push_100001_timeout_after_opening_the_page() {
    let mut r = RegEnv::start().await;
    let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
    let page = r
        .env
        .http
        .get(v["authorize_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    r.advance(86_400).await;
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::TimeoutBeforeIdCheck);
    assert_eq!(push.status, 100_001);
}

#[tokio::test]
async fn enterprise_push_100002_timeout_after_starting_the_face_check() {
    let mut r = RegEnv::start().await;
    let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
    let taskid = v["taskid"].as_str().unwrap();
    let c = r.confirm_with(json!({"id": taskid, "until": "face_started"})).await;
    assert_eq!(c["status"], 4, "{c}");
    assert_eq!(r.query("enterprise", taskid).await["status"], 4);
    r.advance(86_400).await;
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::TimeoutBeforeFaceCheck);
    assert_eq!(push.status, 100_002);
    assert!(push.appid.is_none() && push.auth_code.is_none());
}
