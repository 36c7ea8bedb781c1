//! The trial Mini Program (`registration-routes.md` §3): create, the admin's page, the pushes,
//! the authorization, renaming, conversion (转正) and their errors.

use crate::register_flow::*;
use crate::support::*;
use fastreg_emulator::builtin::*;
use fastreg_protocol::event::RegistrationKind;
use fastreg_protocol::registration::{RegisterPushStatus, TrialPushStatus};
use serde_json::{Value, json};

async fn trial(r: &RegEnv) -> (String, String, String) {
    r.trial_mp().await
}

async fn verify(r: &RegEnv, token: &str, body: Value) -> Value {
    r.env.call("/wxa/verifybetaweapp", token, body).await
}

fn verify_body(name: &str, code: &str) -> Value {
    json!({"verify_info": {"enterprise_name": name, "code": code, "component_phone": "13800138000"}, "new_version": true})
}

#[tokio::test]
async fn trial_end_to_end_create_confirm_push_authorize_rename_convert() {
    let r = RegEnv::start().await;
    let v = r.trial("小麦烤鸡", PERSON_OK_OPENID).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let unique_id = v["unique_id"].as_str().unwrap().to_owned();
    let url = v["authorize_url"].as_str().unwrap().to_owned();
    assert!(
        url.contains("/wxawap/fastregistertpbeta?action=show&create_token="),
        "{url}"
    );
    // The admin's page: no face check for the trial.
    let html = r.env.http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("小麦烤鸡的体验小程序"), "{html}");
    let token = url.split("create_token=").nth(1).unwrap().split('#').next().unwrap();
    r.env
        .http
        .post(format!("{}/wxawap/fastregister/confirm", r.env.base))
        .form(&[("create_token", token), ("decision", "confirm"), ("face", "ok")])
        .send()
        .await
        .unwrap();
    let push = r.push(RegistrationKind::TrialCreated, 1).await;
    assert_eq!(push.trial_status(), TrialPushStatus::Success);
    assert!(push.auth_code.is_none(), "the trial push carries no code");
    assert_eq!(push.info.unique_id.as_deref(), Some(unique_id.as_str()));
    assert_eq!(push.info.name.as_deref(), Some("小麦烤鸡的体验小程序"));
    let appid = push.appid.clone().unwrap().into_string();
    let code = r.authorized_code(&appid).await;
    let mp_token = r.exchange_and_call(&code, &appid).await;
    let t = r.task(&unique_id).await;
    assert_eq!(t["route"], "trial");
    assert_eq!(t["appid"], appid.as_str());
    // Rename: the suffix is forced.
    let v = r
        .env
        .call("/wxa/setbetaweappnickname", &mp_token, json!({"name": "大麦烤鸡"}))
        .await;
    assert_eq!(v["errcode"], 0, "{v}");
    let basic = r
        .env
        .get(&format!("/cgi-bin/account/getaccountbasicinfo?access_token={mp_token}"))
        .await;
    assert_eq!(basic["nickname"], "大麦烤鸡的体验小程序", "{basic}");
    // Convert.
    let v = verify(&r, &mp_token, verify_body(ENT_OK_NAME, ENT_OK)).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let verify_url = v["authorize_url"].as_str().unwrap();
    let c = r
        .env
        .control("register-tasks/confirm", json!({"authorize_url": verify_url}))
        .await;
    assert_eq!(c["status"], 13, "{c}");
    assert_eq!(c["appid"], appid.as_str());
    let push = r.push(RegistrationKind::TrialVerified, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::Success);
    assert_eq!(push.appid.as_ref().map(|a| a.as_str()), Some(appid.as_str()));
    assert_eq!(push.info.name.as_deref(), Some(ENT_OK_NAME));
    // Same appid, same authorization, now the enterprise's: the setup APIs apply.
    let basic = r
        .env
        .get(&format!("/cgi-bin/account/getaccountbasicinfo?access_token={mp_token}"))
        .await;
    assert_eq!(basic["principal_name"], ENT_OK_NAME, "{basic}");
    let sig = r
        .env
        .call(
            "/cgi-bin/account/modifysignature",
            &mp_token,
            json!({"signature": "提供烤鸡外卖服务。"}),
        )
        .await;
    assert_eq!(sig["errcode"], 0, "{sig}");
    // A converted trial is no longer a trial.
    assert_err(&verify(&r, &mp_token, verify_body(ENT_OK_NAME, ENT_OK)).await, 91021);
    assert_err(
        &r.env
            .call("/wxa/setbetaweappnickname", &mp_token, json!({"name": "小麦烤鸡"}))
            .await,
        91020,
    );
}

#[tokio::test]
async fn trial_verify_accepts_new_version_inside_verify_info() {
    let r = RegEnv::start().await;
    let (_, token, _) = trial(&r).await;
    let v = verify(
        &r,
        &token,
        json!({"verify_info": {"enterprise_name": ENT_OK_NAME, "code": ENT_OK, "component_phone": "1", "new_version": true}}),
    )
    .await;
    assert_eq!(v["errcode"], 0, "{v}");
}

#[tokio::test]
async fn trial_verify_old_version_answers_minus_1() {
    let r = RegEnv::start().await;
    let (_, token, _) = trial(&r).await;
    let v = verify(
        &r,
        &token,
        json!({"verify_info": {"enterprise_name": ENT_OK_NAME, "code": ENT_OK, "code_type": 1, "legal_persona_wechat": "x", "legal_persona_name": "张三", "legal_persona_idcard": "1", "component_phone": "1"}}),
    )
    .await;
    assert_err(&v, -1);
}

#[tokio::test]
async fn trial_verify_91021_not_a_trial() {
    let r = RegEnv::start().await;
    let info = r.env.authorize(&r.ctoken, MP_NOT_FAST_REGISTERED).await;
    let token = info["authorizer_access_token"].as_str().unwrap();
    assert_err(&verify(&r, token, verify_body(ENT_OK_NAME, ENT_OK)).await, 91021);
}

#[tokio::test]
async fn trial_verify_89251_task_pending() {
    let r = RegEnv::start().await;
    let (_, token, _) = trial(&r).await;
    assert_eq!(verify(&r, &token, verify_body(ENT_OK_NAME, ENT_OK)).await["errcode"], 0);
    assert_err(&verify(&r, &token, verify_body(ENT_OK_NAME, ENT_OK)).await, 89251);
}

#[tokio::test]
async fn trial_verify_45011_five_a_minute() {
    let mut r = RegEnv::start().await;
    let (_, token, _) = trial(&r).await;
    for _ in 0..5 {
        // Malformed on purpose: each call counts against the limit anyway.
        assert_err(&verify(&r, &token, json!({"new_version": true})).await, 86030);
    }
    assert_err(&verify(&r, &token, verify_body(ENT_OK_NAME, ENT_OK)).await, 45011);
    r.advance(60).await;
    assert_eq!(verify(&r, &token, verify_body(ENT_OK_NAME, ENT_OK)).await["errcode"], 0);
}

#[tokio::test]
async fn trial_verify_89255_bad_code_and_86022_wrong_name() {
    let r = RegEnv::start().await;
    let (_, token, _) = trial(&r).await;
    assert_err(&verify(&r, &token, verify_body(ENT_OK_NAME, "123")).await, 89255);
    assert_err(&verify(&r, &token, verify_body("别家公司", ENT_OK)).await, 86022);
}

#[tokio::test]
async fn trial_verify_push_102_registry_then_100003_timeout() {
    let mut r = RegEnv::start().await;
    let (appid, token, _) = trial(&r).await;
    // An enterprise the registry does not know: the confirmation pushes 102.
    assert_eq!(
        verify(&r, &token, verify_body("未登记的企业", ENT_UNKNOWN)).await["errcode"],
        0
    );
    let id = r.env.get("/__emulator/register-tasks").await["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["route"] == "trial_verify" && t["status"] == 0)
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .expect("an open conversion task");
    let c = r.confirm(&id, false, true).await;
    assert_eq!(c["status"], 14, "{c}");
    let push = r.push(RegistrationKind::TrialVerified, 1).await;
    assert_eq!(push.register_status(), RegisterPushStatus::EnterpriseNotFound);
    assert_eq!(push.appid.as_ref().map(|a| a.as_str()), Some(appid.as_str()));
    // Nobody opens the next one: 100003 after 24 h.
    assert_eq!(verify(&r, &token, verify_body(ENT_OK_NAME, ENT_OK)).await["errcode"], 0);
    r.advance(86_400).await;
    let push = r.push(RegistrationKind::TrialVerified, 2).await;
    assert_eq!(push.register_status(), RegisterPushStatus::TimedOut);
}

#[tokio::test]
async fn trial_push_3_overdue_unconfirmed() {
    let mut r = RegEnv::start().await;
    let v = r.trial("小麦烤鸡", PERSON_OK_OPENID).await;
    r.advance(86_400).await;
    let push = r.push(RegistrationKind::TrialCreated, 1).await;
    assert_eq!(push.trial_status(), TrialPushStatus::Overdue);
    assert!(push.appid.is_none());
    assert_eq!(push.info.unique_id.as_deref(), v["unique_id"].as_str());
}

#[tokio::test]
async fn trial_push_2_declined() {
    let r = RegEnv::start().await;
    let v = r.trial("小麦烤鸡", PERSON_OK_OPENID).await;
    r.confirm(v["unique_id"].as_str().unwrap(), true, true).await;
    assert_eq!(
        r.push(RegistrationKind::TrialCreated, 1).await.trial_status(),
        TrialPushStatus::Declined
    );
}

#[tokio::test]
async fn trial_push_1003_admin_has_five_mini_programs() {
    let r = RegEnv::start().await;
    let v = r.trial("小麦烤鸡", &openid_of(PERSON_AT_CAP)).await;
    let c = r.confirm(v["unique_id"].as_str().unwrap(), false, true).await;
    assert_eq!(c["status"], 1003, "{c}");
    assert_eq!(
        r.push(RegistrationKind::TrialCreated, 1).await.trial_status(),
        TrialPushStatus::AdminCap
    );
}

#[tokio::test]
async fn trial_40003_unknown_openid() {
    let r = RegEnv::start().await;
    assert_err(&r.trial("小麦烤鸡", "o_nobody").await, 40003);
}

#[tokio::test]
async fn trial_86011_brand_keyword() {
    let r = RegEnv::start().await;
    assert_err(&r.trial("微信烤鸡店", PERSON_OK_OPENID).await, 86011);
}

#[tokio::test]
async fn trial_40097_name_too_short() {
    let r = RegEnv::start().await;
    assert_err(&r.trial("烤鸡", PERSON_OK_OPENID).await, 40097);
}

#[tokio::test]
async fn trial_86030_missing_openid() {
    let r = RegEnv::start().await;
    let v = r
        .env
        .post(
            &format!("/wxa/component/fastregisterbetaweapp?access_token={}", r.ctoken),
            json!({"name": "小麦烤鸡"}),
        )
        .await;
    assert_err(&v, 86030);
}

#[tokio::test]
async fn setbetaweappnickname_91020_not_a_trial_and_86011_keyword() {
    let r = RegEnv::start().await;
    let info = r.env.authorize(&r.ctoken, MP_NOT_FAST_REGISTERED).await;
    let token = info["authorizer_access_token"].as_str().unwrap();
    assert_err(
        &r.env
            .call("/wxa/setbetaweappnickname", token, json!({"name": "小麦烤鸡"}))
            .await,
        91020,
    );
    let (_, trial_token, _) = trial(&r).await;
    assert_err(
        &r.env
            .call("/wxa/setbetaweappnickname", &trial_token, json!({"name": "腾讯烤鸡"}))
            .await,
        86011,
    );
}

#[tokio::test]
async fn trial_verify_45009_hundred_a_day() {
    let mut r = RegEnv::start().await;
    let (_, token, _) = trial(&r).await;
    for _ in 0..20 {
        for _ in 0..5 {
            assert_err(&verify(&r, &token, json!({"new_version": true})).await, 86030);
        }
        r.advance(60).await;
    }
    assert_err(&verify(&r, &token, verify_body(ENT_OK_NAME, ENT_OK)).await, 45009);
}
