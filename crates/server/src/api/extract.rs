//! The API's extractors and the net under them, so that every answer under `/api/v1` — a
//! handler's error or a request refused before any handler ran — is one [`ApiError`]:
//!
//! - [`Json`], [`Path`] and [`Query`] stand in for axum's: same use in handlers, but a body
//!   without `Content-Type: application/json` (415), malformed JSON (400), a wrong type, a
//!   missing or unknown field (422, naming the field by its serde path: `setup.nickname.name`),
//!   a body over [`BODY_LIMIT`] (413), a bad path parameter or query string (400), a control
//!   character in a string (400, [`crate::edge`]) answer `{code, message, remedy}`;
//! - [`json_errors`] turns what is left (an unknown route's 404, a wrong method's 405, any other
//!   framework answer that is not JSON) into the same shape.

use super::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest request body the API reads: a setup plan carries its images inline as base64
/// (up to 2 MB each, plus qualifications), which takes a third more room than the images.
pub const BODY_LIMIT: usize = 10 * 1024 * 1024;

/// [`BODY_LIMIT`] as people read it.
pub const BODY_LIMIT_TEXT: &str = "10 MiB";

const SCHEMA: &str = "/api/v1/openapi.json";

/// A JSON body (extractor) or answer (response), like `axum::Json` but refusing in the API's
/// error shape.
#[derive(Debug, Clone, Copy, Default)]
#[must_use]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(not_json(req.headers()));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(unreadable)?;
        if let Some(found) = crate::edge::in_json(&bytes) {
            tracing::info!(reason = %found.message(), "request refused: control character");
            return Err(found.to_api_error());
        }
        parse(&bytes).map(Json)
    }
}

/// `Option<Json<T>>`: no body (no `Content-Type`) is `None`; a body must be JSON.
impl<T, S> OptionalFromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, ApiError> {
        if req.headers().get(header::CONTENT_TYPE).is_none() {
            return Ok(None);
        }
        <Self as FromRequest<S>>::from_request(req, state).await.map(Some)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

fn not_json(headers: &HeaderMap) -> ApiError {
    let message = match headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(t) => format!("the body's Content-Type is {t:?}; this route reads JSON"),
        None => "the request has no Content-Type; this route reads a JSON body".to_owned(),
    };
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        message,
        "Send the body as JSON with the header `Content-Type: application/json`.",
    )
}

fn unreadable(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("the request body could not be read: {}", rejection.body_text()),
            "Send the request again.",
        )
    }
}

/// 413, saying the limit.
pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("the request body is over the API's limit of {BODY_LIMIT_TEXT} ({BODY_LIMIT} bytes)"),
        format!(
            "Send at most {BODY_LIMIT_TEXT}: images are at most 2 MB each (base64 adds a third); split a large setup \
             plan into several PUT /api/v1/mini-programs/{{appid}}/setup with one part each."
        ),
    )
}

/// Decodes a JSON body; a refusal names the field by its path (`setup.avatar.crop.x1`).
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            invalid_field(&path, &inner)
        } else {
            malformed(&inner)
        }
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_json",
        format!("the body is not valid JSON: {e}"),
        format!("Send one well-formed JSON object; the request's schema is in {SCHEMA}."),
    )
}

fn invalid_field(path: &str, e: &serde_json::Error) -> ApiError {
    let (message, remedy) = if path == "." {
        (
            format!("the body does not fit the request: {e}"),
            format!("Send a JSON object with the fields the request's schema in {SCHEMA} lists."),
        )
    } else {
        (
            format!("field `{path}`: {e}"),
            format!(
                "Fix or remove `{path}` and send the request again; the request's schema is in {SCHEMA} (fields it does not list are refused)."
            ),
        )
    };
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", message, remedy)
}

/// Path parameters, like `axum::extract::Path`, refusing in the API's error shape.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(p) => Ok(Path(p.0)),
            Err(rejection) => {
                let params: Vec<(String, String)> = RawPathParams::from_request_parts(parts, state)
                    .await
                    .map(|raw| raw.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
                    .unwrap_or_default();
                Err(path_error(rejection, &params))
            }
        }
    }
}

fn kind_of(expected_type: &str) -> &str {
    match expected_type {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
            "an integer"
        }
        other => other,
    }
}

fn path_error(rejection: PathRejection, params: &[(String, String)]) -> ApiError {
    use axum::extract::path::ErrorKind;
    let PathRejection::FailedToDeserializePathParams(e) = &rejection else {
        return ApiError::unexpected(anyhow::anyhow!("path parameters: {}", rejection.body_text()));
    };
    let name_of = |value: &str| {
        params
            .iter()
            .find(|(_, v)| v == value)
            .map(|(k, _)| k.as_str())
            .unwrap_or("parameter")
    };
    let message = match e.kind() {
        ErrorKind::ParseErrorAtKey {
            key,
            value,
            expected_type,
        } => format!("path parameter `{key}`: {value:?} is not {}", kind_of(expected_type)),
        ErrorKind::ParseErrorAtIndex {
            value, expected_type, ..
        }
        | ErrorKind::ParseError { value, expected_type } => format!(
            "path parameter `{}`: {value:?} is not {}",
            name_of(value),
            kind_of(expected_type)
        ),
        ErrorKind::InvalidUtf8InPathParam { key } => {
            format!("path parameter `{key}` is not UTF-8 once percent-decoded")
        }
        _ => format!("the URL's path is invalid: {}", e.body_text()),
    };
    if e.status().is_server_error() {
        return ApiError::unexpected(anyhow::anyhow!("{message}"));
    }
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_path",
        message,
        format!("Check the URL: {SCHEMA} gives each route's path parameters and their types."),
    )
}

/// A query string, like `axum::extract::Query`, refusing in the API's error shape.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(q) => Ok(Query(q.0)),
            Err(rejection) => Err(query_error(&rejection)),
        }
    }
}

fn query_error(rejection: &QueryRejection) -> ApiError {
    let text = rejection.body_text();
    let detail = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&text);
    // serde's path first (`limit: invalid digit found in string`), when it names a parameter.
    let message = match detail.split_once(": ") {
        Some((name, why)) if !name.is_empty() && name != "." && !name.contains(' ') => {
            format!("query parameter `{name}`: {why}")
        }
        _ => format!("the query string is invalid: {detail}"),
    };
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        message,
        format!("Fix the query string: {SCHEMA} lists each route's parameters (limit and offset are integers)."),
    )
}

/// The path as the client sent it (a nested router sees it without `/api/v1`).
fn full_path(req: &Request) -> String {
    req.extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| req.uri().path().to_owned(), |u| u.path().to_owned())
}

fn no_route(method: &axum::http::Method, path: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no route {method} {path}"),
        format!("Check the method and the path against {SCHEMA}."),
    )
}

/// The fallback of `/api/v1`: an unknown route.
pub async fn unknown_route(req: Request) -> ApiError {
    no_route(req.method(), &full_path(&req))
}

/// Middleware of `/api/v1`: an error answer that is not JSON (an unknown route, a wrong method,
/// anything the framework answered by itself) becomes an [`ApiError`].
pub async fn json_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = full_path(&req);
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if is_json {
        return response;
    }
    let allow = response
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let error = match status {
        StatusCode::NOT_FOUND => no_route(&method, &path),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "method_not_allowed",
            format!("{method} is not allowed on {path}"),
            match &allow {
                Some(a) if !a.is_empty() => format!("Use {a} on this path; see {SCHEMA}."),
                _ => format!("See {SCHEMA} for the methods of this path."),
            },
        ),
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        s if s.is_server_error() => ApiError::unexpected(anyhow::anyhow!("{status} without an API error: {text}")),
        _ => ApiError::new(
            status,
            "invalid_request",
            if text.is_empty() {
                status.canonical_reason().unwrap_or("refused").to_owned()
            } else {
                text
            },
            format!("Fix the request as the message says; see {SCHEMA}."),
        ),
    };
    let mut out = error.into_response();
    if let Some(a) = parts.headers.get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, a.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u32,
    }

    #[test]
    fn a_refused_body_names_the_field() {
        let e = parse::<Outer>(br#"{"inner":{"n":"x"}}"#).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
        );
        assert!(e.message.starts_with("field `inner.n`: invalid type"), "{}", e.message);
        let e = parse::<Outer>(br#"{"inner":{"n":1,"m":2}}"#).unwrap_err();
        assert!(
            e.message.contains("inner.m") && e.message.contains("unknown field"),
            "{}",
            e.message
        );
        let e = parse::<Outer>(br#"{"inner":"#).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (StatusCode::BAD_REQUEST, "invalid_json"));
        let e = parse::<Outer>(br#"{"inner":{"n":1}} x"#).unwrap_err();
        assert_eq!(e.code, "invalid_json");
        assert!(parse::<Outer>(br#"{"inner":{"n":1}}"#).is_ok());
    }
}
