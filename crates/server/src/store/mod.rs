//! The database: SQLite (one file, the default) or PostgreSQL (several instances), chosen by the
//! URL's scheme, atuin style, with one migrations folder per backend (`migrations/sqlite`,
//! `migrations/postgres`).
//!
//! Both backends run the very same SQL: every query is written once with `$1`-style parameters
//! (which SQLite accepts too), times are unix milliseconds in `BIGINT`s and flags are 0/1, so the
//! only backend-specific statement in the crate is the job claim's `FOR UPDATE SKIP LOCKED`
//! (see [`jobs::claim`]). The `execute!`, `fetch_optional!`, `fetch_all!` and `fetch_one!` macros
//! dispatch a query to whichever pool or transaction is at hand. They are exported for the tests,
//! benchmarks and examples that inspect a database; in the crate, only this module tree writes
//! SQL (a test, `tests/it/layout.rs`, reads the sources to keep it so).

pub mod api_keys;
pub mod audit;
pub mod authorizers;
pub mod events;
pub mod gauges;
pub mod jobs;
pub mod operators;
pub mod rebinds;
pub mod registrations;
pub mod route_tasks;
pub mod setup;
pub mod tokens;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, SqliteConnection};
use std::str::FromStr;
use std::time::Duration;

/// Which database a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://path` (or `sqlite::memory:`).
    Sqlite,
    /// `postgres://…` / `postgresql://…`.
    Postgres,
}

impl Backend {
    /// The backend a database URL names, if any.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// A connection pool to one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// An open transaction on either backend. It remembers whether a job was queued in it, so that
/// the workers are told once it commits (not before: a worker told early would find nothing).
pub struct Tx {
    conn: TxConn,
    jobs_added: bool,
}

enum TxConn {
    /// SQLite (`BEGIN IMMEDIATE`: the write lock is taken at once, so two writers queue on the
    /// busy timeout instead of failing on a lock upgrade).
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    /// PostgreSQL.
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Where a query runs: a pool or a transaction's connection. Built by [`AsExec`].
pub enum Exec<'a> {
    /// A SQLite pool.
    SqlitePool(&'a SqlitePool),
    /// A PostgreSQL pool.
    PgPool(&'a PgPool),
    /// A SQLite transaction.
    Sqlite(&'a mut SqliteConnection),
    /// A PostgreSQL transaction.
    Postgres(&'a mut PgConnection),
}

/// Something a query can run on.
pub trait AsExec {
    /// The pool or connection.
    fn exec(&mut self) -> Exec<'_>;

    /// A job was just queued here: on a pool it is committed, so the workers are told now
    /// ([`crate::job::signal_ready`]); a transaction tells them when it commits.
    fn job_added(&mut self) {
        crate::job::signal_ready();
    }
}

impl<T: AsExec + ?Sized> AsExec for &mut T {
    fn exec(&mut self) -> Exec<'_> {
        (**self).exec()
    }

    fn job_added(&mut self) {
        (**self).job_added();
    }
}

impl AsExec for Db {
    fn exec(&mut self) -> Exec<'_> {
        match self {
            Db::Sqlite(p) => Exec::SqlitePool(p),
            Db::Postgres(p) => Exec::PgPool(p),
        }
    }
}

impl AsExec for &Db {
    fn exec(&mut self) -> Exec<'_> {
        match *self {
            Db::Sqlite(p) => Exec::SqlitePool(p),
            Db::Postgres(p) => Exec::PgPool(p),
        }
    }
}

impl AsExec for Tx {
    fn exec(&mut self) -> Exec<'_> {
        match &mut self.conn {
            TxConn::Sqlite(t) => Exec::Sqlite(t),
            TxConn::Postgres(t) => Exec::Postgres(t),
        }
    }

    fn job_added(&mut self) {
        self.jobs_added = true;
    }
}

/// Runs a statement; evaluates to `Result<u64 /* rows affected */, sqlx::Error>`.
#[macro_export]
#[doc(hidden)]
macro_rules! execute {
    ($target:expr, $sql:expr $(, $arg:expr)* $(,)?) => {{
        let mut target = $target;
        match $crate::store::AsExec::exec(&mut target) {
            $crate::store::Exec::SqlitePool(e) => sqlx::query($sql)$(.bind($arg))*.execute(e).await.map(|r| r.rows_affected()),
            $crate::store::Exec::PgPool(e) => sqlx::query($sql)$(.bind($arg))*.execute(e).await.map(|r| r.rows_affected()),
            $crate::store::Exec::Sqlite(e) => sqlx::query($sql)$(.bind($arg))*.execute(&mut *e).await.map(|r| r.rows_affected()),
            $crate::store::Exec::Postgres(e) => sqlx::query($sql)$(.bind($arg))*.execute(&mut *e).await.map(|r| r.rows_affected()),
        }
    }};
}

/// Fetches at most one row as `$ty` (a `FromRow` type or a tuple); `Result<Option<$ty>, _>`.
#[macro_export]
#[doc(hidden)]
macro_rules! fetch_optional {
    ($target:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {{
        let mut target = $target;
        match $crate::store::AsExec::exec(&mut target) {
            $crate::store::Exec::SqlitePool(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(e).await,
            $crate::store::Exec::PgPool(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(e).await,
            $crate::store::Exec::Sqlite(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(&mut *e).await,
            $crate::store::Exec::Postgres(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(&mut *e).await,
        }
    }};
}

/// Fetches exactly one row as `$ty`; `Result<$ty, _>`.
#[macro_export]
#[doc(hidden)]
macro_rules! fetch_one {
    ($target:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {{
        let mut target = $target;
        match $crate::store::AsExec::exec(&mut target) {
            $crate::store::Exec::SqlitePool(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_one(e).await,
            $crate::store::Exec::PgPool(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_one(e).await,
            $crate::store::Exec::Sqlite(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut *e).await,
            $crate::store::Exec::Postgres(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut *e).await,
        }
    }};
}

/// Fetches every row as `$ty`; `Result<Vec<$ty>, _>`.
#[macro_export]
#[doc(hidden)]
macro_rules! fetch_all {
    ($target:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {{
        let mut target = $target;
        match $crate::store::AsExec::exec(&mut target) {
            $crate::store::Exec::SqlitePool(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(e).await,
            $crate::store::Exec::PgPool(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(e).await,
            $crate::store::Exec::Sqlite(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(&mut *e).await,
            $crate::store::Exec::Postgres(e) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(&mut *e).await,
        }
    }};
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects to `url` (creating a SQLite file and its folder if missing) and runs the
    /// backend's migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        let db = match Backend::of_url(url) {
            Some(Backend::Sqlite) => {
                let options = SqliteConnectOptions::from_str(url)
                    .context("the SQLite database URL is malformed")?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                if let Some(dir) = options.get_filename().parent()
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("cannot create the database folder {}", dir.display()))?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .context("cannot open the SQLite database")?;
                Db::Sqlite(pool)
            }
            Some(Backend::Postgres) => {
                let options = PgConnectOptions::from_str(url).context("the PostgreSQL database URL is malformed")?;
                let pool = PgPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .context("cannot connect to PostgreSQL")?;
                Db::Postgres(pool)
            }
            None => {
                anyhow::bail!("the database URL must start with sqlite: or postgres:// (got a URL with another scheme)")
            }
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Runs the pending migrations of this backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        }
        .context("cannot run the database migrations")
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction.
    pub async fn begin(&self) -> anyhow::Result<Tx> {
        let conn = match self {
            Db::Sqlite(p) => TxConn::Sqlite(
                p.begin_with("BEGIN IMMEDIATE")
                    .await
                    .context("cannot begin a transaction")?,
            ),
            Db::Postgres(p) => TxConn::Postgres(p.begin().await.context("cannot begin a transaction")?),
        };
        Ok(Tx {
            conn,
            jobs_added: false,
        })
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }

    /// Checks the database answers (for `/healthz`).
    pub async fn ping(&self) -> anyhow::Result<()> {
        fetch_one!(self, (i64,), "SELECT CAST(1 AS BIGINT)").context("the database does not answer")?;
        Ok(())
    }
}

impl Tx {
    /// Commits.
    pub async fn commit(self) -> anyhow::Result<()> {
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await,
            TxConn::Postgres(t) => t.commit().await,
        }
        .context("cannot commit a transaction")?;
        if self.jobs_added {
            crate::job::signal_ready();
        }
        Ok(())
    }
}

/// Now, in unix milliseconds, by the system clock. Code that holds an
/// [`AppState`](crate::startup::AppState) asks its clock instead ([`AppState::now_ms`](crate::startup::AppState::now_ms)), which tests move.
pub fn now_ms() -> i64 {
    ms_of(std::time::SystemTime::now())
}

/// A moment as unix milliseconds (what every time column holds).
pub fn ms_of(t: std::time::SystemTime) -> i64 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// Whether an error is a unique-constraint violation (a duplicate row).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

const KEY_CHECK: &str = "fastreg:key_check";

/// Makes sure the encryption key is the one the database's secrets were sealed with: the first
/// start seals a canary, every later start (and every other instance) must open it.
pub async fn check_key(db: &Db, secrets: &crate::secret_box::SecretBox) -> anyhow::Result<()> {
    let context = format!("tokens:{KEY_CHECK}");
    let sealed = secrets.seal_str(&context, "fastreg");
    execute!(
        db,
        "INSERT INTO tokens (key, sealed, digest, expires_at, updated_at) VALUES ($1, $2, '', NULL, $3)
         ON CONFLICT (key) DO NOTHING",
        KEY_CHECK,
        sealed,
        now_ms()
    )
    .context("cannot write the key check")?;
    let (stored,): (Vec<u8>,) = fetch_one!(db, (Vec<u8>,), "SELECT sealed FROM tokens WHERE key = $1", KEY_CHECK)
        .context("cannot read the key check")?;
    secrets.open(&context, &stored).map(|_| ()).map_err(|_| {
        anyhow::anyhow!(
            "this database was set up with another encryption key; give this instance the same encryption_key (FASTREG_ENCRYPTION_KEY) as the others"
        )
    })
}

/// Appends a state change to the history of `subject` (`registration:<id>`,
/// `mini_program:<appid>`, `rebind:<id>`, `authorization:<id>`).
pub async fn record_history(
    target: impl AsExec,
    subject: &str,
    from: Option<&str>,
    to: &str,
    note: Option<&str>,
) -> anyhow::Result<()> {
    execute!(
        target,
        "INSERT INTO history (subject, from_state, to_state, note, at) VALUES ($1, $2, $3, $4, $5)",
        subject,
        from,
        to,
        note,
        now_ms()
    )
    .context("cannot record history")?;
    Ok(())
}

/// One entry of a history.
#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// Previous state.
    pub from_state: Option<String>,
    /// New state.
    pub to_state: String,
    /// What happened.
    pub note: Option<String>,
    /// When (unix ms).
    pub at: i64,
}

/// The history of `subject`, oldest first.
pub async fn history(db: &Db, subject: &str) -> anyhow::Result<Vec<HistoryEntry>> {
    fetch_all!(
        db,
        HistoryEntry,
        "SELECT from_state, to_state, note, at FROM history WHERE subject = $1 ORDER BY id",
        subject
    )
    .context("cannot read history")
}

/// Serializes a column that holds JSON text (`func_info`, a job's `payload`) as the JSON value
/// itself, not as a string; text that does not parse stays a string.
pub fn json_text<S: serde::Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => value.serialize(serializer),
        Err(_) => serializer.serialize_str(text),
    }
}
