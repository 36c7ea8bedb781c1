//! The emulator's throughput against a bare axum server, side by side in one run, and its memory
//! under a storm of api_component_token calls.
//!
//! Not a test: `cargo bench -p fastreg-emulator --bench throughput` (release). Both servers run in
//! this process on one tokio runtime (2 worker threads, the same axum and tokio); `wrk` loads
//! them in turn from outside (`wrk -t2 -c64 -d10s`, as the issue measured), so the load
//! generator costs the same for both and nothing of it runs in our threads:
//!
//! 1. bare axum: one fixed JSON route;
//! 2. the emulator's getaccountbasicinfo (GET, an authorizer token);
//! 3. the emulator's api_component_token (POST, the verify ticket) — this run is also the token
//!    storm: the resident memory before and after it, and the size of `GET /__emulator/state`
//!    afterwards, are printed.
//!
//! `wrk` is not a build dependency: without it the bench says how to install it (Debian:
//! `apt-get install wrk`) and stops. Environment: `BENCH_SECS` (default 10), `BENCH_ROUNDS`
//! (default 1; each round runs the three loads again, in the same order).

use axum::routing::get;
use fastreg_emulator::{Emulator, builtin, scenario::Scenario};
use serde::Serialize;
use serde_json::{Value, json};
use std::io::Write;
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let secs: u64 = env("BENCH_SECS", 10);
    let rounds: u64 = env("BENCH_ROUNDS", 1);
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("emulator throughput bench: wrk not found; install it (Debian: apt-get install wrk) and run again");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    let bare = rt.block_on(bare_axum());
    let mut scenario = Scenario::builtin();
    // A load test makes more calls in a second than a day's quotas allow.
    for key in ["default", "api_component_token"] {
        scenario.settings.daily_quotas.insert(key.to_owned(), u64::MAX);
    }
    let emulator = rt
        .block_on(Emulator::new(scenario, Some(1)).spawn("127.0.0.1:0".parse().expect("addr")))
        .expect("emulator");
    let base = emulator.base_url().trim_end_matches('/').to_owned();
    let (ticket, token) = rt.block_on(set_up(&base));

    let post = std::env::temp_dir().join(format!("fastreg-bench-{}.lua", std::process::id()));
    let body = json!({
        "component_appid": builtin::COMPONENT_APPID,
        "component_appsecret": builtin::COMPONENT_SECRET,
        "component_verify_ticket": ticket,
    });
    std::fs::File::create(&post)
        .and_then(|mut f| {
            writeln!(
                f,
                "wrk.method = \"POST\"\nwrk.body = '{body}'\nwrk.headers[\"Content-Type\"] = \"application/json\""
            )
        })
        .expect("wrk script");

    println!("emulator throughput bench: wrk -t2 -c64 -d{secs}s, servers on one 2-thread tokio runtime");
    for round in 1..=rounds {
        let bare_rps = load(&format!("http://{bare}/"), None, secs);
        let basic = load(
            &format!("{base}/cgi-bin/account/getaccountbasicinfo?access_token={token}"),
            None,
            secs,
        );
        let rss_before = rss_kib();
        let component = load(
            &format!("{base}/cgi-bin/component/api_component_token"),
            Some(post.to_str().expect("path")),
            secs,
        );
        let rss_after = rss_kib();
        // The storm's tokens are purged by the schedule; the state is read right after it.
        let started = Instant::now();
        let state = rt.block_on(async {
            reqwest::get(format!("{base}/__emulator/state"))
                .await
                .expect("state")
                .bytes()
                .await
                .expect("state body")
        });
        let state_took = started.elapsed();
        let tokens = serde_json::from_slice::<Value>(&state)
            .ok()
            .and_then(|v| v["tokens"].as_array().map(Vec::len))
            .unwrap_or(0);

        println!("round {round}:");
        println!("  bare axum (one JSON route)     {:>10.0} req/s", bare_rps.rps);
        println!(
            "  getaccountbasicinfo            {:>10.0} req/s  {:>5.1}% of bare axum",
            basic.rps,
            100.0 * basic.rps / bare_rps.rps
        );
        println!(
            "  api_component_token            {:>10.0} req/s  {:>5.1}% of bare axum  ({} tokens issued)",
            component.rps,
            100.0 * component.rps / bare_rps.rps,
            component.requests
        );
        println!(
            "  CPU per request (process)      bare {:.1} µs, getaccountbasicinfo {:.1} µs, api_component_token {:.1} µs",
            bare_rps.cpu_us, basic.cpu_us, component.cpu_us
        );
        println!(
            "  token storm                    RSS {} KiB before, {} KiB after; GET /__emulator/state {} bytes ({tokens} tokens) in {:.1} ms",
            rss_before,
            rss_after,
            state.len(),
            state_took.as_secs_f64() * 1e3
        );
    }
    let _ = std::fs::remove_file(&post);
    rt.block_on(emulator.shutdown());
}

/// What one wrk run measured.
struct Load {
    rps: f64,
    requests: u64,
    /// Process CPU (user + system) per request, µs: the servers' work, since wrk is another
    /// process and this thread only waits for it.
    cpu_us: f64,
}

fn load(url: &str, script: Option<&str>, secs: u64) -> Load {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c64", &format!("-d{secs}s")]);
    if let Some(s) = script {
        cmd.args(["-s", s]);
    }
    cmd.arg(url);
    let cpu = process_cpu();
    let out = cmd.output().expect("wrk runs");
    let cpu = process_cpu() - cpu;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(str::trim).map(str::to_owned))
            .unwrap_or_default()
    };
    let rps: f64 = field("Requests/sec:").parse().unwrap_or(0.0);
    let requests: u64 = text
        .lines()
        .find_map(|l| {
            l.trim()
                .split_once(" requests in ")
                .map(|(n, _)| n.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let bad = field("Non-2xx or 3xx responses:");
    assert!(bad.is_empty(), "{url}: {bad} error responses\n{text}");
    Load {
        rps,
        requests,
        cpu_us: if requests > 0 {
            cpu.as_secs_f64() * 1e6 / requests as f64
        } else {
            0.0
        },
    }
}

#[derive(Serialize)]
struct Fixed {
    errcode: i64,
    errmsg: &'static str,
}

/// One route answering a fixed JSON object: the floor the emulator is compared with.
async fn bare_axum() -> SocketAddr {
    let app = axum::Router::new().route(
        "/",
        get(|| async {
            axum::Json(Fixed {
                errcode: 0,
                errmsg: "ok",
            })
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// The verify ticket, and an authorizer token of the built-in Official Account.
async fn set_up(base: &str) -> (String, String) {
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let req = http.post(format!("{base}{path}")).json(&body);
        async move {
            req.send()
                .await
                .expect("set-up call")
                .json::<Value>()
                .await
                .expect("set-up JSON")
        }
    };
    let ticket = post(
        "/__emulator/push/verify-ticket",
        json!({"component_appid": builtin::COMPONENT_APPID}),
    )
    .await["ticket"]
        .as_str()
        .expect("ticket")
        .to_owned();
    let component = post(
        "/cgi-bin/component/api_component_token",
        json!({"component_appid": builtin::COMPONENT_APPID, "component_appsecret": builtin::COMPONENT_SECRET,
               "component_verify_ticket": ticket}),
    )
    .await["component_access_token"]
        .as_str()
        .expect("component token")
        .to_owned();
    let code = post(
        "/__emulator/authorize",
        json!({"component_appid": builtin::COMPONENT_APPID, "appid": builtin::OA_ENTERPRISE}),
    )
    .await["auth_code"]
        .as_str()
        .expect("auth_code")
        .to_owned();
    let auth = post(
        &format!("/cgi-bin/component/api_query_auth?component_access_token={component}"),
        json!({"component_appid": builtin::COMPONENT_APPID, "authorization_code": code}),
    )
    .await;
    let token = auth["authorization_info"]["authorizer_access_token"]
        .as_str()
        .expect("authorizer token")
        .to_owned();
    (ticket, token)
}

/// Resident memory of this process (KiB), from /proc/self/status.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// User plus system CPU of this process so far, from /proc/self/stat (clock ticks of 10 ms).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start at state (field 3).
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime is field 14, stime 15: indices 11 and 12 after the state field.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn env<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
