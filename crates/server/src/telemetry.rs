//! Observability: `/healthz` and `/metrics`. Metrics go through `prometheus-client` (the
//! Prometheus project's own Rust client; one registry per service instance, so several
//! instances in one test process never mix their figures), exposed in the OpenMetrics text
//! format:
//! - `fastreg_http_request_duration_seconds{method,route,status}`: a histogram per matched
//!   route (the route's pattern, `/api/v1/registrations/{id}`, never the concrete path);
//! - `fastreg_wechat_call_duration_seconds{endpoint,result}`: every request sent to WeChat, from
//!   the client's [`CallObserver`]; `result` is `ok`, `transport` or `errcode`, and
//!   `fastreg_wechat_errors_total{endpoint,errcode}` counts refusals by errcode;
//! - `fastreg_job_step_duration_seconds{kind,outcome}`: each workflow step a worker ran;
//! - counters of pushes, registrations and token refreshes;
//! - gauges read from the database at each scrape: jobs by status, jobs due now (the queue's
//!   depth), registrations by state, authorizers by status, and tokens due for refresh.
//!
//! The binary (`fastreg`) installs the tracing subscriber itself (`FASTREG_LOG`,
//! `FASTREG_LOG_FORMAT=json`). Spans carry appids and row ids, never a token: secrets are
//! newtypes that print a fingerprint, and the client strips URLs (which carry tokens) from its
//! errors.

use crate::job::Outcome;
use crate::startup::AppState;
use crate::store;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fastreg_client::{Attempt, AttemptResult, CallObserver};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    endpoint: &'static str,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrcodeLabels {
    endpoint: &'static str,
    errcode: i64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    url: String,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OkLabel {
    ok: bool,
}

fn latency_histogram() -> Histogram {
    // 1 ms … ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The service's metrics: one registry per instance.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    http: Family<HttpLabels, Histogram>,
    wechat: Family<CallLabels, Histogram>,
    wechat_errors: Family<ErrcodeLabels, Counter>,
    job_steps: Family<JobLabels, Histogram>,
    events: Family<EventLabels, Counter>,
    registrations_started: Counter,
    registrations_finished: Family<StateLabel, Counter>,
    token_refreshes: Family<OkLabel, Counter>,
    jobs: Family<StatusLabel, Gauge>,
    jobs_due: Gauge,
    registrations: Family<StateLabel, Gauge>,
    authorizers: Family<StatusLabel, Gauge>,
    tokens_due: Gauge,
    password_hashes_peak: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let http = Family::<HttpLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "fastreg_http_request_duration_seconds",
            "HTTP requests by matched route, method and status",
            http.clone(),
        );
        let wechat = Family::<CallLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "fastreg_wechat_call_duration_seconds",
            "Requests sent to WeChat by endpoint and result (ok, errcode, transport)",
            wechat.clone(),
        );
        let wechat_errors = Family::<ErrcodeLabels, Counter>::default();
        registry.register(
            "fastreg_wechat_errors",
            "WeChat refusals by endpoint and errcode",
            wechat_errors.clone(),
        );
        let job_steps = Family::<JobLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "fastreg_job_step_duration_seconds",
            "Workflow steps run by the workers, by job kind and outcome",
            job_steps.clone(),
        );
        let events = Family::<EventLabels, Counter>::default();
        registry.register(
            "fastreg_events_received",
            "Pushes received, by receiver and result",
            events.clone(),
        );
        let registrations_started = Counter::default();
        registry.register(
            "fastreg_registrations_started",
            "Registrations started",
            registrations_started.clone(),
        );
        let registrations_finished = Family::<StateLabel, Counter>::default();
        registry.register(
            "fastreg_registrations_finished",
            "Registrations ended, by final state",
            registrations_finished.clone(),
        );
        let token_refreshes = Family::<OkLabel, Counter>::default();
        registry.register(
            "fastreg_token_refreshes",
            "Authorizer token refreshes by the upkeep",
            token_refreshes.clone(),
        );
        let jobs = Family::<StatusLabel, Gauge>::default();
        registry.register("fastreg_jobs", "Jobs by status", jobs.clone());
        let jobs_due = Gauge::default();
        registry.register(
            "fastreg_jobs_due",
            "Queued jobs whose time has come (the queue's depth)",
            jobs_due.clone(),
        );
        let registrations = Family::<StateLabel, Gauge>::default();
        registry.register("fastreg_registrations", "Registrations by state", registrations.clone());
        let authorizers = Family::<StatusLabel, Gauge>::default();
        registry.register("fastreg_authorizers", "Authorizers by status", authorizers.clone());
        let tokens_due = Gauge::default();
        registry.register(
            "fastreg_tokens_due",
            "Authorized accounts whose token refresh is due now",
            tokens_due.clone(),
        );
        let password_hashes_peak = Gauge::default();
        registry.register(
            "fastreg_password_hashes_peak",
            "Most console password hashes (argon2) that ran at once since start",
            password_hashes_peak.clone(),
        );
        Metrics {
            password_hashes_peak,
            registry,
            http,
            wechat,
            wechat_errors,
            job_steps,
            events,
            registrations_started,
            registrations_finished,
            token_refreshes,
            jobs,
            jobs_due,
            registrations,
            authorizers,
            tokens_due,
        }
    }
}

impl Metrics {
    /// A worker ran one step of a job, with this outcome, in `elapsed`.
    pub fn job_ran(&self, kind: &str, outcome: &Outcome, elapsed: Duration) {
        let outcome = match outcome {
            Outcome::Done | Outcome::Finished => "done",
            Outcome::WaitUntil(_) => "wait",
            Outcome::Retry(_) => "retry",
            Outcome::Dead(_) => "dead",
        };
        self.job_steps
            .get_or_create(&JobLabels {
                kind: kind.to_owned(),
                outcome,
            })
            .observe(elapsed.as_secs_f64());
    }

    /// A push arrived.
    pub fn event_received(&self, url: &str, result: &str) {
        self.events
            .get_or_create(&EventLabels {
                url: url.to_owned(),
                result: result.to_owned(),
            })
            .inc();
    }

    /// A registration started.
    pub fn registration_started(&self) {
        self.registrations_started.inc();
    }

    /// A registration ended.
    pub fn registration_finished(&self, state: &str) {
        self.registrations_finished
            .get_or_create(&StateLabel {
                state: state.to_owned(),
            })
            .inc();
    }

    /// A token refresh by the upkeep.
    pub fn token_refreshed(&self, ok: bool) {
        self.token_refreshes.get_or_create(&OkLabel { ok }).inc();
    }

    fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.http
            .get_or_create(&HttpLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Reads the gauges that live in the database.
    async fn read_gauges(&self, state: &AppState) {
        self.password_hashes_peak
            .set(i64::try_from(state.password_hashing.peak()).unwrap_or(i64::MAX));
        if let Ok(counts) = state.queue.counts().await {
            self.jobs.clear();
            for (status, n) in counts {
                self.jobs.get_or_create(&StatusLabel { status }).set(n);
            }
        }
        let now = state.now_ms();
        if let Ok(n) = store::gauges::jobs_due(&state.db, now).await {
            self.jobs_due.set(n);
        }
        if let Ok(n) = store::gauges::tokens_due(&state.db, now).await {
            self.tokens_due.set(n);
        }
        if let Ok(rows) = store::gauges::registrations_by_state(&state.db).await {
            self.registrations.clear();
            for (state, n) in rows {
                self.registrations.get_or_create(&StateLabel { state }).set(n);
            }
        }
        if let Ok(rows) = store::gauges::authorizers_by_status(&state.db).await {
            self.authorizers.clear();
            for (status, n) in rows {
                self.authorizers.get_or_create(&StatusLabel { status }).set(n);
            }
        }
    }
}

impl CallObserver for Metrics {
    fn attempt(&self, attempt: &Attempt) {
        let result = match attempt.result {
            AttemptResult::Ok => "ok",
            AttemptResult::Errcode(code) => {
                self.wechat_errors
                    .get_or_create(&ErrcodeLabels {
                        endpoint: attempt.endpoint,
                        errcode: code,
                    })
                    .inc();
                "errcode"
            }
            AttemptResult::Transport => "transport",
        };
        self.wechat
            .get_or_create(&CallLabels {
                endpoint: attempt.endpoint,
                result,
            })
            .observe(attempt.elapsed.as_secs_f64());
    }
}

/// The route pattern a request matched (`/api/v1/registrations/{id}`), carried on the
/// response from the router that matched it out to [`track_http`].
#[derive(Clone, Debug)]
struct RoutePattern(String);

/// Route layer: notes the matched route's pattern (whole, with the prefix of the router it is
/// nested in) on the response, unless a more inner router already did.
pub async fn note_route(request: Request, next: Next) -> Response {
    let pattern = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(pattern) = pattern
        && response.extensions().get::<RoutePattern>().is_none()
    {
        response.extensions_mut().insert(RoutePattern(pattern));
    }
    response
}

/// Outermost middleware: times every request and records it under its route's pattern
/// (`unmatched` when no route matched), its method and its status.
pub async fn track_http(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RoutePattern>()
        .map_or("unmatched", |p| p.0.as_str());
    metrics.http_request(method.as_str(), route, response.status().as_u16(), started.elapsed());
    response
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

/// `GET /metrics`: the OpenMetrics text exposition.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    state.metrics.read_gauges(&state).await;
    let mut out = String::new();
    if let Err(e) = encode(&mut out, &state.metrics.registry) {
        tracing::error!(error = %e, "cannot encode metrics");
        return (StatusCode::INTERNAL_SERVER_ERROR, "cannot encode metrics").into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
