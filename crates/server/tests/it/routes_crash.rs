//! The routes' durability points: the service killed before the create call, after it (its
//! answer lost with the process), and after the code exchange; and a create answer lost on the
//! wire. No Mini Program is created twice, no refresh token is lost, and what cannot be known is
//! said plainly.

use crate::helpers::*;
use crate::on_both;
use crate::routes::{PHONE, confirm, pushes_received, wait_for};
use fastreg_emulator::builtin::{ENT_OK, ENT_OK_NAME, PERSON_OK};
use fastreg_protocol::AppId;
use serde_json::{Value, json};
use std::time::Duration;

async fn reg_row(app: &TestApp, id: &str) -> (String, i64) {
    fastreg_server::fetch_one!(
        &app.state.db,
        (String, i64),
        "SELECT state, submissions FROM registrations WHERE id = $1",
        id
    )
    .expect("row")
}

/// Tasks the emulator holds for a subject (an enterprise's code or a WeChat id).
async fn tasks_of(app: &TestApp, route: &str) -> Vec<Value> {
    app.control_get("register-tasks").await["tasks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t["route"] == route)
        .collect()
}

/// Runs the queue with `point` armed until `reached` holds, then kills the service and starts
/// it again on the same database; the dead instance's job lease (1 s) is made to run out by moving the clock.
async fn kill_at(app: &mut TestApp, point: &str, mut reached: impl AsyncFnMut(&TestApp) -> bool) {
    app.state.crash_points.arm(point);
    let state = app.state.clone();
    let worker = tokio::spawn(async move { fastreg_server::startup::drain(&state, Duration::ZERO).await });
    let app_ref = &*app;
    wait_for(point, async || reached(app_ref).await).await;
    worker.abort();
    let _ = worker.await;
    app.restart().await;
    // The dead instance's claim expires after the lease (1 s in these tests): move the clock
    // past it instead of waiting.
    app.clock.advance(Duration::from_millis(1100));
}

async fn spawn(db: Db) -> Option<TestApp> {
    spawn_app_with(db, fastreg_emulator::Scenario::builtin(), |s| {
        s.job_lease_secs = 1;
    })
    .await
}

fn enterprise_body() -> Value {
    json!({ "route": "enterprise", "enterprise": { "name": ENT_OK_NAME, "code": ENT_OK, "component_phone": PHONE } })
}

async fn crash_before_create(db: Db) {
    let Some(mut app) = spawn(db).await else { return };
    let reg = app.start_registration(enterprise_body()).await;
    let id = reg["id"].as_str().expect("id").to_owned();
    kill_at(&mut app, "routes.before_create", async |a| reg_row(a, &id).await.1 == 1).await;
    assert_eq!(app.calls("fastregisterenterpriseweapp").await, 0);
    app.drain_ahead(Duration::from_secs(10)).await;
    let done = app.get(&format!("/registrations/{id}")).await;
    // The mark said "maybe sent"; the second create shows the first never was.
    assert_eq!(done["state"], "awaiting_user", "{done:#}");
    assert_eq!(tasks_of(&app, "enterprise").await.len(), 1);
    let history = done["history"].to_string();
    assert!(history.contains("create_unknown"), "{done:#}");
    app.cleanup().await;
}
on_both!(killed_before_create_the_task_is_opened_once, crash_before_create);

async fn crash_after_create(db: Db) {
    let Some(mut app) = spawn(db).await else { return };
    // Enterprise: WeChat keeps one task per subject; the second create's 89249 proves the first
    // applied, and its link is lost with the process.
    let reg = app.start_registration(enterprise_body()).await;
    let id = reg["id"].as_str().expect("id").to_owned();
    kill_at(&mut app, "routes.after_create", async |a| {
        a.calls("fastregisterenterpriseweapp").await == 1
    })
    .await;
    app.drain_ahead(Duration::from_secs(10)).await;
    let done = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(done["state"], "failed", "{done:#}");
    assert_eq!(done["error"]["code"], "89249");
    assert!(
        done["error"]["remedy"]
            .as_str()
            .unwrap_or_default()
            .contains("Start again after"),
        "{done:#}"
    );
    assert_eq!(tasks_of(&app, "enterprise").await.len(), 1, "one task for the subject");

    // Personal: the lost task's link reached nobody, so a second task is opened and used.
    let reg = app
        .start_registration(
            json!({ "route": "personal", "personal": { "wxuser": PERSON_OK, "component_phone": PHONE } }),
        )
        .await;
    let id = reg["id"].as_str().expect("id").to_owned();
    kill_at(&mut app, "routes.after_create", async |a| {
        a.calls("fastregisterpersonalweapp").await == 1
    })
    .await;
    app.drain_ahead(Duration::from_secs(10)).await;
    let waiting = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(waiting["state"], "awaiting_user", "{waiting:#}");
    let tasks = tasks_of(&app, "personal").await;
    assert_eq!(tasks.len(), 2);
    assert_eq!(waiting["auth_url"], tasks[1]["authorize_url"], "the second task's link");
    let ended = confirm(&app, waiting["auth_url"].as_str().expect("url"), false).await;
    pushes_received(&app, "notify_third_fasteregister", 1).await;
    app.drain().await;
    let done = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(done["state"], "registered", "{done:#}");
    assert_eq!(done["mini_program_appid"], ended["appid"]);
    app.cleanup().await;
}
on_both!(killed_after_create_nothing_is_created_twice, crash_after_create);

async fn crash_after_exchange(db: Db) {
    let Some(mut app) = spawn(db).await else { return };
    let reg = app.start_registration(enterprise_body()).await;
    let id = reg["id"].as_str().expect("id").to_owned();
    app.drain().await;
    let waiting = app.get(&format!("/registrations/{id}")).await;
    let ended = confirm(&app, waiting["auth_url"].as_str().expect("url"), false).await;
    let mp = ended["appid"].as_str().expect("appid").to_owned();
    pushes_received(&app, "notify_third_fasteregister", 1).await;
    pushes_received(&app, "authorized", 1).await;
    let exchanges = app.calls("api_query_auth").await;
    let stored = AppId::parse(mp.as_str()).expect("appid");
    // The registration push claims the Mini Program (the `authorized` push then leaves the code
    // to it); its job exchanges the code and is killed right after.
    kill_at(&mut app, "routes.after_query_auth", async |a| {
        a.state
            .client
            .store()
            .refresh_token(&stored)
            .await
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    assert_eq!(app.calls("api_query_auth").await, exchanges + 1);
    app.drain_ahead(Duration::from_secs(10)).await;
    let done = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(done["state"], "registered", "{done:#}");
    assert_eq!(done["mini_program_appid"], mp.as_str());
    assert_eq!(
        app.calls("api_query_auth").await,
        exchanges + 1,
        "the code is exchanged once"
    );
    app.cleanup().await;
}
on_both!(killed_after_the_exchange_the_token_is_kept, crash_after_exchange);

async fn lost_create_answer(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.control(
        "faults",
        json!({ "path": "/wxa/component/fastregisterbetaweapp", "mode": "drop_response", "count": 1 }),
    )
    .await;
    let reg = app
        .start_registration(json!({ "route": "trial", "trial": { "name": "丢失应答烤鸡", "openid": fastreg_emulator::builtin::PERSON_OK_OPENID } }))
        .await;
    let id = reg["id"].as_str().expect("id");
    app.drain_ahead(Duration::from_secs(10)).await;
    let done = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(done["state"], "awaiting_user", "{done:#}");
    assert!(done["note"].as_str().unwrap_or_default().contains("lost"), "{done:#}");
    let tasks = tasks_of(&app, "trial").await;
    assert_eq!(tasks.len(), 2, "the lost task lapses unused; a second one is opened");
    assert_eq!(done["task_id"], tasks[1]["id"]);
    app.cleanup().await;
}
on_both!(a_lost_create_answer_opens_a_task_whose_link_we_have, lost_create_answer);
