//! Component authorization and the token rules (protocol-notes §1, §5).

use crate::support::*;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;
use serde_json::json;

const TOKEN_PATH: &str = "/cgi-bin/component/api_component_token";

#[tokio::test]
async fn component_token_from_pushed_ticket_lives_7200s() {
    let env = Env::start().await;
    let ticket = env.ticket(COMPONENT_APPID).await;
    assert!(ticket.starts_with("ticket@@@"), "{ticket}");
    let v = env
        .post(TOKEN_PATH, json!({"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET, "component_verify_ticket": ticket}))
        .await;
    assert_eq!(v["expires_in"], 7200, "{v}");
    assert!(v.get("errcode").is_none(), "token APIs answer without errcode: {v}");
    let token = v["component_access_token"].as_str().unwrap();
    let pre = env
        .post(
            &format!("/cgi-bin/component/api_create_preauthcode?component_access_token={token}"),
            json!({"component_appid": COMPONENT_APPID}),
        )
        .await;
    assert!(
        pre["pre_auth_code"].as_str().unwrap().starts_with("preauthcode@@@"),
        "{pre}"
    );
    assert_eq!(pre["expires_in"], 600);
}

#[tokio::test]
async fn component_token_40125_wrong_secret() {
    let env = Env::start().await;
    let ticket = env.ticket(COMPONENT_APPID).await;
    let v = env
        .post(TOKEN_PATH, json!({"component_appid": COMPONENT_APPID, "component_appsecret": "wrong", "component_verify_ticket": ticket}))
        .await;
    assert_err(&v, 40125);
}

#[tokio::test]
async fn component_token_61006_unknown_ticket() {
    let env = Env::start().await;
    let v = env
        .post(TOKEN_PATH, json!({"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET, "component_verify_ticket": "ticket@@@made-up"}))
        .await;
    assert_err(&v, 61006);
}

/// A ticket is valid 12 h: an older one (still remembered) answers 61005, a newer one works.
#[tokio::test]
async fn component_token_61005_ticket_older_than_12h() {
    let env = Env::start().await;
    let old = env.ticket(COMPONENT_APPID).await;
    env.advance(12 * 3600 + 1).await;
    let v = env
        .post(TOKEN_PATH, json!({"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET, "component_verify_ticket": old}))
        .await;
    assert_err(&v, 61005);
    // The schedule pushed newer tickets meanwhile; the latest works.
    let state = env.get("/__emulator/state").await;
    let current = state["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["appid"] == COMPONENT_APPID)
        .unwrap()["ticket"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(current, old);
    let v = env
        .post(TOKEN_PATH, json!({"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET, "component_verify_ticket": current}))
        .await;
    assert!(v["component_access_token"].is_string(), "{v}");
}

#[tokio::test]
async fn component_token_61011_unknown_component() {
    let env = Env::start().await;
    let v = env
        .post(TOKEN_PATH, json!({"component_appid": "wx0000000000000bad", "component_appsecret": "x", "component_verify_ticket": "y"}))
        .await;
    assert_err(&v, 61011);
}

#[tokio::test]
async fn component_apis_accept_token_as_component_access_token_or_access_token() {
    let env = Env::start().await;
    let token = env.component_token().await;
    for name in ["component_access_token", "access_token"] {
        let v = env
            .post(
                &format!("/cgi-bin/component/api_create_preauthcode?{name}={token}"),
                json!({"component_appid": COMPONENT_APPID}),
            )
            .await;
        assert!(v["pre_auth_code"].is_string(), "{name}: {v}");
    }
}

#[tokio::test]
async fn token_missing_41001() {
    let env = Env::start().await;
    let v = env
        .post(
            "/cgi-bin/component/api_create_preauthcode",
            json!({"component_appid": COMPONENT_APPID}),
        )
        .await;
    assert_err(&v, 41001);
    let v = env.get("/cgi-bin/account/getaccountbasicinfo").await;
    assert_err(&v, 41001);
}

#[tokio::test]
async fn token_unknown_40001_malformed_40014() {
    let env = Env::start().await;
    let v = env
        .post(
            "/cgi-bin/component/api_create_preauthcode?component_access_token=92_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            json!({"component_appid": COMPONENT_APPID}),
        )
        .await;
    assert_err(&v, 40001);
    let v = env
        .get("/cgi-bin/account/getaccountbasicinfo?access_token=not%20a%20token")
        .await;
    assert_err(&v, 40014);
}

#[tokio::test]
async fn token_expires_after_7200s_42001() {
    let env = Env::start().await;
    let token = env.component_token().await;
    let path = format!("/cgi-bin/component/api_create_preauthcode?component_access_token={token}");
    env.advance(7199).await;
    assert!(env.post(&path, json!({"component_appid": COMPONENT_APPID})).await["pre_auth_code"].is_string());
    env.advance(1).await;
    assert_err(
        &env.post(&path, json!({"component_appid": COMPONENT_APPID})).await,
        42001,
    );
}

/// Fetching a new token leaves the old one working for 5 minutes, then 40001.
#[tokio::test]
async fn new_token_leaves_old_one_5_minutes_then_40001() {
    let env = Env::start().await;
    let old = env.component_token().await;
    let new = env.component_token().await;
    assert_ne!(old, new);
    let call = |t: String| {
        let env = &env;
        async move {
            env.post(
                &format!("/cgi-bin/component/api_create_preauthcode?component_access_token={t}"),
                json!({"component_appid": COMPONENT_APPID}),
            )
            .await
        }
    };
    env.advance(299).await;
    assert!(call(old.clone()).await["pre_auth_code"].is_string());
    env.advance(1).await;
    assert_err(&call(old.clone()).await, 40001);
    assert!(call(new.clone()).await["pre_auth_code"].is_string());
}

/// The two kinds of token are not interchangeable: WeChat's 61014 and 61015.
#[tokio::test]
async fn component_token_on_authorizer_api_61015_and_authorizer_token_on_component_api_61014() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let oa_token = env.oa_token(&ctoken, OA_ENTERPRISE).await;
    assert_err(
        &env.get(&format!("/cgi-bin/account/getaccountbasicinfo?access_token={ctoken}"))
            .await,
        61015,
    );
    let v = env
        .post(
            &format!("/cgi-bin/component/api_create_preauthcode?component_access_token={oa_token}"),
            json!({"component_appid": COMPONENT_APPID}),
        )
        .await;
    assert_err(&v, 61014);
}

#[tokio::test]
async fn query_auth_code_single_use_61009() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let code = env
        .control(
            "authorize",
            json!({"component_appid": COMPONENT_APPID, "appid": OA_ENTERPRISE, "fast_register": true}),
        )
        .await;
    let code = code["auth_code"].as_str().unwrap().to_owned();
    assert_eq!(
        env.get("/__emulator/state").await["authorizations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["appid"] == OA_ENTERPRISE)
            .count(),
        1
    );
    let first = env.query_auth(&ctoken, &code).await;
    let info = &first["authorization_info"];
    assert_eq!(info["authorizer_appid"], OA_ENTERPRISE);
    assert_eq!(info["expires_in"], 7200);
    assert!(
        info["authorizer_refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("refreshtoken@@@")
    );
    let ids: Vec<i64> = info["func_info"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["funcscope_category"]["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&27) && ids.contains(&3), "{ids:?}");
    assert_err(&env.query_auth(&ctoken, &code).await, 61009);
    assert_err(&env.query_auth(&ctoken, "queryauthcode@@@nope").await, 61009);
}

#[tokio::test]
async fn query_auth_code_expires_61010() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let v = env
        .control(
            "authorize",
            json!({"component_appid": COMPONENT_APPID, "appid": OA_ENTERPRISE}),
        )
        .await;
    assert_eq!(v["expires_in"], 3600);
    env.advance(3600).await;
    let ctoken2 = env.component_token().await;
    let _ = ctoken;
    assert_err(&env.query_auth(&ctoken2, v["auth_code"].as_str().unwrap()).await, 61010);
}

#[tokio::test]
async fn authorizer_token_refresh_61023_invalid_refresh_token() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let info = env.authorize(&ctoken, OA_ENTERPRISE).await;
    let refresh = info["authorizer_refresh_token"].as_str().unwrap();
    let path = format!("/cgi-bin/component/api_authorizer_token?component_access_token={ctoken}");
    let v = env
        .post(&path, json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_ENTERPRISE, "authorizer_refresh_token": refresh}))
        .await;
    assert_eq!(v["expires_in"], 7200, "{v}");
    assert_eq!(
        v["authorizer_refresh_token"], refresh,
        "the refresh token comes back unchanged"
    );
    let fresh = v["authorizer_access_token"].as_str().unwrap();
    assert_ne!(fresh, info["authorizer_access_token"].as_str().unwrap());
    assert_eq!(
        env.get(&format!("/cgi-bin/account/getaccountbasicinfo?access_token={fresh}"))
            .await["errcode"],
        0
    );
    let v = env
        .post(&path, json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_ENTERPRISE, "authorizer_refresh_token": "refreshtoken@@@wrong"}))
        .await;
    assert_err(&v, 61023);
}

/// With `rotate_refresh_tokens`, a refresh answers a new refresh token and the old one is dead:
/// the case where a platform that does not persist the rotated token gets 61023 later.
#[tokio::test]
async fn rotated_refresh_token_replaces_the_old_one_61023() {
    let mut scenario = Scenario::builtin();
    scenario.settings.rotate_refresh_tokens = true;
    let env = Env::with(scenario).await;
    let ctoken = env.component_token().await;
    let info = env.authorize(&ctoken, OA_ENTERPRISE).await;
    let old = info["authorizer_refresh_token"].as_str().unwrap().to_string();
    let path = format!("/cgi-bin/component/api_authorizer_token?component_access_token={ctoken}");
    let body = |refresh: &str| json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_ENTERPRISE, "authorizer_refresh_token": refresh});
    let v = env.post(&path, body(&old)).await;
    let new = v["authorizer_refresh_token"].as_str().unwrap().to_string();
    assert_ne!(new, old, "{v}");
    assert_err(&env.post(&path, body(&old)).await, 61023);
    assert_eq!(env.post(&path, body(&new)).await["expires_in"], 7200);
}

#[tokio::test]
async fn authorizer_info_and_list_show_the_authorizer() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let auth = env.authorize(&ctoken, OA_ENTERPRISE).await;
    let v = env
        .post(
            &format!("/cgi-bin/component/api_get_authorizer_info?component_access_token={ctoken}"),
            json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_ENTERPRISE}),
        )
        .await;
    assert_eq!(v["authorizer_info"]["principal_name"], ENTERPRISE_PRINCIPAL, "{v}");
    assert_eq!(v["authorizer_info"]["service_type_info"]["id"], 2);
    assert_eq!(v["authorizer_info"]["verify_type_info"]["id"], 0);
    assert!(v["authorizer_info"]["user_name"].as_str().unwrap().starts_with("gh_"));
    assert_eq!(
        v["authorization_info"]["authorizer_refresh_token"],
        auth["authorizer_refresh_token"]
    );
    let mp = v["authorizer_info"].get("MiniProgramInfo");
    assert!(mp.is_none(), "an Official Account has no MiniProgramInfo");
    let list = env
        .post(
            &format!("/cgi-bin/component/api_get_authorizer_list?component_access_token={ctoken}"),
            json!({"component_appid": COMPONENT_APPID, "offset": 0, "count": 500}),
        )
        .await;
    // Two Mini Programs of the scenario plus the new authorization.
    assert_eq!(list["total_count"], 3, "{list}");
    let item = list["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["authorizer_appid"] == OA_ENTERPRISE)
        .unwrap();
    assert_eq!(item["refresh_token"], auth["authorizer_refresh_token"]);
    let bad = env
        .post(
            &format!("/cgi-bin/component/api_get_authorizer_list?component_access_token={ctoken}"),
            json!({"component_appid": COMPONENT_APPID, "offset": 0, "count": 501}),
        )
        .await;
    assert_err(&bad, 40097);
}

#[tokio::test]
async fn authorizer_info_61003_not_authorized() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let v = env
        .post(
            &format!("/cgi-bin/component/api_get_authorizer_info?component_access_token={ctoken}"),
            json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_MEDIA}),
        )
        .await;
    assert_err(&v, 61003);
}

#[tokio::test]
async fn body_component_appid_of_another_component_61011() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let v = env
        .post(
            &format!("/cgi-bin/component/api_create_preauthcode?component_access_token={ctoken}"),
            json!({"component_appid": OTHER_COMPONENT_APPID}),
        )
        .await;
    assert_err(&v, 61011);
}

#[tokio::test]
async fn daily_quota_45009() {
    let mut scenario = Scenario::builtin();
    scenario
        .settings
        .daily_quotas
        .insert("api_create_preauthcode".into(), 2);
    let env = Env::with(scenario).await;
    let ctoken = env.component_token().await;
    let path = format!("/cgi-bin/component/api_create_preauthcode?component_access_token={ctoken}");
    for _ in 0..2 {
        assert!(env.post(&path, json!({"component_appid": COMPONENT_APPID})).await["pre_auth_code"].is_string());
    }
    assert_err(
        &env.post(&path, json!({"component_appid": COMPONENT_APPID})).await,
        45009,
    );
    // The quota is per China day: the next day it is back.
    let now = env.now().await;
    let to_midnight = 86_400 - (now + 8 * 3600).rem_euclid(86_400);
    env.advance(to_midnight).await;
    let ctoken = env.component_token().await;
    let path = format!("/cgi-bin/component/api_create_preauthcode?component_access_token={ctoken}");
    assert!(env.post(&path, json!({"component_appid": COMPONENT_APPID})).await["pre_auth_code"].is_string());
}

#[tokio::test]
async fn bad_json_47001() {
    let env = Env::start().await;
    let ctoken = env.component_token().await;
    let v = env
        .post_raw(
            &format!("/cgi-bin/component/api_create_preauthcode?component_access_token={ctoken}"),
            "{not json",
        )
        .await;
    assert_err(&v, 47001);
    let v = env.post_raw(TOKEN_PATH, "[1,2]").await;
    assert_err(&v, 47001);
}
