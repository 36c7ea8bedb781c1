//! A forged callback, a replayed callback, a second ticket and a push with a bad signature each
//! change nothing.

use crate::helpers::*;
use crate::on_both;
use crate::registration::replace_ticket;
use fastreg_emulator::builtin::*;
use fastreg_protocol::AppId;
use fastreg_protocol::crypto::MsgCrypt;
use fastreg_protocol::event::ComponentEvent;
use fastreg_protocol::id::Secret;
use serde_json::json;

async fn forged_and_replayed(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    app.authorize(OA_ENTERPRISE).await;
    let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
    let id = reg["id"].as_str().expect("id").to_owned();
    let redirect = app.confirm_fastregister(&reg).await;

    // Forged: a state signed with another key, or altered, or missing.
    let mut url = url::Url::parse(&redirect).expect("url");
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let (payload, _) = state.split_once('.').expect("signed state");
    let forged_state = format!("{payload}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, forged_state.clone())
            } else {
                (k, v)
            }
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let (status, _) = app.follow(url.as_str()).await;
    assert_eq!(status, 400);
    let no_state = format!("{}/callback/fastregister?ticket=abc", app.address);
    assert_eq!(app.follow(&no_state).await.0, 400);
    app.drain().await;
    let now = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(
        now["state"], "awaiting_admin",
        "a forged callback changed the registration: {now:#}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'registration'").await,
        0
    );

    // The real one, then the same again, then another ticket for the same state.
    assert_eq!(app.follow(&redirect).await.0, 200);
    app.drain().await;
    let done = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(done["state"], "registered", "{done:#}");
    let (status, page) = app.follow(&redirect).await;
    assert_eq!(status, 200);
    assert!(page.contains("Already received"), "{page}");
    let (status, _) = app.follow(&replace_ticket(&redirect, "another-ticket-0001")).await;
    assert_eq!(status, 200);
    app.drain().await;
    let after = app.get(&format!("/registrations/{id}")).await;
    assert_eq!(after["state"], "registered");
    assert_eq!(after["mini_program_appid"], done["mini_program_appid"]);
    assert_eq!(
        after["history"].as_array().map(Vec::len),
        done["history"].as_array().map(Vec::len)
    );
    assert_eq!(
        app.calls("fastregister").await,
        1,
        "a replayed callback called fastregister again"
    );
    app.cleanup().await;
}
on_both!(forged_and_replayed_callbacks_change_nothing, forged_and_replayed);

/// Now, in unix seconds (pushes signed more than an hour away from it are refused).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A push of `xml` signed with `token`, timestamped now.
pub fn sealed_push(token: &str, xml: &str) -> (String, String) {
    sealed_push_at(token, xml, unix_now())
}

/// A push of `xml` signed with `token`, timestamped `timestamp`.
pub fn sealed_push_at(token: &str, xml: &str, timestamp: u64) -> (String, String) {
    let crypt = MsgCrypt::new(token, COMPONENT_AES_KEY, COMPONENT_APPID).expect("crypt");
    let env = crypt.seal(xml, &timestamp.to_string(), "nonce123");
    let query = format!(
        "timestamp={}&nonce={}&encrypt_type=aes&msg_signature={}",
        env.timestamp, env.nonce, env.msg_signature
    );
    (query, env.to_xml())
}

async fn pushes(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    // Our pushes carry a CreateTime a minute ahead (newer than the emulator's ticket, pushed
    // when the app started), which tells them from the emulator's own pushes.
    let created = unix_now() + 60;
    let ours = format!("SELECT COUNT(*) FROM events WHERE event_id LIKE '%:{created}:%'");
    let ticket = ComponentEvent::VerifyTicket {
        app_id: AppId::parse(COMPONENT_APPID).expect("appid"),
        create_time: created,
        ticket: Secret::parse("ticket@@@forged-by-a-stranger").expect("ticket"),
    };
    // Signed with the wrong token: 401, nothing stored.
    let (query, body) = sealed_push("not-the-token", &ticket.to_xml());
    let url = format!("{}/wechat/component/events?{query}", app.address);
    let r = app.http.post(&url).body(body.clone()).send().await.expect("push");
    assert_eq!(r.status().as_u16(), 401);
    // No signature at all.
    let r = app
        .http
        .post(format!("{}/wechat/component/events", app.address))
        .body(body)
        .send()
        .await
        .expect("push");
    assert_eq!(r.status().as_u16(), 401);
    // Bad signature on the authorizer URL too.
    let (query, body) = sealed_push(
        "not-the-token",
        "<xml><MsgType>event</MsgType><Event>wxa_nickname_audit</Event></xml>",
    );
    let r = app
        .http
        .post(format!(
            "{}/wechat/authorizers/{OA_ENTERPRISE}/events?{query}",
            app.address
        ))
        .body(body)
        .send()
        .await
        .expect("push");
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(app.count(&ours).await, 0, "a refused push was stored");
    let stored = app
        .state
        .client
        .store()
        .verify_ticket(&AppId::parse(COMPONENT_APPID).expect("appid"))
        .await
        .expect("store");
    assert_ne!(
        stored.map(|s| s.expose().to_owned()).as_deref(),
        Some("ticket@@@forged-by-a-stranger")
    );

    // A good push, delivered twice (WeChat retries): answered `success` both times, stored once.
    let (query, body) = sealed_push(COMPONENT_TOKEN, &ticket.to_xml());
    let url = format!("{}/wechat/component/events?{query}", app.address);
    for _ in 0..2 {
        let r = app.http.post(&url).body(body.clone()).send().await.expect("push");
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.text().await.expect("body"), "success");
    }
    assert_eq!(app.count(&ours).await, 1);
    let stored = app
        .state
        .client
        .store()
        .verify_ticket(&AppId::parse(COMPONENT_APPID).expect("appid"))
        .await
        .expect("store");
    assert_eq!(
        stored.map(|s| s.expose().to_owned()).as_deref(),
        Some("ticket@@@forged-by-a-stranger")
    );
    // The stored push is sealed: the ticket is not in the database in the clear.
    let clear = app
        .count("SELECT COUNT(*) FROM events WHERE event_id LIKE '%forged-by%'")
        .await;
    assert_eq!(clear, 0);
    app.cleanup().await;
}
on_both!(pushes_are_checked_deduplicated_and_stored, pushes);
