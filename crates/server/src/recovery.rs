//! Getting a stuck workflow going again, over the REST API:
//!
//! - `POST /api/v1/jobs/{id}/retry` puts a job that gave up back in the queue, with the dedupe
//!   key it had ([`crate::job::Queue::retry`]);
//! - `POST /api/v1/registrations/{id}/abandon` gives up a registration that has not reached
//!   fastregister, which frees its Official Account ([`crate::registration::abandon`]).
//!
//! The console's Retry and Abandon buttons call the same functions. These are API routes like
//! those of [`crate::api`], behind the same key check and in the same error shape;
//! [`crate::startup`] merges them next to [`crate::api::router`]'s.

use crate::api::ApiError;
use crate::api::extract::Path;
use crate::api::keys::{Actor, require_key};
use crate::job::Retried;
use crate::registration::{self, AbandonError};
use crate::startup::{AppState, audit};
use crate::store::history;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::Value;

/// The routes, with the API key check.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/jobs/{id}/retry", post(retry_job))
        .route("/api/v1/registrations/{id}/abandon", post(abandon_registration))
        .layer(axum::middleware::from_fn_with_state(state.clone(), require_key))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
            }),
        )
        .with_state(state)
}

/// A job as `GET /api/v1/jobs/{id}` shows it (its payload as JSON).
fn job_view(job: crate::job::JobView) -> Value {
    let payload = serde_json::from_str(&job.payload).unwrap_or_else(|_| Value::String(job.payload.clone()));
    let mut view = serde_json::to_value(job).unwrap_or(Value::Null);
    view["payload"] = payload;
    view
}

/// `POST /api/v1/jobs/{id}/retry`.
async fn retry_job(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    match state.queue.retry(id).await? {
        Retried::Queued => {}
        Retried::NotFound => return Err(ApiError::not_found("job")),
        Retried::NotDead(status) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "job_not_dead",
                format!("job {id} is {status}: only a job that gave up (dead) can be retried"),
                format!(
                    "Nothing to retry: a queued or running job runs by itself, a succeeded one is done. GET /api/v1/jobs/{id} shows it."
                ),
            ));
        }
        Retried::Superseded(live) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "job_superseded",
                format!("job {id} gave up, but job {live} already drives the same workflow"),
                format!("Nothing to retry: follow job {live} (GET /api/v1/jobs/{live})."),
            ));
        }
    }
    audit(&state, &actor.0, "job.retry", &format!("job:{id}"), "").await;
    let job = state.queue.get(id).await?.ok_or_else(|| ApiError::not_found("job"))?;
    Ok((StatusCode::ACCEPTED, Json(job_view(job))))
}

/// `POST /api/v1/registrations/{id}/abandon`.
async fn abandon_registration(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let refused = match registration::abandon(&state, &id, &actor.0).await {
        Ok(r) => {
            let h = history(&state.db, &format!("registration:{id}")).await?;
            return Ok(Json(r.api_view(h)));
        }
        Err(e) => e,
    };
    Err(match refused {
        AbandonError::NotFound => ApiError::not_found("registration"),
        AbandonError::Finished { id, state: current } => ApiError::new(
            StatusCode::CONFLICT,
            "registration_finished",
            format!("registration {id} is {current} already; there is nothing to abandon"),
            "Start a new registration if one is needed (POST /api/v1/registrations).",
        ),
        AbandonError::MayHaveBeenSent { id, state: current } => {
            let message = format!(
                "registration {id} is {current}: fastregister may have been sent, so the Mini Program may exist; it cannot be abandoned"
            );
            let job = state.queue.with_key(&format!("registration:{id}")).await?;
            let retry = match job {
                Some(job) if job.status == "dead" => format!(
                    " Its job {} gave up: fix the cause in its last_error, then retry it (POST /api/v1/jobs/{}/retry).",
                    job.id, job.id
                ),
                _ => String::new(),
            };
            ApiError::new(
                StatusCode::CONFLICT,
                "fastregister_may_have_been_sent",
                message,
                format!(
                    "Let it finish: it finds out from WeChat whether the Mini Program was created and ends registered, or failed with what to check, within reconcile_timeout_secs (GET /api/v1/registrations/{id}). A new registration now could create a second Mini Program.{retry}"
                ),
            )
        }
        AbandonError::Unexpected(e) => ApiError::unexpected(e),
    })
}
