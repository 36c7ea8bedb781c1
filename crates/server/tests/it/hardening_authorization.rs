//! Issue 13, item 8: a lost `api_query_auth` answer during authorization, with the `authorized`
//! push missed too, used to end the authorization `failed` (outcome unknown) and lose the account
//! (registrations for it then got 409). It is now recovered from WeChat's authorizer list, as a
//! registration's lost fastregister answer already was.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use serde_json::json;
use std::time::Duration;

async fn lost_query_auth(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.control(
        "faults",
        json!({ "path": "/cgi-bin/component/api_query_auth", "mode": "drop_response", "count": 1 }),
    )
    .await;
    app.control("push/mode", json!({ "mode": "drop" })).await;
    let auth = app.authorize(OA_ENTERPRISE).await;
    let id = auth["id"].as_str().expect("id").to_owned();
    // Retries and backoffs due within the next minutes run now.
    let mut auth = auth;
    for _ in 0..10 {
        if auth["state"] != "code_received" {
            break;
        }
        app.drain_ahead(Duration::from_secs(600)).await;
        auth = app.get(&format!("/authorizations/{id}")).await;
    }
    app.control("push/mode", json!({ "mode": "normal" })).await;
    assert_eq!(auth["state"], "authorized", "{auth:#}");
    assert_eq!(auth["authorizer_appid"], OA_ENTERPRISE, "{auth:#}");
    assert!(app.calls("api_query_auth").await >= 1);
    let authorizer = app.get(&format!("/authorizers/{OA_ENTERPRISE}")).await;
    assert_eq!(authorizer["status"], "authorized", "{authorizer:#}");
    // The account is usable: a registration for it starts and completes.
    let reg = app.register(OA_ENTERPRISE, None).await;
    assert_eq!(reg["state"], "registered", "{reg:#}");
    app.cleanup().await;
}
on_both!(lost_query_auth_answer_is_recovered_from_the_list, lost_query_auth);

/// The same with the `authorized` push delivered: the push names the account of the spent code,
/// and the refresh token comes from the list (the chaos runner found concurrent authorizations
/// with lost answers that the list alone could not tell apart).
async fn lost_query_auth_with_push(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.control(
        "faults",
        json!({ "path": "/cgi-bin/component/api_query_auth", "mode": "drop_response", "count": 1 }),
    )
    .await;
    let auth = app.authorize(OA_ENTERPRISE).await;
    let id = auth["id"].as_str().expect("id").to_owned();
    let mut auth = auth;
    for _ in 0..10 {
        if auth["state"] != "code_received" {
            break;
        }
        app.drain_ahead(Duration::from_secs(600)).await;
        auth = app.get(&format!("/authorizations/{id}")).await;
    }
    assert_eq!(auth["state"], "authorized", "{auth:#}");
    assert_eq!(auth["authorizer_appid"], OA_ENTERPRISE, "{auth:#}");
    let reg = app.register(OA_ENTERPRISE, None).await;
    assert_eq!(reg["state"], "registered", "{reg:#}");
    app.cleanup().await;
}
on_both!(
    lost_query_auth_answer_with_the_push_is_recovered,
    lost_query_auth_with_push
);

/// Two authorizations at once, every api_query_auth answer lost (the callbacks' and the pushes'):
/// WeChat's `authorized` push carries a code of its own, so the spent code never named the
/// account, and the list held two fresh accounts that could not be told apart. The chaos runner
/// found these waiting forever (and the pushes marked processed without their accounts). The
/// push names the account of its pre_auth_code, which the authorization's URL carries; its
/// refresh token comes from the list.
async fn concurrent_lost_query_auth(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.control(
        "faults",
        json!({ "path": "/cgi-bin/component/api_query_auth", "mode": "drop_response", "count": 4 }),
    )
    .await;
    let accounts = [OA_ENTERPRISE, OA_MEDIA];
    let mut ids = Vec::new();
    for oa in accounts {
        ids.push(app.confirm_authorization(oa).await);
    }
    let mut auths = Vec::new();
    for _ in 0..10 {
        app.drain_ahead(Duration::from_secs(600)).await;
        auths.clear();
        for id in &ids {
            auths.push(app.get(&format!("/authorizations/{id}")).await);
        }
        if auths.iter().all(|a| a["state"] != "code_received") {
            break;
        }
    }
    for (oa, auth) in accounts.iter().zip(&auths) {
        assert_eq!(auth["state"], "authorized", "{auth:#}");
        assert_eq!(auth["authorizer_appid"], *oa, "{auth:#}");
        let authorizer = app.get(&format!("/authorizers/{oa}")).await;
        assert_eq!(authorizer["status"], "authorized", "{authorizer:#}");
    }
    let reg = app.register(OA_MEDIA, None).await;
    assert_eq!(reg["state"], "registered", "{reg:#}");
    app.cleanup().await;
}
on_both!(
    concurrent_authorizations_with_every_query_auth_answer_lost_find_their_accounts,
    concurrent_lost_query_auth
);
