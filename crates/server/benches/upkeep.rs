//! Token upkeep with many authorizers all due at once (issue 9's target: 10,000 due at once all
//! refreshed within 5 minutes at default settings, none left to expire). It authorizes N
//! Official Accounts through the service (the emulator in-process), marks every token due now,
//! starts one instance with the default upkeep settings (rate, concurrency, interval, workers)
//! and times how long until no token is due any more; it prints the refreshes per second, the
//! refreshes WeChat (the emulator) answered, and how many failed.
//!
//! ```text
//! cargo bench -p fastreg-server --bench upkeep                 # 10,000 on SQLite
//! cargo bench -p fastreg-server --bench upkeep -- --n 2000
//! FASTREG_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p fastreg-server --bench upkeep -- --db postgres
//! ```

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
use fastreg_server::store::now_ms;
use fastreg_server::{Application, Settings};
use futures::StreamExt;
use helpers::{Db, spawn_app_with};
use std::time::{Duration, Instant};

fn oa_appid(i: usize) -> String {
    format!("wx5c{i:014x}")
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let n: usize = argv
        .iter()
        .position(|a| a == "--n")
        .and_then(|i| argv.get(i + 1))
        .map(|v| v.parse().expect("--n takes a number"))
        .unwrap_or(10_000);
    let db = if argv.iter().any(|a| a == "postgres") {
        Db::Postgres
    } else {
        Db::Sqlite
    };
    let mut scenario = Scenario::builtin();
    let template = scenario
        .official_accounts
        .iter()
        .find(|a| a.appid == OA_ENTERPRISE)
        .cloned()
        .expect("template");
    for i in 0..n {
        let mut a = template.clone();
        a.appid = oa_appid(i);
        a.nickname = format!("续期账号{i}");
        a.principal_name = format!("续期第{i}号有限公司");
        scenario.official_accounts.push(a);
    }
    scenario.settings.daily_quotas.insert("default".to_owned(), u64::MAX);
    scenario
        .settings
        .daily_quotas
        .insert("api_authorizer_token".to_owned(), u64::MAX);
    let Some(app) = spawn_app_with(db, scenario, |_| {}).await else {
        eprintln!("PostgreSQL needs FASTREG_TEST_DATABASE_URL");
        return;
    };

    let t = Instant::now();
    let app_ref = &app;
    futures::stream::iter(0..n)
        .map(|i| async move { app_ref.authorize(&oa_appid(i)).await })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    let authorized = app
        .count("SELECT COUNT(*) FROM authorizers WHERE status = 'authorized' AND refresh_token_sealed IS NOT NULL")
        .await;
    println!(
        "upkeep bench: {authorized} authorizers ({}) authorized in {:.1} s",
        if matches!(db, Db::Postgres) {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        t.elapsed().as_secs_f64()
    );

    // Every token due now, and the upkeep's next sweep too.
    let due_at = now_ms();
    fastreg_server::execute!(
        &app.state.db,
        "UPDATE authorizers SET next_refresh_at = $1 WHERE status = 'authorized'",
        due_at
    )
    .expect("mark due");
    fastreg_server::execute!(
        &app.state.db,
        "UPDATE jobs SET run_at = $1 WHERE kind = 'token_upkeep' AND status = 'queued'",
        due_at
    )
    .expect("wake the upkeep");
    let calls_before = app.calls("api_authorizer_token").await;

    // One instance with the defaults of everything the upkeep uses.
    let defaults = Settings::with_component(app.settings.component.clone());
    let mut s = app.settings.clone();
    s.listen = "127.0.0.1:0".into();
    s.workers = defaults.workers;
    s.job_poll_ms = defaults.job_poll_ms;
    s.token_upkeep_rate = defaults.token_upkeep_rate;
    s.token_upkeep_concurrency = defaults.token_upkeep_concurrency;
    s.token_upkeep_interval_secs = defaults.token_upkeep_interval_secs;
    println!(
        "defaults: workers {}, token_upkeep_rate {}/s, token_upkeep_concurrency {}, token_upkeep_interval_secs {}",
        s.workers, s.token_upkeep_rate, s.token_upkeep_concurrency, s.token_upkeep_interval_secs
    );
    let instance = Application::build(s).await.expect("instance");
    let t = Instant::now();
    let running = tokio::spawn(async move {
        let _ = instance.run_until_stopped().await;
    });
    let limit = Duration::from_secs(600);
    let mut left;
    loop {
        left = app
            .count(&format!(
                "SELECT COUNT(*) FROM authorizers WHERE status = 'authorized' AND next_refresh_at <= {due_at}"
            ))
            .await;
        if left == 0 || t.elapsed() > limit {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = t.elapsed();
    running.abort();
    let refreshed = app.calls("api_authorizer_token").await - calls_before;
    let rejected = app
        .count("SELECT COUNT(*) FROM authorizers WHERE status <> 'authorized'")
        .await;
    println!(
        "{} of {authorized} tokens refreshed in {:.1} s ({:.0}/s); api_authorizer_token calls answered by WeChat: {refreshed}; \
         still due: {left}; authorizers no longer authorized: {rejected} (target: all within 300 s)",
        authorized - left,
        took.as_secs_f64(),
        (authorized - left) as f64 / took.as_secs_f64(),
    );
    app.cleanup().await;
}
