//! Issue 13, item 11: `fastreg emulator` bound any address without a word and then printed
//! `127.0.0.1`, while its unauthenticated control API was reachable from the network. It now
//! refuses a non-loopback address unless `--allow-network` says so, and then warns, naming the
//! address it is really bound to.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn a_network_address_is_refused_without_the_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_fastreg"))
        .args(["emulator", "--listen", "0.0.0.0:0"])
        .output()
        .expect("run fastreg emulator");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to listen on 0.0.0.0:0"), "{err}");
    assert!(err.contains("--allow-network"), "{err}");
    assert!(out.stdout.is_empty(), "nothing was served");
}

#[test]
fn with_the_flag_it_warns_and_names_the_real_address() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fastreg"))
        .args(["emulator", "--listen", "0.0.0.0:0", "--allow-network"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fastreg emulator");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("first line");
    let mut warning = None;
    let mut bound = None;
    for line in BufReader::new(child.stderr.take().expect("stderr")).lines() {
        let line = line.expect("stderr line");
        if line.contains("bound to 0.0.0.0:") && bound.is_none() {
            bound = Some(line.clone());
        }
        if line.contains("WARNING") {
            warning = Some(line);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.starts_with("fastreg emulator listening on http://"), "{first}");
    let bound = bound.expect("the real address is printed");
    assert!(
        !bound.contains(":0 ") && !bound.ends_with(":0"),
        "the port is the real one: {bound}"
    );
    let warning = warning.expect("a warning");
    assert!(warning.contains("no authentication"), "{warning}");
}
