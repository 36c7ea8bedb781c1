//! Crashes and lost answers: the service is killed at each step of a registration and started
//! again on the same database; fastregister's answer is lost on the wire. Every registration
//! ends with the right Mini Program, fastregister is called once per ticket, and no refresh
//! token is lost.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use fastreg_protocol::AppId;
use serde_json::{Value, json};
use std::time::Duration;

/// The Mini Programs the emulator created from `oa`, by appid.
async fn created_from(app: &TestApp, oa: &str) -> Vec<String> {
    let state = app.control_get("state").await;
    state["mini_programs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["fast_registered_from"] == oa && m["appid"] != MP_RELEASED)
        .filter_map(|m| m["appid"].as_str().map(str::to_owned))
        .collect()
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

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn registration_state(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/registrations/{id}")).await
}

/// Starts a registration, lets the admin confirm, and kills the service at `point` (`None`:
/// right after the callback, before any job ran); then restarts and finishes.
async fn crash_at(app: &mut TestApp, point: Option<&str>) -> Value {
    let calls_before = app.calls("fastregister").await;
    let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let id = reg["id"].as_str().expect("id").to_owned();
    let redirect = app.confirm_fastregister(&reg).await;
    assert_eq!(app.follow(&redirect).await.0, 200);
    if let Some(point) = point {
        app.state.crash_points.arm(point);
        let state = app.state.clone();
        let worker = tokio::spawn(async move { fastreg_server::startup::drain(&state, Duration::ZERO).await });
        let app_ref = &*app;
        match point {
            "registration.before_fastregister" => {
                wait_for("submitting", async || {
                    registration_state(app_ref, &id).await["state"] == "submitting"
                })
                .await;
            }
            "registration.after_fastregister" => {
                wait_for("fastregister call", async || {
                    app_ref.calls("fastregister").await > calls_before
                })
                .await;
            }
            _ => {
                wait_for("the exchange", async || {
                    let r = registration_state(app_ref, &id).await;
                    match r["mini_program_appid"].as_str() {
                        Some(mp) => refresh_token_kept(app_ref, mp).await,
                        None => false,
                    }
                })
                .await;
            }
        }
        // Give the frozen job a moment to be truly frozen at the point, then kill everything.
        tokio::time::sleep(Duration::from_millis(50)).await;
        worker.abort();
    }
    app.restart().await;
    // The dead instance's claim expires after the lease (1 s in these tests).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.drain_ahead(Duration::from_secs(10)).await;
    let done = registration_state(app, &id).await;
    assert_eq!(done["state"], "registered", "crash at {point:?}: {done:#}");
    assert_eq!(
        app.calls("fastregister").await,
        calls_before + 1,
        "crash at {point:?}: fastregister called again"
    );
    let mp = done["mini_program_appid"].as_str().expect("appid").to_owned();
    assert!(
        created_from(app, OA_ENTERPRISE).await.contains(&mp),
        "crash at {point:?}: {mp} is not what WeChat created"
    );
    assert!(
        refresh_token_kept(app, &mp).await,
        "crash at {point:?}: refresh token lost"
    );
    done
}

async fn crash_resume(db: Db) {
    let Some(mut app) = spawn_app_with(db, fastreg_emulator::Scenario::builtin(), |s| {
        s.job_lease_secs = 1;
        s.reconcile_grace_secs = 0;
    })
    .await
    else {
        return;
    };
    app.authorize(OA_ENTERPRISE).await;
    for point in [
        None,
        Some("registration.before_fastregister"),
        Some("registration.after_fastregister"),
        Some("registration.after_query_auth"),
    ] {
        app.state.crash_points.clear();
        let done = crash_at(&mut app, point).await;
        if point == Some("registration.after_fastregister") {
            assert!(done["note"].as_str().unwrap_or("").contains("was lost"), "{done:#}");
        }
    }
    // Four registrations, four Mini Programs, four fastregister calls.
    assert_eq!(created_from(&app, OA_ENTERPRISE).await.len(), 4);
    app.cleanup().await;
}
on_both!(killed_at_each_step_every_registration_completes_once, crash_resume);

/// The emulator applies fastregister and cuts the connection: the registration still ends with
/// the Mini Program WeChat created, and says how it was found — through the `authorized` push,
/// or, with pushes lost too, through the authorizer list.
async fn dropped_answer(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    for pushes_lost in [false, true] {
        app.control(
            "faults",
            json!({ "path": "/cgi-bin/account/fastregister", "mode": "drop_response", "count": 1 }),
        )
        .await;
        if pushes_lost {
            app.control("push/mode", json!({ "mode": "drop" })).await;
        }
        let before = created_from(&app, OA_ENTERPRISE).await;
        let calls = app.calls("fastregister").await;
        let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
        let redirect = app.confirm_fastregister(&reg).await;
        assert_eq!(app.follow(&redirect).await.0, 200);
        let id = reg["id"].as_str().expect("id");
        app.drain().await;
        // Pushes arrive asynchronously; let them in, then finish.
        tokio::time::sleep(Duration::from_millis(200)).await;
        app.drain_ahead(Duration::from_secs(6)).await;
        app.control("push/mode", json!({ "mode": "normal" })).await;
        let done = registration_state(&app, id).await;
        assert_eq!(done["state"], "registered", "{done:#}");
        assert_eq!(
            app.calls("fastregister").await,
            calls + 1,
            "fastregister was sent again"
        );
        let after = created_from(&app, OA_ENTERPRISE).await;
        let new: Vec<_> = after.iter().filter(|a| !before.contains(a)).collect();
        assert_eq!(new.len(), 1);
        assert_eq!(done["mini_program_appid"], json!(new[0]), "{done:#}");
        let note = done["note"].as_str().unwrap_or("");
        assert!(
            note.contains("answer was lost"),
            "the operator is told what happened: {done:#}"
        );
        if pushes_lost {
            assert!(note.contains("authorizer list"), "{note}");
        }
        let history = done["history"].as_array().cloned().unwrap_or_default();
        assert!(history.iter().any(|h| h["to_state"] == "outcome_unknown"), "{done:#}");
        assert!(refresh_token_kept(&app, new[0]).await);
    }
    app.cleanup().await;
}
on_both!(lost_fastregister_answer_is_reconciled, dropped_answer);
