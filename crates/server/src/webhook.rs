//! Optional outgoing webhooks: when a registration or a setup step finishes, a JSON event is
//! POSTed to `webhook.url`, signed `X-Fastreg-Signature: sha256=<hex HMAC-SHA256 of
//! "<timestamp>.<body>">` with `X-Fastreg-Timestamp`, so the receiver can check both origin and
//! freshness. Deliveries are jobs: queued in the transaction that records the change, retried
//! with backoff, and visible with their last error.

use crate::job::{Job, Outcome};
use crate::startup::AppState;
use crate::store::AsExec;
use hmac::{Hmac, Mac};
use serde::Deserialize;

/// The job kind of deliveries.
pub const JOB: &str = "webhook";

/// Queues an event, if a webhook is configured.
pub async fn enqueue(
    state: &AppState,
    target: impl AsExec,
    event: &str,
    data: serde_json::Value,
) -> anyhow::Result<()> {
    if state.settings.webhook.url.is_none() {
        return Ok(());
    }
    let body = serde_json::json!({ "event": event, "at": state.now_ms(), "data": data });
    state.queue.enqueue(target, JOB, &body, None, state.now_ms()).await?;
    Ok(())
}

/// The signature header value of `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(Deserialize)]
struct Event {
    event: String,
}

/// Delivers one event.
#[tracing::instrument(skip_all)]
pub async fn run_job(state: &AppState, job: &Job) -> anyhow::Result<Outcome> {
    let Some(url) = &state.settings.webhook.url else {
        return Ok(Outcome::Done);
    };
    let Event { event } = job.payload()?;
    let body = job.payload.clone();
    let timestamp = (state.now_ms() / 1000).to_string();
    let mut request = state
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("x-fastreg-event", &event)
        .header("x-fastreg-timestamp", &timestamp);
    if let Some(secret) = &state.settings.webhook.secret {
        request = request.header("x-fastreg-signature", signature(secret.expose(), &timestamp, &body));
    }
    match request.body(body).send().await {
        Ok(r) if r.status().is_success() => Ok(Outcome::Done),
        Ok(r) => Ok(Outcome::Retry(format!("webhook answered {}", r.status()))),
        Err(e) => Ok(Outcome::Retry(format!("webhook unreachable: {}", e.without_url()))),
    }
}
