//! A flood of console sign-ins against the service, printing its memory: the runner for issue
//! 13's "200 concurrent sign-ins leave RSS under 100 MB" (see benches/README.md).
//!
//! The service runs in this process on SQLite in a temporary folder (sign-in never calls WeChat,
//! so no emulator is needed). `N` sign-ins (default 200, first argument) for unknown users and
//! wrong passwords are sent at once, each from its own loopback address (127.1.x.y) so that the
//! per-address throttle does not hide the hashing, then again for `admin`. The process's RSS
//! (`VmRSS`) is printed before and after, with its peak (`VmHWM`), the answers by status and
//! the most password hashes that ran at once.
//!
//! Run: `cargo run -p fastreg-server --example sign_in_flood -- 200`

use fastreg_server::settings::{ComponentSettings, SecretString, Settings};
use std::collections::BTreeMap;
use std::time::Instant;

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

async fn sign_in(base: &str, from: std::net::IpAddr, username: &str, password: &str) -> u16 {
    let Ok(http) = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(from)
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
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let dir = std::env::temp_dir().join(format!("fastreg-flood-{}", std::process::id()));
    let mut settings = Settings::with_component(ComponentSettings {
        appid: "wx3c0a1b2c3d4e5f60".into(),
        secret: SecretString::new("not-used-by-sign-in"),
        token: SecretString::new("token"),
        encoding_aes_key: SecretString::new("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
        previous_encoding_aes_key: None,
    });
    settings.listen = "127.0.0.1:0".into();
    settings.data_dir = dir.clone();
    settings.api_base = "http://127.0.0.1:9".into();
    settings.mp_base = "http://127.0.0.1:9".into();
    settings.workers = 0;
    let app = fastreg_server::Application::build(settings).await?;
    let base = app.local_url();
    let state = app.state().clone();
    let password = fastreg_server::console::bootstrap_admin(&state)
        .await?
        .unwrap_or_default();
    let server = tokio::spawn(async move {
        let _ = app.run_until_stopped().await;
    });
    // One sign-in first, so the dummy hash and the pools exist before the baseline.
    let _ = sign_in(&base, [127, 1, 0, 1].into(), "admin", &password).await;
    let before = status_kib("VmRSS:");
    println!("sign-in flood: {n} concurrent sign-ins, twice (unknown users, then admin with a wrong password)");
    println!("RSS before: {}", mib(before));
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
            "round {round}: {:.1} s, answers by status {by_status:?}, RSS now {}, peak so far {}",
            started.elapsed().as_secs_f64(),
            mib(status_kib("VmRSS:")),
            mib(status_kib("VmHWM:"))
        );
    }
    let after = status_kib("VmRSS:");
    let peak = status_kib("VmHWM:");
    println!(
        "RSS after: {} (grew {}); peak RSS of the process: {}",
        mib(after),
        mib(after.saturating_sub(before)),
        mib(peak)
    );
    println!(
        "most password hashes at once: {} (bound {})",
        state.password_hashing.peak(),
        fastreg_server::console::sign_in::HASHING_PERMITS
    );
    println!(
        "target: RSS under 100 MB after {n} concurrent sign-ins: {}",
        if after < 100 * 1000 * 1000 / 1024 {
            "met"
        } else {
            "NOT met"
        }
    );
    server.abort();
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
