//! Issue 13, items 3, 4 and 5: input from outside. A NUL or another control character in a path,
//! a query, a JSON body or a form (the unauthenticated sign-in included) is a 400 in the API's
//! error shape, the same on both backends (PostgreSQL answered 500: it refuses NUL in text). A
//! CR/LF that would reach a console redirect is a 400, never a 500. An unknown Mini Program's
//! category catalog is a 404, not a 502 logged at ERROR.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use reqwest::Method;
use serde_json::{Value, json};

/// A request to the service with the API key; (status, body as JSON or text).
async fn raw(app: &TestApp, method: Method, path_and_query: &str, body: Option<&str>) -> (u16, Value) {
    let mut req = app
        .http
        .request(method, format!("{}{path_and_query}", app.address))
        .bearer_auth(API_KEY);
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_owned());
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn assert_refused(what: &str, (status, body): (u16, Value), names: &str) {
    assert_eq!(status, 400, "{what}: {body}");
    assert_eq!(body["code"], "invalid_characters", "{what}: {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(names),
        "{what}: the message should name {names}: {body}"
    );
    assert!(body["remedy"].as_str().is_some_and(|r| !r.is_empty()), "{what}: {body}");
}

async fn post_form(app: &TestApp, path: &str, form: &str) -> (u16, String) {
    let r = app
        .http
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .expect("form");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn get_page(app: &TestApp, path: &str) -> (u16, String) {
    let r = app
        .http
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("page");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn control_characters(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    // Path, query, JSON: each a 400 in the API's shape that says where.
    assert_refused(
        "NUL in a path",
        raw(&app, Method::GET, "/api/v1/authorizers/%00", None).await,
        "the path",
    );
    assert_refused(
        "NUL in a registration id",
        raw(&app, Method::GET, "/api/v1/registrations/a%00b", None).await,
        "U+0000",
    );
    assert_refused(
        "ESC in a query",
        raw(&app, Method::GET, "/api/v1/audit-log?subject=x%1By", None).await,
        "`subject`",
    );
    assert_refused(
        "NUL in a JSON field",
        raw(&app, Method::POST, "/api/v1/api-keys", Some(r#"{"name":"a\u0000b"}"#)).await,
        "field `name`",
    );
    assert_refused(
        "NUL deep in a JSON body",
        raw(
            &app,
            Method::POST,
            "/api/v1/registrations",
            Some(&json!({ "oa_appid": OA_ENTERPRISE, "setup": { "nickname": { "name": "x\u{0}y" } } }).to_string()),
        )
        .await,
        "field `setup.nickname.name`",
    );
    // Nothing was stored by any of them.
    assert_eq!(app.count("SELECT COUNT(*) FROM registrations").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_keys WHERE name LIKE 'a%b'").await,
        0
    );
    // The unauthenticated sign-in: a user name with a NUL is a 400 page, not a 500.
    let (status, page) = post_form(&app, "/console/login", "username=a%00b&password=x&csrf=x").await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("U+0000"), "{page}");
    // A console path with one, signed in or not.
    assert_eq!(get_page(&app, "/console/accounts/wx%00").await.0, 400);
    // Line breaks stay allowed in a JSON text (a description may have several lines).
    let (status, key) = raw(&app, Method::POST, "/api/v1/api-keys", Some(r#"{"name":"two\nlines"}"#)).await;
    assert_eq!(status, 201, "{key}");
    app.cleanup().await;
}
on_both!(control_characters_are_refused_at_the_edge, control_characters);

async fn console_redirects(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    // CR/LF in `next` (header injection into Location) or in an appid of a console page.
    for path in [
        "/console/login?next=/console%0d%0aSet-Cookie:%20x=1",
        "/console/mini-programs/wx%0d%0aLocation:%20evil",
        "/console/accounts?next=%0a",
    ] {
        let (status, page) = get_page(&app, path).await;
        assert_eq!(status, 400, "{path}: {page}");
    }
    // In a form, CR/LF may be a textarea's line break; a `next` carrying one never reaches a
    // Location header (the sign-in falls back to /console/), and a NUL is refused outright.
    let (status, page) = post_form(
        &app,
        "/console/login",
        "username=admin&password=x&csrf=x&next=%2Fconsole%0D%0ASet-Cookie%3A%20x%3D1",
    )
    .await;
    assert!((400..500).contains(&status), "{status}: {page}");
    let (status, page) = post_form(
        &app,
        "/console/login",
        "username=admin&password=x&csrf=x&next=%2Fconsole%00",
    )
    .await;
    assert_eq!(status, 400, "{page}");
    app.cleanup().await;
}
on_both!(console_redirects_with_control_characters_are_400, console_redirects);

async fn unknown_catalog(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let unknown = "wxnosuchminiprog1";
    let (status, body) = app
        .api(
            Method::GET,
            &format!("/mini-programs/{unknown}/categories/catalog"),
            None,
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "not_found", "{body}");
    assert!(!body.to_string().contains(unknown), "the input is echoed: {body}");
    let errors: Vec<String> = log_text()
        .lines()
        .filter(|l| l.contains("ERROR") && l.contains(unknown))
        .map(str::to_owned)
        .collect();
    assert!(errors.is_empty(), "logged at ERROR: {errors:#?}");
    assert_eq!(app.calls("getallcategories").await, 0, "WeChat was called");
    app.cleanup().await;
}
on_both!(unknown_mini_program_catalog_is_404, unknown_catalog);
