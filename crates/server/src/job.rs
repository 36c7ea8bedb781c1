//! The durable job queue, in the same database as everything else (zero2prod's
//! `issue_delivery_worker` shape).
//!
//! A job is a row: `kind`, a JSON `payload`, a `status` (queued → running → succeeded, or back to
//! queued with a backoff, or dead after `max_attempts`), the time it may run, its attempts and its
//! last error, all visible through `GET /api/v1/jobs`.
//!
//! **Claiming.** One `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING …` statement moves a due
//! job to `running` under a fresh claim token with a lease. On PostgreSQL the inner `SELECT` is
//! `FOR UPDATE SKIP LOCKED`, so instances claiming at once each get a different row and never
//! wait on one another; on SQLite the statement runs under the database's single write lock, which
//! serializes claims just as soundly. A running job whose lease ran out (its instance died) is
//! due again. Every later write about the job names the claim token, so a worker that lost its
//! lease cannot overwrite what the new holder did.
//!
//! **Exactly once** is the workflows' business, not the queue's: a job may run again after a
//! crash, so each step persists its result before the next and checks the stored state first
//! (see [`crate::registration`]).
//!
//! `dedupe_key` keeps at most one live (queued or running) job per key: enqueueing a duplicate
//! does nothing, and the key is released when the job finishes. A job that gives up keeps its key
//! aside as `dead:<id>:<key>` (unique, and matched by no enqueue or wake), so that
//! [`Queue::retry`] can put it back with the key it had: the retried job is again the one live
//! job of its workflow.

use crate::store::{AsExec, Db, jobs, ms_of};
use anyhow::Context;
use fastreg_client::{Clock, SystemClock};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// A claimed job.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Job {
    /// Row id.
    pub id: i64,
    /// What to do (`registration`, `event`, …).
    pub kind: String,
    /// Its parameters, JSON.
    pub payload: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// The claim token (fences later writes).
    pub locked_by: String,
}

impl Job {
    /// The payload, decoded.
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> anyhow::Result<T> {
        serde_json::from_str(&self.payload)
            .with_context(|| format!("job {} ({}) has a malformed payload", self.id, self.kind))
    }
}

/// A job as the API shows it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct JobView {
    /// Row id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// What it works on: JSON text, served as the JSON value it holds.
    #[serde(serialize_with = "crate::store::json_text")]
    #[schema(value_type = Object)]
    pub payload: String,
    /// queued | running | succeeded | dead.
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// When it may run next (unix ms).
    pub run_at: i64,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last change (unix ms).
    pub updated_at: i64,
}

/// What became of one run of a job.
#[derive(Debug)]
pub enum Outcome {
    /// Finished.
    Done,
    /// Finished, and the job already recorded as succeeded in the step's own last transaction
    /// ([`finish_in`]): nothing left for the queue to write.
    Finished,
    /// Not finished, nothing failed: run again at this time (polling an audit, waiting for a
    /// push). Attempts start over.
    WaitUntil(i64),
    /// Failed in a way that may pass: retry with backoff, dead after `max_attempts`.
    Retry(String),
    /// Failed for good; the workflow has recorded why.
    Dead(String),
}

/// Set when a job is queued (or woken) in this process, once it is committed: an idle worker
/// waits on it as well as on its poll interval, so a job queued here starts at once instead of
/// at the next poll, and workers can poll rarely (fewer empty claims, each a transaction).
/// Instances on other processes still find it by polling.
static READY: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Tells one idle worker of this process that a job may be due (called by the store once the
/// row is committed).
pub fn signal_ready() {
    READY.notify_one();
}

/// Waits until a job is signalled ready, or `poll` has passed, whichever comes first.
pub async fn wait_ready(poll: Duration) {
    let _ = tokio::time::timeout(poll, READY.notified()).await;
}

/// The claim of the job whose step is running on this task (set by the workers around each
/// step, see [`as_step_of`]).
#[derive(Clone, Debug)]
struct RunningClaim {
    id: i64,
    token: String,
}

tokio::task_local! {
    static RUNNING: RunningClaim;
}

/// Runs `step` as a step of `job`, so that the step may end the job in its own last transaction
/// with [`finish_in`].
pub async fn as_step_of<F: std::future::Future>(job: &Job, step: F) -> F::Output {
    let claim = RunningClaim {
        id: job.id,
        token: job.locked_by.clone(),
    };
    RUNNING.scope(claim, step).await
}

/// Records the job running this step (if any) as succeeded inside `tx`, so the step's last
/// write and the end of its job commit together: one commit where a step's transaction and the
/// queue's own update took two, and no window in which the work is done but its job still
/// looks live. Returns the outcome the step reports: [`Outcome::Finished`] when a job was
/// ended here, [`Outcome::Done`] when the step runs outside a job (the queue then has nothing to
/// do either). Call it last before committing, and commit before returning its outcome.
pub async fn finish_in(tx: &mut crate::store::Tx, now: i64) -> anyhow::Result<Outcome> {
    let Ok(claim) = RUNNING.try_with(RunningClaim::clone) else {
        return Ok(Outcome::Done);
    };
    if !jobs::succeed(tx, claim.id, &claim.token, now).await? {
        // Another worker took the job over (its lease ran out): it finds the work done and
        // ends the job itself.
        tracing::warn!(
            job.id = claim.id,
            "job claim was lost before it finished; the new holder will end it"
        );
    }
    Ok(Outcome::Finished)
}

/// What [`Queue::retry`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Retried {
    /// Queued again, due now.
    Queued,
    /// No such job.
    NotFound,
    /// Only a job that gave up can be retried; this one is in this status.
    NotDead(String),
    /// Another job (this id) already drives the same workflow: nothing to retry.
    Superseded(i64),
}

/// The queue.
#[derive(Clone, Debug)]
pub struct Queue {
    db: Db,
    instance: String,
    lease: Duration,
    max_attempts: u32,
    clock: Arc<dyn Clock>,
}

impl Queue {
    /// A queue on `db`; `instance` names this process in claim tokens.
    pub fn new(db: Db, instance: String, lease: Duration, max_attempts: u32) -> Self {
        Queue {
            db,
            instance,
            lease,
            max_attempts,
            clock: Arc::new(SystemClock),
        }
    }

    /// The same queue judging due times and leases by `clock` (tests move it instead of
    /// waiting for a lease to run out).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Now, by the queue's clock (unix ms).
    pub fn now_ms(&self) -> i64 {
        ms_of(self.clock.now())
    }

    /// Adds a job due at `run_at` (unix ms). With a `dedupe_key`, does nothing if a live job has
    /// that key. Returns the new job's id, if one was added.
    pub async fn enqueue(
        &self,
        target: impl AsExec,
        kind: &str,
        payload: &serde_json::Value,
        dedupe_key: Option<&str>,
        run_at: i64,
    ) -> anyhow::Result<Option<i64>> {
        let mut target = target;
        let now = self.now_ms();
        let id = jobs::insert(
            &mut target,
            kind,
            &payload.to_string(),
            dedupe_key,
            i64::from(self.max_attempts),
            run_at,
            now,
        )
        .await?;
        if id.is_some() && run_at <= now {
            target.job_added();
        }
        Ok(id)
    }

    /// Makes the live job with `dedupe_key` due now, or adds one: how a push wakes a workflow
    /// that was waiting to poll.
    pub async fn wake(&self, kind: &str, payload: &serde_json::Value, dedupe_key: &str) -> anyhow::Result<()> {
        let now = self.now_ms();
        jobs::wake(
            &self.db,
            kind,
            &payload.to_string(),
            dedupe_key,
            i64::from(self.max_attempts),
            now,
        )
        .await?;
        signal_ready();
        Ok(())
    }

    /// Claims one job due by `due_by` (unix ms; normally now), if any: first a running job whose
    /// lease ran out (its instance died), then the queued job due first. One statement (one
    /// transaction, where an empty poll used to cost two): `COALESCE` runs the second branch only
    /// when the first finds nothing, and each branch reads its own partial index in its own order
    /// (`jobs_running_by_lease`, `jobs_queued_by_run_at`), so a claim costs the same however many
    /// jobs are due or finished ([`jobs::claim`]).
    pub async fn claim(&self, due_by: i64) -> anyhow::Result<Option<Job>> {
        let now = self.now_ms();
        let token = format!("{}:{}", self.instance, uuid::Uuid::new_v4().simple());
        let lease_until = now + self.lease_ms();
        jobs::claim(&self.db, &token, lease_until, now, due_by).await
    }

    /// Extends the lease of a job still held; false if the claim was lost.
    pub async fn heartbeat(&self, job: &Job) -> anyhow::Result<bool> {
        let now = self.now_ms();
        jobs::extend_lease(&self.db, job.id, &job.locked_by, now + self.lease_ms()).await
    }

    /// Records the outcome of a run. Returns false if the claim had been lost meanwhile.
    pub async fn finish(&self, job: &Job, outcome: &Outcome) -> anyhow::Result<bool> {
        let now = self.now_ms();
        let (db, id, token) = (&self.db, job.id, job.locked_by.as_str());
        match outcome {
            Outcome::Done => jobs::succeed(db, id, token, now).await,
            Outcome::Finished => Ok(true),
            Outcome::WaitUntil(at) => jobs::wait_until(db, id, token, *at, now).await,
            Outcome::Retry(error) if job.attempts < job.max_attempts => {
                let run_at = now + backoff(job.attempts).as_millis() as i64;
                jobs::retry_later(db, id, token, run_at, error, now).await
            }
            Outcome::Retry(error) | Outcome::Dead(error) => jobs::give_up(db, id, token, error, now).await,
        }
    }

    /// Puts a job that gave up back in the queue, due now, with its attempts reset and the
    /// dedupe key it had. The workflow it drives checks its stored state first, so a retry
    /// never repeats a step that already happened.
    pub async fn retry(&self, id: i64) -> anyhow::Result<Retried> {
        let Some((status, kept)) = jobs::status_and_key(&self.db, id).await? else {
            return Ok(Retried::NotFound);
        };
        if status != "dead" {
            return Ok(Retried::NotDead(status));
        }
        let prefix = format!("dead:{id}:");
        let key = kept.map(|k| k.strip_prefix(&prefix).map(str::to_owned).unwrap_or(k));
        let now = self.now_ms();
        let result = jobs::requeue_dead(&self.db, id, key.as_deref(), now).await;
        let status_now = async || -> anyhow::Result<Retried> {
            Ok(match self.get(id).await? {
                Some(job) => Retried::NotDead(job.status),
                None => Retried::NotFound,
            })
        };
        match result {
            Ok(1) => Ok(Retried::Queued),
            // Retried (or removed) by someone else meanwhile.
            Ok(_) => status_now().await,
            // Meanwhile the workflow got a new live job (a push woke it): that one goes on.
            Err(e) if crate::store::is_unique_violation(&e) => match jobs::id_with_key(&self.db, key.as_deref()).await?
            {
                Some(live) => Ok(Retried::Superseded(live)),
                None => status_now().await,
            },
            Err(e) => Err(anyhow::Error::new(e).context("cannot queue a job again")),
        }
    }

    /// The newest job with `dedupe_key`, live or given up (a dead job keeps its key aside).
    pub async fn with_key(&self, dedupe_key: &str) -> anyhow::Result<Option<JobView>> {
        jobs::newest_with_key(&self.db, dedupe_key).await
    }

    /// Jobs, newest first, optionally of one status.
    pub async fn list(&self, status: Option<&str>, limit: i64) -> anyhow::Result<Vec<JobView>> {
        jobs::list(&self.db, status, limit).await
    }

    /// One job.
    pub async fn get(&self, id: i64) -> anyhow::Result<Option<JobView>> {
        jobs::get(&self.db, id).await
    }

    /// How many jobs are in each status (for `/metrics`).
    pub async fn counts(&self) -> anyhow::Result<Vec<(String, i64)>> {
        crate::store::gauges::jobs_by_status(&self.db).await
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX / 4)
    }

    /// The lease length (workers heartbeat at a third of it).
    pub fn lease(&self) -> Duration {
        self.lease
    }
}

/// Exponential backoff with jitter: about 2 s, 4 s, 8 s, … capped at 10 minutes.
pub fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 16) - 1).unwrap_or(0);
    let base = Duration::from_secs(2)
        .saturating_mul(1u32 << exp)
        .min(Duration::from_secs(600));
    let jitter = base.mul_f64(rand::random::<f64>() * 0.25);
    base + jitter
}
