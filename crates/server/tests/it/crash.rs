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
        // Wait until the job is frozen at the point, then kill everything.
        let frozen = app.state.crash_points.clone();
        wait_for("the job frozen at the point", async || frozen.frozen_at(point)).await;
        worker.abort();
    }
    app.restart().await;
    // The dead instance's claim expires after the lease (1 s in these tests): move the
    // service's clock past it instead of waiting.
    app.clock.advance(Duration::from_millis(1100));
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

/// Runs due jobs one at a time until the registration is in `state`.
async fn run_until(app: &TestApp, id: &str, state: &str) {
    for _ in 0..20 {
        if registration_state(app, id).await["state"] == state {
            return;
        }
        let now = fastreg_server::store::now_ms();
        if !fastreg_server::startup::run_one(&app.state, now)
            .await
            .expect("run a job")
        {
            break;
        }
    }
    let r = registration_state(app, id).await;
    assert_eq!(r["state"], state, "{r:#}");
}

/// fastregister applies, its answer is lost, and WeChat's authorizer list does not show the new
/// Mini Program within the grace period (the emulator withdraws its authorization, as a list
/// that lags would). The ticket is sent once more and answers 61058. Returns the registration,
/// the Mini Program WeChat created and the fastregister calls made before.
async fn lost_answer_then_spent_ticket(app: &TestApp) -> (String, String, u64) {
    // The subject's Mini Programs that authorized the platform before are known to it (here they
    // authorized seconds ago, when the emulator started, and would look new to reconciliation).
    for mp in [MP_NOT_FAST_REGISTERED, MP_RELEASED] {
        let appid = AppId::parse(mp).expect("appid");
        fastreg_server::authorization::import(&app.state, &appid)
            .await
            .expect("import");
    }
    app.control("push/mode", json!({ "mode": "drop" })).await;
    app.control(
        "faults",
        json!({ "path": "/cgi-bin/account/fastregister", "mode": "drop_response", "count": 1 }),
    )
    .await;
    let before = created_from(app, OA_ENTERPRISE).await;
    let calls = app.calls("fastregister").await;
    let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let id = reg["id"].as_str().expect("id").to_owned();
    let redirect = app.confirm_fastregister(&reg).await;
    assert_eq!(app.follow(&redirect).await.0, 200);
    run_until(app, &id, "outcome_unknown").await;
    let new: Vec<String> = created_from(app, OA_ENTERPRISE)
        .await
        .into_iter()
        .filter(|a| !before.contains(a))
        .collect();
    assert_eq!(new.len(), 1, "the first call applied: {new:?}");
    let mp = new[0].clone();
    let r = app
        .control(
            "unauthorize",
            json!({ "component_appid": COMPONENT_APPID, "appid": mp }),
        )
        .await;
    assert_eq!(r["ok"], true, "{r}");
    app.drain().await;
    assert_eq!(
        app.calls("fastregister").await,
        calls + 2,
        "the ticket is sent once more: {:#}",
        registration_state(app, &id).await
    );
    (id, mp, calls)
}

/// A 61058 answer to the resend proves the first call applied: the registration does not fail
/// but keeps reconciling, with a note, and ends with the Mini Program the first call created
/// once WeChat's list shows it. fastregister is never sent a third time.
async fn resend_answered_61058(db: Db) {
    let Some(app) = spawn_app_with(db, fastreg_emulator::Scenario::builtin(), |s| {
        s.reconcile_grace_secs = 0;
        s.reconcile_timeout_secs = 60;
    })
    .await
    else {
        return;
    };
    app.authorize(OA_ENTERPRISE).await;
    let (id, mp, calls) = lost_answer_then_spent_ticket(&app).await;
    let waiting = registration_state(&app, &id).await;
    assert_eq!(waiting["state"], "outcome_unknown", "not failed: {waiting:#}");
    assert!(waiting["error"].is_null(), "{waiting:#}");
    let note = waiting["note"].as_str().unwrap_or("");
    assert!(
        note.contains("61058") && note.contains("did apply"),
        "the operator is told: {waiting:#}"
    );
    let history = waiting["history"].as_array().cloned().unwrap_or_default();
    let steps: Vec<(String, String)> = history
        .iter()
        .map(|h| {
            (
                h["from_state"].as_str().unwrap_or("").to_owned(),
                h["to_state"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    for step in [
        ("outcome_unknown", "ticket_received"),
        ("ticket_received", "submitting"),
        ("submitting", "outcome_unknown"),
    ] {
        assert!(
            steps.iter().any(|s| (s.0.as_str(), s.1.as_str()) == step),
            "{step:?} in {steps:?}"
        );
    }

    // WeChat's list shows the Mini Program again: reconciliation finds it.
    let r = app
        .control("authorize", json!({ "component_appid": COMPONENT_APPID, "appid": mp }))
        .await;
    assert!(r["auth_code"].is_string(), "{r}");
    app.drain_ahead(Duration::from_secs(6)).await;
    let done = registration_state(&app, &id).await;
    assert_eq!(done["state"], "registered", "{done:#}");
    assert_eq!(done["mini_program_appid"], json!(mp), "{done:#}");
    assert!(
        done["note"].as_str().unwrap_or("").contains("authorizer list"),
        "{done:#}"
    );
    assert!(refresh_token_kept(&app, &mp).await);
    assert_eq!(app.calls("fastregister").await, calls + 2, "never a third fastregister");
    app.control("push/mode", json!({ "mode": "normal" })).await;
    app.cleanup().await;
}
on_both!(a_resend_answered_61058_keeps_reconciling, resend_answered_61058);

/// When the Mini Program proven by the 61058 never shows up, the registration fails after
/// reconcile_timeout_secs saying it exists, and not to start again (which would make a second).
async fn spent_ticket_times_out(db: Db) {
    let Some(app) = spawn_app_with(db, fastreg_emulator::Scenario::builtin(), |s| {
        s.reconcile_grace_secs = 0;
        s.reconcile_timeout_secs = 1;
    })
    .await
    else {
        return;
    };
    app.authorize(OA_ENTERPRISE).await;
    let (id, _mp, calls) = lost_answer_then_spent_ticket(&app).await;
    // reconcile_timeout_secs (1 s here) passes on the service's clock.
    app.clock.advance(Duration::from_millis(1100));
    app.drain_ahead(Duration::from_secs(6)).await;
    let failed = registration_state(&app, &id).await;
    assert_eq!(failed["state"], "failed", "{failed:#}");
    assert_eq!(failed["error"]["code"], "outcome_unknown", "{failed:#}");
    assert!(
        failed["error"]["message"].as_str().unwrap_or("").contains("did apply"),
        "{failed:#}"
    );
    assert!(
        failed["error"]["remedy"]
            .as_str()
            .unwrap_or("")
            .contains("Do not start a new registration"),
        "{failed:#}"
    );
    assert!(failed["error"]["message_zh"].is_string(), "{failed:#}");
    assert_eq!(app.calls("fastregister").await, calls + 2);
    app.cleanup().await;
}
on_both!(
    a_spent_ticket_that_never_shows_fails_saying_the_mini_program_exists,
    spent_ticket_times_out
);
