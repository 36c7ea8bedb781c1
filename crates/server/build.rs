//! Decides, when the tests are built, which outside programs they can use, so a test that needs
//! one it cannot have shows as `ignored` with its reason under plain `cargo test` instead of
//! passing without testing anything. `FASTREG_REQUIRE_*=1` turns the ignore off: the test then
//! runs and fails on the missing program (CI sets them).
//!
//! - `fastreg_test_postgres`: `FASTREG_TEST_DATABASE_URL` is set (the `::postgres` variants).
//! - `fastreg_test_browser`: `chromium` and `chromedriver` are on `PATH` (the browser test).

use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fastreg_test_postgres)");
    println!("cargo::rustc-check-cfg=cfg(fastreg_test_browser)");
    for var in [
        "FASTREG_TEST_DATABASE_URL",
        "FASTREG_REQUIRE_POSTGRES",
        "FASTREG_REQUIRE_BROWSER",
        "PATH",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    println!("cargo::rerun-if-changed=build.rs");

    if std::env::var_os("FASTREG_TEST_DATABASE_URL").is_some() || required("FASTREG_REQUIRE_POSTGRES") {
        println!("cargo::rustc-cfg=fastreg_test_postgres");
    }
    let programs = [which("chromium"), which("chromedriver")];
    for found in programs.iter().flatten() {
        // Rebuilt when a program found now changes or goes away.
        println!("cargo::rerun-if-changed={}", found.display());
    }
    if programs.iter().all(Option::is_some) || required("FASTREG_REQUIRE_BROWSER") {
        println!("cargo::rustc-cfg=fastreg_test_browser");
    }
}

fn required(var: &str) -> bool {
    std::env::var(var).as_deref() == Ok("1")
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}
