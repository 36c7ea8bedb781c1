//! The REST API's edges: keys, the one error shape, the OpenAPI document, health and metrics;
//! and token upkeep flagging an authorizer whose refresh token WeChat rejects (61023).

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use serde_json::json;

async fn api_edges(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    // No key, a wrong key: 401 in the one error shape.
    let r = app
        .http
        .get(format!("{}/api/v1/registrations", app.address))
        .send()
        .await
        .expect("call");
    assert_eq!(r.status().as_u16(), 401);
    let e: serde_json::Value = r.json().await.expect("json");
    assert_eq!(e["code"], "unauthorized");
    assert!(e["message"].is_string() && e["remedy"].is_string(), "{e}");
    let r = app
        .http
        .get(format!("{}/api/v1/jobs", app.address))
        .bearer_auth("nope")
        .send()
        .await
        .expect("call");
    assert_eq!(r.status().as_u16(), 401);

    // A new key works; it is stored hashed.
    let (status, key) = app
        .api(reqwest::Method::POST, "/api-keys", Some(json!({ "name": "ci" })))
        .await;
    assert_eq!(status, 201, "{key}");
    let k = key["key"].as_str().expect("key").to_owned();
    let r = app
        .http
        .get(format!("{}/api/v1/jobs", app.address))
        .bearer_auth(&k)
        .send()
        .await
        .expect("call");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM api_keys WHERE hash = '{k}'"))
            .await,
        0
    );

    // Not found, invalid, conflict: same shape.
    let (status, e) = app.api(reqwest::Method::GET, "/registrations/nope", None).await;
    assert_eq!((status, e["code"].as_str()), (404, Some("not_found")));
    let (status, e) = app
        .api(
            reqwest::Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": "bad appid" })),
        )
        .await;
    assert_eq!((status, e["code"].as_str()), (400, Some("invalid_request")), "{e}");
    let (status, e) = app
        .api(
            reqwest::Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": OA_ENTERPRISE })),
        )
        .await;
    assert_eq!((status, e["code"].as_str()), (409, Some("not_authorized")), "{e}");
    app.authorize(OA_ENTERPRISE).await;
    let first = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
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
    assert!(
        e["message"]
            .as_str()
            .unwrap_or("")
            .contains(first["id"].as_str().unwrap_or("?"))
    );

    // Who did what.
    let log = app.get("/audit-log").await;
    assert!(log["items"].as_array().is_some_and(|l| {
        l.iter()
            .any(|e| e["action"] == "registration.start" && e["actor"] == "bootstrap")
    }));
    // Jobs are visible with status and attempts.
    let jobs = app.get("/jobs").await;
    assert!(
        jobs["items"]
            .as_array()
            .is_some_and(|j| j.iter().all(|j| j["status"].is_string() && j["attempts"].is_number()))
    );

    // OpenAPI names every route.
    let doc: serde_json::Value = app
        .http
        .get(format!("{}/api/v1/openapi.json", app.address))
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/registrations",
        "/registrations/{id}",
        "/authorizations",
        "/mini-programs/{appid}/setup",
        "/jobs",
        "/rebind-tasks/{id}",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(
        doc["components"]["schemas"]["Error"]["required"]
            .as_array()
            .is_some_and(|r| r.len() == 3)
    );

    // Health and metrics.
    let r = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("healthz");
    assert_eq!(r.status().as_u16(), 200);
    let metrics = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("fastreg_jobs{status="), "{metrics}");
    assert!(
        metrics.contains("fastreg_registrations{state=\"awaiting_admin\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("fastreg_events_received_total"), "{metrics}");
    // HTTP latency per route pattern (never the concrete path), with method and status.
    assert!(
        metrics.contains(
            "fastreg_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/registrations/{id}\",status=\"404\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "fastreg_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(!metrics.contains("/registrations/nope"), "{metrics}");
    // The authorization above called WeChat: api_query_auth is timed per endpoint and result.
    assert!(
        metrics.contains("fastreg_wechat_call_duration_seconds_count{endpoint=\"api_query_auth\",result=\"ok\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("fastreg_job_step_duration_seconds_count{kind="),
        "{metrics}"
    );
    assert!(metrics.contains("fastreg_tokens_due "), "{metrics}");
    assert!(metrics.trim_end().ends_with("# EOF"), "{metrics}");
    app.cleanup().await;
}
on_both!(api_keys_errors_openapi_health_metrics, api_edges);

/// An authorizer whose refresh token WeChat rejects (61023) is flagged, not retried forever.
async fn refresh_rejected(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let a = app.get(&format!("/authorizers/{OA_ENTERPRISE}")).await;
    assert!(a["next_refresh_at"].is_number(), "upkeep planned a refresh: {a}");
    // The planned moment lies within the window before expiry, not at expiry.
    let (next, expires) = (
        a["next_refresh_at"].as_i64().unwrap_or(0),
        a["access_expires_at"].as_i64().unwrap_or(0),
    );
    assert!(next < expires - 5 * 60 * 1000 + 1, "{a}");
    fastreg_server::execute!(&app.state.db, "UPDATE authorizers SET next_refresh_at = 0").expect("due now");
    app.control(
        "faults",
        json!({ "path": "/cgi-bin/component/api_authorizer_token", "mode": "error", "errcode": 61023 }),
    )
    .await;
    fastreg_server::execute!(&app.state.db, "UPDATE jobs SET run_at = 0 WHERE kind = 'token_upkeep'")
        .expect("sweep now");
    app.drain().await;
    let a = app.get(&format!("/authorizers/{OA_ENTERPRISE}")).await;
    assert_eq!(a["status"], "refresh_rejected", "{a}");
    assert!(a["flag_reason"].as_str().unwrap_or("").contains("61023"));
    assert!(a["next_refresh_at"].is_null());
    let calls = app.calls("api_authorizer_token").await;
    fastreg_server::execute!(&app.state.db, "UPDATE jobs SET run_at = 0 WHERE kind = 'token_upkeep'")
        .expect("sweep now");
    app.drain().await;
    assert_eq!(
        app.calls("api_authorizer_token").await,
        calls,
        "a flagged authorizer was refreshed again"
    );
    app.cleanup().await;
}
on_both!(refresh_token_rejected_flags_the_authorizer, refresh_rejected);

/// An `unauthorized` push: the account is marked, its tokens forgotten, and no registration can
/// start for it.
async fn withdrawn(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let r = app
        .control(
            "unauthorize",
            json!({ "component_appid": COMPONENT_APPID, "appid": OA_ENTERPRISE }),
        )
        .await;
    assert_eq!(r["ok"], true, "{r}");
    app.drain().await;
    let a = app.get(&format!("/authorizers/{OA_ENTERPRISE}")).await;
    assert_eq!(a["status"], "unauthorized", "{a}");
    let appid = fastreg_protocol::AppId::parse(OA_ENTERPRISE).expect("appid");
    assert!(
        app.state
            .client
            .store()
            .refresh_token(&appid)
            .await
            .expect("store")
            .is_none()
    );
    let (status, e) = app
        .api(
            reqwest::Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": OA_ENTERPRISE })),
        )
        .await;
    assert_eq!((status, e["code"].as_str()), (409, Some("not_authorized")), "{e}");
    app.cleanup().await;
}
on_both!(unauthorized_push_withdraws_the_account, withdrawn);

/// componentrebindadmin rebinds a Mini Program's admin: an Official Account's appid or one the
/// platform does not know is refused, saying why, and nothing is stored.
async fn rebind_mini_programs_only(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let (status, e) = app
        .api(
            reqwest::Method::POST,
            &format!("/mini-programs/{OA_ENTERPRISE}/rebind"),
            None,
        )
        .await;
    assert_eq!((status, e["code"].as_str()), (400, Some("invalid_request")), "{e}");
    assert!(
        e["message"].as_str().unwrap_or("").contains("is an Official Account"),
        "{e}"
    );
    let (status, e) = app
        .api(reqwest::Method::POST, "/mini-programs/wx00000000000000ff/rebind", None)
        .await;
    assert_eq!((status, e["code"].as_str()), (404, Some("not_found")), "{e}");
    assert!(
        e["message"].as_str().unwrap_or("").contains("wx00000000000000ff"),
        "{e}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM rebind_tasks").await, 0);
    // A Mini Program is accepted.
    let reg = app.register(OA_ENTERPRISE, None).await;
    let mp = reg["mini_program_appid"].as_str().expect("appid").to_owned();
    let (status, task) = app
        .api(reqwest::Method::POST, &format!("/mini-programs/{mp}/rebind"), None)
        .await;
    assert_eq!(status, 201, "{task}");

    // Remedies name the real resource, never a `{placeholder}`.
    let (status, e) = app
        .api(
            reqwest::Method::DELETE,
            &format!("/mini-programs/{mp}/categories/1-2"),
            None,
        )
        .await;
    assert_eq!((status, e["code"].as_str()), (404, Some("category_not_set")), "{e}");
    let remedy = e["remedy"].as_str().unwrap_or("");
    assert!(
        remedy.contains(&format!("/mini-programs/{mp}")) && !remedy.contains('{'),
        "{e}"
    );
    let first = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let (status, e) = app
        .api(
            reqwest::Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": OA_ENTERPRISE })),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    let remedy = e["remedy"].as_str().unwrap_or("");
    let id = first["id"].as_str().expect("id");
    assert!(
        remedy.contains(&format!("/registrations/{id}")) && !remedy.contains("{id}"),
        "{e}"
    );
    app.cleanup().await;
}
on_both!(rebind_is_for_mini_programs_only, rebind_mini_programs_only);
