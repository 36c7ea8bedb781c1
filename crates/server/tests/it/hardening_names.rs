//! Issue 13, item 12: names that spoof. A bidi override or a zero-width character lets one
//! nickname or description pass for another in the console and in WeChat's review; they are
//! refused before WeChat is called, with a message naming the character.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use reqwest::Method;
use serde_json::json;

async fn spoofing_names(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    // In a registration's setup plan: refused, and no registration is created.
    let (status, body) = app
        .api(
            Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": OA_ENTERPRISE, "setup": { "signature": "A good\u{200B} description" } })),
        )
        .await;
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("ZERO WIDTH SPACE (U+200B)"),
        "{body}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM registrations").await, 0);

    // On a registered Mini Program's setup: a nickname that reads backwards is refused.
    let reg = app.register(OA_ENTERPRISE, None).await;
    let appid = reg["mini_program_appid"].as_str().expect("appid").to_owned();
    let calls_before = app.calls("setnickname").await;
    let (status, body) = app
        .api(
            Method::PUT,
            &format!("/mini-programs/{appid}/setup"),
            Some(json!({ "nickname": { "name": "Acme\u{202E}pohS", "license": { "filename": "license.png", "data_base64": png_b64() } } })),
        )
        .await;
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("RIGHT-TO-LEFT OVERRIDE (U+202E)"),
        "{body}"
    );
    app.drain().await;
    assert_eq!(app.calls("setnickname").await, calls_before, "WeChat was called");
    app.cleanup().await;
}
on_both!(spoofing_names_are_refused_before_wechat, spoofing_names);
