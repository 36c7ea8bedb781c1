//! Tolerant decoding where WeChat is known to be loose, exact encoding where the spec is exact.
//!
//! WeChat's responses mix `true` and `"true"`, numbers and numeric strings, and append
//! ` rid: …` to every `errmsg`. Decoding accepts all of these; encoding emits what the spec's
//! examples show (for fastregister: the strings `"true"`/`"false"`, see [`StrBool`]).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A boolean that WeChat sends as the string `"true"`/`"false"` (fastregister's
/// `is_wx_verify_succ`, `is_link_succ`). Decodes from a JSON bool, the strings `"true"`,
/// `"false"`, `"1"`, `"0"`, or the numbers 1 and 0; encodes as the string, as the spec's example.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StrBool(pub bool);

impl Serialize for StrBool {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if self.0 { "true" } else { "false" })
    }
}

impl<'de> Deserialize<'de> for StrBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        flex_bool::deserialize(d).map(StrBool)
    }
}

impl From<StrBool> for bool {
    fn from(b: StrBool) -> bool {
        b.0
    }
}

/// `#[serde(deserialize_with = "flex_bool::deserialize")]`: a bool from `true`, `"true"`, `1`, `"1"`.
pub mod flex_bool {
    use super::*;

    /// Decodes a loosely typed boolean.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Bool(b) => Ok(b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                _ => Err(serde::de::Error::custom(format!(
                    "expected a boolean, got the number {n}"
                ))),
            },
            serde_json::Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" | "" => Ok(false),
                other => Err(serde::de::Error::custom(format!(
                    "expected a boolean, got the string {other:?}"
                ))),
            },
            serde_json::Value::Null => Ok(false),
            other => Err(serde::de::Error::custom(format!("expected a boolean, got {other}"))),
        }
    }
}

/// `#[serde(deserialize_with = "flex_u64::deserialize")]`: an unsigned number, possibly sent as a string.
pub mod flex_u64 {
    use super::*;

    /// Decodes a loosely typed unsigned integer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => n
                .as_u64()
                .or_else(|| n.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0).map(|f| f as u64))
                .ok_or_else(|| serde::de::Error::custom(format!("expected an unsigned integer, got {n}"))),
            serde_json::Value::String(s) => s
                .trim()
                .parse::<u64>()
                .map_err(|_| serde::de::Error::custom(format!("expected an unsigned integer, got the string {s:?}"))),
            other => Err(serde::de::Error::custom(format!(
                "expected an unsigned integer, got {other}"
            ))),
        }
    }
}

/// `#[serde(deserialize_with = "flex_i64::deserialize")]`: a signed number, possibly sent as a string.
pub mod flex_i64 {
    use super::*;

    /// Decodes a loosely typed signed integer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .ok_or_else(|| serde::de::Error::custom(format!("expected an integer, got {n}"))),
            serde_json::Value::String(s) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| serde::de::Error::custom(format!("expected an integer, got the string {s:?}"))),
            other => Err(serde::de::Error::custom(format!("expected an integer, got {other}"))),
        }
    }
}

/// Optional variants of the flexible decoders: a missing field or `null` is `None`.
pub mod flex_opt_u64 {
    use super::*;

    /// Decodes an optional, loosely typed unsigned integer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(s) if s.trim().is_empty() => Ok(None),
            v => flex_u64::deserialize(v).map(Some).map_err(serde::de::Error::custom),
        }
    }
}

/// `errmsg` without the ` rid: …` (or older ` hint: […]`) suffix WeChat appends to it.
///
/// ```
/// use fastreg_protocol::wire::strip_rid;
/// assert_eq!(strip_rid("invalid ticket rid: 6142cae2-160a288b-589e1ad2"), "invalid ticket");
/// assert_eq!(strip_rid("ok"), "ok");
/// ```
pub fn strip_rid(errmsg: &str) -> &str {
    for marker in [" rid: ", " hint: "] {
        if let Some(i) = errmsg.find(marker) {
            return errmsg[..i].trim_end();
        }
    }
    errmsg
}

/// The request id (` rid: …`) WeChat appends to `errmsg`, if any.
pub fn rid(errmsg: &str) -> Option<&str> {
    errmsg.find(" rid: ").map(|i| errmsg[i + 6..].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct B {
        #[serde(deserialize_with = "flex_bool::deserialize")]
        b: bool,
        #[serde(deserialize_with = "flex_u64::deserialize")]
        n: u64,
    }

    #[test]
    fn booleans_and_numbers_are_decoded_loosely() {
        for (json, b, n) in [
            (r#"{"b":true,"n":5}"#, true, 5),
            (r#"{"b":"true","n":"5"}"#, true, 5),
            (r#"{"b":"false","n":" 7 "}"#, false, 7),
            (r#"{"b":0,"n":7.0}"#, false, 7),
        ] {
            let v: B = serde_json::from_str(json).unwrap();
            assert_eq!((v.b, v.n), (b, n), "{json}");
        }
    }

    #[test]
    fn a_word_is_not_a_boolean() {
        let err = serde_json::from_str::<B>(r#"{"b":"maybe","n":1}"#).err().unwrap();
        assert!(err.to_string().contains("maybe"), "{err}");
    }

    #[test]
    fn strbool_encodes_as_the_spec_string() {
        assert_eq!(serde_json::to_string(&StrBool(true)).unwrap(), "\"true\"");
        assert_eq!(serde_json::from_str::<StrBool>("true").unwrap(), StrBool(true));
    }

    #[test]
    fn rid_is_split_off() {
        assert_eq!(rid("x rid: abc-def"), Some("abc-def"));
        assert_eq!(strip_rid("system error hint: [abc]"), "system error");
    }
}

/// `#[serde(deserialize_with = "flex_u64_as_u32")]`: like [`flex_u64`], for a `u32` field.
pub fn flex_u64_as_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = flex_u64::deserialize(d)?;
    u32::try_from(n).map_err(|_| serde::de::Error::custom(format!("{n} does not fit in 32 bits")))
}

/// A boolean that the spec's examples show as the number `1`/`0` (getaccountbasicinfo's
/// `wx_verify_info`). Decodes from a bool, a number or a string; encodes as the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct IntBool(pub bool);

impl Serialize for IntBool {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(u8::from(self.0))
    }
}

impl<'de> Deserialize<'de> for IntBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        flex_bool::deserialize(d).map(IntBool)
    }
}
