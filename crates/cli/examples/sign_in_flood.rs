//! A flood of console sign-ins against `fastreg serve`, printing the service's memory: the runner
//! for issue 13's "200 concurrent sign-ins leave RSS under 100 MB" (see benches/README.md).
//!
//! The service runs as its own process (the `fastreg` binary next to this example) on SQLite in a
//! temporary folder, or on `--database-url`; sign-in never calls WeChat, so no emulator is
//! needed. `N` sign-ins (default 200) for unknown users and wrong passwords are sent at once,
//! each from its own loopback address (127.x.y.z) so that the per-address throttle does not hide
//! the hashing, then again for `admin`. The service's RSS (`VmRSS` of `/proc/<pid>/status`) is
//! printed before, at its peak (`VmHWM`, and the highest `VmRSS` seen every 20 ms) and after each
//! round, with the answers by status and the most password hashes that ran at once (from
//! `/metrics`).
//!
//! ```sh
//! cargo build -p fastreg --bin fastreg
//! cargo run -p fastreg --example sign_in_flood -- [--n 200] [--database-url postgres://…/flood]
//! ```

mod common;

use common::{Service, database, fastreg_binary, mib};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

async fn sign_in(base: &str, from: std::net::IpAddr, username: &str, password: &str) -> u16 {
    let Ok(http) = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(from)
        .timeout(Duration::from_secs(60))
        .build()
    else {
        return 0;
    };
    let Ok(page) = http.get(format!("{base}/console/login")).send().await else {
        return 0;
    };
    let Some(cookie) = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("fastreg_login_csrf="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
    else {
        return 0;
    };
    let csrf = cookie.split_once('=').map(|(_, v)| v.to_owned()).unwrap_or_default();
    match http
        .post(format!("{base}/console/login"))
        .header("cookie", cookie)
        .form(&[("csrf", csrf.as_str()), ("username", username), ("password", password)])
        .send()
        .await
    {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let mut n: u32 = 200;
    let mut database_url = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--n" => n = value.parse()?,
            "--database-url" => database_url = Some(value),
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    let dir = std::env::temp_dir().join(format!("fastreg-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let database_url = database(database_url, &dir).await?;
    let service = Service::start(&fastreg_binary()?, &database_url, &dir, "http://127.0.0.1:9", &[])?;
    let base = service.url.clone();
    println!(
        "sign-in flood: fastreg serve (pid {}) on {}; {n} concurrent sign-ins, twice (unknown users, then admin \
         with a wrong password), each from its own loopback address",
        service.pid(),
        if database_url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    // One sign-in first, so that the dummy hash and the pools exist before the baseline.
    let _ = sign_in(&base, [127, 1, 0, 1].into(), "admin", "warm-up-wrong-password").await;
    let before = service.status_kib("VmRSS:");
    println!(
        "service RSS before: {} (peak so far {})",
        mib(before),
        mib(service.status_kib("VmHWM:"))
    );
    let highest = Arc::new(AtomicU64::new(before));
    let service = Arc::new(service);
    let sampler = {
        let (highest, service) = (highest.clone(), service.clone());
        tokio::spawn(async move {
            loop {
                highest.fetch_max(service.status_kib("VmRSS:"), Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    for (round, user) in [(1u8, None), (2u8, Some("admin"))] {
        let started = Instant::now();
        let answers = futures::future::join_all((0..n).map(|i| {
            let base = base.clone();
            let name = user.map(str::to_owned).unwrap_or_else(|| format!("nobody{i}"));
            let from: std::net::IpAddr = [
                127,
                1 + round,
                u8::try_from(i / 250).unwrap_or(255),
                u8::try_from(i % 250 + 1).unwrap_or(255),
            ]
            .into();
            async move { sign_in(&base, from, &name, "wrong-password-here").await }
        }))
        .await;
        let mut by_status = BTreeMap::new();
        for s in answers {
            *by_status.entry(s).or_insert(0u32) += 1;
        }
        println!(
            "round {round}: {:.1} s, answers by status {by_status:?}; service RSS now {}, highest seen {}, peak (VmHWM) {}",
            started.elapsed().as_secs_f64(),
            mib(service.status_kib("VmRSS:")),
            mib(highest.load(Ordering::SeqCst)),
            mib(service.status_kib("VmHWM:"))
        );
    }
    sampler.abort();
    let after = service.status_kib("VmRSS:");
    let peak = service.status_kib("VmHWM:").max(highest.load(Ordering::SeqCst));
    println!(
        "service RSS after: {} (grew {}); peak RSS of the service: {}",
        mib(after),
        mib(after.saturating_sub(before)),
        mib(peak)
    );
    let metrics = reqwest::get(format!("{base}/metrics")).await?.text().await?;
    let hashes = metrics
        .lines()
        .find_map(|l| l.strip_prefix("fastreg_password_hashes_peak "))
        .unwrap_or("?");
    println!(
        "most password hashes at once: {hashes} (bound {})",
        fastreg_server::console::sign_in::HASHING_PERMITS
    );
    let limit = 100 * 1000 * 1000 / 1024;
    println!(
        "target: service RSS under 100 MB at its peak and after {n} concurrent sign-ins: {}",
        if peak < limit && after < limit {
            "met"
        } else {
            "NOT met"
        }
    );
    drop(service);
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
