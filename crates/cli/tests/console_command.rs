//! `fastreg console reset-password`: the way back in for an operator who lost the console's
//! password — on the same database settings as `fastreg serve` (the component's secrets are not
//! needed), printing a fresh one-time password that works for 24 hours.

use std::process::Command;

fn reset(dir: &std::path::Path, user: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fastreg"))
        .args(["console", "reset-password", "--user", user])
        .env("FASTREG_DATA_DIR", dir)
        // The component's appid and secrets are not needed: the command only opens the database.
        .env_remove("FASTREG_COMPONENT_APPID")
        .env_remove("FASTREG_COMPONENT_SECRET")
        .env_remove("FASTREG_COMPONENT_TOKEN")
        .env_remove("FASTREG_COMPONENT_ENCODING_AES_KEY")
        .env_remove("FASTREG_DATABASE_URL")
        .output()
        .expect("run fastreg console reset-password");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn password_of(stdout: &str) -> String {
    stdout
        .split("one-time password ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn reset_password_prints_a_new_one_time_password_each_time() {
    let dir = std::env::temp_dir().join(format!("fastreg-reset-{}", std::process::id()));
    let (ok, first, err) = reset(&dir, "admin");
    assert!(ok, "{err}");
    let (ok, second, err) = reset(&dir, "admin");
    assert!(ok, "{err}");
    let (a, b) = (password_of(&first), password_of(&second));
    assert!(a.len() >= 12 && b.len() >= 12, "{first} / {second}");
    assert_ne!(a, b, "each reset gives a new password");
    assert!(
        !err.contains(&b),
        "the password goes to stdout only, never into the logs"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_password_is_said_to_expire() {
    let dir = std::env::temp_dir().join(format!("fastreg-reset-expiry-{}", std::process::id()));
    let (ok, out, err) = reset(&dir, "operator");
    assert!(ok, "{err}");
    assert!(out.contains("console user operator"), "{out}");
    assert!(out.contains("24 hours"), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}
