//! The one error type of the client.
//!
//! WeChat's own answer ([`Error::Api`]) is kept apart from what went wrong on the way
//! ([`Error::Transport`], [`Error::Decode`]) and from our side ([`Error::Token`],
//! [`Error::Store`]). [`Error::OutcomeUnknown`] is the case a caller must not paper over: a call
//! that must not be sent twice was sent, and we do not know whether WeChat applied it.
//!
//! `Display` is one line: for WeChat errors the code, its meaning from the catalog and what to do.
//! Nothing here ever holds a token or a secret: reqwest errors are stripped of their URL (which
//! carries the access token in its query) and body excerpts have token fields blanked.

use crate::store::StoreError;
use fastreg_protocol::catalog::{ErrorClass, ErrorEntry};
use fastreg_protocol::{AppId, TokenKind};

/// Token errors: the token is not (or no longer) the latest; refresh and retry once.
pub(crate) const TOKEN_ERRORS: [i64; 3] = [40001, 40014, 42001];

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// WeChat answered with an `errcode` other than 0.
    #[error("{endpoint}: {}", describe_api(*code, message, *known))]
    Api {
        /// The endpoint called (`fastregister`, …).
        endpoint: &'static str,
        /// The `errcode`.
        code: i64,
        /// The `errmsg`, as sent (with its ` rid: …`, which WeChat support asks for).
        message: String,
        /// The catalog's entry for the code, if we know it.
        known: Option<&'static ErrorEntry>,
    },

    /// The request could not be sent or its answer not received.
    #[error(
        "{endpoint}: transport error: {message}; check the network and api_base{}",
        if *sent { " (the request may have reached WeChat)" } else { "" }
    )]
    Transport {
        /// The endpoint called.
        endpoint: &'static str,
        /// What failed, with its causes (no URL, so no token).
        message: String,
        /// Whether the request may have reached WeChat (false only for connect failures).
        sent: bool,
        /// The underlying error, stripped of its URL.
        #[source]
        source: Option<reqwest::Error>,
    },

    /// The answer was not the JSON the endpoint returns.
    #[error(
        "{endpoint}: cannot decode the answer ({reason}); body starts: {excerpt} — check api_base points at WeChat or the emulator"
    )]
    Decode {
        /// The endpoint called.
        endpoint: &'static str,
        /// What serde (or the HTTP status) said.
        reason: String,
        /// The first characters of the body, token fields blanked.
        excerpt: String,
    },

    /// A token could not be had (no verify ticket yet, no refresh token for an authorizer, a
    /// refresh lease held elsewhere too long).
    #[error("token: {0}")]
    Token(String),

    /// The token store failed.
    #[error(transparent)]
    Store(#[from] StoreError),

    /// A call that must not be sent twice (fastregister, api_query_auth, setnickname, …) was
    /// sent, and its answer was lost or was `-1`: WeChat may or may not have applied it.
    /// Do not send it again blindly; find out (for fastregister: the `authorized` push for the
    /// new Mini Program, or [`Client::find_new_authorizers`](crate::Client::find_new_authorizers)).
    #[error(
        "{endpoint}: outcome unknown — the request may have been applied ({cause}); do not resend it, reconcile{}",
        appid.as_ref().map(|a| format!(" for {a}")).unwrap_or_default()
    )]
    OutcomeUnknown {
        /// The endpoint called.
        endpoint: &'static str,
        /// The account the call was made for, if any.
        appid: Option<AppId>,
        /// What happened (a transport error, or `-1`).
        cause: Box<Error>,
    },

    /// The endpoint takes another token than the [`Auth`](crate::Auth) given: an authorizer API
    /// called with the component token, or the reverse. Refused before anything is sent.
    #[error(
        "{endpoint} takes {} but was called with {given}; pass {}",
        token_name(*needs),
        auth_hint(*needs)
    )]
    WrongToken {
        /// The endpoint.
        endpoint: &'static str,
        /// The token it takes.
        needs: TokenKind,
        /// What was given.
        given: &'static str,
    },

    /// An argument was refused before sending (a crop box outside [0, 1], an empty file, a
    /// redirect_uri that is not a URL).
    #[error("invalid {field}: {reason}")]
    Input {
        /// The argument.
        field: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },

    /// The configuration is unusable.
    #[error("client configuration: {0}")]
    Config(String),
}

fn describe_api(code: i64, message: &str, known: Option<&ErrorEntry>) -> String {
    match known {
        Some(e) => format!(
            "WeChat error {code}: {} ({}) — {} [{}]",
            e.en,
            e.zh,
            e.remedy_en,
            message.trim()
        ),
        None => format!(
            "WeChat error {code}: {} — not in our catalog; look the code up in WeChat's global error codes",
            message.trim()
        ),
    }
}

fn token_name(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::None => "no token",
        TokenKind::Component => "the component_access_token",
        TokenKind::Authorizer => "an authorizer_access_token",
    }
}

fn auth_hint(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::None => "Auth::None",
        TokenKind::Component => "Auth::Component",
        TokenKind::Authorizer => "Auth::Authorizer(appid) with the account's appid",
    }
}

impl Error {
    /// The WeChat `errcode`, for [`Error::Api`] (and an `OutcomeUnknown` caused by one).
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::Api { code, .. } => Some(*code),
            Error::OutcomeUnknown { cause, .. } => cause.code(),
            _ => None,
        }
    }

    /// The catalog's class of the WeChat error, if known.
    pub fn class(&self) -> Option<ErrorClass> {
        match self {
            Error::Api { known, .. } => known.map(|e| e.class),
            _ => None,
        }
    }

    /// Whether the call may have been applied although it failed (see [`Error::OutcomeUnknown`]).
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }

    /// Whether trying the same call again later may succeed without anyone changing anything:
    /// transient errors (`-1`, transport) and WeChat's "retry later" class. Quota, operator and
    /// permanent errors answer false, and so does an unknown outcome (find out first).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::Api { known, code, .. } => *code == -1 || known.is_some_and(|e| e.class == ErrorClass::RetryLater),
            _ => false,
        }
    }

    /// A copy for another task that waited on the same refresh: the same variant and fields;
    /// an underlying library error is kept as its text (it cannot be cloned).
    pub(crate) fn duplicate(&self) -> Error {
        match self {
            Error::Api {
                endpoint,
                code,
                message,
                known,
            } => Error::Api {
                endpoint,
                code: *code,
                message: message.clone(),
                known: *known,
            },
            Error::Transport {
                endpoint,
                message,
                sent,
                ..
            } => Error::Transport {
                endpoint,
                message: message.clone(),
                sent: *sent,
                source: None,
            },
            Error::Decode {
                endpoint,
                reason,
                excerpt,
            } => Error::Decode {
                endpoint,
                reason: reason.clone(),
                excerpt: excerpt.clone(),
            },
            Error::Token(message) => Error::Token(message.clone()),
            Error::Store(e) => Error::Store(e.duplicate()),
            Error::OutcomeUnknown { endpoint, appid, cause } => Error::OutcomeUnknown {
                endpoint,
                appid: appid.clone(),
                cause: Box::new(cause.duplicate()),
            },
            Error::WrongToken { endpoint, needs, given } => Error::WrongToken {
                endpoint,
                needs: *needs,
                given,
            },
            Error::Input { field, reason } => Error::Input {
                field,
                reason: reason.clone(),
            },
            Error::Config(message) => Error::Config(message.clone()),
        }
    }

    pub(crate) fn api(endpoint: &'static str, code: i64, message: String) -> Self {
        Error::Api {
            endpoint,
            code,
            message,
            known: fastreg_protocol::catalog::lookup(code),
        }
    }

    pub(crate) fn transport(endpoint: &'static str, err: reqwest::Error) -> Self {
        let sent = !err.is_connect();
        let err = err.without_url();
        let mut message = err.to_string();
        let mut cause = std::error::Error::source(&err);
        while let Some(c) = cause {
            message.push_str(": ");
            message.push_str(&c.to_string());
            cause = c.source();
        }
        Error::Transport {
            endpoint,
            message,
            sent,
            source: Some(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_is_one_line_with_code_meaning_and_remedy() {
        let e = Error::api("fastregister", 61058, "invalid ticket rid: 6142cae2".into());
        let s = e.to_string();
        assert!(!s.contains('\n'), "{s}");
        assert!(s.starts_with("fastregister: WeChat error 61058: "), "{s}");
        let entry = fastreg_protocol::catalog::lookup(61058).unwrap();
        assert!(s.contains(entry.en) && s.contains(entry.remedy_en), "{s}");
        assert!(s.contains("rid: 6142cae2"), "{s}");
        assert_eq!(e.code(), Some(61058));
    }

    #[test]
    fn unknown_code_keeps_its_number_and_message() {
        let e = Error::api("setnickname", 99999, "something new".into());
        let s = e.to_string();
        assert!(s.contains("99999") && s.contains("something new"), "{s}");
        assert_eq!(e.class(), None);
    }

    #[test]
    fn classes_follow_the_catalog() {
        assert!(Error::api("x", -1, String::new()).is_transient());
        assert!(!Error::api("x", 45009, String::new()).is_transient());
        assert_eq!(
            Error::api("x", 45009, String::new()).class(),
            Some(ErrorClass::QuotaExhausted)
        );
        assert!(!Error::api("x", 61055, String::new()).is_transient());
    }

    #[test]
    fn outcome_unknown_says_not_to_resend() {
        let e = Error::OutcomeUnknown {
            endpoint: "fastregister",
            appid: Some(AppId::parse("wx1111111111111111").unwrap()),
            cause: Box::new(Error::api("fastregister", -1, "system error".into())),
        };
        let s = e.to_string();
        assert!(s.contains("do not resend") && s.contains("wx1111111111111111"), "{s}");
        assert_eq!(e.code(), Some(-1));
        assert!(!e.is_transient());
    }

    #[test]
    fn wrong_token_names_the_fix() {
        let e = Error::WrongToken {
            endpoint: "getaccountbasicinfo",
            needs: TokenKind::Authorizer,
            given: "Auth::Component",
        };
        assert!(e.to_string().contains("Auth::Authorizer(appid)"), "{e}");
    }

    #[test]
    fn a_duplicate_keeps_the_variant_code_and_text() {
        let e = Error::OutcomeUnknown {
            endpoint: "fastregister",
            appid: None,
            cause: Box::new(Error::api("fastregister", -1, "system error".into())),
        };
        let copy = e.duplicate();
        assert!(copy.is_outcome_unknown());
        assert_eq!(copy.code(), Some(-1));
        assert_eq!(copy.to_string(), e.to_string());
        let store = Error::Store(StoreError::with_source(
            "cannot read the refresh token",
            std::io::Error::other("disk gone"),
        ));
        let copy = store.duplicate();
        assert_eq!(copy.to_string(), store.to_string());
        let source = std::error::Error::source(&copy).map(|s| s.to_string());
        assert!(source.is_some_and(|s| s.contains("disk gone")));
    }

    #[test]
    fn error_is_send_sync_static() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
    }
}
