//! Token upkeep: authorizer access tokens are refreshed before they expire, each at a random
//! moment of the `token_refresh_window_secs` before its expiry, so 10^5 authorizers cost a steady
//! trickle of api_authorizer_token calls instead of a storm every two hours; at most
//! `token_upkeep_concurrency` refreshes are in flight. An authorizer whose refresh token WeChat
//! rejects (61023) is flagged `refresh_rejected` and left alone: only its admin authorizing again
//! can fix it. The sweep is one recurring job, so one instance runs it at a time; it also prunes
//! old jobs and pushes, and sweeps the setup images nothing needs any more
//! ([`crate::setup::sweep_materials`]).

use crate::job::{Job, Outcome};
use crate::startup::AppState;
use crate::store::{authorizers, events, jobs, now_ms};
use anyhow::Context;
use fastreg_protocol::AppId;
use futures::StreamExt;

/// The job kind of the sweep.
pub const JOB: &str = "token_upkeep";

const BATCH: i64 = 500;
/// The client refreshes a token itself within 5 minutes of expiry; the upkeep aims earlier.
const CLIENT_MARGIN_MS: i64 = 5 * 60 * 1000;

/// Queues the sweep if it is not queued yet.
pub async fn schedule(state: &AppState) -> anyhow::Result<()> {
    state
        .queue
        .enqueue(&state.db, JOB, &serde_json::json!({}), Some(JOB), state.now_ms())
        .await?;
    Ok(())
}

/// A random moment of the `window_ms` before a token expiring at `expires_at` stops being fresh
/// for the client (never in the past).
pub fn refresh_moment(expires_at: i64, window_ms: i64) -> i64 {
    let jitter = (rand::random::<f64>() * window_ms.max(1) as f64) as i64;
    (expires_at - CLIENT_MARGIN_MS - jitter).max(now_ms())
}

/// Picks when `appid`'s token is refreshed next: a random moment of the window before expiry.
pub async fn plan_refresh(state: &AppState, appid: &AppId) -> anyhow::Result<()> {
    let expires = authorizers::access_expires_at(&state.db, appid.as_str()).await?;
    let window = i64::try_from(state.settings.token_refresh_window_secs)
        .unwrap_or(1800)
        .max(1)
        * 1000;
    let expires_at = expires.unwrap_or(state.now_ms() + 7200 * 1000);
    let next = refresh_moment(expires_at, window);
    authorizers::set_next_refresh(&state.db, appid.as_str(), next)
        .await
        .context("cannot plan a refresh")?;
    Ok(())
}

/// One sweep: refreshes every token that is due, batch after batch while tokens stay due (so a
/// backlog after an outage, or 10^5 authorizers due at once, is worked off in one sweep instead
/// of 500 per interval), at most `token_upkeep_concurrency` at once and `token_upkeep_rate` a
/// second; then waits until the next interval.
#[tracing::instrument(skip_all)]
pub async fn run_job(state: &AppState, _job: &Job) -> anyhow::Result<Outcome> {
    let concurrency = state.settings.token_upkeep_concurrency.max(1);
    let pace = Pace::new(state.settings.token_upkeep_rate);
    loop {
        let due = authorizers::due_for_refresh(&state.db, state.now_ms(), BATCH).await?;
        let full = due.len() as i64 == BATCH;
        let results: Vec<anyhow::Result<()>> =
            futures::stream::iter(due.into_iter().filter_map(|a| AppId::parse(a).ok()))
                .map(|appid| paced_refresh(state, &pace, appid))
                .buffer_unordered(concurrency)
                .collect()
                .await;
        for r in results {
            r?;
        }
        // A refresh that failed is planned a minute ahead, so a full batch always makes progress.
        if !full {
            break;
        }
    }
    prune(state).await?;
    if let Err(e) = crate::setup::sweep_materials(state, state.now_ms()).await {
        tracing::warn!(error = %format!("{e:#}"), "cannot sweep materials; trying again at the next sweep");
    }
    let interval = i64::try_from(state.settings.token_upkeep_interval_secs)
        .unwrap_or(60)
        .max(1)
        * 1000;
    Ok(Outcome::WaitUntil(state.now_ms() + interval))
}

/// Spaces refreshes at most `rate` a second (0: no limit), so a backlog does not burst into
/// WeChat's rate limits.
struct Pace {
    gap: Option<std::time::Duration>,
    next: tokio::sync::Mutex<tokio::time::Instant>,
}

impl Pace {
    fn new(rate: u64) -> Self {
        Self {
            gap: (rate > 0).then(|| std::time::Duration::from_secs(1) / u32::try_from(rate).unwrap_or(u32::MAX)),
            next: tokio::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    async fn wait(&self) {
        let Some(gap) = self.gap else { return };
        let at = {
            let mut next = self.next.lock().await;
            let at = (*next).max(tokio::time::Instant::now());
            *next = at + gap;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

/// Keeps the queue and the inbox from growing forever: finished jobs after 7 days, processed
/// pushes after 30 (their dedupe window is minutes; the history of each workflow stays).
async fn prune(state: &AppState) -> anyhow::Result<()> {
    const DAY: i64 = 24 * 3600 * 1000;
    let now = state.now_ms();
    jobs::prune_succeeded(&state.db, now - 7 * DAY).await?;
    events::prune_processed(&state.db, now - 30 * DAY).await?;
    Ok(())
}

async fn paced_refresh(state: &AppState, pace: &Pace, appid: AppId) -> anyhow::Result<()> {
    pace.wait().await;
    refresh_one(state, appid).await
}

async fn refresh_one(state: &AppState, appid: AppId) -> anyhow::Result<()> {
    match state.client.refresh_authorizer_token(&appid).await {
        Ok(_) => {
            state.metrics.token_refreshed(true);
            plan_refresh(state, &appid).await
        }
        Err(e) if e.code() == Some(61023) => {
            state.metrics.token_refreshed(false);
            tracing::warn!(%appid, "refresh token rejected (61023); authorizer flagged, its admin must authorize again");
            authorizers::flag_refresh_rejected(
                &state.db,
                appid.as_str(),
                "WeChat rejected the refresh token (61023): the account must authorize this platform again",
                state.now_ms(),
            )
            .await?;
            Ok(())
        }
        Err(e) => {
            state.metrics.token_refreshed(false);
            tracing::warn!(%appid, error = %e, "token refresh failed; trying again in a minute");
            authorizers::set_next_refresh(&state.db, appid.as_str(), state.now_ms() + 60_000)
                .await
                .context("cannot reschedule a refresh")?;
            Ok(())
        }
    }
}
