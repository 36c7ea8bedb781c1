//! The chaos runner of issue 13 (see benches/README.md): the real `fastreg serve` against the
//! real `fastreg emulator`, `-1` on a share of every API call, lost answers on fastregister and
//! api_query_auth, and the service SIGKILLed and started again while registrations run. It prints
//! what came of each registration and checks that every one registered once, kept its refresh
//! token and finished its setup.
//!
//! ```sh
//! cargo build -p fastreg --bin fastreg
//! cargo run -p fastreg --example chaos -- --registrations 20 --kills 5                # SQLite
//! cargo run -p fastreg --example chaos -- --database-url postgres://postgres@127.0.0.1:5432/chaos
//! ```
//!
//! Options: `--registrations N` (20), `--kills N` (5, at least), `--minus-one P` (0.3: the chance
//! an API call answers -1), `--lost P` (0.2: the chance fastregister's or api_query_auth's answer
//! is lost after WeChat applied it), `--database-url URL` (a SQLite file in a temporary folder;
//! a PostgreSQL database is created if missing), `--fastreg PATH` (the binary next to this
//! example). Exit status 0 only if every check passed.

#[path = "common/mod.rs"]
mod common;

use anyhow::{Context, bail};
use fastreg_emulator::builtin::{COMPONENT_AES_KEY, COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const API_KEY: &str = "chaos-api-key-0123456789";
const ENCRYPTION_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// How long everything may take before the runner gives up.
const DEADLINE: Duration = Duration::from_secs(25 * 60);

struct Options {
    registrations: usize,
    kills: usize,
    minus_one: f64,
    lost: f64,
    database_url: Option<String>,
    fastreg: PathBuf,
}

fn options() -> anyhow::Result<Options> {
    let mut o = Options {
        registrations: 20,
        kills: 5,
        minus_one: 0.3,
        lost: 0.2,
        database_url: None,
        fastreg: std::env::current_exe()?
            .parent()
            .and_then(|p| p.parent())
            .map(|p| p.join("fastreg"))
            .context("where is the fastreg binary?")?,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--registrations" => o.registrations = value.parse()?,
            "--kills" => o.kills = value.parse()?,
            "--minus-one" => o.minus_one = value.parse()?,
            "--lost" => o.lost = value.parse()?,
            "--database-url" => o.database_url = Some(value),
            "--fastreg" => o.fastreg = value.into(),
            other => bail!("unknown option {other}"),
        }
    }
    Ok(o)
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Run {
    http: reqwest::Client,
    emulator: String,
    service: String,
}

impl Run {
    async fn control(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        Ok(self
            .http
            .post(format!("{}/__emulator/{path}", self.emulator))
            .json(&body)
            .send()
            .await?
            .json()
            .await?)
    }

    async fn control_get(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self
            .http
            .get(format!("{}/__emulator/{path}", self.emulator))
            .send()
            .await?
            .json()
            .await?)
    }

    /// An API call, retried while the service is down or answers 5xx (it is being killed).
    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> anyhow::Result<(u16, Value)> {
        let started = Instant::now();
        loop {
            let mut req = self
                .http
                .request(method.clone(), format!("{}/api/v1{path}", self.service))
                .bearer_auth(API_KEY);
            if let Some(b) = &body {
                req = req.json(b);
            }
            match req.send().await {
                Ok(r) if !r.status().is_server_error() => {
                    let status = r.status().as_u16();
                    let text = r.text().await.unwrap_or_default();
                    return Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))));
                }
                _ if started.elapsed() < Duration::from_secs(120) => {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Ok(r) => bail!("{path}: {}", r.status()),
                Err(e) => bail!("{path}: {e}"),
            }
        }
    }

    /// Follows a redirect back to the service (retried while it is down).
    async fn follow(&self, url: &str) -> anyhow::Result<u16> {
        for _ in 0..400 {
            if let Ok(r) = self.http.get(url).send().await
                && !r.status().is_server_error()
            {
                return Ok(r.status().as_u16());
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        bail!("the service never took {url}")
    }
}

fn start_service(
    o: &Options,
    port: u16,
    emulator: &str,
    database_url: &str,
    dir: &std::path::Path,
) -> anyhow::Result<Killed> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("service.log"))?;
    let child = Command::new(&o.fastreg)
        .arg("serve")
        .env("FASTREG_LISTEN", format!("127.0.0.1:{port}"))
        .env("FASTREG_DATABASE_URL", database_url)
        .env("FASTREG_DATA_DIR", dir)
        .env("FASTREG_API_BASE", emulator)
        .env("FASTREG_MP_BASE", emulator)
        .env("FASTREG_COMPONENT_APPID", COMPONENT_APPID)
        .env("FASTREG_COMPONENT_SECRET", COMPONENT_SECRET)
        .env("FASTREG_COMPONENT_TOKEN", COMPONENT_TOKEN)
        .env("FASTREG_COMPONENT_ENCODING_AES_KEY", COMPONENT_AES_KEY)
        .env("FASTREG_ENCRYPTION_KEY", ENCRYPTION_KEY)
        .env("FASTREG_BOOTSTRAP_API_KEY", API_KEY)
        .env("FASTREG_WORKERS", "4")
        .env("FASTREG_JOB_POLL_MS", "100")
        .env("FASTREG_JOB_LEASE_SECS", "5")
        .env("FASTREG_JOB_MAX_ATTEMPTS", "200")
        .env("FASTREG_RECONCILE_GRACE_SECS", "6")
        .env("FASTREG_RECONCILE_TIMEOUT_SECS", "900")
        .env("FASTREG_LOG", "info,sqlx=warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("cannot start fastreg serve")?;
    Ok(Killed(child))
}

async fn wait_healthy(run: &Run) -> anyhow::Result<()> {
    for _ in 0..600 {
        if let Ok(r) = run.http.get(format!("{}/healthz", run.service)).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the service did not become healthy")
}

fn oa(i: usize) -> String {
    format!("wx5c00000000000c{i:02x}")
}

/// A 1×1 PNG, base64.
const PNG_B64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";

async fn authorize(run: &Run, oa: &str) -> anyhow::Result<String> {
    let (status, auth) = run
        .api(reqwest::Method::POST, "/authorizations", Some(json!({})))
        .await?;
    if status != 201 {
        bail!("POST /authorizations: {status} {auth}");
    }
    let location = common::confirm_login_page(
        &run.http,
        &run.emulator,
        auth["auth_url"].as_str().unwrap_or_default(),
        oa,
        &fastreg_emulator::builtin::FAST_REGISTRATION_SETS,
    )
    .await?;
    run.follow(&location).await?;
    Ok(auth["id"].as_str().unwrap_or_default().to_owned())
}

async fn register(run: &Run, oa: &str, i: usize) -> anyhow::Result<String> {
    let plan = json!({
        "oa_appid": oa,
        "setup": {
            "avatar": { "image": { "filename": "avatar.png", "data_base64": PNG_B64 } },
            "signature": format!("混沌测试第{i}号小程序，提供好用的工具服务。"),
        }
    });
    let (status, reg) = run.api(reqwest::Method::POST, "/registrations", Some(plan)).await?;
    let reg = match status {
        201 => reg,
        // The service stored the registration and was killed before it answered; the retry is
        // told that the account has one under way, and which (what a client does then).
        409 if reg["code"] == "registration_in_progress" => {
            let id = reg["message"]
                .as_str()
                .and_then(|m| m.strip_prefix("registration "))
                .and_then(|m| m.split_whitespace().next())
                .with_context(|| format!("no registration named: {reg}"))?;
            let (_, existing) = run
                .api(reqwest::Method::GET, &format!("/registrations/{id}"), None)
                .await?;
            if existing["state"] != "awaiting_admin" {
                bail!("POST /registrations for {oa}: {status} {reg}; and it is {existing}");
            }
            println!("{oa}: the answer to POST /registrations was lost to a SIGKILL; the 409 named {id}");
            existing
        }
        _ => bail!("POST /registrations for {oa}: {status} {reg}"),
    };
    let url = url::Url::parse(reg["auth_url"].as_str().unwrap_or_default())?;
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let confirmed = run
        .control(
            "fastregister/confirm",
            json!({
                "component_appid": q.get("component_appid"), "appid": q.get("appid"),
                "copy_wx_verify": q.get("copy_wx_verify").map(String::as_str) == Some("1"),
                "redirect_uri": q.get("redirect_uri"),
            }),
        )
        .await?;
    let redirect = confirmed["redirect"]
        .as_str()
        .with_context(|| format!("no redirect: {confirmed}"))?;
    run.follow(redirect).await?;
    Ok(reg["id"].as_str().unwrap_or_default().to_owned())
}

async fn create_postgres_database(url: &str) -> anyhow::Result<()> {
    let Some((server, name)) = url.rsplit_once('/') else {
        return Ok(());
    };
    let admin = fastreg_server::store::Db::connect(&format!("{server}/postgres")).await?;
    let _ = fastreg_server::execute!(&admin, &format!("DROP DATABASE IF EXISTS \"{name}\""));
    fastreg_server::execute!(&admin, &format!("CREATE DATABASE \"{name}\"")).context("cannot create the database")?;
    admin.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let o = options()?;
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!("fastreg-chaos-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let database_url = match &o.database_url {
        Some(url) => {
            if url.starts_with("postgres") {
                create_postgres_database(url).await?;
            }
            url.clone()
        }
        None => format!("sqlite://{}", dir.join("chaos.db").display()),
    };
    println!(
        "chaos: {} registrations, -1 on {:.0}% of API calls, {:.0}% lost answers on fastregister and api_query_auth, \
         at least {} SIGKILLs; database {}; logs in {}",
        o.registrations,
        o.minus_one * 100.0,
        o.lost * 100.0,
        o.kills,
        if database_url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        dir.display()
    );

    // The emulator, as a command.
    let mut emulator = Command::new(&o.fastreg)
        .args(["emulator", "--listen", "127.0.0.1:0", "--seed", "13"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start fastreg emulator")?;
    let mut first = String::new();
    BufReader::new(emulator.stdout.take().context("stdout")?).read_line(&mut first)?;
    let emulator = (
        Killed(emulator),
        first
            .trim()
            .strip_prefix("fastreg emulator listening on ")
            .context("the emulator's first line")?
            .to_owned(),
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let run = Run {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()?,
        emulator: emulator.1.clone(),
        service: format!("http://127.0.0.1:{port}"),
    };
    run.control(
        "components",
        json!({
            "appid": COMPONENT_APPID,
            "login_domain": format!("127.0.0.1:{port}"),
            "event_url": format!("{}/wechat/component/events", run.service),
            "message_url": format!("{}/wechat/authorizers/$APPID$/events", run.service),
        }),
    )
    .await?;
    for i in 0..o.registrations {
        let r = run
            .control(
                "official-accounts",
                json!({
                    "appid": oa(i), "nickname": format!("混沌测试号{i}"), "principal_type": "enterprise",
                    "principal_name": format!("混沌测试企业{i}有限公司"), "verified": true,
                }),
            )
            .await?;
        if r.get("errcode").is_some() || r.get("error").is_some() {
            bail!("cannot add {}: {r}", oa(i));
        }
    }
    let mut service = start_service(&o, port, &run.emulator, &database_url, &dir)?;
    wait_healthy(&run).await?;
    run.control("push/verify-ticket", json!({ "component_appid": COMPONENT_APPID }))
        .await?;

    // Faults from now on: -1 on a share of every API call, lost answers on the two calls that
    // must not be resent blindly.
    run.control(
        "faults",
        json!({ "path": "*", "mode": "error", "errcode": -1, "probability": o.minus_one }),
    )
    .await?;
    for path in ["/cgi-bin/account/fastregister", "/cgi-bin/component/api_query_auth"] {
        run.control(
            "faults",
            json!({ "path": path, "mode": "drop_response", "probability": o.lost }),
        )
        .await?;
    }

    // Authorizations, then registrations, all at once, while the service is killed.
    let oas: Vec<String> = (0..o.registrations).map(oa).collect();
    let killer = {
        let o_kills = o.kills;
        let (emu, db, d) = (run.emulator.clone(), database_url.clone(), dir.clone());
        let fastreg = o.fastreg.clone();
        let service_url = run.service.clone();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop_flag = stop.clone();
        let handle = tokio::spawn(async move {
            let o = Options {
                registrations: 0,
                kills: o_kills,
                minus_one: 0.0,
                lost: 0.0,
                database_url: None,
                fastreg,
            };
            let probe = Run {
                http: reqwest::Client::new(),
                emulator: emu.clone(),
                service: service_url,
            };
            let mut kills = 0usize;
            while !stop_flag.load(std::sync::atomic::Ordering::SeqCst) || kills < o.kills {
                // The first kill while authorizations run; then long enough between kills for
                // leases (5 s) to lapse and work to move on.
                let pause = if kills == 0 {
                    2000
                } else {
                    8000 + 1500 * (kills as u64 % 3)
                };
                tokio::time::sleep(Duration::from_millis(pause)).await;
                // SIGKILL (Child::kill sends SIGKILL on Unix), then start again on the same database.
                let _ = service.0.kill();
                let _ = service.0.wait();
                kills += 1;
                loop {
                    match start_service(&o, port, &emu, &db, &d) {
                        Ok(s) => {
                            service = s;
                            break;
                        }
                        Err(e) => {
                            eprintln!("restart failed: {e:#}");
                            tokio::time::sleep(Duration::from_millis(500)).await;
                        }
                    }
                }
                let _ = wait_healthy(&probe).await;
            }
            (service, kills)
        });
        (handle, stop)
    };
    let auths = futures::future::join_all(oas.iter().map(|oa| authorize(&run, oa))).await;
    let mut auth_ids = Vec::new();
    for (oa, a) in oas.iter().zip(auths) {
        auth_ids.push((oa.clone(), a.with_context(|| format!("authorizing {oa}"))?));
    }
    // Each account authorized before its registration starts.
    for (oa, id) in &auth_ids {
        loop {
            let (_, a) = run
                .api(reqwest::Method::GET, &format!("/authorizations/{id}"), None)
                .await?;
            match a["state"].as_str() {
                Some("authorized") => break,
                Some("failed") => bail!("authorization of {oa} failed: {a}"),
                _ if started.elapsed() > DEADLINE => bail!("authorization of {oa} never ended: {a}"),
                _ => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    }
    println!(
        "authorized: {}/{} ({:.0} s)",
        auth_ids.len(),
        o.registrations,
        started.elapsed().as_secs_f64()
    );
    let regs = futures::future::join_all(oas.iter().enumerate().map(|(i, oa)| register(&run, oa, i))).await;
    let mut reg_ids = Vec::new();
    for (oa, r) in oas.iter().zip(regs) {
        reg_ids.push((oa.clone(), r.with_context(|| format!("registering {oa}"))?));
    }
    // Until every registration and its setup has ended.
    let mut finals: Vec<Value> = Vec::new();
    loop {
        finals.clear();
        let mut open = 0;
        for (_, id) in &reg_ids {
            let (_, r) = run
                .api(reqwest::Method::GET, &format!("/registrations/{id}"), None)
                .await?;
            let setup_open = if r["state"] == "registered" {
                let mp = r["mini_program_appid"].as_str().unwrap_or_default();
                let (_, m) = run
                    .api(reqwest::Method::GET, &format!("/mini-programs/{mp}"), None)
                    .await?;
                m["setup"].as_array().is_none_or(|steps| {
                    steps
                        .iter()
                        .any(|s| !matches!(s["state"].as_str(), Some("done" | "failed")))
                })
            } else {
                false
            };
            if !matches!(r["state"].as_str(), Some("registered" | "failed")) || setup_open {
                open += 1;
            }
            finals.push(r);
        }
        if open == 0 || started.elapsed() > DEADLINE {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let (handle, stop) = killer;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (service, kills) = handle.await?;
    wait_healthy(&run).await?;

    // The checks.
    let world = run.control_get("state").await?;
    let db = fastreg_server::store::Db::connect(&database_url).await?;
    let mut registered = 0;
    let mut failures = Vec::new();
    let mut setup_done = 0;
    let mut setup_steps = 0;
    for ((oa, _), r) in reg_ids.iter().zip(&finals) {
        let created: Vec<String> = world["mini_programs"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m["fast_registered_from"] == oa.as_str())
            .filter_map(|m| m["appid"].as_str().map(str::to_owned))
            .collect();
        if created.len() != 1 {
            failures.push(format!(
                "{oa}: WeChat created {} Mini Programs: {created:?}",
                created.len()
            ));
        }
        if r["state"] != "registered" {
            failures.push(format!("{oa}: {} — {}", r["state"], r["error"]));
            continue;
        }
        registered += 1;
        let mp = r["mini_program_appid"].as_str().unwrap_or_default().to_owned();
        if created.first() != Some(&mp) {
            failures.push(format!("{oa}: registered {mp}, WeChat created {created:?}"));
        }
        let (kept,): (i64,) = fastreg_server::fetch_one!(
            &db,
            (i64,),
            "SELECT COUNT(*) FROM authorizers WHERE appid = $1 AND refresh_token_sealed IS NOT NULL",
            &mp
        )?;
        if kept != 1 {
            failures.push(format!("{oa}: the refresh token of {mp} is lost"));
        }
        let (_, m) = run
            .api(reqwest::Method::GET, &format!("/mini-programs/{mp}"), None)
            .await?;
        for s in m["setup"].as_array().cloned().unwrap_or_default() {
            setup_steps += 1;
            if s["state"] == "done" {
                setup_done += 1;
            } else {
                failures.push(format!(
                    "{oa}: setup step {} is {} — {}",
                    s["step"], s["state"], s["error"]
                ));
            }
        }
    }
    let calls = run.control_get("calls").await?;
    // The faults in the order they were added: -1 on every API, then the two lost answers.
    let hits = run.control_get("faults").await?["hits"].clone();
    let hit = |i: usize| hits[i].as_u64().unwrap_or(0);
    let api_calls: u64 = calls["counts"]
        .as_object()
        .map(|c| c.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    let (applied,): (i64,) = fastreg_server::fetch_one!(&db, (i64,), "SELECT COUNT(*) FROM mini_programs")?;
    db.close().await;
    drop(service);
    println!(
        "registered: {registered}/{}; setup steps done: {setup_done}/{setup_steps}; Mini Programs recorded: {applied}; \
         SIGKILLs: {kills}; API calls: {api_calls}, -1 injected: {}, answers lost: {} on fastregister, {} on \
         api_query_auth; fastregister calls: {}; api_query_auth calls: {}; {:.0} s",
        o.registrations,
        hit(0),
        hit(1),
        hit(2),
        calls["counts"]["fastregister"],
        calls["counts"]["api_query_auth"],
        started.elapsed().as_secs_f64()
    );
    if kills < o.kills {
        failures.push(format!("only {kills} SIGKILLs"));
    }
    if failures.is_empty() {
        println!("chaos: every check passed");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    } else {
        for f in &failures {
            println!("FAILED: {f}");
        }
        bail!("{} check(s) failed (logs in {})", failures.len(), dir.display())
    }
}
