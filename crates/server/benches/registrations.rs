//! Registrations end to end, as an operator's SaaS drives them: authorize N Official Accounts,
//! then for each one `POST /api/v1/registrations` → the admin confirms on the emulated WeChat
//! page → our callback → fastregister → query_auth → refresh token stored → `registered`, with
//! 1 or 2 service instances running the queue on one database. Prints the wall time, the rate,
//! and on PostgreSQL the commits per authorization + registration (`pg_stat_database`).
//!
//! ```text
//! cargo bench -p fastreg-server --bench registrations                   # 1,000 on SQLite, 1 instance
//! FASTREG_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p fastreg-server --bench registrations -- --db postgres --instances 2 --n 1000
//! ```
//!
//! It reuses the integration tests' `spawn_app` (a fresh database, the emulator in-process).

#[path = "../tests/common/database.rs"]
mod database;
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../tests/it/helpers.rs"]
mod helpers;

/// The tests' helpers check every REST answer against the OpenAPI document
/// (`tests/it/contract.rs`); a benchmark measures the service, so its calls are not checked.
mod contract {
    pub fn check(_method: &str, _path: &str, _status: u16, _body: &serde_json::Value) {}
}

use fastreg_emulator::Scenario;
use fastreg_emulator::builtin::OA_ENTERPRISE;
use fastreg_server::Application;
use helpers::{Db, TestApp, spawn_app_with};
use serde_json::json;
use std::time::{Duration, Instant};

struct Args {
    n: usize,
    db: Db,
    instances: usize,
}

fn args() -> Args {
    let mut a = Args {
        n: 1000,
        db: Db::Sqlite,
        instances: 1,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--n" => a.n = value.parse().expect("--n takes a number"),
            "--instances" => a.instances = value.parse().expect("--instances takes 1 or 2"),
            "--db" => {
                a.db = match value.as_str() {
                    "postgres" => Db::Postgres,
                    _ => Db::Sqlite,
                }
            }
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

fn oa_appid(i: usize) -> String {
    format!("wx5b{i:014x}")
}

async fn commits(app: &TestApp) -> Option<i64> {
    if !app.settings.database_url().starts_with("postgres") {
        return None;
    }
    let (n,): (i64,) = fastreg_server::fetch_one!(
        &app.state.db,
        (i64,),
        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
    )
    .ok()?;
    Some(n)
}

/// Statistics reach pg_stat_database when a backend reports them; waits for the counter to
/// settle (its own readings, a handful, are within the noise of n × commits).
async fn settled_commits(app: &TestApp) -> Option<i64> {
    let mut last = commits(app).await?;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let now = commits(app).await?;
        if now - last <= 1 {
            return Some(now);
        }
        last = now;
    }
    Some(last)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args = args();
    let mut scenario = Scenario::builtin();
    let template = scenario
        .official_accounts
        .iter()
        .find(|a| a.appid == OA_ENTERPRISE)
        .cloned()
        .expect("template");
    for i in 0..args.n {
        let mut a = template.clone();
        a.appid = oa_appid(i);
        a.nickname = format!("压测账号{i}");
        a.principal_name = format!("压测第{i}号有限公司");
        scenario.official_accounts.push(a);
    }
    let Some(app) = spawn_app_with(args.db, scenario, |_| {}).await else {
        eprintln!("PostgreSQL needs FASTREG_TEST_DATABASE_URL");
        return;
    };

    let before_auth = settled_commits(&app).await;
    let t = Instant::now();
    // The admin confirms and the jobs run; the bench reads nothing back (its own reads would be
    // counted as the service's commits).
    for i in 0..args.n {
        app.confirm_authorization(&oa_appid(i)).await;
        app.drain().await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM authorizations WHERE state = 'authorized'")
            .await,
        args.n as i64,
        "every authorization ends authorized"
    );
    let auth_time = t.elapsed();
    let after_auth = settled_commits(&app).await;

    let mut instances = Vec::new();
    for _ in 0..args.instances {
        let mut s = app.settings.clone();
        s.listen = "127.0.0.1:0".into();
        s.workers = 4;
        s.job_poll_ms = std::env::var("BENCH_POLL_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(s.job_poll_ms);
        let b = Application::build(s).await.expect("instance");
        instances.push(tokio::spawn(async move {
            let _ = b.run_until_stopped().await;
        }));
    }

    let t = Instant::now();
    let app_ref = &app;
    futures::future::join_all((0..args.n).map(|i| async move {
        let reg = app_ref.start_registration(json!({ "oa_appid": oa_appid(i) })).await;
        let redirect = app_ref.confirm_fastregister(&reg).await;
        assert_eq!(app_ref.follow(&redirect).await.0, 200);
    }))
    .await;
    let mut polls = 0;
    loop {
        polls += 1;
        let done = app
            .count("SELECT COUNT(*) FROM registrations WHERE state = 'registered'")
            .await;
        if done == args.n as i64 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(600),
            "only {done} of {} registered",
            args.n
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let reg_time = t.elapsed();
    // What the registrations set off is part of their cost: the `authorized` pushes for the new
    // Mini Programs (and anything else due) are processed before the instances stop, so their
    // commits are counted too. (The upkeep's own sweep is not the registrations' doing.)
    loop {
        polls += 1;
        let live = app
            .count(&format!(
                "SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running') AND kind <> 'token_upkeep' \
                 AND run_at <= {}",
                app.state.now_ms() + 60_000
            ))
            .await;
        if live == 0 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(900),
            "{live} jobs still live after the registrations"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for i in &instances {
        i.abort();
    }
    let after_reg = settled_commits(&app).await;

    let db = match args.db {
        Db::Sqlite => "sqlite",
        Db::Postgres => "postgres",
    };
    println!(
        "registrations: n={} db={db} instances={} registered in {:.2} s ({:.0}/s); authorizations before: {:.2} s",
        args.n,
        args.instances,
        reg_time.as_secs_f64(),
        args.n as f64 / reg_time.as_secs_f64(),
        auth_time.as_secs_f64(),
    );
    if let (Some(a), Some(b), Some(c)) = (before_auth, after_auth, after_reg) {
        let n = args.n as f64;
        // The bench's own polls of the registrations table are transactions too.
        let (auth, reg) = ((b - a) as f64 / n, (c - b - polls) as f64 / n);
        println!(
            "commits per account: authorization {auth:.1} + registration {reg:.1} = {:.1}",
            auth + reg
        );
    }
    app.cleanup().await;
}
