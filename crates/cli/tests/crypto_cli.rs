//! `fastreg crypto`, run as a user would: the built binary, stdin in, stdout and stderr out.
//! Ends with an interop test against wechatpy, an implementation independent of ours.

use fastreg_protocol::crypto::MsgCrypt;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const KEY_A: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const KEY_F: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
const TOKEN: &str = "spamtest";
const APPID: &str = "wx2c2769f8efd9abc2";

// Vector C of spec §2 (official Python sample).
const C_TIMESTAMP: &str = "1409735669";
const C_NONCE: &str = "1320562132";
const C_SIGNATURE: &str = "5d197aaffba7e9b25a30732f161a50dee96bd5fa";
const C_MSG: &str = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>";
const C_ENCRYPT: &str = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";

/// A message with what tends to break: non-ASCII, line breaks and CDATA sections.
const MSG: &str = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<Content><![CDATA[你好, fast-register ✓]]></Content>\n<Event><![CDATA[notify_third_fasteregister]]></Event>\n</xml>";

fn fastreg(args: &[&str], stdin: &str) -> Output {
    run(
        Command::new(env!("CARGO_BIN_EXE_fastreg")).arg("crypto").args(args),
        stdin,
    )
}

fn run(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let written = child.stdin.take().expect("piped stdin").write_all(stdin.as_bytes());
    // A command that fails on its arguments exits before reading stdin.
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "writing stdin: {e}");
    }
    child.wait_with_output().expect("the command finishes")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("UTF-8 stderr")
}

fn assert_success(out: &Output) {
    assert!(out.status.success(), "exit {:?}, stderr: {}", out.status, stderr(out));
}

/// Asserts a failure reported as exactly one line on stderr, nothing on stdout, and no secret.
fn assert_one_line_failure(out: &Output) -> String {
    assert!(!out.status.success(), "unexpected success: {}", stdout(out));
    assert!(out.stdout.is_empty(), "stdout: {}", stdout(out));
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    for secret in [TOKEN, KEY_A, KEY_F] {
        assert!(!err.contains(secret), "stderr leaks a secret: {err}");
    }
    err
}

/// The text of `<Name>` in an envelope, CDATA or not.
fn element<'a>(xml: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    let start = xml.find(&open).unwrap_or_else(|| panic!("no <{name}> in {xml}")) + open.len();
    let end = start + xml[start..].find(&format!("</{name}>")).expect("closed");
    let text = xml[start..end].trim();
    text.strip_prefix("<![CDATA[")
        .and_then(|t| t.strip_suffix("]]>"))
        .unwrap_or(text)
}

fn c_envelope() -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<Encrypt><![CDATA[{C_ENCRYPT}]]></Encrypt>\n</xml>\n"
    )
}

fn encrypt_args<'a>(key: &'a str, timestamp: &'a str, nonce: &'a str) -> Vec<&'a str> {
    vec![
        "encrypt",
        "--token",
        TOKEN,
        "--aes-key",
        key,
        "--appid",
        APPID,
        "--timestamp",
        timestamp,
        "--nonce",
        nonce,
    ]
}

fn decrypt_args<'a>(
    key: &'a str,
    appid: &'a str,
    timestamp: &'a str,
    nonce: &'a str,
    signature: &'a str,
) -> Vec<&'a str> {
    vec![
        "decrypt",
        "--token",
        TOKEN,
        "--aes-key",
        key,
        "--appid",
        appid,
        "--timestamp",
        timestamp,
        "--nonce",
        nonce,
        "--msg-signature",
        signature,
    ]
}

#[test]
fn encrypt_then_decrypt_round_trips() {
    let encrypt = encrypt_args(KEY_A, "1700000000", "42");
    // The trailing line break of the input is dropped, as an editor would have added it.
    let out = fastreg(&encrypt, &format!("{MSG}\n"));
    assert_success(&out);
    let xml = stdout(&out);
    assert!(xml.starts_with("<xml><Encrypt><![CDATA["), "{xml}");
    assert!(
        xml.ends_with("<TimeStamp>1700000000</TimeStamp><Nonce><![CDATA[42]]></Nonce></xml>\n"),
        "{xml}"
    );
    let signature = element(&xml, "MsgSignature");

    // The envelope opens with the library too, to exactly the message.
    let crypt = MsgCrypt::new(TOKEN, KEY_A, APPID).unwrap();
    assert_eq!(crypt.open(signature, "1700000000", "42", &xml).unwrap().message, MSG);

    let out = fastreg(&decrypt_args(KEY_A, APPID, "1700000000", "42", signature), &xml);
    assert_success(&out);
    assert_eq!(stdout(&out), format!("{MSG}\n"));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn encrypt_defaults_timestamp_to_now_and_nonce_to_random_digits() {
    let args = ["encrypt", "--token", TOKEN, "--aes-key", KEY_A, "--appid", APPID];
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let first = stdout(&fastreg(&args, "hi"));
    let second = stdout(&fastreg(&args, "hi"));
    let timestamp: u64 = element(&first, "TimeStamp").parse().expect("a number");
    assert!((before..before + 60).contains(&timestamp), "{timestamp} vs {before}");
    let nonce = element(&first, "Nonce");
    assert_eq!(nonce.len(), 10, "{nonce}");
    assert!(nonce.bytes().all(|b| b.is_ascii_digit()), "{nonce}");
    assert_ne!(nonce, element(&second, "Nonce"));
    assert_ne!(element(&first, "Encrypt"), element(&second, "Encrypt"));
}

#[test]
fn decrypt_vector_c() {
    let out = fastreg(
        &decrypt_args(KEY_A, APPID, C_TIMESTAMP, C_NONCE, C_SIGNATURE),
        &c_envelope(),
    );
    assert_success(&out);
    assert_eq!(stdout(&out), format!("{C_MSG}\n"));
}

#[test]
fn tampered_signature_exits_non_zero_naming_the_signature() {
    let out = fastreg(
        &decrypt_args(
            KEY_A,
            APPID,
            C_TIMESTAMP,
            C_NONCE,
            "5d197aaffba7e9b25a30732f161a50dee96bd5fb",
        ),
        &c_envelope(),
    );
    let err = assert_one_line_failure(&out);
    assert!(err.contains("msg_signature does not match"), "{err}");
}

#[test]
fn wrong_appid_exits_non_zero_naming_both_appids() {
    let out = fastreg(
        &decrypt_args(KEY_A, "wx0000000000000000", C_TIMESTAMP, C_NONCE, C_SIGNATURE),
        &c_envelope(),
    );
    let err = assert_one_line_failure(&out);
    assert!(
        err.contains("\"wx2c2769f8efd9abc2\", not \"wx0000000000000000\""),
        "{err}"
    );
}

#[test]
fn wrong_key_and_bad_key_exit_non_zero_without_echoing_the_key() {
    let out = fastreg(
        &decrypt_args(KEY_F, APPID, C_TIMESTAMP, C_NONCE, C_SIGNATURE),
        &c_envelope(),
    );
    let err = assert_one_line_failure(&out);
    assert!(err.contains("PKCS#7 padding"), "{err}");

    let short = &KEY_A[..42];
    let out = fastreg(
        &decrypt_args(short, APPID, C_TIMESTAMP, C_NONCE, C_SIGNATURE),
        &c_envelope(),
    );
    let err = assert_one_line_failure(&out);
    assert!(err.contains("--aes-key") && err.contains("42 characters"), "{err}");
    assert!(!err.contains(short), "{err}");
}

#[test]
fn decrypt_without_an_encrypt_element_says_so() {
    let out = fastreg(
        &decrypt_args(KEY_A, APPID, C_TIMESTAMP, C_NONCE, C_SIGNATURE),
        "<xml><ToUserName>gh</ToUserName></xml>",
    );
    let err = assert_one_line_failure(&out);
    assert!(err.contains("no non-empty <Encrypt>"), "{err}");
}

#[test]
fn decrypt_falls_back_to_the_previous_key() {
    let mut args = decrypt_args(KEY_F, APPID, C_TIMESTAMP, C_NONCE, C_SIGNATURE);
    args.extend(["--previous-aes-key", KEY_A]);
    let out = fastreg(&args, &c_envelope());
    assert_success(&out);
    assert_eq!(stdout(&out), format!("{C_MSG}\n"));
    assert!(stderr(&out).contains("--previous-aes-key"), "{}", stderr(&out));
}

// ---------------------------------------------------------------- interop

fn interop_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop/wechatpy_crypto.py")
}

fn wechatpy_available() -> bool {
    Command::new("python3")
        .args(["-c", "import wechatpy.crypto"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn wechatpy(direction: &str, extra: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new("python3");
    cmd.arg(interop_script()).arg(direction).args([
        "--token",
        TOKEN,
        "--aes-key",
        KEY_F,
        "--appid",
        APPID,
        "--timestamp",
        "1700000000",
        "--nonce",
        "987654321",
    ]);
    run(cmd.args(extra), stdin)
}

/// Our envelopes must open with wechatpy and wechatpy's with ours: the vectors pin the algorithm,
/// this pins the envelope and the CLI's handling of bytes around it.
#[test]
#[cfg_attr(
    not(fastreg_test_interop),
    ignore = "needs python3 with wechatpy (pip install wechatpy cryptography), not found when this test was built"
)]
fn interop_with_wechatpy_both_directions() {
    // Not ignored: wechatpy was there when the test was built, or FASTREG_REQUIRE_INTEROP=1.
    assert!(
        wechatpy_available(),
        "python3 cannot import wechatpy (pip install wechatpy cryptography; \
         if it was just uninstalled, rebuild: touch crates/cli/build.rs)"
    );

    // (a) fastreg encrypts, wechatpy decrypts.
    let ours = fastreg(&encrypt_args(KEY_F, "1700000000", "987654321"), MSG);
    assert_success(&ours);
    let envelope = stdout(&ours);
    let theirs = wechatpy(
        "decrypt",
        &["--msg-signature", element(&envelope, "MsgSignature")],
        &envelope,
    );
    assert!(theirs.status.success(), "wechatpy decrypt failed: {}", stderr(&theirs));
    assert_eq!(stdout(&theirs), MSG);
    // wechatpy checks the signature too, so (a) would have caught a wrong one.
    let tampered = wechatpy("decrypt", &["--msg-signature", &"0".repeat(40)], &envelope);
    assert!(!tampered.status.success());
    assert!(
        stderr(&tampered).contains("InvalidSignatureException"),
        "{}",
        stderr(&tampered)
    );

    // (b) wechatpy encrypts (its multi-line envelope), fastreg decrypts.
    let theirs = wechatpy("encrypt", &[], MSG);
    assert!(theirs.status.success(), "wechatpy encrypt failed: {}", stderr(&theirs));
    let envelope = stdout(&theirs);
    let ours = fastreg(
        &decrypt_args(
            KEY_F,
            APPID,
            "1700000000",
            "987654321",
            element(&envelope, "MsgSignature"),
        ),
        &envelope,
    );
    assert_success(&ours);
    assert_eq!(stdout(&ours), format!("{MSG}\n"));
}
