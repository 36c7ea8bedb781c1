//! The error-code catalog: every code of the spec and the global ones, in Chinese and English,
//! with a class and what the operator should do.

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

/// Every known code.
pub static ENTRIES: &[ErrorEntry] = &[];

/// The entry of a code, if known.
pub fn lookup(code: i64) -> Option<&'static ErrorEntry> {
    ENTRIES.iter().find(|e| e.code == code)
}
