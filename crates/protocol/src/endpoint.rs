//! What every endpoint declares, and how a response body becomes a typed value or an error.
//!
//! Each API of the spec is a zero-sized type implementing [`Endpoint`]: its HTTP method, its path
//! on api.weixin.qq.com, which token it takes, whether retrying it can do harm, and its request
//! and response types. The client builds calls from these constants and the emulator routes by
//! them, so neither can disagree with the other about a path or a field.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The HTTP method of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET, no body.
    Get,
    /// POST with a JSON body (or multipart, see [`Body`]).
    Post,
}

/// Which token goes in the query string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// No token (api_component_token itself).
    None,
    /// `component_access_token` (WeChat's newer docs also accept it as `access_token`).
    Component,
    /// An authorizer's `authorizer_access_token`, sent as `access_token`.
    Authorizer,
}

impl TokenKind {
    /// The query parameter the token travels in.
    pub fn query_name(self) -> Option<&'static str> {
        match self {
            TokenKind::None => None,
            TokenKind::Component => Some("component_access_token"),
            TokenKind::Authorizer => Some("access_token"),
        }
    }
}

/// How the request travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// No body (GET).
    None,
    /// A JSON body.
    Json,
    /// A multipart form with the file in this field (media/upload: `media`).
    Multipart {
        /// The form field that carries the file.
        field: &'static str,
    },
}

/// Whether a call may be sent again after an error that leaves its outcome unknown (`-1`, a
/// timeout, a cut connection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetrySafety {
    /// Sending it twice has the same effect as once (reads, token fetches).
    Idempotent,
    /// Sending it twice can spend a quota or a single-use credential twice, or fail with a
    /// misleading error the second time (fastregister answers 61058 to a repeated ticket).
    /// Only token errors (40001/40014/42001), which WeChat rejects before applying anything,
    /// may be retried.
    NotIdempotent,
}

/// One API of the spec.
pub trait Endpoint {
    /// The name WeChat's docs use (`fastregister`, `api_query_auth`, …); used in logs and counters.
    const NAME: &'static str;
    /// GET or POST.
    const METHOD: Method;
    /// The path on api.weixin.qq.com, starting with `/`.
    const PATH: &'static str;
    /// Which token the call takes.
    const TOKEN: TokenKind;
    /// How the request body travels.
    const BODY: Body;
    /// Whether a call with an unknown outcome may be sent again.
    const RETRY: RetrySafety;
    /// The request body (for GET and multipart endpoints: the extra query parameters, if any).
    type Request: Serialize + DeserializeOwned + fmt::Debug + Send + Sync;
    /// The successful response, without `errcode`/`errmsg` (see [`Envelope`]).
    type Response: Serialize + DeserializeOwned + fmt::Debug + Send + Sync;
}

/// A request or response with no fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// The JSON of every response: `errcode` and `errmsg` beside the endpoint's own fields.
///
/// On success WeChat sends `errcode: 0` (or, for the token APIs, no `errcode` at all).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// 0 on success.
    #[serde(default, deserialize_with = "crate::wire::flex_i64::deserialize")]
    pub errcode: i64,
    /// `ok`, or `""` for fastregister; on errors a message with ` rid: …` appended.
    #[serde(default)]
    pub errmsg: String,
    /// The endpoint's own fields.
    #[serde(flatten)]
    pub body: T,
}

impl<T> Envelope<T> {
    /// A success envelope with the `errmsg` the spec shows for most endpoints (`ok`).
    pub fn ok(body: T) -> Self {
        Envelope {
            errcode: 0,
            errmsg: "ok".into(),
            body,
        }
    }
}

/// An error answer from WeChat (`errcode` ≠ 0), kept whole even when the code is unknown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// The `errcode`.
    pub errcode: i64,
    /// The `errmsg`, as sent (with its ` rid: …`).
    pub errmsg: String,
}

impl ApiError {
    /// An error with this code and message (the message is kept as given).
    pub fn new(errcode: i64, errmsg: impl Into<String>) -> Self {
        ApiError {
            errcode,
            errmsg: errmsg.into(),
        }
    }

    /// The catalog's entry for this code, if the code is known.
    pub fn known(&self) -> Option<&'static crate::catalog::ErrorEntry> {
        crate::catalog::lookup(self.errcode)
    }

    /// `errmsg` without its ` rid: …` suffix.
    pub fn message(&self) -> &str {
        crate::wire::strip_rid(&self.errmsg)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.known() {
            Some(e) => write!(
                f,
                "WeChat error {}: {} ({}) — {}",
                self.errcode, e.en, e.zh, e.remedy_en
            ),
            None => write!(
                f,
                "WeChat error {}: {} (not in our catalog)",
                self.errcode,
                self.message()
            ),
        }
    }
}

impl std::error::Error for ApiError {}

/// Why a response body could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// WeChat answered with an error code.
    #[error("{0}")]
    Api(ApiError),
    /// The body was not the JSON we expected.
    #[error("cannot decode the response of {endpoint}: {reason}; body starts: {excerpt}")]
    Decode {
        /// The endpoint's name.
        endpoint: &'static str,
        /// What serde said.
        reason: String,
        /// The first bytes of the body, with anything token-like redacted.
        excerpt: String,
    },
}

/// The first 200 characters of a body, with the values of token-like fields blanked, for an
/// error message.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(200).collect();
    for key in [
        "access_token\":\"",
        "refresh_token\":\"",
        "component_access_token\":\"",
        "pre_auth_code\":\"",
        "authorization_code\":\"",
    ] {
        let mut from = 0;
        while let Some(i) = out[from..].find(key) {
            let start = from + i + key.len();
            let end = out[start..].find('"').map(|j| start + j).unwrap_or(out.len());
            out.replace_range(start..end, "…");
            from = start + '…'.len_utf8();
        }
    }
    out
}

/// Decodes a response body of endpoint `E`: an [`ApiError`] when `errcode` ≠ 0, else its typed
/// response. Unknown fields are ignored; a `rid` in `errmsg` is kept.
pub fn decode_response<E: Endpoint>(body: &[u8]) -> Result<E::Response, ResponseError> {
    let decode_err = |reason: String| ResponseError::Decode {
        endpoint: E::NAME,
        reason,
        excerpt: excerpt(body),
    };
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| decode_err(e.to_string()))?;
    if let Some(err) = api_error_of(&value) {
        return Err(ResponseError::Api(err));
    }
    serde_json::from_value(value).map_err(|e| decode_err(e.to_string()))
}

/// The error in a response body, if `errcode` is present and not 0.
pub fn api_error_of(value: &serde_json::Value) -> Option<ApiError> {
    let code = match value.get("errcode")? {
        serde_json::Value::Number(n) => n.as_i64()?,
        serde_json::Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    if code == 0 {
        return None;
    }
    let errmsg = value.get("errmsg").and_then(|m| m.as_str()).unwrap_or("").to_string();
    Some(ApiError { errcode: code, errmsg })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_blanks_tokens() {
        let e = excerpt(br#"{"authorizer_access_token":"SECRET","x":1}"#);
        assert!(!e.contains("SECRET"), "{e}");
        assert!(e.contains("\"x\":1"));
    }

    #[test]
    fn error_code_as_string_is_seen() {
        let v = serde_json::json!({"errcode": "61058", "errmsg": "invalid ticket rid: 1"});
        assert_eq!(api_error_of(&v).unwrap().errcode, 61058);
        assert!(api_error_of(&serde_json::json!({"errcode": 0})).is_none());
        assert!(api_error_of(&serde_json::json!({"component_access_token": "x"})).is_none());
    }
}

/// Declares an endpoint type with its constants, keeping each endpoint's metadata in one place.
#[macro_export]
#[doc(hidden)]
macro_rules! endpoint {
    (
        $(#[$doc:meta])*
        $name:ident {
            name: $wire:literal,
            method: $method:ident,
            path: $path:literal,
            token: $token:ident,
            body: $body:expr,
            retry: $retry:ident,
            request: $req:ty,
            response: $resp:ty $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        impl $crate::endpoint::Endpoint for $name {
            const NAME: &'static str = $wire;
            const METHOD: $crate::endpoint::Method = $crate::endpoint::Method::$method;
            const PATH: &'static str = $path;
            const TOKEN: $crate::endpoint::TokenKind = $crate::endpoint::TokenKind::$token;
            const BODY: $crate::endpoint::Body = $body;
            const RETRY: $crate::endpoint::RetrySafety = $crate::endpoint::RetrySafety::$retry;
            type Request = $req;
            type Response = $resp;
        }
    };
}

/// An endpoint's constants as a value, for tables, routing and docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointInfo {
    /// [`Endpoint::NAME`].
    pub name: &'static str,
    /// [`Endpoint::METHOD`].
    pub method: Method,
    /// [`Endpoint::PATH`].
    pub path: &'static str,
    /// [`Endpoint::TOKEN`].
    pub token: TokenKind,
    /// [`Endpoint::BODY`].
    pub body: Body,
    /// [`Endpoint::RETRY`].
    pub retry: RetrySafety,
}

/// The constants of `E`.
pub const fn info<E: Endpoint>() -> EndpointInfo {
    EndpointInfo {
        name: E::NAME,
        method: E::METHOD,
        path: E::PATH,
        token: E::TOKEN,
        body: E::BODY,
        retry: E::RETRY,
    }
}
