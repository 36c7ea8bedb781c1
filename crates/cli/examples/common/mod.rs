//! What the issue 13 runners `sign_in_flood`, `attack` and `chaos` share: `fastreg serve` as its
//! own process on a database of the runner's choosing, its address and one-time admin password
//! from its first lines, its memory from `/proc/<pid>/status`, and an admin confirming the
//! emulated componentloginpage.

#![allow(dead_code)]

use anyhow::{Context, bail};
use fastreg_emulator::builtin::{COMPONENT_AES_KEY, COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The bootstrap API key every runner gives the service.
pub const API_KEY: &str = "runner-api-key-0123456789abcdef";
/// The key that seals secrets at rest.
pub const ENCRYPTION_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The `fastreg` binary next to the running example (`target/<profile>/fastreg`).
pub fn fastreg_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::current_exe()?
        .parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("fastreg"))
        .context("where is the fastreg binary?")?;
    if !path.exists() {
        bail!(
            "{} is missing: build it first (cargo build -p fastreg --bin fastreg)",
            path.display()
        );
    }
    Ok(path)
}

/// A running `fastreg serve`; killed when dropped.
pub struct Service {
    child: Child,
    /// `http://127.0.0.1:port`.
    pub url: String,
    /// The admin's one-time password (printed on the first start only).
    pub admin_password: Option<String>,
    /// Where its log (stderr) goes.
    pub log: PathBuf,
}

impl Service {
    /// Starts `fastreg serve` on `database_url` with the emulator's built-in component, WeChat at
    /// `wechat` (an unreachable address is fine for runners that never call WeChat), and `env`.
    pub fn start(
        fastreg: &Path,
        database_url: &str,
        dir: &Path,
        wechat: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Service> {
        let log = dir.join("service.log");
        let stderr = std::fs::OpenOptions::new().create(true).append(true).open(&log)?;
        let mut cmd = Command::new(fastreg);
        cmd.arg("serve")
            .env("FASTREG_LISTEN", "127.0.0.1:0")
            .env("FASTREG_DATABASE_URL", database_url)
            .env("FASTREG_DATA_DIR", dir)
            .env("FASTREG_API_BASE", wechat)
            .env("FASTREG_MP_BASE", wechat)
            .env("FASTREG_COMPONENT_APPID", COMPONENT_APPID)
            .env("FASTREG_COMPONENT_SECRET", COMPONENT_SECRET)
            .env("FASTREG_COMPONENT_TOKEN", COMPONENT_TOKEN)
            .env("FASTREG_COMPONENT_ENCODING_AES_KEY", COMPONENT_AES_KEY)
            .env("FASTREG_ENCRYPTION_KEY", ENCRYPTION_KEY)
            .env("FASTREG_BOOTSTRAP_API_KEY", API_KEY)
            .env("FASTREG_LOG", "info,sqlx=warn");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .context("cannot start fastreg serve")?;
        let stdout = child.stdout.take().context("stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(120))
            .context("fastreg serve printed nothing (see its log)")?;
        let url = first
            .strip_prefix("fastreg serving on ")
            .with_context(|| format!("unexpected first line: {first}"))?
            .trim()
            .to_owned();
        let admin_password = rx
            .recv_timeout(Duration::from_secs(30))
            .ok()
            .and_then(|l| l.split_once("one-time password: ").map(|(_, p)| p.trim().to_owned()));
        Ok(Service {
            child,
            url,
            admin_password,
            log,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A field of `/proc/<pid>/status` in KiB (`VmRSS:`, `VmHWM:`).
    pub fn status_kib(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates (or empties) the PostgreSQL database of `url`.
pub async fn fresh_postgres_database(url: &str) -> anyhow::Result<()> {
    let Some((server, name)) = url.rsplit_once('/') else {
        return Ok(());
    };
    let admin = fastreg_server::store::Db::connect(&format!("{server}/postgres")).await?;
    let _ = fastreg_server::execute!(&admin, &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    fastreg_server::execute!(&admin, &format!("CREATE DATABASE \"{name}\"")).context("cannot create the database")?;
    admin.close().await;
    Ok(())
}

/// The database URL of `--database-url` (made fresh) or a SQLite file in `dir`.
pub async fn database(url: Option<String>, dir: &Path) -> anyhow::Result<String> {
    match url {
        Some(url) if url.starts_with("postgres") => {
            fresh_postgres_database(&url).await?;
            Ok(url)
        }
        Some(url) => Ok(url),
        None => Ok(format!("sqlite://{}", dir.join("runner.db").display())),
    }
}

/// KiB as MiB.
pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// An Official Account's admin confirms the componentloginpage at `auth_url` (an authorization
/// the service started) on the emulator at `emulator`, ticking `sets`; the redirect back to the
/// service, not yet followed.
pub async fn confirm_login_page(
    http: &reqwest::Client,
    emulator: &str,
    auth_url: &str,
    oa: &str,
    sets: &[&str],
) -> anyhow::Result<String> {
    let url = url::Url::parse(auth_url).with_context(|| format!("auth_url {auth_url:?}"))?;
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
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
    form.extend(sets.iter().map(|set| ("set".to_owned(), (*set).to_owned())));
    let r = http
        .post(format!("{emulator}/cgi-bin/componentloginpage/confirm"))
        .form(&form)
        .send()
        .await?;
    r.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .with_context(|| format!("the login page refused {oa}"))
}
