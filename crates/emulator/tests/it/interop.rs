//! An independent client, unchanged but for its base URL: wechatpy (`tests/interop/
//! wechatpy_emulator.py` at the workspace root) takes the verify ticket from a real encrypted
//! push, fetches the component token, exchanges codes, refreshes the authorizer token and calls
//! the fast-register family. Shown as ignored when python3 with wechatpy was missing when the
//! test was built (`build.rs`), unless FASTREG_REQUIRE_INTEROP=1 (CI sets it).

use crate::support::*;
use fastreg_emulator::builtin::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(fastreg_test_interop),
    ignore = "needs python3 with wechatpy (pip install wechatpy cryptography), not found when this test was built"
)]
async fn wechatpy_works_against_the_emulator_unchanged_but_for_its_base_url() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop/wechatpy_emulator.py");
    // Not ignored: wechatpy was there when the test was built, or FASTREG_REQUIRE_INTEROP=1.
    let has_wechatpy = std::process::Command::new("python3")
        .args(["-c", "import wechatpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_wechatpy && script.exists(),
        "python3 with wechatpy (or {}) is missing (pip install wechatpy cryptography; if it was just \
         uninstalled, rebuild: touch crates/emulator/build.rs)",
        script.display()
    );
    let env = Env::start().await;
    let output = tokio::process::Command::new("python3")
        .arg(&script)
        .args([
            &env.base,
            COMPONENT_APPID,
            COMPONENT_SECRET,
            COMPONENT_TOKEN,
            COMPONENT_AES_KEY,
            OA_ENTERPRISE,
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
    assert_eq!(seen["ticket_cached"], true, "{seen}");
    assert_eq!(seen["component_token"], true);
    assert_eq!(seen["authorizer_appid"], OA_ENTERPRISE);
    assert_eq!(seen["refreshed"], true);
    assert_eq!(seen["fastregister"]["errcode"], 0);
    assert_eq!(seen["fastregister"]["is_wx_verify_succ"], "true");
    assert_eq!(seen["fastregister"]["is_link_succ"], "true");
    assert_eq!(seen["mp_appid_matches"], true);
    assert_eq!(seen["basic_info_appid_matches"], true);
    assert_eq!(seen["nickname_check_has_hit_condition"], true);
    assert_eq!(seen["reused_ticket_errcode"], 61058);
    assert!(seen["pushes"].as_u64().unwrap() >= 1);
}
