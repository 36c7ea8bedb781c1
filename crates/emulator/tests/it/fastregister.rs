//! Fast registration, spec §1: the confirmation, fastregister and every rule of its error table.

use crate::support::*;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;
use serde_json::json;

/// Authorizes `oa`, confirms with `copy`, calls fastregister: the answer.
async fn register(env: &Env, oa: &str, copy: u8) -> serde_json::Value {
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, oa).await;
    let ticket = env.confirm(oa, copy).await;
    env.fastregister(&oa_token, &ticket).await
}

#[tokio::test]
async fn fastregister_creates_linked_verified_mini_program() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_ENTERPRISE).await;
    let ticket = env.confirm(OA_ENTERPRISE, 1).await;
    assert_eq!(ticket.len(), 32, "a ticket like the spec's example: {ticket}");
    let v = env.fastregister(&oa_token, &ticket).await;
    // The spec's example: errmsg "" and the booleans as strings.
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["errmsg"], "");
    assert_eq!(v["is_wx_verify_succ"], "true");
    assert_eq!(v["is_link_succ"], "true");
    let appid = v["appid"].as_str().unwrap();
    assert!(appid.starts_with("wx") && appid.len() == 18, "{appid}");
    let code = v["authorization_code"].as_str().unwrap();
    let info = env.query_auth(&ctoken, code).await;
    assert_eq!(info["authorization_info"]["authorizer_appid"], appid, "{info}");
    let ids: Vec<i64> = info["authorization_info"]["func_info"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["funcscope_category"]["id"].as_i64().unwrap())
        .collect();
    let mut ids = ids;
    ids.sort();
    assert_eq!(ids, [17, 18, 30, 31]);
    let mp_token = info["authorization_info"]["authorizer_access_token"].as_str().unwrap();
    let basic = env
        .get(&format!("/cgi-bin/account/getaccountbasicinfo?access_token={mp_token}"))
        .await;
    assert_eq!(basic["account_type"], 3, "{basic}");
    assert_eq!(basic["principal_name"], ENTERPRISE_PRINCIPAL);
    assert_eq!(basic["realname_status"], 1, "verification reused: verified at once");
    assert_eq!(basic["wx_verify_info"]["qualification_verify"], 1);
    // Verified until the account's own expiry.
    let state = env.get("/__emulator/state").await;
    let oa = state["official_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appid"] == OA_ENTERPRISE)
        .unwrap()
        .clone();
    let mp = state["mini_programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appid"] == appid)
        .unwrap()
        .clone();
    assert_eq!(mp["verify_expires_at"], oa["verify_expires_at"]);
    assert_eq!(mp["fast_registered_from"], OA_ENTERPRISE);
    assert_eq!(oa["quotas"]["fast_register_used_this_month"], 1);
}

/// The redirect keeps the redirect_uri's own query and appends `ticket` (spec §1.2).
#[tokio::test]
async fn confirm_keeps_redirect_query_and_appends_ticket() {
    let env = Env::start().await;
    let v = env
        .control("fastregister/confirm", json!({"component_appid": COMPONENT_APPID, "appid": OA_ENTERPRISE, "copy_wx_verify": 1, "redirect_uri": REDIRECT}))
        .await;
    let redirect = v["redirect"].as_str().unwrap();
    assert!(
        redirect.starts_with("http://127.0.0.1:8080/auth/callback?from=mp&ticket="),
        "{redirect}"
    );
}

/// Declining redirects back without a ticket.
#[tokio::test]
async fn decline_redirects_without_ticket() {
    let env = Env::start().await;
    let v = env
        .control(
            "fastregister/confirm",
            json!({"component_appid": COMPONENT_APPID, "appid": OA_ENTERPRISE, "copy_wx_verify": 1, "redirect_uri": REDIRECT, "decline": true}),
        )
        .await;
    assert_eq!(v["redirect"], REDIRECT);
}

#[tokio::test]
async fn confirm_61028_unpublished_component() {
    let env = Env::start().await;
    let v = env
        .control("fastregister/confirm", json!({"component_appid": COMPONENT_UNPUBLISHED_APPID, "appid": OA_ENTERPRISE, "copy_wx_verify": 1, "redirect_uri": REDIRECT}))
        .await;
    assert_err(&v, 61028);
}

#[tokio::test]
async fn confirm_61029_component_missing_permission_sets() {
    let env = Env::start().await;
    let v = env
        .control("fastregister/confirm", json!({"component_appid": COMPONENT_MISSING_SETS_APPID, "appid": OA_ENTERPRISE, "copy_wx_verify": 1, "redirect_uri": REDIRECT}))
        .await;
    assert_err(&v, 61029);
}

#[tokio::test]
async fn confirm_61060_redirect_host_not_login_domain() {
    let env = Env::start().await;
    for uri in ["https://evil.example.com/cb", "http://127.0.0.1:9999/cb", "not a url"] {
        let v = env
            .control("fastregister/confirm", json!({"component_appid": COMPONENT_APPID, "appid": OA_ENTERPRISE, "copy_wx_verify": 1, "redirect_uri": uri}))
            .await;
        assert_err(&v, 61060);
    }
}

#[tokio::test]
async fn fastregister_61058_ticket_used_twice() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_ENTERPRISE).await;
    let ticket = env.confirm(OA_ENTERPRISE, 1).await;
    assert_eq!(env.fastregister(&oa_token, &ticket).await["errcode"], 0);
    env.advance(60).await;
    assert_err(&env.fastregister(&oa_token, &ticket).await, 61058);
}

/// A ticket tried again within 5 s answers 61058 even when the first try failed for another reason.
#[tokio::test]
async fn fastregister_61058_retry_within_5s_after_failure() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_GOVERNMENT).await;
    let ticket = env.confirm(OA_GOVERNMENT, 0).await;
    assert_err(&env.fastregister(&oa_token, &ticket).await, 61056);
    assert_err(&env.fastregister(&oa_token, &ticket).await, 61058);
    env.advance(5).await;
    assert_err(&env.fastregister(&oa_token, &ticket).await, 61056);
}

#[tokio::test]
async fn fastregister_61058_unknown_expired_or_foreign_ticket() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_ENTERPRISE).await;
    assert_err(
        &env.fastregister(&oa_token, "b25519093b1e97239eff9d2bfc07e08e").await,
        61058,
    );
    assert_err(
        &env.post(
            &format!("/cgi-bin/account/fastregister?access_token={oa_token}"),
            json!({}),
        )
        .await,
        61058,
    );
    // A ticket for another account.
    let other = env.confirm(OA_MEDIA, 1).await;
    assert_err(&env.fastregister(&oa_token, &other).await, 61058);
    // An expired ticket (30 minutes).
    let ticket = env.confirm(OA_ENTERPRISE, 1).await;
    env.advance(1800).await;
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_ENTERPRISE).await;
    assert_err(&env.fastregister(&oa_token, &ticket).await, 61058);
}

#[tokio::test]
async fn fastregister_61051_individual_subject() {
    let env = Env::start().await;
    assert_err(&register(&env, OA_INDIVIDUAL, 1).await, 61051);
}

#[tokio::test]
async fn fastregister_61052_unverified_account() {
    let env = Env::start().await;
    assert_err(&register(&env, OA_UNVERIFIED, 1).await, 61052);
}

#[tokio::test]
async fn fastregister_61053_subject_cap() {
    let env = Env::start().await;
    assert_err(&register(&env, OA_SUBJECT_CAP, 1).await, 61053);
}

#[tokio::test]
async fn fastregister_61054_blacklisted_subject() {
    let env = Env::start().await;
    assert_err(&register(&env, OA_BLACKLISTED, 1).await, 61054);
}

#[tokio::test]
async fn fastregister_61055_sixth_registration_in_a_month() {
    let env = Env::start().await;
    // Start at the beginning of a month so the five fit in it.
    let now = env.now().await;
    let next = env.get("/__emulator/clock").await["next_month_starts_at"]
        .as_i64()
        .unwrap();
    env.advance(next - now + 60).await;
    for i in 0..5 {
        let v = register(&env, OA_ENTERPRISE, 1).await;
        assert_eq!(v["errcode"], 0, "registration {i}: {v}");
        env.advance(10).await;
    }
    assert_err(&register(&env, OA_ENTERPRISE, 1).await, 61055);
}

/// Monthly quotas follow the calendar month in China time: past the boundary they reset.
#[tokio::test]
async fn month_boundary_resets_quota() {
    let env = Env::start().await;
    assert_err(&register(&env, OA_AT_MONTHLY_LIMIT, 1).await, 61055);
    let clock = env.get("/__emulator/clock").await;
    let wait = clock["next_month_starts_at"].as_i64().unwrap() - clock["now"].as_i64().unwrap();
    env.advance(wait - 30).await;
    assert_err(&register(&env, OA_AT_MONTHLY_LIMIT, 1).await, 61055);
    env.advance(31).await;
    let v = register(&env, OA_AT_MONTHLY_LIMIT, 1).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let date = env.get("/__emulator/clock").await["china_date"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(date.ends_with("-01"), "{date}");
}

/// Only successful registrations count toward the five (相关规则 4: 创建成功才占用).
#[tokio::test]
async fn failed_registrations_do_not_spend_the_monthly_quota() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_MEDIA).await;
    for _ in 0..6 {
        let ticket = env.confirm(OA_MEDIA, 0).await;
        assert_err(&env.fastregister(&oa_token, &ticket).await, 61056);
    }
    let state = env.get("/__emulator/state").await;
    let oa = state["official_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appid"] == OA_MEDIA)
        .unwrap()
        .clone();
    assert_eq!(oa["quotas"]["fast_register_used_this_month"], 0);
    let ticket = env.confirm(OA_MEDIA, 1).await;
    assert_eq!(env.fastregister(&oa_token, &ticket).await["errcode"], 0);
}

#[tokio::test]
async fn fastregister_61056_government_media_other_must_reuse_verification() {
    let env = Env::start().await;
    for oa in [OA_GOVERNMENT, OA_MEDIA, OA_OTHER] {
        assert_err(&register(&env, oa, 0).await, 61056);
        env.advance(10).await;
        assert_eq!(register(&env, oa, 1).await["errcode"], 0, "{oa} with copy_wx_verify=1");
    }
    // An enterprise need not reuse it.
    assert_eq!(register(&env, OA_ENTERPRISE, 0).await["is_wx_verify_succ"], "false");
}

#[tokio::test]
async fn fastregister_61057_pending_registration() {
    let env = Env::start().await;
    assert_err(&register(&env, OA_WITH_PENDING, 1).await, 61057);
    env.control(
        "official-accounts",
        json!({"appid": OA_WITH_PENDING, "pending_registration": false}),
    )
    .await;
    env.advance(10).await;
    assert_eq!(register(&env, OA_WITH_PENDING, 1).await["errcode"], 0);
}

#[tokio::test]
async fn fastregister_61061_overseas_account() {
    let env = Env::start().await;
    assert_err(&register(&env, OA_OVERSEAS, 1).await, 61061);
}

/// The component's state is checked again at fastregister time.
#[tokio::test]
async fn fastregister_61028_61029_component_changed_after_confirmation() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_ENTERPRISE).await;
    let ticket = env.confirm(OA_ENTERPRISE, 1).await;
    env.control("components", json!({"appid": COMPONENT_APPID, "published": false}))
        .await;
    assert_err(&env.fastregister(&oa_token, &ticket).await, 61028);
    env.control(
        "components",
        json!({"appid": COMPONENT_APPID, "published": true, "permission_sets": ["account_service", "mp_basic_info"]}),
    )
    .await;
    env.advance(5).await;
    assert_err(&env.fastregister(&oa_token, &ticket).await, 61029);
}

/// Without the fast-register set granted, the call is unauthorized (48001).
#[tokio::test]
async fn fastregister_48001_without_fast_register_set() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let code = env
        .control(
            "authorize",
            json!({"component_appid": COMPONENT_APPID, "appid": OA_ENTERPRISE, "fast_register": false}),
        )
        .await;
    let info = env.query_auth(&ctoken, code["auth_code"].as_str().unwrap()).await;
    let oa_token = info["authorization_info"]["authorizer_access_token"].as_str().unwrap();
    let ticket = env.confirm(OA_ENTERPRISE, 1).await;
    assert_err(&env.fastregister(oa_token, &ticket).await, 48001);
}

/// 授权互斥: an account grants the fast-register set to one component at a time.
#[tokio::test]
async fn authorize_fast_register_is_exclusive() {
    let env = Env::start().await;
    let v = env
        .control(
            "authorize",
            json!({"component_appid": COMPONENT_APPID, "appid": OA_AUTHORIZED_ELSEWHERE, "fast_register": true}),
        )
        .await;
    assert_err(&v, 48001);
    assert!(v["errmsg"].as_str().unwrap().contains(OTHER_COMPONENT_APPID), "{v}");
    let v = env
        .control(
            "authorize",
            json!({"component_appid": COMPONENT_APPID, "appid": OA_AUTHORIZED_ELSEWHERE, "fast_register": false}),
        )
        .await;
    assert!(v["auth_code"].is_string(), "{v}");
    // Once the other component loses it, ours may take it.
    env.control(
        "unauthorize",
        json!({"component_appid": OTHER_COMPONENT_APPID, "appid": OA_AUTHORIZED_ELSEWHERE}),
    )
    .await;
    let v = env
        .control(
            "authorize",
            json!({"component_appid": COMPONENT_APPID, "appid": OA_AUTHORIZED_ELSEWHERE, "fast_register": true}),
        )
        .await;
    assert!(v["auth_code"].is_string(), "{v}");
}

/// The 2023-12-25 rule: with the switch on, fast-registered Mini Programs start unverified, and
/// realname_status moves from 2 to 1 after the configured delay.
#[tokio::test]
async fn fast_registered_start_unverified_switch() {
    let mut scenario = Scenario::builtin();
    scenario.settings.fast_registered_start_unverified = true;
    let env = Env::with(scenario).await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let basic = env
        .get(&format!(
            "/cgi-bin/account/getaccountbasicinfo?access_token={}",
            mp.token
        ))
        .await;
    assert_eq!(basic["realname_status"], 2, "{basic}");
    assert_eq!(basic["wx_verify_info"]["qualification_verify"], 0);
    env.advance(86_400).await;
    let state = env.get("/__emulator/state").await;
    let m = state["mini_programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["appid"] == mp.appid.as_str())
        .unwrap()
        .clone();
    assert_eq!(m["realname_status"], 1, "{m}");
}

/// Without reused verification, realname_status stays 2 until the configured delay (1 day).
#[tokio::test]
async fn realname_status_2_until_delay_without_reused_verification() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_ENTERPRISE).await;
    let ticket = env.confirm(OA_ENTERPRISE, 0).await;
    let v = env.fastregister(&oa_token, &ticket).await;
    assert_eq!(v["is_wx_verify_succ"], "false");
    let info = env.query_auth(&ctoken, v["authorization_code"].as_str().unwrap()).await;
    let token = info["authorization_info"]["authorizer_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let basic = env
        .get(&format!("/cgi-bin/account/getaccountbasicinfo?access_token={token}"))
        .await;
    assert_eq!(basic["realname_status"], 2, "{basic}");
    env.advance(3600).await;
    let basic = env
        .get(&format!("/cgi-bin/account/getaccountbasicinfo?access_token={token}"))
        .await;
    assert_eq!(basic["realname_status"], 2);
    env.advance(86_400 - 3600).await;
    let state = env.get("/__emulator/state").await;
    let appid = v["appid"].as_str().unwrap();
    assert!(
        state["mini_programs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["appid"] == appid && m["realname_status"] == 1)
    );
}

#[tokio::test]
async fn is_wx_verify_succ_false_with_unverified_switch() {
    let mut scenario = Scenario::builtin();
    scenario.settings.fast_registered_start_unverified = true;
    let env = Env::with(scenario).await;
    let v = register(&env, OA_ENTERPRISE, 1).await;
    assert_eq!(v["errcode"], 0);
    assert_eq!(v["is_wx_verify_succ"], "false");
    assert_eq!(v["is_link_succ"], "true");
}

/// A cut connection after fastregister was applied: retrying answers 61058, and
/// api_get_authorizer_list shows the new Mini Program with its refresh token.
#[tokio::test]
async fn drop_response_fault_applies_fastregister_and_list_recovers() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_ENTERPRISE).await;
    let ticket = env.confirm(OA_ENTERPRISE, 1).await;
    env.control(
        "faults",
        json!({"path": "/cgi-bin/account/fastregister", "mode": "drop_response", "count": 1}),
    )
    .await;
    let lost = async {
        let r = env
            .http
            .post(format!(
                "{}/cgi-bin/account/fastregister?access_token={oa_token}",
                env.base
            ))
            .json(&json!({"ticket": ticket}))
            .send()
            .await?;
        r.bytes().await
    }
    .await;
    assert!(lost.is_err(), "the client must see a transport error, got {lost:?}");
    env.advance(6).await;
    assert_err(&env.fastregister(&oa_token, &ticket).await, 61058);
    let list = env
        .post(
            &format!("/cgi-bin/component/api_get_authorizer_list?component_access_token={ctoken}"),
            json!({"component_appid": COMPONENT_APPID, "offset": 0, "count": 100}),
        )
        .await;
    let state = env.get("/__emulator/state").await;
    let new_mp = state["mini_programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["fast_registered_from"] == OA_ENTERPRISE && m["appid"] != MP_RELEASED)
        .unwrap()["appid"]
        .clone();
    let item = list["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["authorizer_appid"] == new_mp)
        .expect("the new Mini Program is listed");
    let refresh = item["refresh_token"].as_str().unwrap();
    let v = env
        .post(
            &format!("/cgi-bin/component/api_authorizer_token?component_access_token={ctoken}"),
            json!({"component_appid": COMPONENT_APPID, "authorizer_appid": new_mp, "authorizer_refresh_token": refresh}),
        )
        .await;
    assert!(v["authorizer_access_token"].is_string(), "{v}");
}
