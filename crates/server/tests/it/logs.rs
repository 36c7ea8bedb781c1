//! The logs of an end-to-end run never contain a secret it used: the component's secret, token
//! and EncodingAESKey, the encryption key, the API key, the verify ticket, the scan ticket, the
//! access and refresh tokens.

use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use fastreg_protocol::AppId;
use serde_json::json;

async fn no_secrets_in_logs(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let reg = app
        .register(OA_ENTERPRISE, Some(json!({ "signature": "提供好用的工具服务，欢迎使用。", "nickname": { "name": "示例科技记事本", "license": { "filename": "l.png", "data_base64": png_b64() } } })))
        .await;
    assert_eq!(reg["state"], "registered", "{reg:#}");
    let mp = reg["mini_program_appid"].as_str().expect("appid").to_owned();
    // A failing call and a refused push are logged too.
    app.control(
        "faults",
        json!({ "path": "/cgi-bin/account/getaccountbasicinfo", "mode": "error", "errcode": 40001, "count": 1 }),
    )
    .await;
    let _ = app
        .api(reqwest::Method::GET, &format!("/mini-programs/{mp}?live=true"), None)
        .await;
    let _ = app
        .http
        .post(format!(
            "{}/wechat/component/events?timestamp=1&nonce=2&msg_signature=3",
            app.address
        ))
        .body("<xml/>")
        .send()
        .await;

    let mut secrets: Vec<String> = vec![
        COMPONENT_SECRET.into(),
        COMPONENT_AES_KEY.into(),
        ENCRYPTION_KEY.into(),
        API_KEY.into(),
    ];
    let store = app.state.client.store();
    let component = AppId::parse(COMPONENT_APPID).expect("appid");
    if let Some(t) = store.verify_ticket(&component).await.expect("store") {
        secrets.push(t.expose().to_owned());
    }
    if let Some(t) = store.component_token(&component).await.expect("store") {
        secrets.push(t.token.expose().to_owned());
    }
    for appid in [OA_ENTERPRISE, mp.as_str()] {
        let appid = AppId::parse(appid).expect("appid");
        if let Some(t) = store.refresh_token(&appid).await.expect("store") {
            secrets.push(t.expose().to_owned());
        }
        if let Some(t) = store.authorizer_token(&appid).await.expect("store") {
            secrets.push(t.token.expose().to_owned());
        }
    }
    let state = app.control_get("state").await;
    for t in state["fastregister_tickets"].as_array().cloned().unwrap_or_default() {
        if let Some(t) = t["ticket"].as_str() {
            secrets.push(t.to_owned());
        }
    }
    assert!(
        secrets.len() >= 9,
        "the run used fewer secrets than expected: {}",
        secrets.len()
    );
    let logs = log_text();
    assert!(logs.contains("registration complete"), "the logs were not captured");
    for s in &secrets {
        assert!(
            !logs.contains(s.as_str()),
            "a secret appears in the logs (fingerprint {})",
            fastreg_protocol::id::fingerprint(s)
        );
    }
    app.cleanup().await;
}
on_both!(logs_of_an_end_to_end_run_hold_no_secret, no_secrets_in_logs);

/// Listening on every interface without `public_url`: every redirect_uri would say 127.0.0.1,
/// which no merchant's admin can reach, so the start warns, naming the setting.
async fn public_url_unset(db: Db) {
    logs();
    let dir = temp_dir();
    let Some(database_url) = fresh_database(db, &dir).await else {
        return;
    };
    for public_url in [None, Some("https://fastreg.example.com")] {
        let listener = std::net::TcpListener::bind("0.0.0.0:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut settings = settings_for(&database_url, &dir, "http://127.0.0.1:9");
        settings.listen = "0.0.0.0:0".into();
        settings.public_url = public_url.map(str::to_owned);
        let app = fastreg_server::Application::build_with_listener(settings, listener)
            .await
            .expect("build");
        let warned = log_text().lines().any(|l| {
            l.contains("WARN")
                && l.contains("public_url (FASTREG_PUBLIC_URL) is not set")
                && l.contains(&format!("http://127.0.0.1:{port}"))
        });
        match public_url {
            None => {
                assert!(warned, "no warning naming public_url for port {port}");
                assert_eq!(app.state().public_url, format!("http://127.0.0.1:{port}"));
            }
            Some(url) => {
                assert!(!warned, "a warning although public_url is set");
                assert_eq!(app.state().public_url, url);
            }
        }
        app.state().db.close().await;
    }
    drop_database(&database_url, &dir).await;
}
on_both!(listening_everywhere_without_public_url_warns, public_url_unset);
