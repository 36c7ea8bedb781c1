//! The hostile-input runner of issue 13 (see benches/README.md): `fastreg serve` against
//! `fastreg emulator`, attacked the way an adversary on the internet would: fuzzed, forged and
//! replayed pushes, forged and replayed callbacks, hostile REST and console input (NUL and other
//! control characters, huge and malformed bodies, bad JSON, path tricks, forged sessions), and
//! then random mutations of all of it.
//!
//! It counts the answers by status, and fails on any 5xx, any dropped connection, a service that
//! died, any ERROR line in the service's log during the attack, any secret (the component secret,
//! token and AES key, the encryption key, the API key, the console password, the verify tickets)
//! in the log, `/metrics` or a dump of the database, and any row of the database that changed
//! (beyond the sign-in throttle's counters, the audit log, the job queue's bookkeeping and the
//! access tokens the upkeep renews).
//!
//! ```sh
//! cargo build -p fastreg --bin fastreg
//! cargo run -p fastreg --example attack -- [--rounds 3] [--database-url postgres://postgres@127.0.0.1:5432/attack]
//! ```
//!
//! Needs `sqlite3` or `pg_dump` on the PATH for the database dumps.

#[path = "../common/mod.rs"]
mod common;

use anyhow::{Context, bail};
use common::{API_KEY, ENCRYPTION_KEY, Service, database, fastreg_binary};
use fastreg_emulator::builtin::{
    COMPONENT_AES_KEY, COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN, OA_ENTERPRISE, OA_MEDIA,
};
use fastreg_protocol::crypto::{MsgCrypt, url_signature};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod callbacks;
mod console;
mod database_check;
mod genuine;
mod pushes;
mod rest;
mod target;

use callbacks::*;
use console::*;
use database_check::*;
use genuine::*;
use pushes::*;
use rest::*;
use target::*;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut rounds = 3usize;
    let mut database_url = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--rounds" => rounds = value.parse()?,
            "--database-url" => database_url = Some(value),
            other => bail!("unknown option {other}"),
        }
    }
    let started = Instant::now();
    let fastreg = fastreg_binary()?;
    let dir = std::env::temp_dir().join(format!("fastreg-attack-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let database_url = database(database_url, &dir).await?;
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    let mut emulator: Child = Command::new(&fastreg)
        .args(["emulator", "--listen", "127.0.0.1:0", "--seed", "13"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start fastreg emulator")?;
    let mut first = String::new();
    BufReader::new(emulator.stdout.take().context("stdout")?).read_line(&mut first)?;
    let emulator_url = first
        .trim()
        .strip_prefix("fastreg emulator listening on ")
        .context("the emulator's first line")?
        .to_owned();
    let emulator = scopeguard(emulator);
    let mut service = Service::start(
        &fastreg,
        &database_url,
        &dir,
        &emulator_url,
        &[("FASTREG_JOB_POLL_MS", "100")],
    )?;
    let host = service.url.trim_start_matches("http://").to_owned();
    let target = Target {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()?,
        fresh: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(0)
            .build()?,
        service: service.url.clone(),
        emulator: emulator_url.clone(),
        host: host.clone(),
    };
    println!(
        "attack: fastreg serve (pid {}) on {backend}, {rounds} rounds; logs in {}",
        service.pid(),
        dir.display()
    );
    target
        .control(
            "components",
            json!({
                "appid": COMPONENT_APPID,
                "login_domain": host,
                "event_url": format!("{}/wechat/component/events", target.service),
                "message_url": format!("{}/wechat/authorizers/$APPID$/events", target.service),
            }),
        )
        .await?;
    target
        .control("push/verify-ticket", json!({ "component_appid": COMPONENT_APPID }))
        .await?;
    // A world worth attacking: two accounts authorized, a Mini Program registered.
    let genuine = prepare(&target).await?;
    // WeChat's own pushes stop, so that whatever changes from now on came from the attack.
    target.control("push/mode", json!({ "mode": "drop" })).await?;
    settle(&target).await?;
    let before = dump(&database_url)?;
    let log_lines_before = std::fs::read_to_string(&service.log)?.lines().count();

    let mut tally = Tally::default();
    // Seeded: a run can be repeated request for request.
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    pushes(&target, &mut tally, &mut rng, &genuine, rounds).await;
    callbacks(&target, &mut tally, &mut rng, &genuine, rounds).await;
    rest(&target, &mut tally, &mut rng, &genuine, rounds).await;
    console(&target, &mut tally, &mut rng, &genuine, rounds).await;
    settle(&target).await?;
    let attack_secs = started.elapsed().as_secs_f64();

    // The checks.
    let mut failures: Vec<String> = tally.bad.clone();
    if !service.alive() {
        failures.push("the service died".to_owned());
    }
    let health = target
        .send(target.http.get(format!("{}/healthz", target.service)))
        .await;
    if health != Some(200) {
        failures.push(format!("/healthz answers {health:?} after the attack"));
    }
    let after = dump(&database_url)?;
    let mut changed_allowed = BTreeMap::new();
    for table in before.keys().chain(after.keys()).collect::<BTreeSet<_>>() {
        let empty = BTreeSet::new();
        let (b, a) = (before.get(table).unwrap_or(&empty), after.get(table).unwrap_or(&empty));
        let gone: Vec<_> = b.difference(a).filter(|l| !renewable_token(l)).collect();
        let new: Vec<_> = a.difference(b).filter(|l| !renewable_token(l)).collect();
        if gone.is_empty() && new.is_empty() {
            continue;
        }
        if MAY_CHANGE.contains(&table.as_str()) {
            changed_allowed.insert(table.clone(), (gone.len(), new.len()));
            continue;
        }
        for l in gone.iter().take(3) {
            failures.push(format!(
                "{table}: row gone or changed: {}",
                l.chars().take(300).collect::<String>()
            ));
        }
        for l in new.iter().take(3) {
            failures.push(format!(
                "{table}: row new or changed: {}",
                l.chars().take(300).collect::<String>()
            ));
        }
    }
    let log = std::fs::read_to_string(&service.log)?;
    let errors: Vec<&str> = log
        .lines()
        .skip(log_lines_before)
        .filter(|l| l.contains(" ERROR "))
        .collect();
    for e in errors.iter().take(5) {
        failures.push(format!("ERROR logged: {}", e.chars().take(300).collect::<String>()));
    }
    let metrics = reqwest::get(format!("{}/metrics", target.service))
        .await?
        .text()
        .await?;
    let dumped: String = after.values().flatten().cloned().collect::<Vec<_>>().join("\n");
    let mut secrets = vec![
        ("the component secret", COMPONENT_SECRET.to_owned()),
        ("the component token", COMPONENT_TOKEN.to_owned()),
        ("the component AES key", COMPONENT_AES_KEY.to_owned()),
        ("the encryption key", ENCRYPTION_KEY.to_owned()),
        ("the API key", API_KEY.to_owned()),
        ("a verify ticket", "ticket@@@attack".to_owned()),
    ];
    if let Some(p) = &service.admin_password {
        secrets.push(("the console password", p.clone()));
    }
    let mut secrets_found = 0;
    for (what, secret) in &secrets {
        for (place, text) in [("the log", &log), ("/metrics", &metrics), ("the database", &dumped)] {
            if text.contains(secret.as_str()) {
                secrets_found += 1;
                failures.push(format!("{what} is in {place}"));
            }
        }
    }
    let server_errors: u64 = tally
        .by_category
        .values()
        .flat_map(|m| m.iter())
        .filter(|(s, _)| **s >= 500 || **s == 0)
        .map(|(_, n)| n)
        .sum();
    println!("{} hostile requests in {:.0} s on {backend}", tally.sent, attack_secs);
    for (category, statuses) in &tally.by_category {
        println!("  {category}: {statuses:?}");
    }
    println!(
        "5xx or no answer: {server_errors}; service alive: {}; ERROR lines: {}; secrets found: {secrets_found} \
         (searched: log {} lines, /metrics, database dump {} rows); tables changed beyond the allowed: {}; allowed \
         changes (rows gone, new): {changed_allowed:?}",
        failures.iter().all(|f| f != "the service died"),
        errors.len(),
        log.lines().count(),
        after.values().map(BTreeSet::len).sum::<usize>(),
        failures.iter().filter(|f| f.contains(": row ")).count()
    );
    drop(emulator);
    service.alive();
    if failures.is_empty() {
        println!("attack: every check passed");
        drop(service);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    } else {
        for f in &failures {
            println!("FAILED: {f}");
        }
        bail!("{} check(s) failed (logs in {})", failures.len(), dir.display())
    }
}

/// Kills the child when dropped.
fn scopeguard(child: Child) -> impl Drop {
    struct Killed(Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    Killed(child)
}
