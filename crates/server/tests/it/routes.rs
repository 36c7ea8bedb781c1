//! The enterprise, personal and trial routes end to end, on both databases: the REST calls an
//! operator makes, the user's confirmation on the emulator's page (its control API), WeChat's
//! pushes, and what the registration shows after: success with the setup plan, a refusal by
//! errcode, a failure status in the push, a timeout after 24 h of emulator time, a lost push
//! recovered by polling, restart, and the trial's rename and conversion.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::{ENT_OK, ENT_OK_NAME, PERSON_AT_CAP, PERSON_OK, PERSON_OK_OPENID};
use fastreg_protocol::AppId;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

pub const PHONE: &str = "13800138000";

/// A credit code with its GB 32100-2015 check character: `91440300MA5RT` + `n` (4 digits).
pub fn credit_code(n: u32) -> String {
    let first = format!("91440300MA5RT{n:04}");
    let alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let sum: usize = first
        .chars()
        .zip(weights)
        .map(|(c, w)| alphabet.find(c).expect("alphabet") * w)
        .sum();
    let check = alphabet.as_bytes()[(31 - sum % 31) % 31] as char;
    format!("{first}{check}")
}

/// Adds an enterprise to the emulator (its legal person is the built-in `legal_zhangsan`),
/// with `extra` fields (`operating`, `blacklisted`, `registry_status`).
pub async fn enterprise(app: &TestApp, n: u32, name: &str, extra: Value) -> String {
    let code = credit_code(n);
    let mut body = json!({
        "name": name, "code": code,
        "legal_person": { "name": "张三", "id_card": "440301198001010011", "wechat_id": "legal_zhangsan", "openid": "o_legal_zhangsan" },
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    let r = app.control("enterprises", body).await;
    assert_eq!(r["code"], code.as_str(), "{r}");
    code
}

pub async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

/// An app whose push receiver takes pushes signed up to 3 days ahead: the emulator signs at its
/// virtual time, which these tests move 24 h on.
pub async fn spawn_virtual(db: Db) -> Option<TestApp> {
    spawn_app_with(db, fastreg_emulator::Scenario::builtin(), |s| {
        s.push_max_skew_secs = 3 * 24 * 3600;
    })
    .await
}

/// Waits until `n` pushes of `kind` are in the service's inbox.
pub async fn pushes_received(app: &TestApp, kind: &str, n: i64) {
    let sql = format!("SELECT COUNT(*) FROM events WHERE kind = '{kind}'");
    wait_for(&format!("{n} {kind} push(es)"), async || app.count(&sql).await >= n).await;
}

pub async fn start(app: &TestApp, body: Value) -> Value {
    let reg = app.start_registration(body).await;
    assert_eq!(reg["state"], "creating", "{reg:#}");
    app.drain().await;
    let id = reg["id"].as_str().expect("id");
    app.get(&format!("/registrations/{id}")).await
}

/// The user opens the link and confirms (or declines).
pub async fn confirm(app: &TestApp, auth_url: &str, decline: bool) -> Value {
    app.control(
        "register-tasks/confirm",
        json!({ "authorize_url": auth_url, "decline": decline }),
    )
    .await
}

async fn refresh_token_kept(app: &TestApp, appid: &str) -> bool {
    let appid = AppId::parse(appid).expect("appid");
    app.state
        .client
        .store()
        .refresh_token(&appid)
        .await
        .expect("store")
        .is_some()
}

async fn enterprise_success(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let reg = start(
        &app,
        json!({ "route": "enterprise",
                "enterprise": { "name": ENT_OK_NAME, "code": ENT_OK, "component_phone": PHONE },
                "setup": { "signature": "一家做烤鸡的小店，欢迎光临。" } }),
    )
    .await;
    assert_eq!(reg["route"], "enterprise");
    assert_eq!(reg["state"], "awaiting_user", "{reg:#}");
    let url = reg["auth_url"].as_str().expect("auth_url").to_owned();
    assert!(url.contains("/wxawap/fastregister"), "{url}");
    assert_eq!(reg["task_status"]["code"], 0);
    assert!(
        reg["task_status"]["zh"].as_str().is_some_and(|s| !s.is_empty()),
        "{reg:#}"
    );
    let expires = reg["auth_expires_at"].as_i64().expect("auth_expires_at");
    let created = reg["created_at"].as_i64().expect("created_at");
    assert!(
        (expires - created - 24 * 3600 * 1000).abs() < 60_000,
        "{expires} {created}"
    );
    let id = reg["id"].as_str().expect("id").to_owned();
    assert_eq!(reg["qr_url"], format!("/api/v1/registrations/{id}/qr.svg"));

    // The QR codes.
    for (path, kind) in [("qr.svg", "image/svg+xml"), ("qr.png", "image/png")] {
        let r = app
            .http
            .get(format!("{}/api/v1/registrations/{id}/{path}", app.address))
            .bearer_auth(API_KEY)
            .send()
            .await
            .expect("qr");
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["content-type"], kind);
        let bytes = r.bytes().await.expect("body");
        assert!(bytes.len() > 200, "{path}: {} bytes", bytes.len());
    }

    let exchanges_before = app.calls("api_query_auth").await;
    let ended = confirm(&app, &url, false).await;
    assert_eq!(ended["status"], 12, "{ended}");
    pushes_received(&app, "notify_third_fasteregister", 1).await;
    pushes_received(&app, "authorized", 1).await;
    app.drain().await;
    let done = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(done["state"], "registered", "{done:#}");
    let mp = done["mini_program_appid"].as_str().expect("appid").to_owned();
    assert_eq!(Some(mp.as_str()), ended["appid"].as_str());
    assert!(refresh_token_kept(&app, &mp).await);
    assert_eq!(
        app.calls("api_query_auth").await,
        exchanges_before + 1,
        "the code is exchanged exactly once"
    );
    // The setup plan ran on the new Mini Program.
    let mini = app.get(&format!("/mini-programs/{mp}")).await;
    let steps = mini["setup"].to_string();
    assert!(steps.contains("signature"), "{mini:#}");
    assert_eq!(done["registration_id"], Value::Null);
    assert_eq!(mini["registration_id"], id.as_str(), "{mini:#}");
    app.cleanup().await;
}
on_both!(enterprise_registers_and_runs_its_setup_plan, enterprise_success);

async fn checked_before_wechat(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let cases = [
        (
            json!({ "route": "enterprise", "enterprise": { "name": "某公司", "code": "91440300MA5REG0002", "component_phone": PHONE } }),
            "enterprise.code",
            "check character",
        ),
        (
            json!({ "route": "enterprise", "enterprise": { "name": "某公司", "code": ENT_OK, "component_phone": "12345" } }),
            "enterprise.component_phone",
            "phone",
        ),
        (
            json!({ "route": "trial", "trial": { "name": "微信小店铺", "openid": PERSON_OK_OPENID } }),
            "trial.name",
            "86011",
        ),
        (
            json!({ "route": "trial", "trial": { "name": "店", "openid": PERSON_OK_OPENID } }),
            "trial.name",
            "4 to 30",
        ),
        (
            json!({ "route": "personal", "personal": { "wxuser": "9 bad id", "component_phone": PHONE } }),
            "personal.wxuser",
            "WeChat id",
        ),
        (json!({ "route": "personal" }), "personal", "required"),
        (json!({ "route": "boat" }), "route", "one of"),
        (
            json!({ "route": "trial", "enterprise": { "name": "x", "code": ENT_OK, "component_phone": PHONE } }),
            "enterprise",
            "does not belong",
        ),
    ];
    for (body, field, words) in cases {
        let (status, e) = app.api(Method::POST, "/registrations", Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {e}");
        let message = e["message"].as_str().unwrap_or_default();
        assert!(message.contains(&format!("`{field}`")), "{body}: {e}");
        assert!(message.contains(words), "{body}: {e}");
    }
    assert_eq!(app.calls("fastregisterenterpriseweapp").await, 0);
    assert_eq!(app.calls("fastregisterbetaweapp").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM registrations").await, 0);
    app.cleanup().await;
}
on_both!(input_is_checked_before_wechat_is_called, checked_before_wechat);

async fn refusal_by_errcode(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let code = enterprise(&app, 21, "停业示例有限公司", json!({ "operating": false })).await;
    let reg = start(
        &app,
        json!({ "route": "enterprise", "enterprise": { "name": "停业示例有限公司", "code": code, "component_phone": PHONE } }),
    )
    .await;
    assert_eq!(reg["state"], "failed", "{reg:#}");
    assert_eq!(reg["error"]["code"], "86021");
    assert!(
        reg["error"]["message_zh"].as_str().is_some_and(|m| m.contains("在营")),
        "{reg:#}"
    );
    assert!(!reg["error"]["remedy"].as_str().unwrap_or_default().is_empty());
    app.cleanup().await;
}
on_both!(a_refusal_by_errcode_fails_with_its_catalog_entry, refusal_by_errcode);

async fn failure_status_in_push(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let code = enterprise(&app, 22, "黑名单示例有限公司", json!({ "blacklisted": true })).await;
    let reg = start(
        &app,
        json!({ "route": "enterprise", "enterprise": { "name": "黑名单示例有限公司", "code": code, "component_phone": PHONE } }),
    )
    .await;
    let url = reg["auth_url"].as_str().expect("auth_url");
    confirm(&app, url, false).await;
    pushes_received(&app, "notify_third_fasteregister", 1).await;
    app.drain().await;
    let done = app
        .get(&format!("/registrations/{}", reg["id"].as_str().expect("id")))
        .await;
    assert_eq!(done["state"], "failed", "{done:#}");
    assert_eq!(done["error"]["code"], "1002");
    assert_eq!(done["task_status"]["code"], 1002);
    assert!(
        done["error"]["message_zh"]
            .as_str()
            .is_some_and(|m| m.contains("黑名单")),
        "{done:#}"
    );

    // Personal: the user is at the cap of 5 Mini Programs (1003).
    let reg = start(
        &app,
        json!({ "route": "personal", "personal": { "wxuser": PERSON_AT_CAP, "component_phone": PHONE } }),
    )
    .await;
    assert_eq!(reg["state"], "awaiting_user", "{reg:#}");
    confirm(&app, reg["auth_url"].as_str().expect("auth_url"), false).await;
    pushes_received(&app, "notify_third_fasteregister", 2).await;
    app.drain().await;
    let done = app
        .get(&format!("/registrations/{}", reg["id"].as_str().expect("id")))
        .await;
    assert_eq!(done["state"], "failed", "{done:#}");
    assert_eq!(done["error"]["code"], "1003");
    app.cleanup().await;
}
on_both!(
    a_failure_status_in_the_push_fails_with_its_meaning,
    failure_status_in_push
);

async fn timeout_and_restart(db: Db) {
    let Some(app) = spawn_virtual(db).await else { return };
    let reg = start(
        &app,
        json!({ "route": "personal", "personal": { "wxuser": PERSON_OK, "component_phone": PHONE } }),
    )
    .await;
    assert_eq!(reg["state"], "awaiting_user", "{reg:#}");
    let id = reg["id"].as_str().expect("id").to_owned();
    // Nobody opens the link: 24 h of emulator time pass.
    app.control("clock/advance", json!({ "seconds": 24 * 3600 + 60 })).await;
    pushes_received(&app, "notify_third_fasteregister", 1).await;
    app.drain().await;
    let done = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(done["state"], "failed", "{done:#}");
    assert_eq!(done["error"]["code"], "1", "{done:#}");
    assert!(
        done["error"]["remedy"].as_str().unwrap_or_default().contains("again"),
        "{done:#}"
    );

    // Start again from the same input, in one call.
    let (status, again) = app
        .api(Method::POST, &format!("/registrations/{id}/restart"), None)
        .await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["route"], "personal");
    assert_eq!(again["input"]["personal"]["wxuser"], PERSON_OK);
    let new_id = again["id"].as_str().expect("id").to_owned();
    assert_ne!(new_id, id);
    let old = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(old["restarted_as"], new_id.as_str());
    let (status, e) = app
        .api(Method::POST, &format!("/registrations/{id}/restart"), None)
        .await;
    assert_eq!(status, 409, "{e}");
    app.drain().await;
    let new = app.get(&format!("/registrations/{new_id}")).await;
    assert_eq!(new["state"], "awaiting_user", "{new:#}");
    assert_ne!(new["auth_url"], old["auth_url"]);
    let (status, e) = app
        .api(Method::POST, &format!("/registrations/{new_id}/restart"), None)
        .await;
    assert_eq!(status, 409, "a registration under way does not restart: {e}");
    app.cleanup().await;
}
on_both!(a_task_nobody_confirms_times_out_and_starts_again, timeout_and_restart);

async fn lost_push(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let reg = start(
        &app,
        json!({ "route": "enterprise", "enterprise": { "name": ENT_OK_NAME, "code": ENT_OK, "component_phone": PHONE } }),
    )
    .await;
    let id = reg["id"].as_str().expect("id").to_owned();
    // Both the registration push and the `authorized` push are lost.
    app.control("push/mode", json!({ "mode": "drop", "count": 2 })).await;
    let ended = confirm(&app, reg["auth_url"].as_str().expect("auth_url"), false).await;
    assert_eq!(ended["status"], 12);
    let waiting = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(waiting["state"], "awaiting_user");
    // The poll of `query` (due a minute after the create) finds the task done.
    app.drain_ahead(Duration::from_secs(120)).await;
    let done = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(done["state"], "registered", "{done:#}");
    assert_eq!(done["mini_program_appid"], ended["appid"]);
    assert!(refresh_token_kept(&app, ended["appid"].as_str().expect("appid")).await);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE kind = 'notify_third_fasteregister'")
            .await,
        0
    );
    // The create and the query (the emulator counts both under the path's name).
    assert!(app.calls("fastregisterenterpriseweapp").await >= 2);
    app.cleanup().await;
}
on_both!(a_lost_push_is_recovered_by_polling, lost_push);

async fn trial_life(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let reg = start(
        &app,
        json!({ "route": "trial", "trial": { "name": "小麦烤鸡店", "openid": PERSON_OK_OPENID },
                "setup": { "signature": "一家做烤鸡的小店，欢迎光临。" } }),
    )
    .await;
    assert_eq!(reg["state"], "awaiting_user", "{reg:#}");
    assert!(
        reg["task_id"].as_str().is_some_and(|u| u.len() > 20),
        "unique_id: {reg:#}"
    );
    let id = reg["id"].as_str().expect("id").to_owned();
    let ended = confirm(&app, reg["auth_url"].as_str().expect("auth_url"), false).await;
    let trial = ended["appid"].as_str().expect("trial appid").to_owned();
    pushes_received(&app, "notify_third_fastregisterbetaapp", 1).await;
    pushes_received(&app, "authorized", 1).await;
    app.drain().await;
    let done = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(done["state"], "registered", "{done:#}");
    assert_eq!(done["mini_program_appid"], trial.as_str());
    assert_eq!(done["trial"]["days_left"], 13, "{done:#}");
    assert_eq!(done["trial"]["converted"], false);
    assert!(refresh_token_kept(&app, &trial).await);
    let listed = app.get("/trials").await;
    assert_eq!(listed["items"][0]["appid"], trial.as_str(), "{listed:#}");
    // The reminder 3 days before it lapses is queued.
    let expires = done["trial"]["expires_at"].as_i64().expect("expires_at");
    let sql = format!(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'trial_reminder' AND run_at = {}",
        expires - 3 * 24 * 3600 * 1000
    );
    assert_eq!(app.count(&sql).await, 1);
    // A trial's setup plan waits for the conversion.
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM setup_steps WHERE appid = '{trial}'"))
            .await,
        0
    );

    // Rename.
    let (status, e) = app
        .api(
            Method::PUT,
            &format!("/mini-programs/{trial}/beta-name"),
            Some(json!({ "name": "腾讯烤鸡" })),
        )
        .await;
    assert_eq!(status, 422, "{e}");
    let (status, renamed) = app
        .api(
            Method::PUT,
            &format!("/mini-programs/{trial}/beta-name"),
            Some(json!({ "name": "老王烤鸡店" })),
        )
        .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["name"], "老王烤鸡店的体验小程序");

    // Convert.
    let body = json!({ "enterprise_name": ENT_OK_NAME, "code": ENT_OK, "component_phone": PHONE });
    let (status, v) = app
        .api(
            Method::POST,
            &format!("/mini-programs/{trial}/verify-beta"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["state"], "creating");
    let vid = v["id"].as_str().expect("id").to_owned();
    app.drain().await;
    let v = app.get(&format!("/beta-verifications/{vid}")).await;
    assert_eq!(v["state"], "awaiting_user", "{v:#}");
    let (status, e) = app
        .api(Method::POST, &format!("/mini-programs/{trial}/verify-beta"), Some(body))
        .await;
    assert_eq!(status, 409, "one conversion at a time: {e}");
    let converted = confirm(&app, v["auth_url"].as_str().expect("auth_url"), false).await;
    assert_eq!(converted["appid"], trial.as_str(), "{converted}");
    pushes_received(&app, "notify_third_fastverifybetaapp", 1).await;
    app.drain().await;
    let v = app.get(&format!("/beta-verifications/{vid}")).await;
    assert_eq!(v["state"], "converted", "{v:#}");
    let done = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(done["trial"]["converted"], true, "{done:#}");
    // The setup plan runs once the trial is a formal Mini Program.
    assert!(
        app.count(&format!("SELECT COUNT(*) FROM setup_steps WHERE appid = '{trial}'"))
            .await
            >= 1
    );
    let (status, e) = app
        .api(
            Method::PUT,
            &format!("/mini-programs/{trial}/beta-name"),
            Some(json!({ "name": "老王烤鸡店" })),
        )
        .await;
    assert_eq!(status, 409, "a converted trial is renamed by its setup plan: {e}");
    app.cleanup().await;
}
on_both!(a_trial_is_created_renamed_and_converted, trial_life);

async fn trial_timeout(db: Db) {
    let Some(app) = spawn_virtual(db).await else { return };
    let reg = start(
        &app,
        json!({ "route": "trial", "trial": { "name": "过期烤鸡店", "openid": PERSON_OK_OPENID } }),
    )
    .await;
    app.control("clock/advance", json!({ "seconds": 24 * 3600 + 60 })).await;
    pushes_received(&app, "notify_third_fastregisterbetaapp", 1).await;
    app.drain().await;
    let done = app
        .get(&format!("/registrations/{}", reg["id"].as_str().expect("id")))
        .await;
    assert_eq!(done["state"], "failed", "{done:#}");
    assert_eq!(done["error"]["code"], "3");
    assert_eq!(done["task_status"]["code"], 3);
    app.cleanup().await;
}
on_both!(a_trial_nobody_confirms_times_out, trial_timeout);

async fn lost_pushes_other_routes(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    for body in [
        json!({ "route": "personal", "personal": { "wxuser": PERSON_OK, "component_phone": PHONE } }),
        json!({ "route": "trial", "trial": { "name": "推送丢失烤鸡", "openid": PERSON_OK_OPENID } }),
    ] {
        let reg = start(&app, body.clone()).await;
        let id = reg["id"].as_str().expect("id").to_owned();
        // The route's push and the `authorized` push are both lost.
        app.control("push/mode", json!({ "mode": "drop", "count": 2 })).await;
        let ended = confirm(&app, reg["auth_url"].as_str().expect("auth_url"), false).await;
        assert!(ended["appid"].is_string(), "{ended}");
        // Personal: the task's query; trial (no query): the authorizer list, by the trial's name.
        app.drain_ahead(Duration::from_secs(120)).await;
        let done = app.get(&format!("/registrations/{id}")).await;
        assert_eq!(done["state"], "registered", "{body}: {done:#}");
        assert_eq!(done["mini_program_appid"], ended["appid"]);
        assert!(
            done["note"].as_str().unwrap_or_default().contains("polling"),
            "{done:#}"
        );
        assert!(refresh_token_kept(&app, ended["appid"].as_str().expect("appid")).await);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE kind LIKE 'notify_third_%'")
            .await,
        0,
        "no registration push arrived"
    );
    app.cleanup().await;
}
on_both!(
    lost_pushes_of_the_personal_and_trial_routes_are_recovered,
    lost_pushes_other_routes
);
