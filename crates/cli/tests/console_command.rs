//! `fastreg console reset-password`: the way back in for an operator who lost the console's
//! password — on the same settings as `fastreg serve`, printing a fresh one-time password.

use std::process::Command;

fn reset(dir: &std::path::Path, user: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fastreg"))
        .args(["console", "reset-password", "--user", user])
        .env("FASTREG_DATA_DIR", dir)
        .env("FASTREG_COMPONENT_APPID", "wx3c0a1b2c3d4e5f60")
        .env("FASTREG_COMPONENT_SECRET", "component-secret-for-the-test")
        .env("FASTREG_COMPONENT_TOKEN", "token")
        .env(
            "FASTREG_COMPONENT_ENCODING_AES_KEY",
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        )
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
fn missing_settings_are_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_fastreg"))
        .args(["console", "reset-password"])
        .env_remove("FASTREG_COMPONENT_APPID")
        .env_remove("FASTREG_COMPONENT_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("FASTREG_COMPONENT_"), "{err}");
}
