//! `fastreg demo` as a newcomer runs it: one command, nothing configured, and the whole journey
//! works through what it prints — the REST API and the emulated WeChat pages. The service's own
//! workers drive the jobs (nothing is drained by hand), so this is the demo as it really runs.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

struct Demo {
    child: Child,
    service: String,
    wechat: String,
    api_key: String,
    console_password: String,
    /// What the demo printed before it was ready.
    printed: Vec<String>,
    _dir: TempDir,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The text after `label` on the line that has it, up to the next white space.
fn word_after<'a>(lines: &'a [String], label: &str) -> Option<&'a str> {
    lines
        .iter()
        .find_map(|l| l.split_once(label).and_then(|(_, rest)| rest.split_whitespace().next()))
}

fn start_demo() -> Demo {
    static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = TempDir(std::env::temp_dir().join(format!("fastreg-demo-test-{}-{n}", std::process::id())));
    let mut child = Command::new(env!("CARGO_BIN_EXE_fastreg"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--emulator-listen",
            "127.0.0.1:0",
            "--seed",
            "3",
            "--data-dir",
        ])
        .arg(&dir.0)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start fastreg demo");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read the demo's output") == 0 {
            panic!("the demo exited before printing its URLs; it printed: {lines:#?}");
        }
        let done = line.starts_with("Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    // Keep reading so later output never meets a closed pipe.
    std::thread::spawn(move || for _ in reader.lines() {});
    let api = word_after(&lines, "REST API").expect("the demo prints the REST API URL");
    let service = api.trim_end_matches("/api/v1").to_string();
    let wechat = word_after(&lines, "Emulated WeChat")
        .expect("the demo prints the emulator's URL")
        .to_string();
    let api_key = word_after(&lines, "Bearer ")
        .expect("the demo prints an API key")
        .trim_end_matches(')')
        .to_string();
    let console_password = word_after(&lines, "one-time password: ")
        .expect("the demo prints the console's password")
        .to_string();
    Demo {
        child,
        service,
        wechat,
        api_key,
        console_password,
        printed: lines,
        _dir: dir,
    }
}

impl Demo {
    fn http() -> Client {
        Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }
    fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = Self::http()
            .request(method, format!("{}/api/v1{path}", self.service))
            .bearer_auth(&self.api_key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().expect("REST call");
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }
    /// Polls a resource until `done` says so (the demo's workers run in the background).
    fn wait_for(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, v) = self.api(reqwest::Method::GET, path, None);
            assert_eq!(status, 200, "{v}");
            if done(&v) {
                return v;
            }
            assert!(Instant::now() < deadline, "{path} did not finish: {v}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn query(url: &str) -> HashMap<String, String> {
    let url = reqwest::Url::parse(url).expect("a URL");
    url.query_pairs().into_owned().collect()
}

#[test]
fn demo_runs_the_whole_registration_journey_out_of_the_box() {
    let demo = start_demo();
    let http = Demo::http();
    assert_eq!(
        http.get(format!("{}/healthz", demo.service))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );

    let login = http.get(format!("{}/console/login", demo.service)).send().unwrap();
    assert_eq!(login.status().as_u16(), 200, "the console's sign-in page is served");
    assert!(
        login.text().unwrap().contains("password"),
        "the sign-in page asks for the password"
    );
    assert!(
        demo.console_password.len() >= 12,
        "a one-time password worth the name: {:?}",
        demo.console_password
    );

    // 1. Authorize an Official Account through the emulated componentloginpage.
    let (status, auth) = demo.api(reqwest::Method::POST, "/authorizations", Some(json!({})));
    assert_eq!(status, 201, "{auth}");
    let auth_url = auth["auth_url"].as_str().expect("auth_url");
    assert!(
        auth_url.starts_with(&demo.wechat),
        "the auth URL points at the emulated WeChat: {auth_url}"
    );
    let page = http.get(auth_url).send().unwrap();
    assert_eq!(page.status().as_u16(), 200, "the login page opens");
    // The printout names the accounts as the page shows them: the name, then the appid.
    let page = page.text().unwrap();
    for (appid, name) in [
        (fastreg_emulator::builtin::OA_ENTERPRISE, "示例科技"),
        (fastreg_emulator::builtin::OA_AT_MONTHLY_LIMIT, "月度已满"),
    ] {
        let shown = format!("「{name}」 {appid}");
        assert!(
            demo.printed.iter().any(|l| l.contains(&shown)),
            "the demo names {shown}: {:#?}",
            demo.printed
        );
        let choice = page
            .split("<label>")
            .find(|l| l.contains(&format!("value=\"{appid}\"")))
            .unwrap_or_else(|| panic!("the page offers {appid}: {page}"));
        assert!(
            choice.contains(name) && choice.matches(appid).count() == 2,
            "shown with its appid: {choice}"
        );
    }
    let q = query(auth_url);
    let mut form: Vec<(&str, String)> = vec![
        ("component_appid", q["component_appid"].clone()),
        ("appid", fastreg_emulator::builtin::OA_ENTERPRISE.into()),
        ("pre_auth_code", q["pre_auth_code"].clone()),
        ("redirect_uri", q["redirect_uri"].clone()),
    ];
    for set in fastreg_emulator::builtin::FAST_REGISTRATION_SETS {
        form.push(("set", set.into()));
    }
    let confirmed = http
        .post(format!("{}/cgi-bin/componentloginpage/confirm", demo.wechat))
        .form(&form)
        .send()
        .unwrap();
    assert_eq!(
        confirmed.status().as_u16(),
        302,
        "{}",
        confirmed.text().unwrap_or_default()
    );
    let back = confirmed.headers()["location"].to_str().unwrap().to_string();
    assert!(
        back.starts_with(&demo.service),
        "the page sends the admin back to the service: {back}"
    );
    assert_eq!(http.get(&back).send().unwrap().status().as_u16(), 200);
    let id = auth["id"].as_str().unwrap();
    let auth = demo.wait_for(&format!("/authorizations/{id}"), |a| a["authorizer_appid"].is_string());
    assert_eq!(
        auth["authorizer_appid"],
        fastreg_emulator::builtin::OA_ENTERPRISE,
        "{auth}"
    );

    // 2. Fast-register a Mini Program; the admin confirms on the emulated fastregisterauth page.
    let (status, reg) = demo.api(
        reqwest::Method::POST,
        "/registrations",
        Some(json!({"oa_appid": fastreg_emulator::builtin::OA_ENTERPRISE})),
    );
    assert_eq!(status, 201, "{reg}");
    let q = query(reg["auth_url"].as_str().expect("auth_url"));
    let confirm: Value = http
        .post(format!("{}/__emulator/fastregister/confirm", demo.wechat))
        .json(&json!({"component_appid": q["component_appid"], "appid": q["appid"], "copy_wx_verify": 1, "redirect_uri": q["redirect_uri"]}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let redirect = confirm["redirect"]
        .as_str()
        .unwrap_or_else(|| panic!("no redirect: {confirm}"));
    assert_eq!(http.get(redirect).send().unwrap().status().as_u16(), 200);
    let id = reg["id"].as_str().unwrap();
    let reg = demo.wait_for(&format!("/registrations/{id}"), |r| {
        r["state"] == "registered" || r["state"] == "failed"
    });
    assert_eq!(reg["state"], "registered", "{reg}");
    let mp = reg["mini_program_appid"]
        .as_str()
        .expect("the new Mini Program's appid");

    // The emulated WeChat saw exactly one fastregister for it, and the service holds its token.
    let calls: Value = http
        .get(format!("{}/__emulator/calls", demo.wechat))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(calls["counts"]["fastregister"], 1, "{calls}");
    let (status, info) = demo.api(reqwest::Method::GET, &format!("/mini-programs/{mp}?live=true"), None);
    assert_eq!(status, 200, "{info}");
    assert!(info.to_string().contains(mp), "{info}");
}

/// The demo wipes its folder at start: pointed at a folder that is not its own, it refuses
/// instead of deleting someone's files.
#[test]
fn demo_refuses_to_wipe_a_folder_it_did_not_make() {
    let dir = std::env::temp_dir().join(format!("fastreg-demo-foreign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("precious.txt"), "keep me").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fastreg"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--emulator-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not empty") && err.contains("--data-dir"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("precious.txt")).unwrap(), "keep me");
    let _ = std::fs::remove_dir_all(dir);
}

/// A second demo started by mistake in the same folder fails on the port, once, and leaves the
/// running demo's database alone: it binds before it prepares the folder.
#[test]
fn a_second_demo_in_the_same_folder_fails_on_the_port_and_keeps_the_first() {
    let demo = start_demo();
    let (status, before) = demo.api(reqwest::Method::GET, "/registrations", None);
    assert_eq!(status, 200, "{before}");
    let database = demo._dir.0.join("fastreg.db");
    assert!(database.exists(), "the first demo's database is {}", database.display());
    let port = demo.service.rsplit(':').next().expect("a port").to_owned();
    let out = Command::new(env!("CARGO_BIN_EXE_fastreg"))
        .args([
            "demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--emulator-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(&demo._dir.0)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("Address already in use").count(), 1, "{err}");
    assert!(err.contains("--listen"), "{err}");
    assert!(database.exists(), "the first demo's database was deleted");
    let (status, after) = demo.api(reqwest::Method::GET, "/registrations", None);
    assert_eq!(status, 200, "the first demo still answers: {after}");
}
