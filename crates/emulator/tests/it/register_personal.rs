//! Personal fast registration, new version (`registration-routes.md` §2).

use crate::register_flow::*;
use crate::support::*;
use fastreg_emulator::builtin::*;
use fastreg_protocol::event::RegistrationKind;
use fastreg_protocol::registration::TaskStatus;
use serde_json::json;

#[tokio::test]
async fn personal_end_to_end() {
    let r = RegEnv::start().await;
    let v = r.personal(PERSON_OK).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let taskid = v["taskid"].as_str().unwrap().to_owned();
    assert!(v["authorize_url"].as_str().unwrap().contains("create_token="));
    let c = r.confirm(&taskid, false, true).await;
    assert_eq!(c["status"], 12, "{c}");
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert!(push.succeeded(), "{push:?}");
    // The observed shape: enterprise-shaped info plus taskid.
    assert_eq!(push.info.taskid.as_deref(), Some(taskid.as_str()));
    assert_eq!(push.info.code_type, Some(0));
    let appid = push.appid.clone().unwrap().into_string();
    r.exchange_and_call(push.auth_code.as_ref().unwrap().as_str(), &appid)
        .await;
    let state = r.env.get("/__emulator/state").await;
    let person = state["persons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["wechat_id"] == PERSON_OK)
        .cloned()
        .unwrap();
    assert_eq!(person["mini_programs"], 1, "the user's count grows");
    let q = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterpersonalweapp?action=query&access_token={}",
                r.ctoken
            ),
            json!({"taskid": taskid, "new_version": true}),
        )
        .await;
    assert_eq!(q["status"], 12, "{q}");
    assert_eq!(r.task(&taskid).await["route"], "personal");
}

#[tokio::test]
async fn personal_old_version_answers_minus_1() {
    let r = RegEnv::start().await;
    let v = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterpersonalweapp?action=create&access_token={}",
                r.ctoken
            ),
            json!({"idname": "李四", "wxuser": PERSON_OK, "component_phone": "1"}),
        )
        .await;
    assert_err(&v, -1);
}

#[tokio::test]
async fn personal_86030_missing_wxuser() {
    let r = RegEnv::start().await;
    let v = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterpersonalweapp?action=create&access_token={}",
                r.ctoken
            ),
            json!({"component_phone": "1", "new_version": true}),
        )
        .await;
    assert_err(&v, 86030);
}

#[tokio::test]
async fn personal_86032_unknown_wechat_id() {
    let r = RegEnv::start().await;
    assert_err(&r.personal("nobody_here").await, 86032);
}

#[tokio::test]
async fn personal_86034_restricted_wechat_id() {
    let r = RegEnv::start().await;
    assert_err(&r.personal(PERSON_BLACKLISTED).await, 86034);
}

#[tokio::test]
async fn personal_91030_five_creates_a_day() {
    let mut r = RegEnv::start().await;
    for _ in 0..5 {
        assert_eq!(r.personal(PERSON_OK).await["errcode"], 0);
    }
    assert_err(&r.personal(PERSON_OK).await, 91030);
    r.advance(86_400).await;
    assert_eq!(r.personal(PERSON_OK).await["errcode"], 0, "a new day");
}

#[tokio::test]
async fn personal_86031_component_not_published() {
    let r = RegEnv::start().await;
    let ctoken = r
        .env
        .component_token_of(COMPONENT_UNPUBLISHED_APPID, OTHER_COMPONENTS_SECRET)
        .await;
    let v = r
        .env
        .post(
            &format!("/wxa/component/fastregisterpersonalweapp?action=create&access_token={ctoken}"),
            json!({"wxuser": PERSON_OK, "component_phone": "1", "new_version": true}),
        )
        .await;
    assert_err(&v, 86031);
}

#[tokio::test]
async fn personal_86033_component_missing_sets() {
    let r = RegEnv::start().await;
    let ctoken = r
        .env
        .component_token_of(COMPONENT_MISSING_SETS_APPID, OTHER_COMPONENTS_SECRET)
        .await;
    let v = r
        .env
        .post(
            &format!("/wxa/component/fastregisterpersonalweapp?action=create&access_token={ctoken}"),
            json!({"wxuser": PERSON_OK, "component_phone": "1", "new_version": true}),
        )
        .await;
    assert_err(&v, 86033);
}

#[tokio::test]
async fn personal_push_1_timeout() {
    let mut r = RegEnv::start().await;
    let v = r.personal(PERSON_OK).await;
    r.advance(86_400).await;
    let push = r.push(RegistrationKind::FastRegister, 1).await;
    assert_eq!(push.task_status(), TaskStatus::TimedOut);
    let q = r
        .env
        .post(
            &format!(
                "/wxa/component/fastregisterpersonalweapp?action=query&access_token={}",
                r.ctoken
            ),
            json!({"taskid": v["taskid"], "new_version": true}),
        )
        .await;
    assert_eq!(q["status"], 1, "{q}");
}

#[tokio::test]
async fn personal_push_2_declined() {
    let r = RegEnv::start().await;
    let v = r.personal(PERSON_OK).await;
    r.confirm(v["taskid"].as_str().unwrap(), true, true).await;
    assert_eq!(
        r.push(RegistrationKind::FastRegister, 1).await.task_status(),
        TaskStatus::Declined
    );
}

#[tokio::test]
async fn personal_push_5_face_failed() {
    let r = RegEnv::start().await;
    let v = r.personal(PERSON_OK).await;
    r.confirm(v["taskid"].as_str().unwrap(), false, false).await;
    assert_eq!(
        r.push(RegistrationKind::FastRegister, 1).await.task_status(),
        TaskStatus::FaceFailed
    );
}

macro_rules! personal_status {
    ($name:ident, $who:expr, $status:expr) => {
        #[tokio::test]
        async fn $name() {
            let r = RegEnv::start().await;
            let v = r.personal($who).await;
            assert_eq!(v["errcode"], 0, "{v}");
            let c = r.confirm(v["taskid"].as_str().unwrap(), false, true).await;
            assert_eq!(c["status"], $status.code(), "{c}");
            let push = r.push(RegistrationKind::FastRegister, 1).await;
            assert_eq!(push.task_status(), $status);
            assert!(push.appid.is_none());
        }
    };
}

personal_status!(personal_push_1003_admin_cap, PERSON_AT_CAP, TaskStatus::AdminCap);
personal_status!(personal_push_1005_phone_cap, PERSON_PHONE_CAP, TaskStatus::PhoneCap);
personal_status!(
    personal_push_1006_phone_blacklisted,
    PERSON_PHONE_BLACKLISTED,
    TaskStatus::PhoneBlacklisted
);
personal_status!(
    personal_push_1007_id_card_cap,
    PERSON_ID_CARD_CAP,
    TaskStatus::IdCardCap
);
personal_status!(
    personal_push_1008_id_card_blacklisted,
    PERSON_ID_CARD_BLACKLISTED,
    TaskStatus::IdCardBlacklisted
);

#[tokio::test]
async fn personal_push_1004_admin_blacklisted_after_create() {
    let r = RegEnv::start().await;
    let v = r.personal(PERSON_OK).await;
    r.env
        .control(
            "persons",
            json!({"wechat_id": PERSON_OK, "openid": PERSON_OK_OPENID, "name": "李四", "blacklisted": true}),
        )
        .await;
    let c = r.confirm(v["taskid"].as_str().unwrap(), false, true).await;
    assert_eq!(c["status"], 1004, "{c}");
}
