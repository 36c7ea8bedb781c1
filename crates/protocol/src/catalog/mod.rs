//! The error-code catalog: every `errcode` the fast-register spec lists
//! (`docs/spec/fast-register.md`: fastregister, checkwxverifynickname, setnickname,
//! querynickname, modifyheadimage, modifysignature, the category APIs, componentrebindadmin) and
//! the global and extra codes of `docs/spec/protocol-notes.md` §1, §5 and §7, each with its
//! Chinese meaning (the spec's own wording where the spec has one), an English meaning, a class
//! that decides what a client and the service do with it, and one line telling the platform
//! operator what to do, in both languages. The client, the emulator and the service all read
//! this one table, so an error means the same thing on both sides of the wire. Where WeChat gives
//! one code different meanings on different endpoints, the English text says so. Codes we could
//! not find a documented meaning for (91018) are left out rather than guessed; an unknown code is
//! still described, with its number, by [`describe`].
//!
//! Task statuses of the registration routes, whose numbers overlap error codes, have their own
//! lookup in [`task_status`].
//!
//! The codes live in one table per area of the API (one file each, each sorted by code); [`all`]
//! merges them once into one sorted list, so [`lookup`] is a binary search. A code belongs to one
//! table only (a test checks it): where an area reuses a code with another meaning, the English
//! text of its one entry says so.

/// What kind of failure a code is, which decides what a client and the service do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Transient (-1 system busy): retry later, with backoff.
    RetryLater,
    /// The token is invalid or expired: refresh it and retry once.
    RefreshToken,
    /// A quota or rate limit is used up: wait for it to reset; retrying now fails again.
    QuotaExhausted,
    /// Something only a person can fix (a setting, a document, another name).
    OperatorMustAct,
    /// The request can never succeed as sent.
    Permanent,
}

/// One error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ErrorEntry {
    /// The `errcode`.
    pub code: i64,
    /// The meaning in Chinese, as the spec says it.
    pub zh: &'static str,
    /// The meaning in English.
    pub en: &'static str,
    /// What kind of failure it is.
    pub class: ErrorClass,
    /// What the operator should do, in Chinese.
    pub remedy_zh: &'static str,
    /// What the operator should do, in English.
    pub remedy_en: &'static str,
}

/// The language of a [`describe`] line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Chinese.
    Zh,
    /// English.
    En,
}

const fn entry(
    code: i64,
    class: ErrorClass,
    zh: &'static str,
    en: &'static str,
    remedy_zh: &'static str,
    remedy_en: &'static str,
) -> ErrorEntry {
    ErrorEntry {
        code,
        zh,
        en,
        class,
        remedy_zh,
        remedy_en,
    }
}

mod fast_register;
mod registration_routes;
pub mod task_status;

mod lifecycle;

/// Every area's table. Add a new area's file here.
static TABLES: &[&[ErrorEntry]] = &[fast_register::ENTRIES, registration_routes::ENTRIES, lifecycle::ENTRIES];

/// Every known code, sorted by code.
pub fn all() -> &'static [ErrorEntry] {
    static ALL: std::sync::OnceLock<Vec<ErrorEntry>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<ErrorEntry> = TABLES.iter().flat_map(|t| t.iter().copied()).collect();
        all.sort_by_key(|e| e.code);
        all
    })
}

/// The codes of the registration routes other than fast registration from an Official Account
/// (`registration-routes.md`: enterprise, personal, trial), sorted by code.
pub fn registration_routes() -> &'static [ErrorEntry] {
    registration_routes::ENTRIES
}

/// The entry of a code, if known.
pub fn lookup(code: i64) -> Option<&'static ErrorEntry> {
    let all = all();
    all.binary_search_by_key(&code, |e| e.code).ok().map(|i| &all[i])
}

/// The class of a code, if known.
pub fn class_of(code: i64) -> Option<ErrorClass> {
    lookup(code).map(|e| e.class)
}

/// One line for a person: the code, its meaning and what to do. An unknown code keeps its number.
pub fn describe(code: i64, lang: Lang) -> String {
    match (lookup(code), lang) {
        (Some(e), Lang::En) => format!("WeChat error {code}: {} — {}", e.en, e.remedy_en),
        (Some(e), Lang::Zh) => format!("微信错误码 {code}：{}。{}", e.zh, e.remedy_zh),
        (None, Lang::En) => format!("unknown WeChat error code {code}"),
        (None, Lang::Zh) => format!("未知的微信错误码 {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_sorted_without_duplicates(entries: &[ErrorEntry]) {
        for pair in entries.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} must come before {}",
                pair[0].code,
                pair[1].code
            );
        }
    }

    /// `lookup` is a binary search over the merged tables: each table sorted, one entry per code
    /// across all of them.
    #[test]
    fn entries_are_sorted_without_duplicates() {
        for table in TABLES {
            assert_sorted_without_duplicates(table);
        }
        assert_sorted_without_duplicates(all());
    }

    #[test]
    fn lookup_finds_every_entry() {
        for e in all() {
            assert_eq!(lookup(e.code), Some(e));
        }
        assert_eq!(lookup(0), None);
        assert_eq!(lookup(61059), None);
    }
}
