//! An independent client for the lifecycle: wechatpy's `WeChatWxa` calls through its
//! `WeChatComponentClient` (`tests/interop/wechatpy_lifecycle.py` at the workspace root) commit,
//! submit for audit, read the audit status, receive and decrypt the `weapp_audit_success` push,
//! and release. Skipped when python3 with wechatpy is missing, unless FASTREG_REQUIRE_INTEROP is
//! set (CI sets it).

use crate::support::*;
use fastreg_emulator::builtin::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechatpy_commits_submits_reads_the_audit_and_releases() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop/wechatpy_lifecycle.py");
    let has_wechatpy = std::process::Command::new("python3")
        .args(["-c", "import wechatpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_wechatpy || !script.exists() {
        assert!(
            std::env::var_os("FASTREG_REQUIRE_INTEROP").is_none(),
            "FASTREG_REQUIRE_INTEROP is set but python3 with wechatpy (or {}) is missing",
            script.display()
        );
        eprintln!("skipped: python3 with wechatpy not installed");
        return;
    }
    let env = Env::start().await;
    let output = tokio::process::Command::new("python3")
        .arg(&script)
        .args([
            &env.base,
            COMPONENT_APPID,
            COMPONENT_SECRET,
            COMPONENT_TOKEN,
            COMPONENT_AES_KEY,
            MP_NOT_FAST_REGISTERED,
            &TEMPLATE_ID.to_string(),
        ])
        .output()
        .await
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "wechatpy failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("one JSON line");
    assert_eq!(seen["commit"], 0, "{seen}");
    assert_eq!(seen["pages"][0], TEMPLATE_PAGES[0]);
    assert_eq!(seen["auditid_is_int"], true);
    assert_eq!(seen["status_before"], 2);
    assert_eq!(seen["status_after"], 0);
    assert_eq!(seen["audit_pushes"][0]["event"], "weapp_audit_success");
    assert_eq!(
        seen["audit_pushes"][0]["path"],
        format!("/msg/{MP_NOT_FAST_REGISTERED}")
    );
    assert_eq!(seen["release"], 0);
    assert_eq!(seen["second_release_errcode"], 85052);
    assert_eq!(seen["latest"]["status"], 0);
}
