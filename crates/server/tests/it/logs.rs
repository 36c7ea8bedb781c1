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
