//! API keys through the API: listed without the key or its hash, revoked (refused from the very
//! next request), in the OpenAPI document; a bootstrap key the settings no longer name is
//! revoked at the next start. Also: `func_info` and a job's `payload` are JSON values, not JSON
//! text in strings.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use fastreg_server::settings::SecretString;
use serde_json::{Value, json};

async fn status_with(app: &TestApp, key: &str, path: &str) -> u16 {
    app.http
        .get(format!("{}/api/v1{path}", app.address))
        .bearer_auth(key)
        .send()
        .await
        .expect("call")
        .status()
        .as_u16()
}

fn listed<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|k| k["id"] == id))
        .unwrap_or_else(|| panic!("key {id} not listed: {list:#}"))
}

async fn keys_listed_and_revoked(db: Db) {
    let Some(mut app) = spawn_app(db).await else { return };
    let (status, created) = app
        .api(
            reqwest::Method::POST,
            "/api-keys",
            Some(json!({ "name": "billing-service" })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let key = created["key"].as_str().expect("key").to_owned();

    // Listed: name and times, never the key nor its hash; unused yet.
    let list = app.get("/api-keys").await;
    let k = listed(&list, &id);
    assert_eq!(k["name"], "billing-service");
    assert!(
        k["created_at"].is_i64() && k["last_used_at"].is_null() && k["revoked_at"].is_null(),
        "{k}"
    );
    let text = list.to_string();
    assert!(!text.contains(&key), "the key is listed: {text}");
    let (hash,): (String,) =
        fastreg_server::fetch_one!(&app.state.db, (String,), "SELECT hash FROM api_keys WHERE id = $1", &id)
            .expect("hash");
    assert!(
        !text.contains(&hash) && !text.contains("\"hash\""),
        "the hash is listed: {text}"
    );
    assert_eq!(listed(&list, &id).as_object().map(|o| o.len()), Some(5), "{list:#}");
    // The bootstrap key is listed under its reserved name, which a new key cannot take.
    assert!(
        list["items"]
            .as_array()
            .is_some_and(|l| l.iter().any(|k| k["name"] == "bootstrap")),
        "{list:#}"
    );
    let (status, e) = app
        .api(reqwest::Method::POST, "/api-keys", Some(json!({ "name": "bootstrap" })))
        .await;
    assert_eq!((status, e["code"].as_str()), (400, Some("invalid_request")), "{e}");

    // Using it is recorded.
    assert_eq!(status_with(&app, &key, "/jobs").await, 200);
    let k = app.get("/api-keys").await;
    assert!(listed(&k, &id)["last_used_at"].is_i64(), "{k:#}");

    // Revoked: refused from the next request on; revoking again changes nothing; audited.
    let (status, revoked) = app.api(reqwest::Method::DELETE, &format!("/api-keys/{id}"), None).await;
    assert_eq!(status, 200, "{revoked}");
    let at = revoked["revoked_at"].as_i64().expect("revoked_at");
    assert_eq!(revoked["name"], "billing-service");
    assert!(
        revoked.get("key").is_none() && revoked.get("hash").is_none(),
        "{revoked}"
    );
    assert_eq!(status_with(&app, &key, "/jobs").await, 401);
    let (status, again) = app.api(reqwest::Method::DELETE, &format!("/api-keys/{id}"), None).await;
    assert_eq!((status, again["revoked_at"].as_i64()), (200, Some(at)), "{again}");
    let (status, e) = app.api(reqwest::Method::DELETE, "/api-keys/no-such-key", None).await;
    assert_eq!((status, e["code"].as_str()), (404, Some("not_found")), "{e}");
    assert_eq!(listed(&app.get("/api-keys").await, &id)["revoked_at"], json!(at));
    let log = app.get("/audit-log").await;
    assert!(
        log["items"].as_array().is_some_and(|l| l
            .iter()
            .filter(|e| e["action"] == "api_key.revoke" && e["subject"] == format!("api_key:{id}"))
            .count()
            == 1),
        "{log:#}"
    );

    // A key may revoke itself.
    let (_, own) = app
        .api(
            reqwest::Method::POST,
            "/api-keys",
            Some(json!({ "name": "short-lived" })),
        )
        .await;
    let own_key = own["key"].as_str().expect("key");
    let r = app
        .http
        .delete(format!(
            "{}/api/v1/api-keys/{}",
            app.address,
            own["id"].as_str().expect("id")
        ))
        .bearer_auth(own_key)
        .send()
        .await
        .expect("call");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(status_with(&app, own_key, "/jobs").await, 401);

    // In the OpenAPI document.
    let doc: Value = app
        .http
        .get(format!("{}/api/v1/openapi.json", app.address))
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    assert!(
        doc["paths"]["/api-keys"]["get"].is_object(),
        "{:#}",
        doc["paths"]["/api-keys"]
    );
    assert!(doc["paths"]["/api-keys"]["post"].is_object());
    assert!(doc["paths"]["/api-keys/{id}"]["delete"].is_object());

    // The settings name another bootstrap key: the old one is revoked at the next start, the
    // new one works; a key made through the API is left alone.
    let (_, kept) = app
        .api(reqwest::Method::POST, "/api-keys", Some(json!({ "name": "kept" })))
        .await;
    let kept_key = kept["key"].as_str().expect("key").to_owned();
    let new_bootstrap = "test-api-key-rotated-9876543210";
    app.settings.bootstrap_api_key = Some(SecretString::new(new_bootstrap));
    app.restart().await;
    assert_eq!(status_with(&app, API_KEY, "/jobs").await, 401);
    assert_eq!(status_with(&app, new_bootstrap, "/jobs").await, 200);
    assert_eq!(status_with(&app, &kept_key, "/jobs").await, 200);
    let (n,): (i64,) = fastreg_server::fetch_one!(
        &app.state.db,
        (i64,),
        "SELECT COUNT(*) FROM api_keys WHERE name = 'bootstrap' AND revoked_at IS NOT NULL"
    )
    .expect("count");
    assert_eq!(n, 1);
    // No bootstrap key in the settings: none is valid after the next start.
    app.settings.bootstrap_api_key = None;
    app.restart().await;
    assert_eq!(status_with(&app, new_bootstrap, "/jobs").await, 401);
    assert_eq!(status_with(&app, &kept_key, "/jobs").await, 200);
    // A revoked bootstrap key named again stays revoked.
    app.settings.bootstrap_api_key = Some(SecretString::new(new_bootstrap));
    app.restart().await;
    assert_eq!(status_with(&app, new_bootstrap, "/jobs").await, 401);
    app.cleanup().await;
}
on_both!(
    api_keys_listed_revoked_and_bootstrap_key_retired,
    keys_listed_and_revoked
);

/// A key's name is the actor of the audit log: one with an invisible character (which lets
/// `\u{FEFF}admin` pass for `admin`) or of any length was stored (found by the attack runner).
/// Both are refused with a message naming the field; nothing is stored.
async fn key_names(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let before = app.get("/api-keys").await["items"].as_array().map(Vec::len);
    for (name, says) in [
        (
            "\u{FEFF}admin".to_owned(),
            "name contains ZERO WIDTH NO-BREAK SPACE (U+FEFF)",
        ),
        (
            "ops\u{202E}nimda".to_owned(),
            "name contains RIGHT-TO-LEFT OVERRIDE (U+202E)",
        ),
        ("A".repeat(101), "name: at most 100 characters (it has 101)"),
    ] {
        let (status, body) = app
            .api(reqwest::Method::POST, "/api-keys", Some(json!({ "name": name })))
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains(says)), "{body}");
    }
    assert_eq!(app.get("/api-keys").await["items"].as_array().map(Vec::len), before);
    let (status, body) = app
        .api(
            reqwest::Method::POST,
            "/api-keys",
            Some(json!({ "name": "ੲ".repeat(100) })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    app.cleanup().await;
}
on_both!(api_key_names_are_bounded_and_visible, key_names);

/// `func_info` (an authorizer's permission sets) and `payload` (a job's parameters) are JSON
/// values in the API's answers.
async fn json_fields(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let a = app.get(&format!("/authorizers/{OA_ENTERPRISE}")).await;
    let sets = a["func_info"].as_array().unwrap_or_else(|| panic!("func_info: {a:#}"));
    assert!(sets.iter().any(|s| s == 27), "fast_register (27) granted: {a:#}");
    let list = app.get("/authorizers").await;
    assert!(list["items"][0]["func_info"].is_array(), "{list:#}");

    let jobs = app.get("/jobs").await;
    let items = jobs["items"].as_array().expect("items");
    assert!(items.iter().all(|j| j["payload"].is_object()), "{jobs:#}");
    let upkeep = items
        .iter()
        .find(|j| j["kind"] == "token_upkeep")
        .unwrap_or_else(|| panic!("{jobs:#}"));
    assert_eq!(upkeep["payload"], json!({}));
    let authorization = items
        .iter()
        .find(|j| j["kind"] == "authorization")
        .unwrap_or_else(|| panic!("{jobs:#}"));
    let id = authorization["id"].as_i64().expect("id");
    let one = app.get(&format!("/jobs/{id}")).await;
    assert!(one["payload"]["id"].is_string(), "{one:#}");
    app.cleanup().await;
}
on_both!(func_info_and_job_payload_are_json_values, json_fields);
