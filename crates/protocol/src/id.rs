//! Identifiers and secrets of the wire, as newtypes built by parsing.
//!
//! Identifiers (`AppId`, `Ticket`, `AuthorizationCode`, `MediaId`, `TaskId`, `AuditId`) reject
//! empty or malformed values at the edge, so a typo is caught where it is made and not three calls
//! later. Secrets (`AccessToken`, `RefreshToken`, `Secret`) never print their value in `Debug` or
//! `Display`: they show a short fingerprint instead, which is enough to tell two tokens apart in a
//! log without leaking either.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Why a value could not become an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct IdError {
    /// The name of the field on the wire (`appid`, `ticket`, …).
    pub field: &'static str,
    /// What is wrong and how to fix it.
    pub reason: String,
}

fn check_token_chars(field: &'static str, s: &str, max: usize) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError {
            field,
            reason: "must not be empty".into(),
        });
    }
    if s.len() > max {
        return Err(IdError {
            field,
            reason: format!("is {} bytes long, at most {max} allowed", s.len()),
        });
    }
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(IdError {
            field,
            reason: format!("contains the character {c:?}; copy the value without spaces or line breaks"),
        });
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses a value, rejecting an empty one, one with white space, or one too long.
            pub fn parse(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                check_token_chars($field, &s, $max)?;
                Ok(Self(s))
            }
            /// The value as it goes on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// The value as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_id!(
    /// The appid of a component (第三方平台), an Official Account or a Mini Program (`wx…`).
    AppId, "appid", 64
);
string_id!(
    /// The `ticket` the fastregisterauth page appends to the redirect_uri once the Official
    /// Account's admin has confirmed. Single use (61058 once spent).
    Ticket, "ticket", 512
);
string_id!(
    /// An authorization code: from fastregister, from the componentloginpage callback
    /// (`auth_code`) or from an `authorized` push. Exchanged once through api_query_auth.
    AuthorizationCode, "authorization_code", 512
);
string_id!(
    /// A temporary media id (media/upload); valid for 3 days.
    MediaId, "media_id", 512
);
string_id!(
    /// The `taskid` the componentrebindadmin page appends to the redirect_uri.
    TaskId, "taskid", 512
);

/// The id of a nickname or category audit (审核单 id). WeChat sends it as a number; some older
/// docs type it as a string, so decoding accepts both.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct AuditId(pub u64);

impl fmt::Display for AuditId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for AuditId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for AuditId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::wire::flex_u64::deserialize(d).map(AuditId)
    }
}

/// A fingerprint of a secret: the first 8 hex digits of a SHA-1 over it. Enough to tell two
/// tokens apart in a log line, useless to an attacker.
pub fn fingerprint(secret: &str) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(secret.as_bytes());
    hex::encode(&digest[..4])
}

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value, rejecting an empty one or one with white space.
            pub fn parse(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                check_token_chars($field, &s, 4096)?;
                Ok(Self(s))
            }
            /// The secret itself. Call only where it goes on the wire or into encrypted storage.
            pub fn expose(&self) -> &str {
                &self.0
            }
            /// A fingerprint safe to log (see [`fingerprint`]).
            pub fn fingerprint(&self) -> String {
                fingerprint(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(redacted:{})", stringify!($name), self.fingerprint())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "redacted:{}", self.fingerprint())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

secret!(
    /// An access token: `component_access_token` or an authorizer's `authorizer_access_token`.
    AccessToken, "access_token"
);
secret!(
    /// An `authorizer_refresh_token`. Losing it means the account's admin must authorize again.
    RefreshToken, "authorizer_refresh_token"
);
secret!(
    /// Any other secret: a component's appsecret, a verify ticket, a pre_auth_code.
    Secret, "secret"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_appid_is_rejected_with_field_name() {
        let err = AppId::parse("").unwrap_err();
        assert_eq!(err.to_string(), "appid: must not be empty");
    }

    #[test]
    fn appid_with_space_names_the_fix() {
        let err = AppId::parse("wx12 34").unwrap_err();
        assert!(err.to_string().contains("without spaces"), "{err}");
    }

    #[test]
    fn secrets_never_print_their_value() {
        let t = AccessToken::parse("SECRET_TOKEN_VALUE_123").unwrap();
        assert!(!format!("{t:?}").contains("SECRET_TOKEN_VALUE_123"));
        assert!(!format!("{t}").contains("SECRET_TOKEN_VALUE_123"));
        assert_eq!(t.expose(), "SECRET_TOKEN_VALUE_123");
    }

    #[test]
    fn audit_id_accepts_number_and_string() {
        let a: AuditId = serde_json::from_str("12345").unwrap();
        let b: AuditId = serde_json::from_str("\"12345\"").unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a).unwrap(), "12345");
    }
}
