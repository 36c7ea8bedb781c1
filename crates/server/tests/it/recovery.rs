//! A registration stuck because its job gave up must not block its account forever: the job is
//! retried with its dedupe key (`POST /api/v1/jobs/{id}/retry`, the console's Retry), and a
//! registration that never reached fastregister is abandoned (`POST
//! /api/v1/registrations/{id}/abandon`), which frees the account. One that may have reached
//! fastregister is not abandoned: its Mini Program may exist.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::*;
use serde_json::json;
use std::time::Duration;

async fn dead_job(app: &TestApp) -> (i64, Option<String>) {
    fastreg_server::fetch_one!(
        &app.state.db,
        (i64, Option<String>),
        "SELECT id, dedupe_key FROM jobs WHERE kind = 'registration' AND status = 'dead' ORDER BY id DESC LIMIT 1"
    )
    .expect("a dead registration job")
}

async fn stuck_registration(db: Db) {
    let Some(app) = spawn_app_with(db, Scenario::builtin(), |s| s.job_max_attempts = 1).await else {
        return;
    };
    app.authorize(OA_ENTERPRISE).await;
    // fastregister is refused before WeChat acts on it (its token is rejected, 40001, every
    // time), and the job gives up at its first failure.
    app.control(
        "faults",
        json!({ "path": "/cgi-bin/account/fastregister", "mode": "error", "errcode": 40001 }),
    )
    .await;
    let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let id = reg["id"].as_str().expect("id").to_owned();
    let redirect = app.confirm_fastregister(&reg).await;
    assert_eq!(app.follow(&redirect).await.0, 200);
    app.drain().await;
    let stuck = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(stuck["state"], "ticket_received", "{stuck:#}");
    let (job, kept) = dead_job(&app).await;
    assert_eq!(
        kept.as_deref(),
        Some(format!("dead:{job}:registration:{id}").as_str()),
        "a dead job keeps its key aside"
    );

    // The account is blocked, and the refusal names the registration and the ways out.
    let (status, e) = app
        .api(
            reqwest::Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": OA_ENTERPRISE })),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (409, Some("registration_in_progress")),
        "{e}"
    );
    let remedy = e["remedy"].as_str().unwrap_or("");
    assert!(
        remedy.contains(&format!("/jobs/{job}/retry"))
            && remedy.contains(&format!("/registrations/{id}/abandon"))
            && !remedy.contains('{')
            && !remedy.contains('<'),
        "{e}"
    );

    // Retried through the API: queued again, due now, with its key, so it is again the
    // workflow's one live job (a wake or an enqueue of the same key adds nothing).
    let (status, retried) = app
        .api(reqwest::Method::POST, &format!("/jobs/{job}/retry"), None)
        .await;
    assert_eq!(status, 202, "{retried}");
    assert_eq!(retried["status"], "queued", "{retried}");
    assert_eq!(retried["attempts"], 0, "{retried}");
    let (key,): (Option<String>,) = fastreg_server::fetch_one!(
        &app.state.db,
        (Option<String>,),
        "SELECT dedupe_key FROM jobs WHERE id = $1",
        job
    )
    .expect("job");
    assert_eq!(key, Some(format!("registration:{id}")));
    let added = app
        .state
        .queue
        .enqueue(
            &app.state.db,
            "registration",
            &json!({ "id": id }),
            Some(&format!("registration:{id}")),
            0,
        )
        .await
        .expect("enqueue");
    assert_eq!(added, None, "the retried job holds the key");
    let (status, e) = app
        .api(reqwest::Method::POST, &format!("/jobs/{job}/retry"), None)
        .await;
    assert_eq!((status, e["code"].as_str()), (409, Some("job_not_dead")), "{e}");
    let (status, e) = app.api(reqwest::Method::POST, "/jobs/987654/retry", None).await;
    assert_eq!((status, e["code"].as_str()), (404, Some("not_found")), "{e}");
    let (status, e) = app.api(reqwest::Method::POST, "/jobs/abc/retry", None).await;
    assert_eq!((status, e["code"].as_str()), (400, Some("invalid_path")), "{e}");

    // The cause is not fixed: it gives up again. Meanwhile another job of the workflow appears
    // (a push woke it): retrying the dead one is refused, naming the live one.
    app.drain().await;
    let (again, _) = dead_job(&app).await;
    assert_eq!(again, job);
    let live = app
        .state
        .queue
        .enqueue(
            &app.state.db,
            "registration",
            &json!({ "id": id }),
            Some(&format!("registration:{id}")),
            fastreg_server::store::now_ms() + 3_600_000,
        )
        .await
        .expect("enqueue")
        .expect("a new live job");
    let (status, e) = app
        .api(reqwest::Method::POST, &format!("/jobs/{job}/retry"), None)
        .await;
    assert_eq!((status, e["code"].as_str()), (409, Some("job_superseded")), "{e}");
    assert!(
        e["remedy"].as_str().unwrap_or("").contains(&format!("/jobs/{live}")),
        "{e}"
    );

    // fastregister was never applied: the registration is abandoned and the account is free.
    let calls = app.calls("fastregister").await;
    let (status, abandoned) = app
        .api(reqwest::Method::POST, &format!("/registrations/{id}/abandon"), None)
        .await;
    assert_eq!(status, 200, "{abandoned}");
    assert_eq!(abandoned["state"], "abandoned", "{abandoned:#}");
    let last = abandoned["history"]
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["from_state"], "ticket_received", "{abandoned:#}");
    assert!(
        last["note"].as_str().unwrap_or("").contains("bootstrap"),
        "who: {abandoned:#}"
    );
    let (status, e) = app
        .api(reqwest::Method::POST, &format!("/registrations/{id}/abandon"), None)
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (409, Some("registration_finished")),
        "{e}"
    );
    let (status, e) = app
        .api(reqwest::Method::POST, "/registrations/nope/abandon", None)
        .await;
    assert_eq!((status, e["code"].as_str()), (404, Some("not_found")), "{e}");
    let log = app.get("/audit-log").await;
    for action in ["job.retry", "registration.abandon"] {
        assert!(
            log["items"]
                .as_array()
                .is_some_and(|l| l.iter().any(|e| e["action"] == action)),
            "{action} in {log}"
        );
    }
    // A job of the abandoned registration that runs later does nothing.
    fastreg_server::execute!(&app.state.db, "UPDATE jobs SET run_at = 0 WHERE id = $1", live).expect("due now");
    app.drain().await;
    assert_eq!(app.get(&format!("/registrations/{id}")).await["state"], "abandoned");
    assert_eq!(app.calls("fastregister").await, calls, "nothing sent for it");

    let r = app
        .http
        .delete(format!("{}/__emulator/faults", app.emulator_url()))
        .send()
        .await
        .expect("clear faults");
    assert!(r.status().is_success());
    let next = app.register(OA_ENTERPRISE, None).await;
    assert_eq!(next["state"], "registered", "the account is free: {next:#}");

    // Once fastregister may have been sent, abandoning is refused: the Mini Program may exist.
    app.control(
        "faults",
        json!({ "path": "/cgi-bin/account/fastregister", "mode": "drop_response", "count": 1 }),
    )
    .await;
    let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let id = reg["id"].as_str().expect("id").to_owned();
    let redirect = app.confirm_fastregister(&reg).await;
    assert_eq!(app.follow(&redirect).await.0, 200);
    assert!(
        fastreg_server::startup::run_one(&app.state, fastreg_server::store::now_ms())
            .await
            .expect("run the job")
    );
    assert_eq!(
        app.get(&format!("/registrations/{id}")).await["state"],
        "outcome_unknown"
    );
    let (status, e) = app
        .api(reqwest::Method::POST, &format!("/registrations/{id}/abandon"), None)
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (409, Some("fastregister_may_have_been_sent")),
        "{e}"
    );
    assert!(e["remedy"].as_str().unwrap_or("").contains(&id), "{e}");
    app.clock.advance(Duration::from_millis(200));
    app.drain_ahead(Duration::from_secs(6)).await;
    assert_eq!(app.get(&format!("/registrations/{id}")).await["state"], "registered");
    app.cleanup().await;
}
on_both!(a_stuck_registration_is_retried_or_abandoned, stuck_registration);
