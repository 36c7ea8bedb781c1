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

/// Control characters, bidi overrides and other unwelcome text.
const NASTY: &[&str] = &[
    "\u{0}",
    "a\u{0}b",
    "\r\n",
    "%0d%0aSet-Cookie:x=1",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{202e}",
    "\u{200b}",
    "\u{feff}",
    "../../etc/passwd",
    "'; DROP TABLE authorizers; --",
    "\" OR 1=1 --",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "%s%s%s%n",
    "\u{fffd}",
    "𝕏",
    "",
];

/// The tables an attack may change: the sign-in throttle's counters, the audit log, the job
/// queue's bookkeeping (the upkeep's runs), the access tokens the upkeep renews (the verify
/// ticket is not: it is a row of `tokens` compared like any other), the leases of the workers,
/// and SQLite's id counters (an `INSERT … ON CONFLICT DO NOTHING` of a duplicate push moves the
/// counter of `events`, though no row is written).
const MAY_CHANGE: &[&str] = &[
    "console_sign_in_failures",
    "audit_log",
    "jobs",
    "leases",
    "sqlite_sequence",
];

#[derive(Default)]
struct Tally {
    by_category: BTreeMap<&'static str, BTreeMap<u16, u64>>,
    bad: Vec<String>,
    sent: u64,
}

impl Tally {
    fn note(&mut self, category: &'static str, what: &str, status: impl Into<Option<u16>>) {
        let Some(status) = status.into() else { return };
        self.sent += 1;
        *self.by_category.entry(category).or_default().entry(status).or_default() += 1;
        if (status == 0 || status >= 500) && self.bad.len() < 200 {
            let what: String = what.chars().take(160).collect();
            self.bad.push(format!(
                "{category}: {what:?} -> {}",
                if status == 0 {
                    "no answer".to_owned()
                } else {
                    status.to_string()
                }
            ));
        }
    }
}

struct Target {
    http: reqwest::Client,
    /// A client that opens a connection for every request.
    fresh: reqwest::Client,
    service: String,
    emulator: String,
    host: String,
}

impl Target {
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

    /// The status of the answer; 0 without one; `None` when the client library refuses to
    /// send the request at all (a header value it will not write: the raw requests cover those).
    async fn send(&self, req: reqwest::RequestBuilder) -> Option<u16> {
        let (client, req) = req.build_split();
        let req = req.ok()?;
        let again = req.try_clone();
        let mut answer = client.execute(req).await;
        // A connection the service closed after refusing a huge body may have been taken from
        // the pool for this request: once more, on a fresh connection.
        if answer.is_err()
            && let Some(again) = again
        {
            answer = self.fresh.execute(again).await;
        }
        match answer {
            Ok(r) => {
                let status = r.status().as_u16();
                let _ = r.bytes().await;
                Some(status)
            }
            Err(e) => {
                if std::env::var_os("ATTACK_DEBUG").is_some() {
                    eprintln!("no answer: {e:?}");
                }
                Some(0)
            }
        }
    }

    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.service))
            .bearer_auth(API_KEY);
        if let Some(b) = body {
            req = req.json(&b);
        }
        match req.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                let text = r.text().await.unwrap_or_default();
                (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
            }
            Err(_) => (0, Value::Null),
        }
    }

    /// A request written byte for byte on a fresh connection (paths and headers no client
    /// library would send); the status of the answer, 0 without one.
    async fn raw(&self, request: &[u8]) -> u16 {
        let Ok(mut stream) = tokio::net::TcpStream::connect(&self.host).await else {
            return 0;
        };
        let _ = stream.write_all(request).await;
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), async {
            let mut chunk = [0u8; 4096];
            while !buf.windows(2).any(|w| w == b"\r\n") {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
        })
        .await;
        if read.is_err() {
            return 0;
        }
        let line = String::from_utf8_lossy(&buf);
        line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
    }
}

fn nasty(rng: &mut impl Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.gen_range(1..4) {
        match rng.gen_range(0..4) {
            0 => s.push_str(NASTY[rng.gen_range(0..NASTY.len())]),
            1 => s.push(char::from_u32(rng.gen_range(0..0x20)).unwrap_or('\0')),
            2 => s.push_str(&"A".repeat(rng.gen_range(1..3000))),
            _ => s.push(rng.gen_range('\u{a0}'..'\u{3000}')),
        }
    }
    s
}

/// `s` percent-encoded for a path segment or query value.
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A genuinely signed component push of `xml` with `timestamp`: the query and the body.
fn sign_push(crypt: &MsgCrypt, xml: &str, timestamp: i64, nonce: &str) -> (String, String) {
    let ts = timestamp.to_string();
    let envelope = crypt.seal(xml, &ts, nonce);
    let query = format!(
        "signature={}&timestamp={ts}&nonce={nonce}&encrypt_type=aes&msg_signature={}",
        url_signature(COMPONENT_TOKEN, &ts, nonce),
        envelope.msg_signature
    );
    let body = format!(
        "<xml><AppId><![CDATA[{COMPONENT_APPID}]]></AppId><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        envelope.encrypt
    );
    (query, body)
}

fn ticket_xml(ticket: &str, create_time: i64) -> String {
    format!(
        "<xml><AppId><![CDATA[{COMPONENT_APPID}]]></AppId><CreateTime>{create_time}</CreateTime>\
         <InfoType><![CDATA[component_verify_ticket]]></InfoType>\
         <ComponentVerifyTicket><![CDATA[{ticket}]]></ComponentVerifyTicket></xml>"
    )
}

fn unauthorized_xml(appid: &str, create_time: i64) -> String {
    format!(
        "<xml><AppId><![CDATA[{COMPONENT_APPID}]]></AppId><CreateTime>{create_time}</CreateTime>\
         <InfoType><![CDATA[unauthorized]]></InfoType><AuthorizerAppid><![CDATA[{appid}]]></AuthorizerAppid></xml>"
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Every row of the database as text, by table (`sqlite3 .dump` or `pg_dump --inserts`).
fn dump(database_url: &str) -> anyhow::Result<BTreeMap<String, BTreeSet<String>>> {
    let out = if let Some(path) = database_url.strip_prefix("sqlite://") {
        Command::new("sqlite3")
            .arg(path.split('?').next().unwrap_or(path))
            .arg(".dump")
            .output()
            .context("sqlite3 is needed for the database dump")?
    } else {
        Command::new("pg_dump")
            .args(["--data-only", "--inserts", "--rows-per-insert=1", database_url])
            .output()
            .context("pg_dump is needed for the database dump")?
    };
    if !out.status.success() {
        bail!("the dump failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(rest) = line.strip_prefix("INSERT INTO ") else {
            continue;
        };
        let table = rest
            .split([' ', '('])
            .next()
            .unwrap_or_default()
            .trim_start_matches("public.")
            .trim_matches('"')
            .to_owned();
        tables.entry(table).or_default().insert(line.to_owned());
    }
    Ok(tables)
}

/// The rows of `tokens` other than the verify ticket: access tokens the upkeep may renew.
fn renewable_token(line: &str) -> bool {
    line.contains("component_token:") || line.contains("authorizer_token:")
}

async fn settle(target: &Target) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let (_, jobs) = target.api(reqwest::Method::GET, "/jobs?status=queued", None).await;
        let (_, running) = target.api(reqwest::Method::GET, "/jobs?status=running", None).await;
        let due = |v: &Value| {
            v["items"]
                .as_array()
                .map(|items| items.iter().filter(|j| j["kind"] != "token_upkeep").count())
                .unwrap_or(0)
        };
        if due(&jobs) + due(&running) == 0 {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("jobs never settled: {jobs}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

struct Genuine {
    older_ticket_push: (String, String),
    newer_ticket_push: (String, String),
    authorize_callback: String,
    fastregister_callback: String,
    mini_program: String,
    registration: String,
    authorization: String,
}

async fn authorize(target: &Target, oa: &str) -> anyhow::Result<(String, String)> {
    let (status, auth) = target
        .api(reqwest::Method::POST, "/authorizations", Some(json!({})))
        .await;
    if status != 201 {
        bail!("POST /authorizations: {status} {auth}");
    }
    let url = url::Url::parse(auth["auth_url"].as_str().unwrap_or_default())?;
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let mut form = vec![
        ("component_appid".to_owned(), COMPONENT_APPID.to_owned()),
        ("appid".to_owned(), oa.to_owned()),
        (
            "pre_auth_code".to_owned(),
            q.get("pre_auth_code").cloned().unwrap_or_default(),
        ),
        (
            "redirect_uri".to_owned(),
            q.get("redirect_uri").cloned().unwrap_or_default(),
        ),
    ];
    for set in [
        "account_service",
        "mp_account_management",
        "mp_development",
        "mp_basic_info",
        "fast_register",
    ] {
        form.push(("set".to_owned(), set.to_owned()));
    }
    let r = target
        .http
        .post(format!("{}/cgi-bin/componentloginpage/confirm", target.emulator))
        .form(&form)
        .send()
        .await?;
    let location = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .context("the login page refused")?;
    target.http.get(&location).send().await?;
    Ok((auth["id"].as_str().unwrap_or_default().to_owned(), location))
}

async fn prepare(target: &Target) -> anyhow::Result<Genuine> {
    let (authorization, authorize_callback) = authorize(target, OA_ENTERPRISE).await?;
    authorize(target, OA_MEDIA).await?;
    settle(target).await?;
    let (status, reg) = target
        .api(
            reqwest::Method::POST,
            "/registrations",
            Some(json!({ "oa_appid": OA_ENTERPRISE })),
        )
        .await;
    if status != 201 {
        bail!("POST /registrations: {status} {reg}");
    }
    let url = url::Url::parse(reg["auth_url"].as_str().unwrap_or_default())?;
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let confirmed = target
        .control(
            "fastregister/confirm",
            json!({
                "component_appid": q.get("component_appid"), "appid": q.get("appid"),
                "copy_wx_verify": q.get("copy_wx_verify").map(String::as_str) == Some("1"),
                "redirect_uri": q.get("redirect_uri"),
            }),
        )
        .await?;
    let fastregister_callback = confirmed["redirect"]
        .as_str()
        .with_context(|| format!("no redirect: {confirmed}"))?
        .to_owned();
    target.http.get(&fastregister_callback).send().await?;
    let id = reg["id"].as_str().unwrap_or_default().to_owned();
    let started = Instant::now();
    let mini_program = loop {
        let (_, r) = target
            .api(reqwest::Method::GET, &format!("/registrations/{id}"), None)
            .await;
        if r["state"] == "registered" {
            break r["mini_program_appid"].as_str().unwrap_or_default().to_owned();
        }
        if r["state"] == "failed" || started.elapsed() > Duration::from_secs(120) {
            bail!("the registration did not complete: {r}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    // Two verify tickets as WeChat pushes them, ten minutes apart, delivered in order.
    let crypt = MsgCrypt::new(COMPONENT_TOKEN, COMPONENT_AES_KEY, COMPONENT_APPID)?;
    let t = now();
    let older_ticket_push = sign_push(&crypt, &ticket_xml("ticket@@@attack-older", t - 600), t - 600, "older");
    let newer_ticket_push = sign_push(&crypt, &ticket_xml("ticket@@@attack-newer", t), t, "newer");
    for (q, b) in [&older_ticket_push, &newer_ticket_push] {
        let r = target
            .http
            .post(format!("{}/wechat/component/events?{q}", target.service))
            .body(b.clone())
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("a genuine push was refused: {}", r.status());
        }
    }
    settle(target).await?;
    Ok(Genuine {
        older_ticket_push,
        newer_ticket_push,
        authorize_callback,
        fastregister_callback,
        mini_program,
        registration: id,
        authorization,
    })
}

/// Pushes: forged, fuzzed, replayed, stale, huge.
async fn pushes(target: &Target, tally: &mut Tally, rng: &mut impl Rng, genuine: &Genuine, rounds: usize) {
    let url = format!("{}/wechat/component/events", target.service);
    let crypt = MsgCrypt::new(COMPONENT_TOKEN, COMPONENT_AES_KEY, COMPONENT_APPID).expect("the built-in key");
    let wrong_key = MsgCrypt::new(
        COMPONENT_TOKEN,
        "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut",
        COMPONENT_APPID,
    )
    .expect("a key");
    let wrong_appid = MsgCrypt::new(COMPONENT_TOKEN, COMPONENT_AES_KEY, "wx0000000000000bad").expect("a key");
    let t = now();
    // Replays of the genuinely signed pushes WeChat delivered before the attack (an older and a
    // newer ticket: the older one must not roll the ticket back), and stale ones: an
    // `unauthorized` for a real account from two hours ago.
    let (older, newer) = (&genuine.older_ticket_push, &genuine.newer_ticket_push);
    let stale = sign_push(&crypt, &unauthorized_xml(OA_MEDIA, t - 7200), t - 7200, "n2");
    let stale_ticket = sign_push(&crypt, &ticket_xml("ticket@@@attack-stale", t - 7200), t - 7200, "n3");
    let future = sign_push(&crypt, &ticket_xml("ticket@@@attack-future", t + 7200), t + 7200, "n4");
    // Forged: the right shapes without the token or the key.
    let unsigned = sign_push(&wrong_key, &unauthorized_xml(OA_ENTERPRISE, t), t, "n5");
    let other_appid = sign_push(&wrong_appid, &unauthorized_xml(OA_ENTERPRISE, t), t, "n6");
    let mp_unauth = unauthorized_xml(&genuine.mini_program, t);
    let forged_sig = {
        let (q, b) = sign_push(&crypt, &mp_unauth, t, "n7");
        (q.replace("msg_signature=", "msg_signature=0"), b)
    };
    for _ in 0..rounds {
        for (what, (q, b)) in [
            ("older genuine ticket replayed", older),
            ("newer genuine ticket replayed", newer),
            ("stale genuine unauthorized", &stale),
            ("stale genuine ticket", &stale_ticket),
            ("future genuine ticket", &future),
            ("wrong key", &unsigned),
            ("wrong appid", &other_appid),
            ("forged signature", &forged_sig),
        ] {
            for _ in 0..3 {
                let s = target
                    .send(target.http.post(format!("{url}?{q}")).body(b.clone()))
                    .await;
                tally.note("pushes", what, s);
            }
        }
        // Fuzzed: byte flips, truncations and insertions in a genuine push already delivered
        // (its signature then fails, or it is a duplicate), garbage and hostile XML, broken
        // queries.
        let (q, b) = newer.clone();
        for _ in 0..200 {
            let mut body = b.clone().into_bytes();
            let mut query = q.clone();
            match rng.gen_range(0..6) {
                0 => {
                    let i = rng.gen_range(0..body.len());
                    body[i] ^= 1 << rng.gen_range(0..8);
                }
                1 => body.truncate(rng.gen_range(0..body.len())),
                2 => {
                    let i = rng.gen_range(0..body.len());
                    body.splice(i..i, nasty(rng).into_bytes());
                }
                3 => {
                    let i = rng.gen_range(0..query.len());
                    query.insert_str(i, &enc(&nasty(rng)));
                }
                4 => {
                    body = (0..rng.gen_range(0..4096)).map(|_| rng.r#gen()).collect();
                }
                _ => {
                    query = format!(
                        "timestamp={}&nonce={}&msg_signature={}",
                        enc(&nasty(rng)),
                        enc(&nasty(rng)),
                        enc(&nasty(rng))
                    );
                }
            }
            let s = target.send(target.http.post(format!("{url}?{query}")).body(body)).await;
            tally.note("pushes", "fuzzed push", s);
        }
        for (what, body) in [
            ("billion laughs", "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><xml><Encrypt>&c;</Encrypt></xml>".to_owned()),
            ("external entity", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><Encrypt>&e;</Encrypt></xml>".to_owned()),
            ("deep nesting", format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000))),
            ("huge body", "A".repeat(12 * 1024 * 1024)),
            ("empty", String::new()),
        ] {
            let s = target.send(target.http.post(format!("{url}?{q}")).body(body)).await;
            tally.note("pushes", what, s);
        }
        // The authorizer push URL with hostile appids.
        for _ in 0..50 {
            let appid = enc(&nasty(rng));
            let s = target
                .send(
                    target
                        .http
                        .post(format!("{}/wechat/authorizers/{appid}/events?{q}", target.service))
                        .body(b.clone()),
                )
                .await;
            tally.note("pushes", "authorizer push, hostile appid", s);
        }
        let s = target
            .send(
                target
                    .http
                    .post(format!(
                        "{}/wechat/authorizers/{}/events?{q}",
                        target.service, genuine.mini_program
                    ))
                    .body(b.clone()),
            )
            .await;
        tally.note("pushes", "component push on the authorizer URL", s);
    }
}

/// Callbacks: tampered and forged states, replays of the genuine ones, hostile parameters.
async fn callbacks(target: &Target, tally: &mut Tally, rng: &mut impl Rng, genuine: &Genuine, rounds: usize) {
    let replays = [
        genuine.authorize_callback.clone(),
        genuine.fastregister_callback.clone(),
    ];
    for _ in 0..rounds {
        for url in &replays {
            let s = target.send(target.http.get(url)).await;
            tally.note("callbacks", "genuine callback replayed", s);
            // The same without its code or ticket (a "declined" landing), and with another one.
            let parsed = url::Url::parse(url).expect("a URL");
            let state: String = parsed
                .query_pairs()
                .find(|(k, _)| k == "state")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let base = format!("{}{}", target.service, parsed.path());
            for query in [
                format!("state={}", enc(&state)),
                format!(
                    "state={}&auth_code=queryauthcode@@@forged&ticket=forged-ticket",
                    enc(&state)
                ),
                format!("state={}&auth_code=&ticket=", enc(&state)),
            ] {
                let s = target.send(target.http.get(format!("{base}?{query}"))).await;
                tally.note("callbacks", "genuine state, other parameters", s);
            }
            for _ in 0..60 {
                let mut forged = state.clone().into_bytes();
                if !forged.is_empty() {
                    let i = rng.gen_range(0..forged.len());
                    forged[i] = rng.gen_range(b'0'..b'z');
                }
                let forged = String::from_utf8_lossy(&forged).into_owned();
                let query = match rng.gen_range(0..4) {
                    0 => format!("state={}&auth_code=x&ticket=y", enc(&forged)),
                    1 => format!(
                        "state={}&auth_code={}&ticket={}",
                        enc(&nasty(rng)),
                        enc(&nasty(rng)),
                        enc(&nasty(rng))
                    ),
                    2 => format!("state={}&state={}&ticket=t", enc(&state), enc(&forged)),
                    _ => String::new(),
                };
                let s = target.send(target.http.get(format!("{base}?{query}"))).await;
                tally.note("callbacks", "forged state", s);
            }
        }
        for _ in 0..30 {
            let s = target
                .send(
                    target
                        .http
                        .get(format!("{}/callback/rebind?{}", target.service, enc(&nasty(rng)))),
                )
                .await;
            tally.note("callbacks", "rebind callback, hostile query", s);
        }
    }
}

/// REST: without a key, with forged keys, and with the key but hostile input.
async fn rest(target: &Target, tally: &mut Tally, rng: &mut impl Rng, genuine: &Genuine, rounds: usize) {
    let api = format!("{}/api/v1", target.service);
    let mp = &genuine.mini_program;
    let reads = [
        "/authorizers".to_owned(),
        format!("/authorizers/{OA_ENTERPRISE}"),
        "/mini-programs".to_owned(),
        format!("/mini-programs/{mp}"),
        format!("/registrations/{}", genuine.registration),
        format!("/authorizations/{}", genuine.authorization),
        "/jobs".to_owned(),
        "/audit-log".to_owned(),
        "/api-keys".to_owned(),
    ];
    let writes: Vec<(reqwest::Method, String)> = vec![
        (reqwest::Method::POST, "/api-keys".to_owned()),
        (reqwest::Method::POST, "/authorizations".to_owned()),
        (reqwest::Method::POST, "/registrations".to_owned()),
        (reqwest::Method::PUT, format!("/mini-programs/{mp}/setup")),
        (reqwest::Method::POST, format!("/mini-programs/{mp}/rebind")),
        (reqwest::Method::DELETE, format!("/mini-programs/{mp}/categories/1")),
        (
            reqwest::Method::POST,
            format!("/mini-programs/{mp}/categories/1/resubmit"),
        ),
        (reqwest::Method::DELETE, "/api-keys/1".to_owned()),
    ];
    for _ in 0..rounds {
        // No key, forged keys: every route, reads and writes with valid bodies.
        for key in [
            None,
            Some("fr_forged_key_0123456789"),
            Some(""),
            Some("Bearer x"),
            Some("\u{7f}"),
        ] {
            for path in &reads {
                let mut req = target.http.get(format!("{api}{path}"));
                if let Some(k) = key {
                    req = req.header("authorization", format!("Bearer {k}"));
                }
                tally.note("rest", "forged key, read", target.send(req).await);
            }
            for (m, path) in &writes {
                let mut req = target.http.request(m.clone(), format!("{api}{path}")).json(&json!({
                    "name": "x", "oa_appid": OA_MEDIA, "setup": {}, "new_admin": "x"
                }));
                if let Some(k) = key {
                    req = req.header("authorization", format!("Bearer {k}"));
                }
                tally.note("rest", "forged key, write", target.send(req).await);
            }
        }
        // The key, hostile path parameters and queries.
        for _ in 0..150 {
            let bad = enc(&nasty(rng));
            let path = match rng.gen_range(0..10) {
                0 => format!("/authorizers/{bad}"),
                1 => format!("/mini-programs/{bad}"),
                2 => format!("/mini-programs/{bad}/categories/catalog"),
                3 => format!("/mini-programs/{mp}/nickname-audit?x={bad}"),
                4 => format!("/registrations/{bad}"),
                5 => format!("/authorizations/{bad}"),
                6 => format!("/jobs/{bad}"),
                7 => format!("/rebind-tasks/{bad}"),
                8 => format!("/audit-log?limit={bad}&cursor={bad}"),
                _ => format!("/mini-programs?q={bad}&status={bad}&cursor={bad}&limit={bad}"),
            };
            let s = target
                .send(target.http.get(format!("{api}{path}")).bearer_auth(API_KEY))
                .await;
            tally.note("rest", "hostile path or query", s);
        }
        // The key, hostile bodies (never a valid one: that would be the operator's own change).
        let bodies: Vec<(&str, String, &str)> = vec![
            ("invalid JSON", "{\"oa_appid\": ".to_owned(), "application/json"),
            ("not JSON", "oa_appid=x".to_owned(), "application/x-www-form-urlencoded"),
            ("no content type", "{}".to_owned(), ""),
            (
                "NUL in a string",
                "{\"name\":\"a\\u0000b\",\"oa_appid\":\"wx\\u0000\"}".to_owned(),
                "application/json",
            ),
            (
                "wrong types",
                "{\"name\":5,\"oa_appid\":[1],\"setup\":\"x\",\"biz_appid\":{}}".to_owned(),
                "application/json",
            ),
            (
                "deep nesting",
                format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)),
                "application/json",
            ),
            (
                "huge body",
                format!("{{\"name\":\"{}\"}}", "A".repeat(11 * 1024 * 1024)),
                "application/json",
            ),
            (
                "unknown fields",
                "{\"oa_appid\":\"wx5a00000000000e02\",\"evil\":true,\"setup\":{\"nickname\":\"\\u202eevil\"}}"
                    .to_owned(),
                "application/json",
            ),
            (
                "bidi name",
                format!("{{\"oa_appid\":\"{OA_MEDIA}\",\"setup\":{{\"nickname\":\"好用\\u202e工具\"}}}}"),
                "application/json",
            ),
            (
                "huge avatar",
                format!(
                    "{{\"oa_appid\":\"{OA_MEDIA}\",\"setup\":{{\"avatar\":{{\"image\":{{\"filename\":\"a.png\",\"data_base64\":\"{}\"}}}}}}}}",
                    "QUFB".repeat(100_000)
                ),
                "application/json",
            ),
            (
                "bad base64",
                format!(
                    "{{\"oa_appid\":\"{OA_MEDIA}\",\"setup\":{{\"avatar\":{{\"image\":{{\"filename\":\"../../x\",\"data_base64\":\"%%%\"}}}}}}}}"
                ),
                "application/json",
            ),
            (
                "NUL appid",
                "{\"biz_appid\":\"wx\\u0000\"}".to_owned(),
                "application/json",
            ),
            (
                "invisible name",
                "{\"name\":\"\\ufeffadmin\"}".to_owned(),
                "application/json",
            ),
            (
                "long name",
                format!("{{\"name\":\"{}\"}}", "n".repeat(101)),
                "application/json",
            ),
        ];
        // Every body is refused by the routes that take a body with required fields. POST
        // /authorizations takes no body or `{}` and ignores what it does not know (so it gets
        // only bodies that cannot be read or name a bad account), and a rebind takes no body:
        // with the key, anything else is the operator's own request.
        for (m, path) in writes.iter().filter(|(_, p)| !p.ends_with("/rebind")) {
            for (what, body, content_type) in &bodies {
                if path == "/authorizations"
                    && !matches!(
                        *what,
                        "invalid JSON" | "NUL appid" | "wrong types" | "deep nesting" | "huge body"
                    )
                {
                    continue;
                }
                let mut req = target
                    .http
                    .request(m.clone(), format!("{api}{path}"))
                    .bearer_auth(API_KEY)
                    .body(body.clone());
                if !content_type.is_empty() {
                    req = req.header("content-type", *content_type);
                }
                tally.note("rest", what, target.send(req).await);
            }
        }
        // Random JSON with hostile strings in every field the writes take (not to /api-keys: a
        // random name may well be a good one, and the key the operator's own; the bodies above
        // give it the bad names).
        for _ in 0..150 {
            let (m, path) = &writes[rng.gen_range(0..writes.len())];
            if path.ends_with("/rebind") || path == "/api-keys" {
                continue;
            }
            let body = json!({
                "name": nasty(rng), "oa_appid": nasty(rng), "biz_appid": nasty(rng),
                "setup": { "nickname": nasty(rng), "signature": nasty(rng), "categories": [{ "first": nasty(rng) }] },
                "new_admin": nasty(rng),
            });
            let s = target
                .send(
                    target
                        .http
                        .request(m.clone(), format!("{api}{path}"))
                        .bearer_auth(API_KEY)
                        .json(&body),
                )
                .await;
            tally.note("rest", "hostile JSON fields", s);
        }
        // Raw requests no client library sends.
        for raw in [
            format!(
                "GET /api/v1/authorizers/\0 HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /api/v1/../../../etc/passwd HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /api/v1/authorizers HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\u{1}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "POST /api/v1/registrations HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\nConnection: close\r\n\r\n{{}}",
                target.host
            ),
            format!(
                "POST /api/v1/registrations HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: close\r\n\r\nzz\r\n",
                target.host
            ),
            format!(
                "GET /api/v1/authorizers?limit=%ff%fe HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /api/v1/mini-programs/%ff HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            "GARBAGE\r\n\r\n".to_owned(),
        ] {
            tally.note("rest", &raw, target.raw(raw.as_bytes()).await);
        }
    }
}

/// The console: sign-in with hostile input, forged sessions, redirects with control characters,
/// hostile paths, no CSRF token.
async fn console(target: &Target, tally: &mut Tally, rng: &mut impl Rng, genuine: &Genuine, rounds: usize) {
    let base = &target.service;
    let mp = &genuine.mini_program;
    for round in 0..rounds {
        // Sign-ins from their own loopback addresses, so the throttle does not answer them all.
        for i in 0..12u8 {
            let Ok(http) = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(std::net::IpAddr::from([127, 9, round as u8, i + 1]))
                .build()
            else {
                continue;
            };
            let page = http
                .get(format!("{base}/console/login?next={}", enc(&nasty(rng))))
                .send()
                .await;
            let status = page.as_ref().map(|p| p.status().as_u16()).unwrap_or(0);
            tally.note("console", "sign-in page, hostile next", status);
            let cookie = page
                .ok()
                .and_then(|p| {
                    p.headers()
                        .get_all("set-cookie")
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .find(|c| c.starts_with("fastreg_login_csrf="))
                        .and_then(|c| c.split(';').next())
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            let csrf = cookie.split_once('=').map(|(_, v)| v.to_owned()).unwrap_or_default();
            let (user, password, csrf) = match i % 6 {
                0 => ("a\0b".to_owned(), "x".to_owned(), csrf),
                1 => ("admin".to_owned(), "\0\r\n".to_owned(), csrf),
                2 => ("A".repeat(1 << 20), "x".to_owned(), csrf),
                3 => ("admin".to_owned(), "wrong".to_owned(), "forged-csrf".to_owned()),
                4 => (nasty(rng), nasty(rng), csrf),
                _ => ("admin".to_owned(), "wrong".to_owned(), String::new()),
            };
            let s = match http
                .post(format!("{base}/console/login?next={}", enc(&nasty(rng))))
                .header("cookie", &cookie)
                .form(&[("csrf", csrf.as_str()), ("username", &user), ("password", &password)])
                .send()
                .await
            {
                Ok(r) => r.status().as_u16(),
                Err(_) => 0,
            };
            tally.note("console", "hostile sign-in", s);
        }
        // Every page and action without a session, and with forged ones.
        let pages = [
            "/console/".to_owned(),
            "/console/accounts".to_owned(),
            format!("/console/accounts/{OA_ENTERPRISE}"),
            format!("/console/mini-programs/{mp}"),
            "/console/jobs".to_owned(),
            "/console/password".to_owned(),
        ];
        let actions = [
            "/console/logout".to_owned(),
            "/console/password".to_owned(),
            "/console/authorizations".to_owned(),
            format!("/console/accounts/{OA_MEDIA}/registrations"),
            format!("/console/registrations/{}/abandon", genuine.registration),
            format!("/console/mini-programs/{mp}/nickname"),
            format!("/console/mini-programs/{mp}/signature"),
            format!("/console/mini-programs/{mp}/categories"),
            format!("/console/mini-programs/{mp}/categories/1/delete"),
            format!("/console/mini-programs/{mp}/steps/avatar/retry"),
            format!("/console/mini-programs/{mp}/rebind"),
            "/console/jobs/1/retry".to_owned(),
        ];
        for cookie in [
            "".to_owned(),
            "fastreg_session=forged".to_owned(),
            format!("fastreg_session={}", "A".repeat(8000)),
            "fastreg_session=\u{7f}; fastreg_lang=\u{7f}".to_owned(),
        ] {
            for page in &pages {
                let s = target
                    .send(target.http.get(format!("{base}{page}")).header("cookie", &cookie))
                    .await;
                tally.note("console", "page, forged session", s);
            }
            for action in &actions {
                let s = target
                    .send(
                        target
                            .http
                            .post(format!("{base}{action}"))
                            .header("cookie", &cookie)
                            .form(&[
                                ("csrf", "forged"),
                                ("nickname", "x"),
                                ("signature", "x"),
                                ("password", "x"),
                            ]),
                    )
                    .await;
                tally.note("console", "action, forged session", s);
            }
        }
        // Hostile paths and redirect targets.
        for _ in 0..80 {
            let bad = enc(&nasty(rng));
            let path = match rng.gen_range(0..6) {
                0 => format!("/console/mini-programs/{bad}"),
                1 => format!("/console/accounts/{bad}"),
                2 => format!("/console/assets/{bad}"),
                3 => format!("/console/login?next={bad}"),
                4 => format!("/console/mini-programs?q={bad}&status={bad}&cursor={bad}"),
                _ => format!("/console/registrations/{bad}"),
            };
            let s = target.send(target.http.get(format!("{base}{path}"))).await;
            tally.note("console", "hostile path", s);
        }
        for raw in [
            format!(
                "GET /console/login?next=/console%0d%0aSet-Cookie:%20x=1 HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /console/mini-programs/wx%0d%0aLocation:%20//evil HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /console/assets/..%2f..%2f..%2fCargo.toml HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /console/ HTTP/1.1\r\nHost: {}\r\nCookie: fastreg_session=\u{1}\r\nConnection: close\r\n\r\n",
                target.host
            ),
            format!(
                "GET /console/ HTTP/1.1\r\nHost: {}\r\nAccept-Language: {}\r\nConnection: close\r\n\r\n",
                target.host,
                "zh;q=0.9,".repeat(5000)
            ),
        ] {
            tally.note("console", &raw, target.raw(raw.as_bytes()).await);
        }
    }
}

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
