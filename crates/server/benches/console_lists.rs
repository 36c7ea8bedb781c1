//! The console's lists at their users' scale: 10,000 Official Accounts and 10,000 Mini Programs
//! (half with a three-step setup plan) in SQLite, the service on loopback, and each list page
//! fetched as a signed-in browser would — the first page, a page further on by its cursor, a
//! search by name, a status filter — and the REST API's lists. Prints the median and slowest
//! of 20 fetches of each (target: under 300 ms). WeChat is pointed at a closed port: a list
//! that called it would fail, not look fast.
//!
//! `cargo bench -p fastreg-server --bench console_lists`

use fastreg_server::Application;
use fastreg_server::settings::{ComponentSettings, SecretString, Settings};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const ACCOUNTS: usize = 10_000;
const MINI_PROGRAMS: usize = 10_000;
const RUNS: usize = 20;
const API_KEY: &str = "bench-api-key-0123456789";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("fastreg-bench-lists-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut s = Settings::with_component(ComponentSettings {
        appid: "wx3c0a1b2c3d4e5f60".into(),
        secret: SecretString::new("bench-secret"),
        token: SecretString::new("bench-token"),
        encoding_aes_key: SecretString::new("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
        previous_encoding_aes_key: None,
    });
    s.listen = "127.0.0.1:0".into();
    s.data_dir = dir.clone();
    s.database_url = Some(format!("sqlite://{}", dir.join("fastreg.db").display()));
    s.api_base = "http://127.0.0.1:9".into();
    s.mp_base = "http://127.0.0.1:9".into();
    s.encryption_key = Some(SecretString::new("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="));
    s.bootstrap_api_key = Some(SecretString::new(API_KEY));
    s.workers = 0;
    let app = Application::build(s).await?;
    let state = app.state().clone();
    let base = app.local_url();
    let password = fastreg_server::console::bootstrap_admin(&state)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the admin exists already"))?;

    let seeded = Instant::now();
    let mut tx = state.db.begin().await?;
    for i in 0..ACCOUNTS {
        fastreg_server::execute!(
            &mut tx,
            "INSERT INTO authorizers (appid, kind, status, nick_name, principal_name, verify_type, func_info, created_at, updated_at)
             VALUES ($1, 'official_account', $2, $3, $4, 0, '[1,15,18,33]', 0, 0)",
            format!("wx9a{i:014}"),
            if i % 10 == 0 { "unauthorized" } else { "authorized" },
            format!("商户{i:05}"),
            format!("示例公司{i:05}有限公司")
        )?;
        // A fresh stored profile, as after the background refresh.
        fastreg_server::execute!(
            &mut tx,
            "INSERT INTO console_account_profiles (appid, principal_type, realname_status, verified, verify_expires_at, fetched_at)
             VALUES ($1, 1, 1, 1, NULL, $2)",
            format!("wx9a{i:014}"),
            fastreg_server::store::now_ms()
        )?;
    }
    for i in 0..MINI_PROGRAMS {
        let mp = format!("wx9b{i:014}");
        fastreg_server::execute!(
            &mut tx,
            "INSERT INTO authorizers (appid, kind, status, nick_name, created_at, updated_at)
             VALUES ($1, 'mini_program', 'authorized', $2, 0, 0)",
            &mp,
            format!("小店{i:05}")
        )?;
        fastreg_server::execute!(
            &mut tx,
            "INSERT INTO mini_programs (appid, oa_appid, created_at, updated_at) VALUES ($1, $2, $3, $3)",
            &mp,
            format!("wx9a{i:014}"),
            i as i64
        )?;
        if i % 2 == 0 {
            for (step, st) in [
                ("avatar", "done"),
                ("nickname", "awaiting_audit"),
                ("signature", "failed"),
            ] {
                fastreg_server::execute!(
                    &mut tx,
                    "INSERT INTO setup_steps (appid, step, spec, state, updated_at) VALUES ($1, $2, '{}', $3, 0)",
                    &mp,
                    step,
                    st
                )?;
            }
        }
    }
    tx.commit().await?;
    println!(
        "seeded {ACCOUNTS} Official Accounts and {MINI_PROGRAMS} Mini Programs in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    let server = tokio::spawn(app.run_until_stopped());
    let mut browser = Browser::new(&base);
    browser.sign_in(&password).await?;

    let next_accounts = browser.next_cursor("/console/accounts").await?;
    let next_mps = browser.next_cursor("/console/mini-programs").await?;
    let pages = [
        (
            "console: accounts, first page".to_owned(),
            "/console/accounts".to_owned(),
        ),
        (
            "console: accounts, next page".to_owned(),
            format!("/console/accounts?cursor={next_accounts}"),
        ),
        (
            "console: accounts, search by name".to_owned(),
            "/console/accounts?q=%E5%95%86%E6%88%B7099".to_owned(),
        ),
        (
            "console: accounts, unauthorized".to_owned(),
            "/console/accounts?status=unauthorized".to_owned(),
        ),
        (
            "console: Mini Programs, first page".to_owned(),
            "/console/mini-programs".to_owned(),
        ),
        (
            "console: Mini Programs, next page".to_owned(),
            format!("/console/mini-programs?cursor={next_mps}"),
        ),
        (
            "console: Mini Programs, search by appid".to_owned(),
            "/console/mini-programs?q=wx9b0000000000123".to_owned(),
        ),
        (
            "console: Mini Programs, setup failed".to_owned(),
            "/console/mini-programs?status=setup_failed".to_owned(),
        ),
        (
            "REST: official-accounts".to_owned(),
            "/api/v1/official-accounts".to_owned(),
        ),
        ("REST: mini-programs".to_owned(), "/api/v1/mini-programs".to_owned()),
    ];
    println!("{:<44} {:>10} {:>10}  (of {RUNS} fetches)", "page", "median", "slowest");
    let mut worst = Duration::ZERO;
    for (name, path) in &pages {
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let started = Instant::now();
            let (status, body) = browser.get(path).await?;
            times.push(started.elapsed());
            anyhow::ensure!(status == 200, "{path}: HTTP {status}: {body}");
            anyhow::ensure!(body.contains("wx9"), "{path} lists nothing: {body}");
        }
        times.sort();
        worst = worst.max(times[RUNS - 1]);
        println!(
            "{name:<44} {:>8.1} ms {:>8.1} ms",
            times[RUNS / 2].as_secs_f64() * 1e3,
            times[RUNS - 1].as_secs_f64() * 1e3
        );
    }
    println!(
        "slowest list page: {:.1} ms (target < 300 ms): {}",
        worst.as_secs_f64() * 1e3,
        if worst < Duration::from_millis(300) {
            "met"
        } else {
            "NOT met"
        }
    );
    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A signed-in browser: cookies kept, the CSRF token read from each form.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn new(base: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http"),
            base: base.to_owned(),
            cookies: HashMap::new(),
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> anyhow::Result<(u16, String)> {
        let mut req = req.bearer_auth(API_KEY);
        if !self.cookies.is_empty() {
            let header: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header("cookie", header.join("; "));
        }
        let r = req.send().await?;
        for c in r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()) {
            if let Some((k, v)) = c.split(';').next().and_then(|p| p.split_once('=')) {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        Ok((r.status().as_u16(), r.text().await?))
    }

    async fn get(&mut self, path: &str) -> anyhow::Result<(u16, String)> {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> anyhow::Result<(u16, String)> {
        let req = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(req).await
    }

    async fn sign_in(&mut self, password: &str) -> anyhow::Result<()> {
        let (_, login) = self.get("/console/login").await?;
        let csrf = hidden(&login, "csrf")?;
        let (status, body) = self
            .post(
                "/console/login",
                &[
                    ("csrf", &csrf),
                    ("username", "admin"),
                    ("password", password),
                    ("next", "/console/"),
                ],
            )
            .await?;
        anyhow::ensure!(status == 303, "sign-in: HTTP {status}: {body}");
        let (_, form) = self.get("/console/password").await?;
        let csrf = hidden(&form, "csrf")?;
        let new = "bench-password-42";
        let (status, body) = self
            .post(
                "/console/password",
                &[("csrf", &csrf), ("current", password), ("new", new), ("again", new)],
            )
            .await?;
        anyhow::ensure!(status == 303, "password change: HTTP {status}: {body}");
        Ok(())
    }

    /// The cursor of a list's next page.
    async fn next_cursor(&mut self, path: &str) -> anyhow::Result<String> {
        let (_, body) = self.get(path).await?;
        let at = body
            .find("rel=\"next\" href=\"")
            .ok_or_else(|| anyhow::anyhow!("{path} has no next page"))?;
        let href = body[at + "rel=\"next\" href=\"".len()..]
            .split('"')
            .next()
            .unwrap_or("");
        Ok(href.rsplit("cursor=").next().unwrap_or("").to_owned())
    }
}

fn hidden(html: &str, name: &str) -> anyhow::Result<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).ok_or_else(|| anyhow::anyhow!("no {name} field"))?;
    Ok(html[at + marker.len()..].split('"').next().unwrap_or("").to_owned())
}
