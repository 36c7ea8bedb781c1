//! Build, then run (zero2prod's `startup.rs`): [`Application::build`] opens the database, runs
//! the migrations, loads the encryption key, builds the WeChat client over the SQL token store,
//! binds the listener (port 0 allowed) and reports the port; [`Application::run_until_stopped`]
//! serves HTTP and runs the job workers and the token upkeep until stopped. Dropping the future
//! stops everything at once, which is how the crash tests kill an instance.

use crate::callback::StateSigner;
use crate::job::{Job, Outcome, Queue};
use crate::secret_box::SecretBox;
use crate::settings::Settings;
use crate::store::{Db, check_key};
use crate::telemetry::Metrics;
use crate::token_store::SqlTokenStore;
use fastreg_client::{Client, ClientConfig, Clock, SystemClock};
use fastreg_protocol::AppId;
use fastreg_protocol::crypto::MsgCrypt;
use fastreg_protocol::id::Secret;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::Instrument;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is unusable.
    #[error("invalid settings: {0}")]
    Settings(String),
    /// The database could not be opened or migrated.
    #[error("database: {0:#}")]
    Database(anyhow::Error),
    /// The encryption key could not be loaded, or does not match the database.
    #[error("encryption key: {0:#}")]
    Key(anyhow::Error),
    /// The listen address could not be bound. The reason is the error's source, which
    /// `{:#}` and error reporters print after this message (once).
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Named places in the workflows where a test can freeze the job that reaches them, as if the
/// process died there (the crash tests drop the application while a job is frozen).
#[derive(Clone, Debug, Default)]
pub struct CrashPoints(Arc<Mutex<CrashState>>);

#[derive(Debug, Default)]
struct CrashState {
    armed: HashSet<String>,
    reached: HashSet<String>,
}

impl CrashPoints {
    /// Arms a point.
    pub fn arm(&self, name: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .armed
            .insert(name.to_owned());
    }

    /// Disarms every point.
    pub fn clear(&self) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        s.armed.clear();
        s.reached.clear();
    }

    /// Whether a job has reached the armed point `name` and is frozen there.
    pub fn frozen_at(&self, name: &str) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).reached.contains(name)
    }

    /// If `name` is armed, never returns (the job is frozen until the process is dropped).
    pub async fn reach(&self, name: &str) {
        let armed = {
            let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
            let armed = s.armed.contains(name);
            if armed {
                s.reached.insert(name.to_owned());
            }
            armed
        };
        if armed {
            tracing::warn!(point = name, "crash point reached; this job stops here");
            std::future::pending::<()>().await;
        }
    }
}

/// Everything a request handler or a job needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Encryption at rest.
    pub secrets: SecretBox,
    /// The settings.
    pub settings: Arc<Settings>,
    /// The WeChat client (its tokens live in the database).
    pub client: Client,
    /// The component's WXBizMsgCrypt, for pushes.
    pub crypt: MsgCrypt,
    /// Signs the `state` of redirect URLs.
    pub states: StateSigner,
    /// The job queue.
    pub queue: Queue,
    /// How WeChat and browsers reach us (no trailing slash).
    pub public_url: String,
    /// The component's appid.
    pub component_appid: AppId,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Outgoing HTTP (webhooks).
    pub http: reqwest::Client,
    /// Test hooks.
    pub crash_points: CrashPoints,
    /// The bound on concurrent password hashing (console sign-in).
    pub password_hashing: Arc<crate::console::sign_in::PasswordHashing>,
    /// API keys checked recently (see [`crate::api::keys::KeyCache`]).
    pub api_keys: Arc<crate::api::keys::KeyCache>,
    /// The clock: the system's, or one a test moves. The queue (due times, leases), the
    /// workers and the WeChat client (token expiry) read it.
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    /// Now, by the service's clock (unix ms).
    pub fn now_ms(&self) -> i64 {
        crate::store::ms_of(self.clock.now())
    }
}

/// A built service, bound and ready to run.
pub struct Application {
    port: u16,
    listener: tokio::net::TcpListener,
    state: AppState,
}

impl Application {
    /// Builds the service: database, key, client, listener.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let listener = std::net::TcpListener::bind(&settings.listen).map_err(|source| StartError::Bind {
            addr: settings.listen.clone(),
            source,
        })?;
        Self::build_with_listener(settings, listener).await
    }

    /// Builds the service on a listener already bound (tests learn the port first, to tell the
    /// emulator which redirect host to accept).
    pub async fn build_with_listener(settings: Settings, listener: std::net::TcpListener) -> Result<Self, StartError> {
        Self::build_with_clock(settings, listener, Arc::new(SystemClock)).await
    }

    /// Builds the service on `listener` with `clock` as its sense of time (tests pass a clock
    /// they move, so a lease runs out without waiting for it).
    pub async fn build_with_clock(
        settings: Settings,
        listener: std::net::TcpListener,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        let component_appid = AppId::parse(settings.component.appid.clone())
            .map_err(|e| StartError::Settings(format!("component.appid: {e}")))?;
        let mut crypt = MsgCrypt::new(
            settings.component.token.expose(),
            settings.component.encoding_aes_key.expose(),
            component_appid.as_str(),
        )
        .map_err(|e| StartError::Settings(format!("component.encoding_aes_key: {e}")))?;
        if let Some(previous) = &settings.component.previous_encoding_aes_key {
            crypt = crypt
                .with_previous_key(previous.expose())
                .map_err(|e| StartError::Settings(format!("component.previous_encoding_aes_key: {e}")))?;
        }
        let secrets = match &settings.encryption_key {
            Some(key) => SecretBox::from_base64(key.expose()),
            None => SecretBox::load_or_create(&settings.data_dir),
        }
        .map_err(StartError::Key)?;
        let db = Db::connect(&settings.database_url())
            .await
            .map_err(StartError::Database)?;
        check_key(&db, &secrets).await.map_err(StartError::Key)?;

        let store = Arc::new(SqlTokenStore::with_refresh_window(
            db.clone(),
            secrets.clone(),
            Duration::from_secs(settings.token_refresh_window_secs),
        ));
        let component_secret = Secret::parse(settings.component.secret.expose())
            .map_err(|e| StartError::Settings(format!("component.secret: {e}")))?;
        let metrics = Arc::new(Metrics::default());
        let config = ClientConfig::builder(component_appid.clone(), component_secret)
            .observer(metrics.clone())
            .clock(clock.clone())
            .token(settings.component.token.expose())
            .encoding_aes_key(settings.component.encoding_aes_key.expose())
            .api_base(settings.api_base.clone())
            .mp_base(settings.mp_base.clone())
            .build()
            .map_err(|e| StartError::Settings(format!("WeChat client: {e}")))?;
        let client = Client::new(config, store).map_err(|e| StartError::Settings(format!("WeChat client: {e}")))?;

        listener.set_nonblocking(true).map_err(|source| StartError::Bind {
            addr: settings.listen.clone(),
            source,
        })?;
        let bound = listener.local_addr().map_err(|source| StartError::Bind {
            addr: settings.listen.clone(),
            source,
        })?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|source| StartError::Bind {
            addr: settings.listen.clone(),
            source,
        })?;
        let public_url = settings.public_url_for(bound);
        if settings.public_url.is_none() && bound.ip().is_unspecified() {
            // Every interface is served, but nothing says how the outside reaches them: the
            // redirect_uri of every WeChat page would point at this machine's loopback.
            tracing::warn!(
                listen = %settings.listen,
                %public_url,
                "public_url (FASTREG_PUBLIC_URL) is not set while listening on every interface: every redirect_uri given to WeChat will say {public_url}, which the merchants' admins cannot reach; set public_url to the origin they use (scheme://host[:port], the platform's login-authorization domain)"
            );
        }

        let state_key = match &settings.state_secret {
            Some(s) => {
                use sha2::Digest;
                sha2::Sha256::digest(s.expose().as_bytes()).into()
            }
            None => secrets.derive("callback state"),
        };
        let instance = format!(
            "{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let queue = Queue::new(
            db.clone(),
            instance,
            Duration::from_secs(settings.job_lease_secs.max(1)),
            settings.job_max_attempts.max(1),
        )
        .with_clock(clock.clone());
        let state = AppState {
            db: db.clone(),
            secrets,
            states: StateSigner::new(state_key, settings.state_ttl_secs),
            settings: Arc::new(settings),
            client,
            crypt,
            queue,
            public_url,
            component_appid,
            metrics,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .map_err(|e| StartError::Settings(format!("HTTP client: {e}")))?,
            crash_points: CrashPoints::default(),
            password_hashing: Arc::default(),
            api_keys: Arc::default(),
            clock: clock.clone(),
        };
        crate::api::keys::install_bootstrap_key(&state)
            .await
            .map_err(StartError::Database)?;
        crate::upkeep::schedule(&state).await.map_err(StartError::Database)?;
        tracing::info!(%bound, public_url = %state.public_url, backend = ?db.backend(), "fastreg service built");
        Ok(Application {
            port: bound.port(),
            listener,
            state,
        })
    }

    /// The port bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`.
    pub fn local_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The shared state (tests drain jobs and inspect the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves HTTP and runs the workers until the future is dropped or the server fails.
    pub async fn run_until_stopped(self) -> Result<(), std::io::Error> {
        let api = crate::api::router(self.state.clone()).merge(crate::recovery::routes(self.state.clone()));
        let router = crate::api::outer_layers(
            crate::console::mount(api, self.state.clone()),
            self.state.metrics.clone(),
        );
        let server = axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        );
        let workers = run_workers(self.state.clone());
        tokio::select! {
            result = server => result,
            () = workers => Ok(()),
        }
    }
}

/// Runs `settings.workers` job loops and the upkeep timer, forever (or forever idle with 0).
async fn run_workers(state: AppState) {
    let n = state.settings.workers;
    if n == 0 {
        return std::future::pending().await;
    }
    let poll = Duration::from_millis(state.settings.job_poll_ms.max(10));
    let loops = (0..n).map(|_| {
        let state = state.clone();
        async move {
            loop {
                match run_chain(&state, state.now_ms()).await {
                    Ok(true) => {}
                    Ok(false) => crate::job::wait_ready(poll).await,
                    Err(e) => {
                        tracing::error!(error = %format!("{e:#}"), "job worker error");
                        tokio::time::sleep(poll * 4).await;
                    }
                }
            }
        }
    });
    futures::future::join_all(loops).await;
}

/// Steps one claim may run back to back (see [`run_chain`]).
const CHAIN_STEPS: usize = 16;

/// Claims and runs one step of one job due by `due_by`; false if none was due. Tests that walk a
/// workflow one state at a time use this; workers use [`run_chain`].
pub async fn run_one(state: &AppState, due_by: i64) -> anyhow::Result<bool> {
    run_claimed(state, due_by, 1).await
}

/// Claims one job due by `due_by` and runs its steps while they advance at once (a step that
/// hands over to the next answers `WaitUntil(now)`), up to `CHAIN_STEPS` (16) and within a third
/// of the lease, then records the outcome: one claim and one finish for a whole run of steps
/// instead of one each per step. Each step commits its own durability point as before, so a
/// crash between steps resumes exactly where a crash between jobs would.
pub async fn run_chain(state: &AppState, due_by: i64) -> anyhow::Result<bool> {
    run_claimed(state, due_by, CHAIN_STEPS).await
}

async fn run_claimed(state: &AppState, due_by: i64, max_steps: usize) -> anyhow::Result<bool> {
    let Some(job) = state.queue.claim(due_by).await? else {
        return Ok(false);
    };
    let span = tracing::info_span!("job", job.id = job.id, job.kind = %job.kind, job.attempt = job.attempts);
    async {
        let claimed = std::time::Instant::now();
        let budget = state.queue.lease() / 3;
        let mut steps = 0;
        let outcome = loop {
            let step_started = std::time::Instant::now();
            let outcome = match with_heartbeat(state, &job, crate::job::as_step_of(&job, dispatch(state, &job))).await {
                Ok(o) => o,
                Err(e) => Outcome::Retry(format!("{e:#}")),
            };
            state.metrics.job_ran(&job.kind, &outcome, step_started.elapsed());
            steps += 1;
            match outcome {
                Outcome::WaitUntil(at) if at <= state.now_ms() && steps < max_steps && claimed.elapsed() < budget => {}
                other => break other,
            }
        };
        match &outcome {
            Outcome::Retry(e) | Outcome::Dead(e) => tracing::warn!(error = %e, ?outcome, "job failed"),
            _ => tracing::debug!(?outcome, steps, "job ran"),
        }
        if !state.queue.finish(&job, &outcome).await? {
            tracing::warn!("job claim was lost before it finished; its outcome is dropped");
        }
        Ok::<_, anyhow::Error>(())
    }
    .instrument(span)
    .await?;
    Ok(true)
}

/// Runs every job due now (or within `ahead`), one at a time, until none is left; returns how
/// many ran. Tests call this instead of sleeping.
pub async fn drain(state: &AppState, ahead: Duration) -> anyhow::Result<usize> {
    let mut ran = 0;
    // One horizon for the whole drain (or now, whichever is later), so a step that hands over
    // to the next at once runs, and a job that reschedules itself past the horizon (a poll, the
    // upkeep sweep) does not run again and again.
    let horizon = state.now_ms() + i64::try_from(ahead.as_millis()).unwrap_or(0);
    while run_chain(state, horizon.max(state.now_ms())).await? {
        ran += 1;
        if ran > 10_000 {
            anyhow::bail!("more than 10000 jobs in one drain: a job keeps rescheduling itself");
        }
    }
    Ok(ran)
}

async fn with_heartbeat(
    state: &AppState,
    job: &Job,
    work: impl std::future::Future<Output = anyhow::Result<Outcome>>,
) -> anyhow::Result<Outcome> {
    let beat = state.queue.lease() / 3;
    let heartbeat = async {
        loop {
            tokio::time::sleep(beat).await;
            match state.queue.heartbeat(job).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!("job lease lost to another worker"),
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "cannot extend the job lease"),
            }
        }
    };
    tokio::select! {
        outcome = work => outcome,
        () = heartbeat => Ok(Outcome::Retry("heartbeat stopped".into())),
    }
}

async fn dispatch(state: &AppState, job: &Job) -> anyhow::Result<Outcome> {
    match job.kind.as_str() {
        crate::registration::JOB => crate::registration::run_job(state, job).await,
        crate::routes::JOB => crate::routes::workflow::run_job(state, job).await,
        crate::routes::trial::JOB => crate::routes::trial::run_job(state, job).await,
        crate::routes::trial::REMINDER_JOB => crate::routes::trial::run_reminder(state, job).await,
        crate::authorization::JOB => crate::authorization::run_job(state, job).await,
        crate::event::JOB => crate::event::run_job(state, job).await,
        crate::setup::JOB => crate::setup::run_job(state, job).await,
        crate::rebind::JOB => crate::rebind::run_job(state, job).await,
        crate::upkeep::JOB => crate::upkeep::run_job(state, job).await,
        crate::webhook::JOB => crate::webhook::run_job(state, job).await,
        other => Ok(Outcome::Dead(format!("unknown job kind {other:?}"))),
    }
}

/// Appends a line to the audit log inside the caller's transaction, so the line and what it
/// records commit together (and cost one commit, not two).
pub async fn audit_in(
    target: impl crate::store::AsExec,
    now: i64,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> anyhow::Result<()> {
    crate::store::audit::append(target, actor, action, subject, detail, now)
        .await
        .map_err(|e| anyhow::Error::new(e).context("cannot write the audit log"))?;
    Ok(())
}

/// Appends a line to the audit log (who did what).
pub async fn audit(state: &AppState, actor: &str, action: &str, subject: &str, detail: &str) {
    let result = crate::store::audit::append(&state.db, actor, action, subject, detail, state.now_ms()).await;
    if let Err(e) = result {
        tracing::error!(error = %e, action, "cannot write the audit log");
    }
}
