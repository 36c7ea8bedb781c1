//! Outgoing webhooks: a finished registration is POSTed, signed with HMAC-SHA256 over
//! `<timestamp>.<body>`.

use crate::helpers::*;
use crate::on_both;
use axum::http::HeaderMap;
use fastreg_emulator::builtin::*;
use fastreg_server::settings::SecretString;
use std::sync::{Arc, Mutex};

type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;

async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    let sink = got.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap_or_else(|e| e.into_inner()).push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (url, got)
}

async fn signed_webhook(db: Db) {
    let (url, got) = receiver().await;
    let Some(app) = spawn_app_with(db, fastreg_emulator::Scenario::builtin(), |s| {
        s.webhook.url = Some(url);
        s.webhook.secret = Some(SecretString::new("hook-secret"));
    })
    .await
    else {
        return;
    };
    app.authorize(OA_ENTERPRISE).await;
    let reg = app.register(OA_ENTERPRISE, None).await;
    app.drain().await;
    let got = got.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let (headers, body) = got
        .iter()
        .find(|(h, _)| h["x-fastreg-event"] == "registration.registered")
        .expect("a webhook");
    let ts = headers["x-fastreg-timestamp"].to_str().expect("ts");
    assert_eq!(
        headers["x-fastreg-signature"].to_str().expect("sig"),
        fastreg_server::webhook::signature("hook-secret", ts, body)
    );
    let v: serde_json::Value = serde_json::from_str(body).expect("json");
    assert_eq!(v["data"]["mini_program_appid"], reg["mini_program_appid"]);
    app.cleanup().await;
}
on_both!(finished_registration_is_posted_signed, signed_webhook);
