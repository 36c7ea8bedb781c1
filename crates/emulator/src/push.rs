//! Pushes to the platform: encrypted with the component's WXBizMsgCrypt and POSTed to its
//! authorization-event URL (verify tickets, authorized / updateauthorized / unauthorized) or to
//! its message URL with `$APPID$` filled in (nickname and category audit results).
//!
//! A push is built while the world is locked ([`Outgoing`]) and delivered after the lock is
//! released. [`PushMode`] can make the next pushes be dropped, delayed or duplicated, as WeChat's
//! delivery sometimes is.

use crate::ids::Ids;
use crate::state::Inner;
use crate::world::{PushRecord, World};
use fastreg_protocol::crypto::{MsgCrypt, url_signature};
use fastreg_protocol::event::{AuthorizerEvent, ComponentEvent};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// A push ready to send.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// `component_verify_ticket`, `authorized`, `wxa_nickname_audit`, …
    pub kind: String,
    /// The URL with the signature query appended.
    pub url: String,
    /// The encrypted envelope.
    pub body: String,
}

/// What happens to the next pushes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PushBehaviour {
    /// Delivered once, at once.
    #[default]
    Normal,
    /// Delivered twice.
    Duplicate,
    /// Delivered after `delay_ms` (real milliseconds).
    Delay,
    /// Not delivered.
    Drop,
}

/// The push mode (`POST /__emulator/push/mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PushMode {
    /// normal, duplicate, delay or drop.
    #[serde(default)]
    pub mode: PushBehaviour,
    /// For `delay`.
    #[serde(default)]
    pub delay_ms: u64,
    /// How many pushes get the mode before it returns to normal; null: until changed.
    #[serde(default)]
    pub count: Option<u64>,
}

/// The result of delivering one push.
#[derive(Clone, Debug, Default)]
pub struct Delivery {
    /// The receiver's HTTP status, if it answered in time.
    pub status: Option<u16>,
    /// Whether it answered `success`.
    pub acknowledged: bool,
}

fn with_query(url: &str, query: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{query}")
}

fn seal(
    component: &crate::world::Component,
    plain: &str,
    now: i64,
    ids: &Ids,
) -> Option<(String, fastreg_protocol::crypto::Envelope)> {
    let def = &component.def;
    let crypt = MsgCrypt::new(&def.token, &def.encoding_aes_key, &def.appid).ok()?;
    let timestamp = now.to_string();
    let nonce = ids.nonce();
    let envelope = crypt.seal(plain, &timestamp, &nonce);
    let query = format!(
        "signature={}&timestamp={}&nonce={}&encrypt_type=aes&msg_signature={}",
        url_signature(&def.token, &timestamp, &nonce),
        timestamp,
        nonce,
        envelope.msg_signature
    );
    Some((query, envelope))
}

/// A push of `event` to the component's authorization-event URL; `None` without one.
pub fn component_event(
    w: &World,
    component_appid: &str,
    event: &ComponentEvent,
    now: i64,
    ids: &Ids,
) -> Option<Outgoing> {
    let component = w.components.get(component_appid)?;
    let url = component.def.event_url.as_deref().filter(|u| !u.is_empty())?;
    let (query, envelope) = seal(component, &event.to_xml(), now, ids)?;
    Some(Outgoing {
        kind: event.info_type().to_owned(),
        url: with_query(url, &query),
        body: format!(
            "<xml><AppId><![CDATA[{component_appid}]]></AppId><Encrypt><![CDATA[{}]]></Encrypt></xml>",
            envelope.encrypt
        ),
    })
}

/// A push of `event` about Mini Program `appid` to the component's message URL; `None` without
/// one.
pub fn authorizer_event(
    w: &World,
    component_appid: &str,
    appid: &str,
    event: &AuthorizerEvent,
    now: i64,
    ids: &Ids,
) -> Option<Outgoing> {
    message_push(w, component_appid, appid, event.event(), &event.to_xml(), now, ids)
}

/// A push of the event XML `plain` (of kind `kind`) about Mini Program `appid` to the
/// component's message URL with `$APPID$` replaced; `None` without one.
pub fn message_push(
    w: &World,
    component_appid: &str,
    appid: &str,
    kind: &str,
    plain: &str,
    now: i64,
    ids: &Ids,
) -> Option<Outgoing> {
    let component = w.components.get(component_appid)?;
    let template = component.def.message_url.as_deref().filter(|u| !u.is_empty())?;
    let url = template.replace("$APPID$", appid);
    let to_user = w.accounts.get(appid).map(|a| a.original_id.clone()).unwrap_or_default();
    let (query, envelope) = seal(component, plain, now, ids)?;
    Some(Outgoing {
        kind: kind.to_owned(),
        url: with_query(&url, &query),
        body: format!(
            "<xml><ToUserName><![CDATA[{to_user}]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt></xml>",
            envelope.encrypt
        ),
    })
}

async fn send(inner: &Inner, push: &Outgoing) -> (Delivery, String) {
    let result = inner
        .http
        .post(&push.url)
        .header("content-type", "text/xml; charset=utf-8")
        .body(push.body.clone())
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            (
                Delivery {
                    status: Some(status),
                    acknowledged: text.trim() == "success",
                },
                "sent".to_owned(),
            )
        }
        Err(e) => (Delivery::default(), format!("not delivered: {e}")),
    }
}

/// Delivers a push according to the push mode, and logs it.
pub async fn deliver(inner: &Arc<Inner>, push: Outgoing) -> Delivery {
    let mode = inner.take_push_mode();
    let now = inner.clock.now();
    let record = |d: &Delivery, note: &str| PushRecord {
        at: now,
        kind: push.kind.clone(),
        url: strip_query(&push.url),
        status: d.status,
        acknowledged: d.acknowledged,
        note: note.to_owned(),
    };
    match mode.mode {
        PushBehaviour::Drop => {
            let d = Delivery::default();
            inner.world.write().log_push(record(&d, "dropped"));
            d
        }
        PushBehaviour::Delay => {
            inner.world.write().log_push(record(&Delivery::default(), "delayed"));
            let inner = Arc::clone(inner);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(mode.delay_ms)).await;
                let (d, note) = send(&inner, &push).await;
                let now = inner.clock.now();
                inner.world.write().log_push(PushRecord {
                    at: now,
                    kind: push.kind.clone(),
                    url: strip_query(&push.url),
                    status: d.status,
                    acknowledged: d.acknowledged,
                    note: format!("{note} (after delay)"),
                });
            });
            Delivery::default()
        }
        PushBehaviour::Duplicate => {
            let (first, note) = send(inner, &push).await;
            inner.world.write().log_push(record(&first, &note));
            let (second, note) = send(inner, &push).await;
            inner
                .world
                .write()
                .log_push(record(&second, &format!("{note} (duplicate)")));
            first
        }
        PushBehaviour::Normal => {
            let (d, note) = send(inner, &push).await;
            inner.world.write().log_push(record(&d, &note));
            d
        }
    }
}

fn strip_query(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_owned()
}
