//! REST reads against `/healthz` (issue 9's target: `GET /api/v1/registrations/{id}` at least
//! half of `/healthz`'s requests per second). Both are loaded from outside the process with
//! `wrk -t2 -c64` (as the issue measured), the service on a 2-thread tokio runtime in this
//! process, SQLite by default:
//!
//! ```text
//! cargo bench -p fastreg-server --bench rest_reads                  # SQLite, 10 s per load
//! FASTREG_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p fastreg-server --bench rest_reads -- --db postgres
//! ```
//!
//! `wrk` is not a build dependency: without it the bench says how to install it (Debian:
//! `apt-get install wrk`) and stops. `BENCH_SECS` sets the length of each load (default 10).
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
use helpers::{API_KEY, Db, spawn_app_with};
use serde_json::json;
use std::io::Write;
use std::process::Command;

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("rest reads bench: wrk not found; install it (Debian: apt-get install wrk) and run again");
        return;
    }
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let db = if std::env::args().any(|a| a == "postgres") {
        Db::Postgres
    } else {
        Db::Sqlite
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let Some(app) = rt.block_on(spawn_app_with(db, Scenario::builtin(), |_| {})) else {
        println!("rest reads bench: PostgreSQL needs FASTREG_TEST_DATABASE_URL");
        return;
    };
    let id = rt.block_on(async {
        app.authorize(OA_ENTERPRISE).await;
        let reg = app.start_registration(json!({ "oa_appid": OA_ENTERPRISE })).await;
        reg["id"].as_str().expect("registration id").to_owned()
    });
    let script = std::env::temp_dir().join(format!("fastreg-rest-bench-{}.lua", std::process::id()));
    std::fs::File::create(&script)
        .and_then(|mut f| writeln!(f, "wrk.headers[\"Authorization\"] = \"Bearer {API_KEY}\""))
        .expect("wrk script");
    let script = script.to_str().expect("path").to_owned();

    println!(
        "rest reads bench ({}): wrk -t2 -c64 -d{secs}s, the service on a 2-thread tokio runtime",
        if matches!(db, Db::Postgres) {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let health = load(&format!("{}/healthz", app.address), None, secs);
    let registration = load(
        &format!("{}/api/v1/registrations/{id}", app.address),
        Some(&script),
        secs,
    );
    println!("  GET /healthz                        {health:>9.0} req/s");
    println!("  GET /api/v1/registrations/{{id}}      {registration:>9.0} req/s");
    println!(
        "  ratio {:.1}% (issue 9's target: at least 50%)",
        100.0 * registration / health
    );
    rt.block_on(app.cleanup());
}

/// Requests per second `wrk` reached; every answer must be a 2xx.
fn load(url: &str, script: Option<&str>, secs: u64) -> f64 {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c64", &format!("-d{secs}s")]);
    if let Some(s) = script {
        cmd.args(["-s", s]);
    }
    let out = cmd.arg(url).output().expect("wrk runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("Non-2xx or 3xx responses:"),
        "{url}: error responses\n{text}"
    );
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}
