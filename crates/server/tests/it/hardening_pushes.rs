//! Issue 13, item 2: a replayed verify-ticket push never rolls the ticket back. A byte-for-byte
//! replay of an older, genuinely signed push used to be counted as a duplicate only after its
//! ticket had been written, so the next api_component_token call sent the old ticket.

use crate::callbacks::{sealed_push, sealed_push_at, unix_now};
use crate::helpers::*;
use crate::on_both;
use fastreg_emulator::builtin::*;
use fastreg_protocol::AppId;
use fastreg_protocol::event::ComponentEvent;
use fastreg_protocol::id::Secret;

fn ticket_push(ticket: &str, create_time: u64) -> String {
    ComponentEvent::VerifyTicket {
        app_id: AppId::parse(COMPONENT_APPID).expect("appid"),
        create_time,
        ticket: Secret::parse(ticket).expect("ticket"),
    }
    .to_xml()
}

async fn stored_ticket(app: &TestApp) -> Option<String> {
    app.state
        .client
        .store()
        .verify_ticket(&AppId::parse(COMPONENT_APPID).expect("appid"))
        .await
        .expect("store")
        .map(|s| s.expose().to_owned())
}

async fn post(app: &TestApp, (query, body): (String, String)) -> (u16, String) {
    let r = app
        .http
        .post(format!("{}/wechat/component/events?{query}", app.address))
        .body(body)
        .send()
        .await
        .expect("push");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn replayed_ticket(db: Db) {
    let Some(app) = spawn_app(db).await else { return };
    let now = unix_now();
    // An older ticket, genuinely signed, as an eavesdropper would have kept it…
    let older = sealed_push(COMPONENT_TOKEN, &ticket_push("ticket@@@older", now + 30));
    assert_eq!(post(&app, older.clone()).await, (200, "success".to_owned()));
    assert_eq!(stored_ticket(&app).await.as_deref(), Some("ticket@@@older"));
    // …then WeChat's next one…
    let newer = sealed_push(COMPONENT_TOKEN, &ticket_push("ticket@@@newer", now + 90));
    assert_eq!(post(&app, newer).await.0, 200);
    assert_eq!(stored_ticket(&app).await.as_deref(), Some("ticket@@@newer"));
    // …then the old push replayed byte for byte: a duplicate, and the ticket stays.
    assert_eq!(post(&app, older).await, (200, "success".to_owned()));
    assert_eq!(stored_ticket(&app).await.as_deref(), Some("ticket@@@newer"));
    // An older ticket never pushed before (a new event id, signed now) does not replace it either.
    let stale_ticket = sealed_push(COMPONENT_TOKEN, &ticket_push("ticket@@@oldest", now + 10));
    assert_eq!(post(&app, stale_ticket).await.0, 200);
    assert_eq!(stored_ticket(&app).await.as_deref(), Some("ticket@@@newer"));
    // A push signed two hours ago is refused (400) and stores nothing.
    let replay = sealed_push_at(
        COMPONENT_TOKEN,
        &ticket_push("ticket@@@from-the-past", now + 120),
        now - 7200,
    );
    let (status, text) = post(&app, replay).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("timestamp"), "{text}");
    assert_eq!(stored_ticket(&app).await.as_deref(), Some("ticket@@@newer"));
    // Nor one signed far in the future.
    let ahead = sealed_push_at(
        COMPONENT_TOKEN,
        &ticket_push("ticket@@@from-the-future", now + 120),
        now + 7200,
    );
    assert_eq!(post(&app, ahead).await.0, 400);
    assert_eq!(stored_ticket(&app).await.as_deref(), Some("ticket@@@newer"));
    let refused = format!("SELECT COUNT(*) FROM events WHERE event_id LIKE '%:{}:%'", now + 120);
    assert_eq!(app.count(&refused).await, 0, "a refused push was stored");
    app.cleanup().await;
}
on_both!(replayed_verify_ticket_never_rolls_back, replayed_ticket);
