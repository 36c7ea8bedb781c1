//! `fastreg emulator` as a command: it prints its address first, serves the API paths and the
//! control API on one port, and `--print-scenario` output loads back with `--scenario` — the
//! way an integrator in another language uses it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fastreg"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--seed", "7"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start fastreg emulator");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("read the first line");
    let base = first
        .trim()
        .strip_prefix("fastreg emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_string();
    Running { child, base }
}

#[test]
fn emulator_command_serves_api_and_control_on_one_port() {
    let emu = start(&[]);
    let http = reqwest::blocking::Client::new();
    let answer: serde_json::Value = http
        .post(format!(
            "{}/cgi-bin/account/fastregister?access_token=not-a-token",
            emu.base
        ))
        .json(&serde_json::json!({"ticket": "x"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(answer["errcode"], 40014, "{answer}");
    assert!(answer["errmsg"].as_str().unwrap().contains(" rid: "), "{answer}");

    let pushed: serde_json::Value = http
        .post(format!("{}/__emulator/push/verify-ticket", emu.base))
        .json(&serde_json::json!({"component_appid": fastreg_emulator_builtin::COMPONENT_APPID}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(pushed["ticket"].as_str().is_some_and(|t| !t.is_empty()), "{pushed}");
}

#[test]
fn printed_scenario_loads_back() {
    let out = Command::new(env!("CARGO_BIN_EXE_fastreg"))
        .args(["emulator", "--print-scenario"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(fastreg_emulator_builtin::COMPONENT_APPID));
    let path = std::env::temp_dir().join(format!("fastreg-scenario-{}.toml", std::process::id()));
    std::fs::write(&path, &text).unwrap();
    let emu = start(&["--scenario", path.to_str().unwrap()]);
    let state: serde_json::Value = reqwest::blocking::get(format!("{}/__emulator/state", emu.base))
        .unwrap()
        .json()
        .unwrap();
    assert!(state.to_string().contains(fastreg_emulator_builtin::COMPONENT_APPID));
    let _ = std::fs::remove_file(path);
}

#[test]
fn bad_scenario_file_is_a_one_line_error_naming_the_file() {
    let path = std::env::temp_dir().join(format!("fastreg-bad-scenario-{}.toml", std::process::id()));
    std::fs::write(&path, "[[components]]\nappid = 5\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fastreg"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--scenario",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("scenario file"), "{err}");
    let _ = std::fs::remove_file(path);
}

/// The built-in scenario's constants, without a dependency on the emulator crate's internals.
mod fastreg_emulator_builtin {
    pub use fastreg_emulator::builtin::COMPONENT_APPID;
}
