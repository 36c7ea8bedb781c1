//! `fastreg serve` as a newcomer meets it: without settings it names every missing one at once
//! and says where settings come from; its example config loads once filled in; a port in use
//! is reported once.

use std::process::{Command, Output};

fn serve(args: &[&str], dir: &std::path::Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fastreg"));
    cmd.arg("serve").args(args).env("FASTREG_DATA_DIR", dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("FASTREG_") && name != "FASTREG_DATA_DIR" {
            cmd.env_remove(name);
        }
    }
    cmd.output().expect("run fastreg serve")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fastreg-serve-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn without_settings_every_missing_one_is_named_with_where_to_go_next() {
    let dir = temp_dir("missing");
    let out = serve(&[], &dir);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        "FASTREG_COMPONENT_APPID",
        "FASTREG_COMPONENT_SECRET",
        "FASTREG_COMPONENT_TOKEN",
        "FASTREG_COMPONENT_ENCODING_AES_KEY",
        "fastreg serve --print-settings",
        "fastreg serve --print-config",
        "fastreg demo",
    ] {
        assert!(err.contains(want), "stderr names {want:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_example_config_filled_in_starts_and_a_port_in_use_is_reported_once() {
    let dir = temp_dir("example");
    let out = serve(&["--print-config"], &dir);
    assert!(out.status.success());
    let example = String::from_utf8(out.stdout).unwrap();
    assert!(example.contains("[component]") && example.contains("# "), "{example}");
    let filled = example
        .replace("appid = \"\"", "appid = \"wx3c0a1b2c3d4e5f60\"")
        .replace("secret = \"\"", "secret = \"component-secret\"")
        .replace("\ntoken = \"\"", "\ntoken = \"token\"")
        .replace(
            "encoding_aes_key = \"\"",
            "encoding_aes_key = \"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\"",
        );
    let config = dir.join("fastreg.toml");
    std::fs::write(&config, filled).unwrap();
    // The port is taken: the service gets past its settings and stops at the bind.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = serve(&["--config", config.to_str().unwrap(), "--listen", &addr], &dir);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert_eq!(err.matches("Address already in use").count(), 1, "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
