//! Calls per second and client CPU per call against the emulator on loopback.
//!
//! Not a test: `cargo bench -p fastreg-client --bench client` (release). The emulator runs on its
//! own runtime thread ("fr-emu"), the client on another ("fr-client"), so the CPU of the client's
//! threads (from /proc/self/task/*/stat) is the client's alone: building the request, the token
//! lookup, HTTP, decoding. The whole process's CPU (getrusage) is printed beside it.
//!
//! Environment: `BENCH_CALLS` (default 20000), `BENCH_CONCURRENCY` (default 64).

use fastreg_client::{Client, ClientConfig, MemoryStore};
use fastreg_emulator::{Emulator, builtin, scenario::Scenario};
use fastreg_protocol::id::Secret;
use fastreg_protocol::{AppId, AuthorizationCode, Ticket};
use futures::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENT_THREAD: &str = "fr-client";
const EMULATOR_THREAD: &str = "fr-emu";

fn main() {
    let calls: usize = env("BENCH_CALLS", 20_000);
    let concurrency: usize = env("BENCH_CONCURRENCY", 64);

    let emu_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(EMULATOR_THREAD)
        .enable_all()
        .build()
        .unwrap();
    let mut scenario = Scenario::builtin();
    // The bench makes more calls than a day's quota of one account allows.
    scenario.settings.daily_quotas.insert("default".to_owned(), u64::MAX);
    let emulator = emu_rt
        .block_on(Emulator::new(scenario, Some(1)).spawn("127.0.0.1:0".parse().unwrap()))
        .expect("emulator");
    let base = emulator.base_url().to_string().trim_end_matches('/').to_owned();

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(CLIENT_THREAD)
        .enable_all()
        .build()
        .unwrap();
    // Spawned, not run by block_on: block_on would poll it on this (main) thread.
    client_rt
        .block_on(async move { tokio::spawn(async move { run(&base, calls, concurrency).await }).await })
        .expect("bench task");
    emu_rt.block_on(emulator.shutdown());
}

async fn run(base: &str, calls: usize, concurrency: usize) {
    let client = set_up(base).await;
    let (oa, mp) = (&client.1, &client.2);
    let client = &client.0;

    // Warm the pool and the tokens.
    for _ in 0..200 {
        client.account_basic_info(mp).await.unwrap();
        client.authorizer_info(oa).await.unwrap();
    }

    let client_cpu = thread_cpu(CLIENT_THREAD);
    let emu_cpu = thread_cpu(EMULATOR_THREAD);
    let process_cpu_before = process_cpu();
    let started = Instant::now();
    let mut latencies: Vec<Duration> = futures::stream::iter(0..calls)
        .map(|i| async move {
            let t = Instant::now();
            match i % 4 {
                // The component token (api_get_authorizer_info) …
                0 => client.authorizer_info(oa).await.map(drop),
                // … and an authorizer token, on a small and a large answer.
                1 => client.categories(mp).await.map(drop),
                _ => client.account_basic_info(mp).await.map(drop),
            }
            .expect("call");
            t.elapsed()
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let wall = started.elapsed();
    let client_cpu = thread_cpu(CLIENT_THREAD) - client_cpu;
    let emu_cpu = thread_cpu(EMULATOR_THREAD) - emu_cpu;
    let process_cpu = process_cpu() - process_cpu_before;

    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / calls as f64;
    println!("fastreg-client bench: {calls} calls, concurrency {concurrency}, loopback emulator");
    println!("  wall             {:>10.3} s", wall.as_secs_f64());
    println!("  throughput       {:>10.0} calls/s", calls as f64 / wall.as_secs_f64());
    println!(
        "  latency          p50 {:.2} ms, p99 {:.2} ms",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3
    );
    println!(
        "  client CPU       {:>10.1} µs/call ({CLIENT_THREAD} threads)",
        per_call(client_cpu)
    );
    println!(
        "  emulator CPU     {:>10.1} µs/call ({EMULATOR_THREAD} threads)",
        per_call(emu_cpu)
    );
    println!(
        "  process CPU      {:>10.1} µs/call (getrusage, both)",
        per_call(process_cpu)
    );
}

/// Ticket, Official Account authorized, a Mini Program fast-registered and exchanged.
async fn set_up(base: &str) -> (Client, AppId, AppId) {
    let config = ClientConfig::builder(
        AppId::parse(builtin::COMPONENT_APPID).unwrap(),
        Secret::parse(builtin::COMPONENT_SECRET).unwrap(),
    )
    .api_base(base)
    .mp_base(base)
    .build()
    .unwrap();
    let client = Client::new(config, Arc::new(MemoryStore::new())).unwrap();
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let req = http.post(format!("{base}{path}")).json(&body);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let v = post(
        "/__emulator/push/verify-ticket",
        json!({"component_appid": builtin::COMPONENT_APPID}),
    )
    .await;
    client
        .put_verify_ticket(&Secret::parse(v["ticket"].as_str().unwrap()).unwrap())
        .await
        .unwrap();
    let v = post(
        "/__emulator/authorize",
        json!({"component_appid": builtin::COMPONENT_APPID, "appid": builtin::OA_ENTERPRISE, "fast_register": true}),
    )
    .await;
    let oa = client
        .query_auth(&AuthorizationCode::parse(v["auth_code"].as_str().unwrap()).unwrap())
        .await
        .unwrap()
        .authorizer_appid;
    let v = post(
        "/__emulator/fastregister/confirm",
        json!({"component_appid": builtin::COMPONENT_APPID, "appid": builtin::OA_ENTERPRISE,
               "copy_wx_verify": 1,
               "redirect_uri": format!("http://{}/cb", builtin::COMPONENT_LOGIN_DOMAIN)}),
    )
    .await;
    let ticket = reqwest::Url::parse(v["redirect"].as_str().unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "ticket")
        .unwrap()
        .1
        .into_owned();
    let reg = client
        .fast_register(&oa, &Ticket::parse(ticket).unwrap())
        .await
        .unwrap();
    client.query_auth(&reg.authorization_code).await.unwrap();
    (client, oa, reg.appid)
}

/// CPU time (user + system) of this process's threads whose name starts with `prefix`.
fn thread_cpu(prefix: &str) -> Duration {
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let dir = task.path();
        let Ok(comm) = std::fs::read_to_string(dir.join("comm")) else {
            continue;
        };
        if !comm.trim_end().starts_with(prefix) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
            continue;
        };
        // Fields after the parenthesized name: state is field 3, utime 14, stime 15.
        let rest: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, r)| r.split_whitespace().collect())
            .unwrap_or_default();
        let field = |i: usize| rest.get(i).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        total += field(11) + field(12);
    }
    Duration::from_secs_f64(total as f64 / ticks)
}

/// CPU time (user + system) of the whole process.
fn process_cpu() -> Duration {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
