//! One error shape under `/api/v1`, also for requests refused before a handler reads them: no or
//! wrong content type (415), malformed JSON (400), a wrong type, a missing or unknown field
//! (422, naming the field), a bad path parameter or query string (400), a body over the 10 MiB
//! limit (413, saying the limit; a plan of several 2 MB images under it is read), an unknown
//! route (404), a wrong method (405).

use crate::helpers::*;
use crate::on_both;
use base64::Engine;
use fastreg_emulator::builtin::*;
use serde_json::{Value, json};

/// Sends a request with the test key; returns status, content type and the body as JSON.
async fn send(req: reqwest::RequestBuilder) -> (u16, String, Value) {
    let r = req.bearer_auth(API_KEY).send().await.expect("call");
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = r.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text:?}"));
    (status, content_type, body)
}

/// The one shape: `code`, `message`, `remedy`, all non-empty strings, nothing else.
fn assert_shape(status: u16, content_type: &str, e: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "{e}");
    assert!(content_type.starts_with("application/json"), "{content_type}: {e}");
    assert_eq!(e["code"], want_code, "{e}");
    for field in ["message", "remedy"] {
        assert!(e[field].as_str().is_some_and(|s| !s.is_empty()), "{field}: {e}");
    }
    assert_eq!(e.as_object().map(|o| o.len()), Some(3), "{e}");
}

fn message(e: &Value) -> &str {
    e["message"].as_str().unwrap_or_default()
}

fn remedy(e: &Value) -> &str {
    e["remedy"].as_str().unwrap_or_default()
}

/// A PNG header followed by `size` bytes: sniffed as PNG, as the plan's rules ask.
fn big_png_b64(size: usize) -> String {
    let mut bytes = png();
    bytes.resize(size, 0x42);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn refused_requests(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let url = |path: &str| format!("{}/api/v1{path}", app.address);

    // 415: no content type, and another one.
    let (s, ct, e) = send(app.http.post(url("/registrations")).body(r#"{"oa_appid":"x"}"#)).await;
    assert_shape(s, &ct, &e, 415, "unsupported_media_type");
    assert!(remedy(&e).contains("Content-Type: application/json"), "{e}");
    let (s, ct, e) = send(
        app.http
            .post(url("/api-keys"))
            .header("content-type", "text/plain")
            .body("name=ci"),
    )
    .await;
    assert_shape(s, &ct, &e, 415, "unsupported_media_type");
    assert!(message(&e).contains("text/plain"), "{e}");

    // 400: not JSON at all, and trailing garbage.
    let json_post = |path: &str, body: &str| {
        app.http
            .post(url(path))
            .header("content-type", "application/json")
            .body(body.to_owned())
    };
    let (s, ct, e) = send(json_post("/registrations", r#"{"oa_appid": "#)).await;
    assert_shape(s, &ct, &e, 400, "invalid_json");
    assert!(message(&e).contains("line 1"), "{e}");
    let (s, ct, e) = send(json_post("/api-keys", r#"{"name":"ci"} {}"#)).await;
    assert_shape(s, &ct, &e, 400, "invalid_json");

    // 422: an unknown field, a wrong type deep in a setup plan, a missing field; each named.
    let (s, ct, e) = send(json_post("/registrations", r#"{"oa":"wx5a00000000000e01"}"#)).await;
    assert_shape(s, &ct, &e, 422, "invalid_body");
    assert!(
        message(&e).contains("`oa`") && message(&e).contains("unknown field") && message(&e).contains("oa_appid"),
        "{e}"
    );
    assert!(
        remedy(&e).contains("`oa`") && remedy(&e).contains("openapi.json"),
        "{e}"
    );
    let plan = json!({ "oa_appid": OA_ENTERPRISE, "setup": { "signature": "提供好用的工具服务。", "categories": [{ "first": "eight", "second": 39 }] } });
    let (s, ct, e) = send(json_post("/registrations", &plan.to_string())).await;
    assert_shape(s, &ct, &e, 422, "invalid_body");
    assert!(message(&e).contains("setup.categories[0].first"), "{e}");
    let (s, ct, e) = send(json_post("/registrations", r#"{"copy_wx_verify":true}"#)).await;
    assert_shape(s, &ct, &e, 422, "invalid_body");
    assert!(message(&e).contains("missing field `oa_appid`"), "{e}");
    // The optional body of POST /authorizations: none is fine, a bad one is refused alike.
    let (s, ct, e) = send(json_post("/authorizations", r#"{"biz":1}"#)).await;
    assert_shape(s, &ct, &e, 422, "invalid_body");
    assert!(message(&e).contains("`biz`"), "{e}");

    // 400: a path parameter of the wrong type, a query parameter of the wrong type.
    let (s, ct, e) = send(app.http.get(url("/jobs/abc"))).await;
    assert_shape(s, &ct, &e, 400, "invalid_path");
    assert!(
        message(&e).contains("`id`") && message(&e).contains("\"abc\"") && message(&e).contains("integer"),
        "{e}"
    );
    let (s, ct, e) = send(app.http.get(url("/jobs?limit=ten"))).await;
    assert_shape(s, &ct, &e, 400, "invalid_query");
    assert!(message(&e).contains("`limit`"), "{e}");

    // 404: an unknown route; 405: a known path with another method (the Allow header stays).
    let (s, ct, e) = send(app.http.get(url("/no-such-thing"))).await;
    assert_shape(s, &ct, &e, 404, "not_found");
    assert!(message(&e).contains("GET /api/v1/no-such-thing"), "{e}");
    let r = app
        .http
        .delete(url("/registrations"))
        .bearer_auth(API_KEY)
        .send()
        .await
        .expect("call");
    let allow = r
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (s, ct) = (
        r.status().as_u16(),
        r.headers()["content-type"].to_str().unwrap_or_default().to_owned(),
    );
    let e: Value = r.json().await.expect("json");
    assert_shape(s, &ct, &e, 405, "method_not_allowed");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert!(message(&e).contains("DELETE") && remedy(&e).contains("GET"), "{e}");

    // Handlers' own errors keep the shape.
    let (s, ct, e) = send(app.http.get(url("/jobs/987654"))).await;
    assert_shape(s, &ct, &e, 404, "not_found");
    app.cleanup().await;
}
on_both!(
    requests_refused_before_a_handler_answer_the_error_shape,
    refused_requests
);

/// Bodies up to 10 MiB are read (a plan with three images of almost 2 MB, about 7.6 MB as
/// base64); a bigger one answers 413 in the error shape, saying the limit.
async fn body_limit(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let image = |name: &str| json!({ "filename": name, "data_base64": big_png_b64(1_900_000) });
    let plan = json!({
        "oa_appid": OA_ENTERPRISE,
        "setup": {
            "nickname": { "name": "示例科技大图宝", "license": image("license.png") },
            "avatar": { "image": image("avatar.png") },
            "categories": [{ "first": 8, "second": 39, "certificates": [{ "key": "《因私出入境中介机构经营许可证》", "image": image("permit.png") }] }]
        }
    })
    .to_string();
    assert!(
        plan.len() > 7_000_000 && plan.len() < 10 * 1024 * 1024,
        "{}",
        plan.len()
    );
    let (status, reg) = app
        .api(
            reqwest::Method::POST,
            "/registrations",
            Some(serde_json::from_str(&plan).expect("json")),
        )
        .await;
    assert_eq!(status, 201, "{reg}");
    assert_eq!(reg["has_setup_plan"], true, "{reg}");

    let too_big = format!(
        r#"{{"avatar":{{"image":{{"filename":"a.png","data_base64":"{}"}}}}}}"#,
        "A".repeat(10 * 1024 * 1024 + 1)
    );
    let (s, ct, e) = send(
        app.http
            .put(format!("{}/api/v1/mini-programs/wx7b00000000000f01/setup", app.address))
            .header("content-type", "application/json")
            .body(too_big),
    )
    .await;
    assert_shape(s, &ct, &e, 413, "body_too_large");
    assert!(message(&e).contains("10 MiB"), "{e}");
    app.cleanup().await;
}
on_both!(request_bodies_up_to_10_mib, body_limit);
