//! What comes from outside, checked once at the edge: no control character in a request's path,
//! query string or form body.
//!
//! A NUL in a string reached PostgreSQL (which refuses it: a 500 there, a stored row on SQLite),
//! and a CR/LF in a `next` or an appid reached a `Location` header (a 500 from the redirect). So
//! every request is checked before routing, and one with a control character is answered 400: in
//! the API's error shape under `/api/`, as a console page elsewhere. JSON bodies are checked by
//! the API's [`Json`](crate::api::extract::Json) extractor, which knows the field's path.
//!
//! Paths and queries allow no control character at all; bodies allow tab, line feed and carriage
//! return (a description may have several lines).

use crate::api::ApiError;
use crate::console::ConsoleError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest form body read for the check (the console's own limit).
const FORM_LIMIT: usize = 20 * 1024 * 1024;

/// Where a control character was found, and which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlCharacter {
    /// `the path`, `the query parameter `next``, `the form field `username``, `field `name``.
    pub place: String,
    /// The character.
    pub found: char,
}

impl ControlCharacter {
    /// What the client is told.
    pub fn message(&self) -> String {
        format!(
            "{} contains the control character U+{:04X}, which is not accepted",
            self.place, self.found as u32
        )
    }

    /// The API's 400.
    pub fn to_api_error(&self) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_characters",
            self.message(),
            "Remove control characters (NUL, CR, LF, …) from the request; text fields accept tab and line breaks only in JSON or form bodies.",
        )
    }
}

/// The first control character of `text`, if any; `multiline` allows tab, LF and CR.
pub fn control_character(text: &str, multiline: bool) -> Option<char> {
    text.chars()
        .find(|c| c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r')))
}

/// Percent-decodes `raw` (a path; `+` stays `+`).
fn percent_decoded(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn check_pairs(encoded: &[u8], what: &str, multiline: bool) -> Result<(), ControlCharacter> {
    for (k, v) in url::form_urlencoded::parse(encoded) {
        if let Some(found) = control_character(&k, false) {
            return Err(ControlCharacter {
                place: format!("a {what} name"),
                found,
            });
        }
        if let Some(found) = control_character(&v, multiline) {
            return Err(ControlCharacter {
                place: format!("the {what} `{k}`"),
                found,
            });
        }
    }
    Ok(())
}

/// The control character a request's path or query carries, if any.
pub fn in_uri(uri: &axum::http::Uri) -> Result<(), ControlCharacter> {
    if let Some(found) = control_character(&percent_decoded(uri.path()), false) {
        return Err(ControlCharacter {
            place: "the path".to_owned(),
            found,
        });
    }
    check_pairs(uri.query().unwrap_or("").as_bytes(), "query parameter", false)
}

fn refuse(path: &str, found: &ControlCharacter) -> Response {
    tracing::info!(reason = %found.message(), "request refused: control character");
    if path.starts_with("/api/") {
        found.to_api_error().into_response()
    } else {
        ConsoleError::invalid(
            format!("请求中有控制字符（U+{:04X}），不能接受。", found.found as u32),
            found.message(),
            "/console/",
        )
        .into_response()
    }
}

fn is_form(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The middleware: 400 for a control character in the path, the query or a form body.
pub async fn refuse_control_characters(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if let Err(found) = in_uri(req.uri()) {
        return refuse(&path, &found);
    }
    if !is_form(&req) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "the form is too large").into_response(),
    };
    if let Err(found) = check_pairs(&bytes, "form field", true) {
        return refuse(&path, &found);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The first control character (other than tab, LF, CR) in a JSON document's strings, with the
/// field it is in (`name`, `setup.nickname.name`); `None` for a clean or malformed document.
pub fn in_json(bytes: &[u8]) -> Option<ControlCharacter> {
    if !json_may_hold_control(bytes) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    fn walk(v: &serde_json::Value, path: &str) -> Option<ControlCharacter> {
        let here = |p: &str| {
            if p.is_empty() {
                "the body".to_owned()
            } else {
                format!("field `{p}`")
            }
        };
        match v {
            serde_json::Value::String(s) => control_character(s, true).map(|found| ControlCharacter {
                place: here(path),
                found,
            }),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            serde_json::Value::Object(fields) => fields.iter().find_map(|(k, item)| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match control_character(k, false) {
                    Some(found) => Some(ControlCharacter {
                        place: format!("a field name in {}", here(path)),
                        found,
                    }),
                    None => walk(item, &p),
                }
            }),
            _ => None,
        }
    }
    walk(&value, "")
}

/// A quick scan of JSON text: whether it has a `\uXXXX` escape of a control character (other
/// than tab, LF, CR) or a raw C1 control (U+0080–U+009F); raw C0 controls are not valid JSON.
fn json_may_hold_control(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'u') => {
                let code = bytes
                    .get(i + 2..i + 6)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u32::from_str_radix(h, 16).ok());
                if code
                    .and_then(char::from_u32)
                    .is_some_and(|c| control_character(&c.to_string(), true).is_some())
                {
                    return true;
                }
                i += 6;
            }
            b'\\' => i += 2,
            0xC2 if bytes.get(i + 1).is_some_and(|b| (0x80..=0x9F).contains(b)) => return true,
            _ => i += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_control_characters_where_they_hide() {
        assert_eq!(control_character("a\0b", true), Some('\0'));
        assert_eq!(control_character("line\r\nbreak", true), None);
        assert_eq!(control_character("line\r\nbreak", false), Some('\r'));
        assert_eq!(control_character("\u{85}", true), Some('\u{85}'));
        assert_eq!(control_character("名字 ok", false), None);
        let uri: axum::http::Uri = "/api/v1/authorizers/%00".parse().unwrap();
        assert_eq!(in_uri(&uri).unwrap_err().found, '\0');
        let uri: axum::http::Uri = "/console/login?next=/console%0d%0aSet-Cookie:x".parse().unwrap();
        let err = in_uri(&uri).unwrap_err();
        assert_eq!((err.found, err.place.as_str()), ('\r', "the query parameter `next`"));
        let uri: axum::http::Uri = "/console/mini-programs/wx%2500?x=%25".parse().unwrap();
        assert!(in_uri(&uri).is_ok());
    }

    #[test]
    fn finds_control_characters_in_json_and_names_the_field() {
        let found = in_json(br#"{"name":"a\u0000b"}"#).unwrap();
        assert_eq!((found.found, found.place.as_str()), ('\0', "field `name`"));
        let found = in_json(br#"{"setup":{"nickname":{"name":"x\u001b"}}}"#).unwrap();
        assert_eq!(found.place, "field `setup.nickname.name`");
        assert_eq!(in_json(br#"{"text":"two\nlines\u000d\\u0000"}"#), None);
        assert_eq!(
            in_json("{\"a\":[\"\u{85}\"]}".as_bytes()).unwrap().place,
            "field `a[0]`"
        );
    }
}
