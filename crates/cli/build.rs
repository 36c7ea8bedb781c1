//! Decides, when the tests are built, whether python3 with wechatpy is there, so the interop
//! test shows as `ignored` with its reason under plain `cargo test` instead of passing without
//! testing anything. `FASTREG_REQUIRE_INTEROP=1` (CI) turns the ignore off: the test then runs
//! and fails if wechatpy is missing.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fastreg_test_interop)");
    for var in ["FASTREG_REQUIRE_INTEROP", "PATH"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    println!("cargo::rerun-if-changed=build.rs");
    let has_wechatpy = std::process::Command::new("python3")
        .args(["-c", "import wechatpy, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has_wechatpy || std::env::var("FASTREG_REQUIRE_INTEROP").as_deref() == Ok("1") {
        println!("cargo::rustc-cfg=fastreg_test_interop");
    }
}
