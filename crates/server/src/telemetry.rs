//! Observability: `/healthz`, `/metrics` (Prometheus text, hand-rolled: a few counters and the
//! job and registration gauges read from the database). The binary (`fastreg`) installs the
//! tracing subscriber itself (`FASTREG_LOG`, `FASTREG_LOG_FORMAT=json`). Spans carry appids and
//! row ids, never a token: secrets are newtypes that print a fingerprint, and the client strips
//! URLs (which carry tokens) from its errors.

use crate::fetch_all;
use crate::job::Outcome;
use crate::startup::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Counters since start.
#[derive(Debug, Default)]
pub struct Metrics {
    counters: Mutex<BTreeMap<(String, String), u64>>,
}

impl Metrics {
    fn add(&self, name: &str, labels: String) {
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        *c.entry((name.to_owned(), labels)).or_default() += 1;
    }

    /// A job ran with this outcome.
    pub fn job_ran(&self, kind: &str, outcome: &Outcome) {
        let o = match outcome {
            Outcome::Done => "done",
            Outcome::WaitUntil(_) => "wait",
            Outcome::Retry(_) => "retry",
            Outcome::Dead(_) => "dead",
        };
        self.add("fastreg_jobs_run_total", format!("kind=\"{kind}\",outcome=\"{o}\""));
    }

    /// A push arrived.
    pub fn event_received(&self, url: &str, result: &str) {
        self.add(
            "fastreg_events_received_total",
            format!("url=\"{url}\",result=\"{result}\""),
        );
    }

    /// A registration started.
    pub fn registration_started(&self) {
        self.add("fastreg_registrations_started_total", String::new());
    }

    /// A registration ended.
    pub fn registration_finished(&self, state: &str) {
        self.add("fastreg_registrations_finished_total", format!("state=\"{state}\""));
    }

    /// A WeChat call the workflows made directly.
    pub fn wechat_call(&self, endpoint: &str, ok: bool) {
        self.add(
            "fastreg_wechat_calls_total",
            format!("endpoint=\"{endpoint}\",ok=\"{ok}\""),
        );
    }

    /// A token refresh by the upkeep.
    pub fn token_refreshed(&self, ok: bool) {
        self.add("fastreg_token_refreshes_total", format!("ok=\"{ok}\""));
    }

    fn render(&self, out: &mut String) {
        let c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        let mut last = "";
        for ((name, labels), value) in c.iter() {
            if name != last {
                out.push_str(&format!("# TYPE {name} counter\n"));
                last = name;
            }
            if labels.is_empty() {
                out.push_str(&format!("{name} {value}\n"));
            } else {
                out.push_str(&format!("{name}{{{labels}}} {value}\n"));
            }
        }
    }
}

/// `GET /healthz`: 200 when the database answers.
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, axum::Json(serde_json::json!({ "status": "ok" }))),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "database unavailable" })),
            )
        }
    }
}

/// `GET /metrics`: Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut out = String::new();
    state.metrics.render(&mut out);
    out.push_str("# TYPE fastreg_password_hashes_peak gauge\n");
    out.push_str(&format!(
        "fastreg_password_hashes_peak {}\n",
        state.password_hashing.peak()
    ));
    if let Ok(counts) = state.queue.counts().await {
        out.push_str("# TYPE fastreg_jobs gauge\n");
        for (status, n) in counts {
            out.push_str(&format!("fastreg_jobs{{status=\"{status}\"}} {n}\n"));
        }
    }
    let registrations: Result<Vec<(String, i64)>, _> = fetch_all!(
        &state.db,
        (String, i64),
        "SELECT state, COUNT(*) FROM registrations GROUP BY state"
    );
    if let Ok(rows) = registrations {
        out.push_str("# TYPE fastreg_registrations gauge\n");
        for (s, n) in rows {
            out.push_str(&format!("fastreg_registrations{{state=\"{s}\"}} {n}\n"));
        }
    }
    let authorizers: Result<Vec<(String, i64)>, _> = fetch_all!(
        &state.db,
        (String, i64),
        "SELECT status, COUNT(*) FROM authorizers GROUP BY status"
    );
    if let Ok(rows) = authorizers {
        out.push_str("# TYPE fastreg_authorizers gauge\n");
        for (s, n) in rows {
            out.push_str(&format!("fastreg_authorizers{{status=\"{s}\"}} {n}\n"));
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
