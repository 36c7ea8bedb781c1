//! `docs/error-codes.md` is generated from the error catalog, so the page an operator reads and
//! the table the client, the emulator and the service act on cannot drift apart. This test
//! renders the page from `fastreg_protocol::catalog::all()` and fails when the file differs;
//! `FASTREG_BLESS=1 cargo test -p fastreg-protocol --test catalog_doc` rewrites it.

use fastreg_protocol::catalog::{self, ErrorClass, ErrorEntry};
use std::fmt::Write as _;
use std::path::PathBuf;

const DOC: &str = "docs/error-codes.md";

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(DOC)
}

/// The name a class has on the wire and in this page (serde's snake_case).
fn class_name(class: ErrorClass) -> &'static str {
    match class {
        ErrorClass::RetryLater => "retry_later",
        ErrorClass::RefreshToken => "refresh_token",
        ErrorClass::QuotaExhausted => "quota_exhausted",
        ErrorClass::OperatorMustAct => "operator_must_act",
        ErrorClass::Permanent => "permanent",
    }
}

/// What each class means and what fastreg does with it (the client's retry loop in
/// `crates/client/src/client.rs`, the service's `failure::is_retryable`).
const CLASSES: &[(ErrorClass, &str, &str)] = &[
    (
        ErrorClass::RetryLater,
        "Transient on WeChat's side.",
        "The client itself retries only `-1`, with backoff, and only on calls that are safe to repeat; on a call that must not be sent twice (fastregister, setnickname, …) `-1` becomes `outcome_unknown`. The service's setup, authorization and rebind jobs retry the codes of this class with backoff, up to `job_max_attempts`.",
    ),
    (
        ErrorClass::RefreshToken,
        "The access token is invalid or expired.",
        "The client deletes the token only if it is still the one it sent, gets a fresh one and retries the call once. If that fails too, the service's jobs retry with backoff.",
    ),
    (
        ErrorClass::QuotaExhausted,
        "A quota or rate limit is used up.",
        "Not retried: the step stops with the remedy below (wait for the quota to reset).",
    ),
    (
        ErrorClass::OperatorMustAct,
        "Only a person can fix it (a setting, a document, another name, a new authorization).",
        "Not retried: the step stops with the remedy below.",
    ),
    (
        ErrorClass::Permanent,
        "The request can never succeed as sent.",
        "Not retried: the step stops with the remedy below.",
    ),
];

/// A table cell: one line, with the characters Markdown tables give a meaning escaped.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

fn render(entries: &[ErrorEntry]) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "# Error codes (错误码)");
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "<!-- Generated from fastreg_protocol::catalog by crates/protocol/tests/catalog_doc.rs. Do not edit by hand: \
         change crates/protocol/src/catalog.rs, then run `FASTREG_BLESS=1 cargo test -p fastreg-protocol --test catalog_doc`. -->"
    );
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "Every WeChat `errcode` fastreg knows: the codes of the fast-register spec's error tables and the global \
         and component codes around them, {} in all. The client (`Error::Api`), the emulator and the service read \
         this one catalog (`fastreg_protocol::catalog`), so a code means the same thing everywhere. The service \
         shows the meaning and remedy of a code in a registration's or setup step's `error` \
         (`{{code, message, remedy, message_zh, remedy_zh}}`, see [rest-api.md](rest-api.md)) and in the console.",
        entries.len()
    );
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "A code that is not listed here is still reported, with its number and WeChat's `errmsg` \
         (\"This code is not in our catalog; look it up in WeChat's global error codes.\"). \
         fastreg's own codes (`outcome_unknown`, `token`, `transport`, `not_found`, …) are listed in \
         [rest-api.md](rest-api.md#error-codes-of-fastreg-itself)."
    );
    let _ = writeln!(w);
    let _ = writeln!(w, "## Classes");
    let _ = writeln!(w);
    let _ = writeln!(w, "| class | meaning | what fastreg does | codes |");
    let _ = writeln!(w, "|---|---|---|---|");
    for (class, meaning, action) in CLASSES {
        let codes: Vec<String> = entries
            .iter()
            .filter(|e| e.class == *class)
            .map(|e| format!("[{0}](#{0})", e.code))
            .collect();
        let _ = writeln!(
            w,
            "| `{}` | {} | {} | {} |",
            class_name(*class),
            cell(meaning),
            cell(action),
            codes.join(", ")
        );
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "## All codes");
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "| code | class | 含义 (zh) | meaning (en) | remedy (en) | 处理建议 (zh) |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|");
    for e in entries {
        let _ = writeln!(
            w,
            "| <a id=\"{code}\"></a>`{code}` | `{class}` | {zh} | {en} | {remedy_en} | {remedy_zh} |",
            code = e.code,
            class = class_name(e.class),
            zh = cell(e.zh),
            en = cell(e.en),
            remedy_en = cell(e.remedy_en),
            remedy_zh = cell(e.remedy_zh),
        );
    }
    out
}

fn blessing() -> bool {
    std::env::var_os("FASTREG_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

#[test]
fn error_codes_page_is_up_to_date() {
    let expected = render(catalog::all());
    let path = doc_path();
    if blessing() {
        std::fs::write(&path, &expected).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    if actual != expected {
        let first_difference = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map(|i| i + 1)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()) + 1);
        panic!(
            "{DOC} is out of date with the error catalog (first difference at line {first_difference}); \
             rewrite it with: FASTREG_BLESS=1 cargo test -p fastreg-protocol --test catalog_doc"
        );
    }
}

/// Every code of the catalog gets a row, and every class is explained.
#[test]
fn every_code_and_class_is_rendered() {
    let page = render(catalog::all());
    for e in catalog::all() {
        assert!(
            page.contains(&format!("<a id=\"{0}\"></a>`{0}`", e.code)),
            "{} has no row",
            e.code
        );
        assert!(
            CLASSES.iter().any(|(c, _, _)| *c == e.class),
            "class {:?} of {} is not explained",
            e.class,
            e.code
        );
    }
}
