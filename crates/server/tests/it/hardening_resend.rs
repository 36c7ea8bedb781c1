//! Issue 13, item 9: `-1` answers never lose a registration. fastregister answered -1, then -1
//! again on the one resend, and the registration failed ("no new Mini Program appeared"): the
//! admin had to scan again. Now, while the ticket lives, the ticket is sent again whenever
//! WeChat's authorizer list shows no trace of the call, with a growing wait and a generous cap,
//! and the messages say that WeChat answered -1.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use fastreg_server::registration::MAX_FASTREGISTER_CALLS;
use serde_json::json;
use std::time::Duration;

/// The subject's Mini Programs that authorized the platform when the emulator started are made
/// known first: authorized within the same second as the call, they would look like its result.
async fn know_existing_mini_programs(app: &TestApp) {
    for mp in [MP_NOT_FAST_REGISTERED, MP_RELEASED] {
        let appid = fastreg_protocol::AppId::parse(mp).expect("appid");
        fastreg_server::authorization::import(&app.state, &appid)
            .await
            .expect("import");
    }
}

async fn run(app: &TestApp, id: &str) -> serde_json::Value {
    let mut reg = app.get(&format!("/registrations/{id}")).await;
    for _ in 0..40 {
        if matches!(reg["state"].as_str(), Some("registered" | "failed")) {
            break;
        }
        app.drain_ahead(Duration::from_secs(6)).await;
        reg = app.get(&format!("/registrations/{id}")).await;
    }
    reg
}

async fn minus_one_three_times(db: Db) {
    let Some(app) = spawn_app_with(db, fastreg_emulator::Scenario::builtin(), |s| {
        s.reconcile_grace_secs = 0;
    })
    .await
    else {
        return;
    };
    app.authorize(OA_ENTERPRISE).await;
    know_existing_mini_programs(&app).await;
    app.control(
        "faults",
        json!({ "path": "/cgi-bin/account/fastregister", "mode": "error", "errcode": -1, "count": 3 }),
    )
    .await;
    let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let id = reg["id"].as_str().expect("id").to_owned();
    let redirect = app.confirm_fastregister(&reg).await;
    assert_eq!(app.follow(&redirect).await.0, 200);
    let done = run(&app, &id).await;
    assert_eq!(done["state"], "registered", "{done:#}");
    assert_eq!(
        app.calls("fastregister").await,
        4,
        "three -1 answers, then the call that went through"
    );
    let history = done["history"].to_string();
    assert!(
        history.contains("WeChat answered -1"),
        "the history says what happened: {done:#}"
    );
    assert!(!history.contains("answer was lost"), "WeChat did answer: {done:#}");
    app.cleanup().await;
}
on_both!(
    fastregister_answered_minus_one_three_times_still_registers,
    minus_one_three_times
);

async fn minus_one_forever(db: Db) {
    let Some(app) = spawn_app_with(db, fastreg_emulator::Scenario::builtin(), |s| {
        s.reconcile_grace_secs = 0;
        s.reconcile_timeout_secs = 0;
    })
    .await
    else {
        return;
    };
    app.authorize(OA_ENTERPRISE).await;
    know_existing_mini_programs(&app).await;
    app.control(
        "faults",
        json!({ "path": "/cgi-bin/account/fastregister", "mode": "error", "errcode": -1 }),
    )
    .await;
    let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let id = reg["id"].as_str().expect("id").to_owned();
    let redirect = app.confirm_fastregister(&reg).await;
    assert_eq!(app.follow(&redirect).await.0, 200);
    let done = run(&app, &id).await;
    assert_eq!(done["state"], "failed", "{done:#}");
    let calls = app.calls("fastregister").await;
    assert_eq!(
        calls,
        u64::try_from(MAX_FASTREGISTER_CALLS).expect("cap"),
        "the cap holds"
    );
    let message = done["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("WeChat answered -1"), "{done:#}");
    assert!(message.contains(&format!("sent {calls} time")), "{done:#}");
    app.cleanup().await;
}
on_both!(
    fastregister_answering_minus_one_forever_stops_at_the_cap,
    minus_one_forever
);
