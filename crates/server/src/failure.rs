//! What the operator sees when a step stops: a code, its meaning and what to do, in both
//! languages — taken from the protocol's error catalog for WeChat's codes, so the service, the
//! client and the emulator say the same thing about each code.

use fastreg_client::Error as ClientError;
use serde::{Deserialize, Serialize};

/// Why a registration, setup step, authorization or rebind stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Failure {
    /// WeChat's `errcode` as text (`"61051"`), or one of ours (`outcome_unknown`, `transport`, …).
    pub code: String,
    /// What happened, in English.
    pub message: String,
    /// What to do, in English.
    pub remedy: String,
    /// What happened, in Chinese (WeChat's wording where the spec has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_zh: Option<String>,
    /// What to do, in Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy_zh: Option<String>,
}

impl Failure {
    /// A failure of ours (not a WeChat code).
    pub fn new(code: &str, message: impl Into<String>, remedy: impl Into<String>) -> Self {
        Failure {
            code: code.to_owned(),
            message: message.into(),
            remedy: remedy.into(),
            message_zh: None,
            remedy_zh: None,
        }
    }

    /// The failure a WeChat `errcode` means, from the catalog.
    pub fn wechat(code: i64, errmsg: &str) -> Self {
        match fastreg_protocol::catalog::lookup(code) {
            Some(e) => Failure {
                code: code.to_string(),
                message: e.en.to_owned(),
                remedy: e.remedy_en.to_owned(),
                message_zh: Some(e.zh.to_owned()),
                remedy_zh: Some(e.remedy_zh.to_owned()),
            },
            None => Failure::new(
                &code.to_string(),
                format!("WeChat answered {code}: {}", fastreg_protocol::wire::strip_rid(errmsg)),
                "This code is not in our catalog; look it up in WeChat's global error codes.",
            ),
        }
    }

    /// The failure a client error means.
    pub fn from_client(e: &ClientError) -> Self {
        match e {
            ClientError::Api { code, message, .. } => Failure::wechat(*code, message),
            ClientError::OutcomeUnknown { endpoint, .. } => Failure::new(
                "outcome_unknown",
                format!(
                    "{endpoint}: {}; WeChat may or may not have applied it",
                    what_happened(e)
                ),
                "Check the account on WeChat before trying again.",
            ),
            ClientError::Transport { .. } => Failure::new(
                "transport",
                e.to_string(),
                "Check that this service can reach WeChat (api_base).",
            ),
            ClientError::Token(_) => Failure::new(
                "token",
                e.to_string(),
                "Check the component's settings and that WeChat's verify ticket pushes reach /wechat/component/events.",
            ),
            _ => Failure::new("internal", e.to_string(), "See the service's logs."),
        }
    }
}

/// What became of a call whose outcome is unknown, in words: WeChat answered `-1` (it did answer;
/// `-1` says nothing about whether it applied the call), or the answer was lost on the way.
pub fn what_happened(e: &ClientError) -> String {
    let cause = match e {
        ClientError::OutcomeUnknown { cause, .. } => cause.as_ref(),
        other => other,
    };
    match cause {
        ClientError::Api { code: -1, .. } => "WeChat answered -1 (system busy)".to_owned(),
        ClientError::Decode { .. } => format!("WeChat's answer could not be read ({cause})"),
        _ => format!("the answer was lost ({cause})"),
    }
}

/// Whether the answer of a call was lost after the request may have reached WeChat: WeChat may or
/// may not have applied it, so a call that spends a quota, opens an audit or uses a single-use
/// ticket must be reconciled from WeChat's state, never resent blindly. A decode error counts: an
/// answer arrived, but not one that says what happened.
pub fn is_lost_answer(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::OutcomeUnknown { .. } | ClientError::Decode { .. } | ClientError::Transport { sent: true, .. }
    )
}

/// Whether a client error is worth retrying later (transient on WeChat's side or ours), as
/// opposed to one only a person can fix.
pub fn is_retryable(e: &ClientError) -> bool {
    use fastreg_protocol::catalog::ErrorClass;
    match e {
        ClientError::Transport { .. } | ClientError::Store(_) | ClientError::Token(_) | ClientError::Decode { .. } => {
            true
        }
        ClientError::Api { .. } => {
            matches!(e.class(), Some(ErrorClass::RetryLater | ErrorClass::RefreshToken)) || e.code() == Some(-1)
        }
        _ => false,
    }
}
