//! The rules a registration start obeys, for every caller and every instance: one registration in
//! flight per Official Account (a unique index, not a SELECT then an INSERT), and an expired link
//! does not block a new start.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::OA_ENTERPRISE;
use fastreg_server::Application;
use serde_json::{Value, json};

/// Eight starts for one account at once, half through a second instance on the same database:
/// exactly one registration, and every other caller gets the 409 that names it.
async fn concurrent_starts(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let second = Application::build(app.settings.clone()).await.expect("second instance");
    let second_url = second.local_url();
    let second_task = tokio::spawn(async move {
        let _ = second.run_until_stopped().await;
    });

    let starts = (0..8).map(|i| {
        let base = if i % 2 == 0 {
            app.address.clone()
        } else {
            second_url.clone()
        };
        let http = app.http.clone();
        async move {
            let r = http
                .post(format!("{base}/api/v1/registrations"))
                .bearer_auth(API_KEY)
                .json(&json!({ "oa_appid": OA_ENTERPRISE }))
                .send()
                .await
                .expect("start");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.expect("json"))
        }
    });
    let answers = futures::future::join_all(starts).await;
    second_task.abort();

    let created: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 201).map(|(_, v)| v).collect();
    assert_eq!(created.len(), 1, "exactly one start wins: {answers:?}");
    let id = created[0]["id"].as_str().expect("id");
    for (status, body) in answers.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(*status, 409, "{body}");
        assert_eq!(body["code"], "registration_in_progress", "{body}");
        assert!(body["message"].as_str().unwrap_or_default().contains(id), "{body}");
    }
    let rows = app
        .count(&format!(
            "SELECT COUNT(*) FROM registrations WHERE oa_appid = '{OA_ENTERPRISE}'"
        ))
        .await;
    assert_eq!(rows, 1, "one row, never two");
    app.cleanup().await;
}

on_both!(
    concurrent_starts_for_one_account_make_one_registration,
    concurrent_starts
);

/// A link nobody confirmed before it expired frees the account: the next start retires it as
/// `abandoned` and goes ahead.
async fn expired_link_is_superseded(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let first = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let first_id = first["id"].as_str().expect("id");
    // While its link lives, it blocks a second start.
    let (status, body) = app
        .api(
            reqwest::Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": OA_ENTERPRISE })),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("registration_in_progress")),
        "{body}"
    );
    // Its link expires unconfirmed (the row is aged past state_ttl_secs).
    let aged = i64::try_from(app.settings.state_ttl_secs).expect("ttl") * 1000 + 1_000;
    fastreg_server::execute!(
        &app.state.db,
        "UPDATE registrations SET created_at = created_at - $1 WHERE id = $2",
        aged,
        first_id
    )
    .expect("age the link");
    let second = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    assert_ne!(first["id"], second["id"]);
    let old = app.get(&format!("/registrations/{first_id}")).await;
    assert_eq!(old["state"], "abandoned", "{old}");
    assert_eq!(second["state"], "awaiting_admin", "{second}");
    app.cleanup().await;
}

on_both!(
    an_expired_link_is_superseded_by_the_next_start,
    expired_link_is_superseded
);

/// The monthly limit is checked for REST callers too (it was a console-only warning): after five
/// registrations this month, a sixth start is refused before any admin is asked to scan.
async fn monthly_limit_for_rest(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    for _ in 0..5 {
        let r = app.register(OA_ENTERPRISE, None).await;
        assert_eq!(r["state"], "registered", "{r}");
    }
    let (status, body) = app
        .api(
            reqwest::Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": OA_ENTERPRISE })),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "monthly_limit", "{body}");
    assert!(body["remedy"].as_str().unwrap_or_default().contains("61055"), "{body}");
    let rows = app
        .count(&format!(
            "SELECT COUNT(*) FROM registrations WHERE oa_appid = '{OA_ENTERPRISE}'"
        ))
        .await;
    assert_eq!(rows, 5, "the refused start left no row");
    app.cleanup().await;
}

on_both!(the_monthly_limit_is_checked_for_rest_callers, monthly_limit_for_rest);
