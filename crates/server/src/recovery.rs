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
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Extension, Json, Router};

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

/// Retry a job that gave up (dead): queued again, due now, with its dedupe key; 409 if it is not
/// dead or another job drives its workflow.
#[utoipa::path(post, path = "/jobs/{id}/retry", tag = "jobs",
    params(("id" = i64, Path, description = "The job's id")),
    responses((status = 202, description = "Queued again", body = crate::api::model::JobView),
              (status = "default", description = "Refused", body = ApiError)))]
pub(crate) async fn retry_job(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<crate::api::model::JobView>), ApiError> {
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
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// Abandon a registration that has not reached fastregister (awaiting_admin, or ticket_received
/// with no call sent): it ends abandoned and its account is free; refused (409) once fastregister
/// may have been sent.
#[utoipa::path(post, path = "/registrations/{id}/abandon", tag = "registrations",
    params(("id" = String, Path, description = "The registration's id")),
    responses((status = 200, description = "Abandoned", body = crate::api::model::RegistrationView),
              (status = "default", description = "Refused", body = ApiError)))]
pub(crate) async fn abandon_registration(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Result<Json<crate::api::model::RegistrationView>, ApiError> {
    let refused = match registration::abandon(&state, &id, &actor.0).await {
        Ok(_) => return Ok(Json(crate::api::registration_view(&state, &id).await?)),
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
