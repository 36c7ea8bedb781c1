//! Admin rebind, spec §7: the page, the taskid, componentrebindadmin and its codes.

use crate::support::*;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;
use serde_json::{Value, json};

const REBIND: &str = "/cgi-bin/account/componentrebindadmin";

fn admin(n: u32) -> Value {
    json!({"name": "王五", "id_card": format!("44030019900101{n:04}"), "phone": format!("1370000{n:04}"), "wechat_id": format!("wangwu_{n}")})
}

async fn task(env: &Env, mp: &str, new_admin: Value) -> Value {
    env.control(
        "rebindadmin/confirm",
        json!({"component_appid": COMPONENT_APPID, "appid": mp, "redirect_uri": REDIRECT, "new_admin": new_admin}),
    )
    .await
}

fn taskid(v: &Value) -> String {
    let redirect = v["redirect"].as_str().unwrap_or_else(|| panic!("no redirect: {v}"));
    assert!(
        redirect.starts_with("http://127.0.0.1:8080/auth/callback?from=mp&taskid="),
        "{redirect}"
    );
    redirect.split("taskid=").nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn rebind_replaces_the_admin_and_taskid_is_single_use_85060() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let id = taskid(&task(&env, &mp.appid, admin(1)).await);
    let v = env.call(REBIND, &mp.token, json!({"taskid": id})).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["errmsg"], "");
    let state = env.get("/__emulator/state").await;
    let m = state["mini_programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["appid"] == mp.appid.as_str())
        .unwrap()
        .clone();
    assert_eq!(m["admin"]["name"], "王五");
    assert_err(&env.call(REBIND, &mp.token, json!({"taskid": id})).await, 85060);
    assert_err(
        &env.call(REBIND, &mp.token, json!({"taskid": "b25519093b1e97239eff9d2bfc07e08e"}))
            .await,
        85060,
    );
}

#[tokio::test]
async fn rebind_85060_task_of_another_mini_program() {
    let env = Env::start().await;
    let a = env.new_mini_program(OA_ENTERPRISE).await;
    let b = env.new_mini_program(OA_ENTERPRISE).await;
    let id = taskid(&task(&env, &a.appid, admin(1)).await);
    assert_err(&env.call(REBIND, &b.token, json!({"taskid": id})).await, 85060);
}

#[tokio::test]
async fn rebind_85063_blacklisted_id_card() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let mut a = admin(1);
    a["id_card"] = json!(BLACKLISTED_ID_CARD);
    let id = taskid(&task(&env, &mp.appid, a).await);
    assert_err(&env.call(REBIND, &mp.token, json!({"taskid": id})).await, 85063);
}

#[tokio::test]
async fn rebind_85062_blacklisted_phone() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let mut a = admin(1);
    a["phone"] = json!(BLACKLISTED_PHONE);
    let id = taskid(&task(&env, &mp.appid, a).await);
    assert_err(&env.call(REBIND, &mp.token, json!({"taskid": id})).await, 85062);
}

/// Each cap counts the accounts the new admin already administers (caps set to 1 here).
#[tokio::test]
async fn rebind_85027_85061_85026_binding_caps() {
    let mut scenario = Scenario::builtin();
    scenario.settings.admin_accounts_per_id_card = 1;
    scenario.settings.admin_accounts_per_phone = 1;
    scenario.settings.admin_accounts_per_wechat_id = 1;
    let env = Env::with(scenario).await;
    let mp = env.new_mini_program(OA_MEDIA).await;
    // OA_GOVERNMENT's admin already administers one account.
    let state = env.get("/__emulator/state").await;
    let taken = state["official_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appid"] == OA_GOVERNMENT)
        .unwrap()["admin"]
        .clone();
    for (field, code) in [("id_card", 85027), ("phone", 85061), ("wechat_id", 85026)] {
        let mut a = admin(9);
        a[field] = taken[field].clone();
        let id = taskid(&task(&env, &mp.appid, a).await);
        assert_err(&env.call(REBIND, &mp.token, json!({"taskid": id})).await, code);
    }
}

#[tokio::test]
async fn rebind_confirm_checks_redirect_61060_and_new_admin_fields() {
    let env = Env::start().await;
    let mp = env.new_mini_program(OA_ENTERPRISE).await;
    let v = env
        .control("rebindadmin/confirm", json!({"component_appid": COMPONENT_APPID, "appid": mp.appid, "redirect_uri": "https://elsewhere.example/cb", "new_admin": admin(1)}))
        .await;
    assert_err(&v, 61060);
    let mut a = admin(1);
    a["phone"] = json!("");
    assert_err(&task(&env, &mp.appid, a).await, 40097);
    assert_err(&task(&env, OA_ENTERPRISE, admin(1)).await, 40013);
}
