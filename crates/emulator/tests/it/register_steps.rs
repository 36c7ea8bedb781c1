//! The confirmation's steps (`register_step.rs`): the user walks the task table's intermediate
//! statuses 3, 4, 6, 7, 9, 10 on the page or through the control API's `until`, and `query`
//! shows each; the phone code's failure (8), a minor's creation failure (11), a decline half
//! way.

use crate::register_flow::*;
use fastreg_emulator::builtin::*;
use fastreg_protocol::event::RegistrationKind;
use fastreg_protocol::registration::{RegisterPushStatus, TaskStatus};
use serde_json::json;

#[tokio::test]
async fn personal_query_shows_every_step_as_the_control_api_walks_them() {
    let r = RegEnv::start().await;
    let v = r.personal(PERSON_OK).await;
    let taskid = v["taskid"].as_str().unwrap().to_owned();
    assert_eq!(r.query("personal", &taskid).await["status"], 0);
    let steps = [
        ("agreed", 3, TaskStatus::Agreed),
        ("face_started", 4, TaskStatus::FaceStarted),
        ("face_checked", 6, TaskStatus::FaceOk),
        ("code_sent", 7, TaskStatus::PhoneCodeSent),
        ("phone_verified", 9, TaskStatus::PhoneOk),
        ("submitted", 10, TaskStatus::Submitted),
    ];
    for (until, status, typed) in steps {
        let c = r.confirm_with(json!({"id": taskid, "until": until})).await;
        assert_eq!(c["status"], status, "{until}: {c}");
        assert_eq!(c["appid"], serde_json::Value::Null);
        let q = r.query("personal", &taskid).await;
        assert_eq!(q["status"], status, "{until}: {q}");
        let seen: TaskStatus = serde_json::from_value(q["status"].clone()).unwrap();
        assert_eq!(seen, typed);
        assert!(!seen.is_final(), "{until} is not final");
        assert!(seen.entry().is_some(), "the catalog knows {status}");
        assert_eq!(r.task(&taskid).await["status"], status);
    }
    // A step the task is past changes nothing.
    let again = r.confirm_with(json!({"id": taskid, "until": "agreed"})).await;
    assert_eq!(again["status"], 10, "{again}");
    // No push yet: the task waits on step 10 until the next confirmation runs the checks.
    let done = r.confirm_with(json!({"id": taskid})).await;
    assert_eq!(done["status"], 12, "{done}");
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert!(push.succeeded());
    assert_eq!(push.info.taskid.as_deref(), Some(taskid.as_str()));
    let appid = push.appid.clone().unwrap().into_string();
    r.exchange_and_call(push.auth_code.as_ref().unwrap().as_str(), &appid)
        .await;
    assert_eq!(r.query("personal", &taskid).await["status"], 12);
}

/// Posts one of the page's buttons and returns the page answered.
async fn press(r: &RegEnv, token: &str, decision: &str) -> String {
    let res = r
        .env
        .http
        .post(format!("{}/wxawap/fastregister/confirm", r.env.base))
        .form(&[("create_token", token), ("decision", decision)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{decision}");
    res.text().await.unwrap()
}

#[tokio::test]
async fn enterprise_page_walks_the_legal_person_through_each_step() {
    let r = RegEnv::start().await;
    let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
    let taskid = v["taskid"].as_str().unwrap().to_owned();
    let url = v["authorize_url"].as_str().unwrap();
    let token = url.split("create_token=").nth(1).unwrap().split('#').next().unwrap();
    let first = r.env.http.get(url).send().await.unwrap().text().await.unwrap();
    assert!(first.contains("value=\"agree\""), "{first}");
    let walk = [
        ("agree", 3, "face_start"),
        ("face_start", 4, "face_ok"),
        ("face_ok", 6, "send_code"),
        ("send_code", 7, "code_ok"),
        ("code_ok", 9, "submit"),
        ("submit", 12, ""),
    ];
    for (button, status, next) in walk {
        let page = press(&r, token, button).await;
        if !next.is_empty() {
            assert!(page.contains(&format!("value=\"{next}\"")), "{button} → {next}: {page}");
        }
        assert!(page.contains(&format!("<strong>{status}</strong>")), "{button}: {page}");
        assert_eq!(r.query("enterprise", &taskid).await["status"], status, "{button}");
    }
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::Success);
    let appid = push.appid.clone().unwrap().into_string();
    r.exchange_and_call(push.auth_code.as_ref().unwrap().as_str(), &appid)
        .await;
}

#[tokio::test]
async fn page_face_check_failure_button_ends_the_task_with_5() {
    let r = RegEnv::start().await;
    let v = r.personal(PERSON_OK).await;
    let taskid = v["taskid"].as_str().unwrap().to_owned();
    let url = v["authorize_url"].as_str().unwrap();
    let token = url.split("create_token=").nth(1).unwrap().split('#').next().unwrap();
    press(&r, token, "agree").await;
    press(&r, token, "face_start").await;
    let page = press(&r, token, "face_fail").await;
    assert!(page.contains("人脸认证失败"), "{page}");
    assert_eq!(r.query("personal", &taskid).await["status"], 5);
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.status, 5);
}

#[tokio::test]
async fn personal_phone_code_wrong_ends_with_8() {
    let r = RegEnv::start().await;
    let v = r.personal(PERSON_OK).await;
    let taskid = v["taskid"].as_str().unwrap().to_owned();
    let c = r.confirm_with(json!({"id": taskid, "phone_ok": false})).await;
    assert_eq!(c["status"], 8, "{c}");
    let q = r.query("personal", &taskid).await;
    assert_eq!(q["status"], 8);
    let typed: TaskStatus = serde_json::from_value(q["status"].clone()).unwrap();
    assert_eq!(typed, TaskStatus::PhoneFailed);
    assert!(typed.is_final());
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.status, 8);
    assert!(push.appid.is_none() && push.auth_code.is_none());
}

#[tokio::test]
async fn enterprise_phone_code_wrong_pushes_8() {
    let r = RegEnv::start().await;
    let v = r.enterprise(ENT_OK_NAME, ENT_OK).await;
    let taskid = v["taskid"].as_str().unwrap();
    let c = r.confirm_with(json!({"id": taskid, "until": "code_sent"})).await;
    assert_eq!(c["status"], 7, "{c}");
    let c = r.confirm_with(json!({"id": taskid, "phone_ok": false})).await;
    assert_eq!(c["status"], 8, "{c}");
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::PhoneFailed);
    assert!(push.register_status().entry().is_some());
}

#[tokio::test]
async fn personal_minor_creation_fails_with_11() {
    let r = RegEnv::start().await;
    let v = r.personal(PERSON_MINOR).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let taskid = v["taskid"].as_str().unwrap().to_owned();
    let c = r.confirm(&taskid, false, true).await;
    assert_eq!(c["status"], 11, "{c}");
    assert_eq!(r.query("personal", &taskid).await["status"], 11);
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.status, 11);
    assert!(push.appid.is_none());
    // Through the control API: a person upserted as a minor fails the same way.
    r.env
        .control(
            "persons",
            json!({"wechat_id": "teen", "name": "少年", "id_card": "1", "phone": "2", "minor": true}),
        )
        .await;
    let v = r.personal("teen").await;
    let c = r.confirm(v["taskid"].as_str().unwrap(), false, true).await;
    assert_eq!(c["status"], 11, "{c}");
}

#[tokio::test]
async fn decline_half_way_ends_with_2() {
    let r = RegEnv::start().await;
    let v = r.personal(PERSON_OK).await;
    let taskid = v["taskid"].as_str().unwrap();
    r.confirm_with(json!({"id": taskid, "until": "face_checked"})).await;
    let c = r.confirm_with(json!({"id": taskid, "decline": true})).await;
    assert_eq!(c["status"], 2, "{c}");
    assert_eq!(r.query("personal", taskid).await["status"], 2);
}

#[tokio::test]
async fn until_on_a_trial_is_a_bad_request_and_a_bad_step_names_the_field() {
    let r = RegEnv::start().await;
    let v = r.trial("小麦烤鸡", PERSON_OK_OPENID).await;
    let res = r
        .env
        .http
        .post(format!("{}/__emulator/register-tasks/confirm", r.env.base))
        .json(&json!({"id": v["unique_id"], "until": "agreed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(body.contains("until"), "{body}");
    let res = r
        .env
        .http
        .post(format!("{}/__emulator/register-tasks/confirm", r.env.base))
        .json(&json!({"id": v["unique_id"], "until": "somewhere"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(body.contains("somewhere") && body.contains("agreed"), "{body}");
}
