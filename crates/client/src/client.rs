//! The client: configuration, the generic [`Client::call`], the raw escape hatch, and the one
//! loop every call goes through (token, send, decode, retry).
//!
//! # The loop
//! Each attempt takes the token the endpoint needs ([`crate::token`]), sends the request once,
//! and looks at the answer:
//! - `errcode` 40001/40014/42001 with a token: the token is invalidated *if it is still the one
//!   sent* (compare-and-delete, locally and in the store) and the call is made once more with
//!   whatever token the store then has or a refresh brings. Once: a second token error is
//!   returned, never looped on.
//! - `-1` or a transport error: sent again after a jittered backoff, up to
//!   [`RetryPolicy::max_retries`](crate::RetryPolicy) times, only if the endpoint is
//!   [`RetrySafety::Idempotent`] or the request provably never left. A non-idempotent call that
//!   may have reached WeChat ends in [`Error::OutcomeUnknown`].
//! - anything else (quota, operator, permanent errors; decode errors): returned at once.

use crate::config::ClientConfig;
use crate::error::{Error, TOKEN_ERRORS};
use crate::observer::{Attempt, AttemptResult};
use crate::store::{StoredToken, TokenStore};
use crate::token::{Flight, Refusal};
use bytes::Bytes;
use fastreg_protocol::crypto::MsgCrypt;
use fastreg_protocol::endpoint::{Body, Endpoint, Method, RetrySafety, TokenKind, excerpt};
use fastreg_protocol::{AccessToken, AppId};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tracing::{Instrument, Span, field};

/// Whose token a call carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Auth {
    /// No token: api_component_token only.
    None,
    /// The component_access_token (the `api_*` component endpoints).
    Component,
    /// The authorizer_access_token of this account (every account API: fastregister takes the
    /// Official Account's, the setup APIs the new Mini Program's).
    Authorizer(AppId),
}

impl Auth {
    /// The token kind this is.
    pub fn kind(&self) -> TokenKind {
        match self {
            Auth::None => TokenKind::None,
            Auth::Component => TokenKind::Component,
            Auth::Authorizer(_) => TokenKind::Authorizer,
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Auth::None => "Auth::None",
            Auth::Component => "Auth::Component",
            Auth::Authorizer(_) => "Auth::Authorizer",
        }
    }

    pub(crate) fn key(&self) -> Option<TokenKey> {
        match self {
            Auth::None => None,
            Auth::Component => Some(TokenKey::Component),
            Auth::Authorizer(appid) => Some(TokenKey::Authorizer(appid.clone())),
        }
    }
}

/// Which token: the component's, or one authorizer's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TokenKey {
    Component,
    Authorizer(AppId),
}

/// The async client of WeChat's component and fast-register APIs. Cheap to clone: clones share
/// the HTTP connection pool, the token cache and the single-flight locks.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("component_appid", &self.inner.config.component_appid)
            .field("api_base", &self.inner.config.api_base)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) config: ClientConfig,
    pub(crate) http: reqwest::Client,
    pub(crate) store: Arc<dyn TokenStore>,
    pub(crate) crypt: Option<MsgCrypt>,
    /// This process's copy of the tokens it last read or fetched; the store is the truth.
    pub(crate) cache: Mutex<HashMap<TokenKey, StoredToken>>,
    /// The flight under way for each token being fetched, so a process refreshes each token
    /// once and every task waiting for it gets its outcome.
    pub(crate) flights: Mutex<HashMap<TokenKey, Flight>>,
    /// Authorizers whose refresh WeChat refused (61023), with the refresh token it refused.
    pub(crate) refused: Mutex<HashMap<AppId, Refusal>>,
}

/// A request ready to send, stripped of its endpoint type so the loop is compiled once.
pub(crate) struct Call<'a> {
    pub(crate) name: &'static str,
    pub(crate) method: Method,
    pub(crate) path: &'a str,
    pub(crate) retry: RetrySafety,
    pub(crate) auth: &'a Auth,
    /// The account the call concerns, for the span (the authorizer for component calls about it).
    pub(crate) subject: Option<&'a AppId>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Payload,
}

pub(crate) enum Payload {
    None,
    Json(Bytes),
    Multipart {
        field: &'static str,
        filename: String,
        mime: &'static str,
        bytes: Bytes,
    },
}

enum Failure {
    Api(i64, String),
    Transport(Error),
    Other(Error),
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    errcode: Option<serde_json::Value>,
    #[serde(default)]
    errmsg: Option<String>,
}

impl Client {
    /// A client for the component in `config`, keeping its tokens in `store`.
    ///
    /// Fails if the configuration is unusable (a base URL that is not http(s), an
    /// EncodingAESKey that is not 43 characters) or the HTTP client cannot be built.
    pub fn new(mut config: ClientConfig, store: Arc<dyn TokenStore>) -> Result<Client, Error> {
        config.validate()?;
        let http = match config.http.clone() {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(config.timeout)
                .connect_timeout(config.connect_timeout)
                .user_agent(concat!("fastreg-client/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let crypt = if config.encoding_aes_key.is_empty() {
            None
        } else {
            Some(
                MsgCrypt::new(&config.token, &config.encoding_aes_key, config.component_appid.as_str())
                    .map_err(|e| Error::Config(format!("encoding_aes_key: {e}")))?,
            )
        };
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                http,
                store,
                crypt,
                cache: Mutex::new(HashMap::new()),
                flights: Mutex::new(HashMap::new()),
                refused: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The component's appid.
    pub fn component_appid(&self) -> &AppId {
        &self.inner.config.component_appid
    }

    /// The token store.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.inner.store
    }

    /// The WXBizMsgCrypt of the component (from `token` and `encoding_aes_key`), to open the
    /// pushes WeChat sends to the authorization-event URL; `None` if no key was configured.
    pub fn msg_crypt(&self) -> Option<&MsgCrypt> {
        self.inner.crypt.as_ref()
    }

    /// Calls endpoint `E` with the token `auth` names.
    ///
    /// The token must be the one the endpoint takes ([`Endpoint::TOKEN`]): an authorizer API
    /// called with [`Auth::Component`] (or the reverse) is refused with [`Error::WrongToken`]
    /// before anything is sent. Multipart endpoints (media/upload) go through
    /// [`Client::upload_temp_media`].
    ///
    /// ```no_run
    /// # async fn f(client: fastreg_client::Client, appid: fastreg_protocol::AppId) -> Result<(), fastreg_client::Error> {
    /// use fastreg_client::Auth;
    /// use fastreg_protocol::{account::AccountBasicInfo, endpoint::Empty};
    /// let info = client.call::<AccountBasicInfo>(Auth::Authorizer(appid), &Empty {}).await?;
    /// println!("{}", info.principal_name);
    /// # Ok(()) }
    /// ```
    pub async fn call<E: Endpoint>(&self, auth: Auth, req: &E::Request) -> Result<E::Response, Error> {
        let subject = match &auth {
            Auth::Authorizer(appid) => Some(appid),
            _ => None,
        };
        self.inner.call_endpoint::<E>(&auth, subject, req).await
    }

    /// Calls an authorizer endpoint for `appid`, checked when compiled: naming an endpoint that
    /// does not take an authorizer token is a compile error (the typed methods all go through
    /// here or [`Client::call_as_component`]).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastreg_client::{Client, ClientConfig, MemoryStore};
    /// # use fastreg_protocol::{AppId, id::Secret};
    /// # let client = Client::new(
    /// #     ClientConfig::builder(AppId::parse("wxcomponent")?, Secret::parse("s")?).build()?,
    /// #     std::sync::Arc::new(MemoryStore::new()),
    /// # )?;
    /// use fastreg_protocol::{account::AccountBasicInfo, endpoint::Empty};
    /// let appid = AppId::parse("wxminiprogram")?;
    /// let _future = client.call_as_authorizer::<AccountBasicInfo>(&appid, &Empty {});
    /// # Ok(()) }
    /// ```
    ///
    /// ```compile_fail
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastreg_client::{Client, ClientConfig, MemoryStore};
    /// # use fastreg_protocol::{AppId, id::Secret};
    /// # let client = Client::new(
    /// #     ClientConfig::builder(AppId::parse("wxcomponent")?, Secret::parse("s")?).build()?,
    /// #     std::sync::Arc::new(MemoryStore::new()),
    /// # )?;
    /// use fastreg_protocol::component::{GetAuthorizerInfo, GetAuthorizerInfoRequest};
    /// let appid = AppId::parse("wxminiprogram")?;
    /// let req = GetAuthorizerInfoRequest {
    ///     component_appid: client.component_appid().clone(),
    ///     authorizer_appid: appid.clone(),
    /// };
    /// // api_get_authorizer_info takes the component token: refused at compile time.
    /// let _future = client.call_as_authorizer::<GetAuthorizerInfo>(&appid, &req);
    /// # Ok(()) }
    /// ```
    pub fn call_as_authorizer<'a, E: Endpoint>(
        &'a self,
        appid: &'a AppId,
        req: &'a E::Request,
    ) -> impl Future<Output = Result<E::Response, Error>> + Send + 'a {
        const {
            assert!(
                matches!(E::TOKEN, TokenKind::Authorizer),
                "this endpoint does not take an authorizer_access_token"
            )
        };
        async move {
            self.inner
                .call_endpoint::<E>(&Auth::Authorizer(appid.clone()), Some(appid), req)
                .await
        }
    }

    /// Calls a component endpoint, checked when compiled: naming an endpoint that does not take
    /// the component token is a compile error.
    ///
    /// ```compile_fail
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use fastreg_client::{Client, ClientConfig, MemoryStore};
    /// # use fastreg_protocol::{AppId, id::Secret};
    /// # let client = Client::new(
    /// #     ClientConfig::builder(AppId::parse("wxcomponent")?, Secret::parse("s")?).build()?,
    /// #     std::sync::Arc::new(MemoryStore::new()),
    /// # )?;
    /// use fastreg_protocol::{account::AccountBasicInfo, endpoint::Empty};
    /// // getaccountbasicinfo takes an authorizer token: the component token must never reach it.
    /// let _future = client.call_as_component::<AccountBasicInfo>(&Empty {});
    /// # Ok(()) }
    /// ```
    pub fn call_as_component<'a, E: Endpoint>(
        &'a self,
        req: &'a E::Request,
    ) -> impl Future<Output = Result<E::Response, Error>> + Send + 'a {
        const {
            assert!(
                matches!(E::TOKEN, TokenKind::Component),
                "this endpoint does not take the component_access_token"
            )
        };
        async move { self.inner.call_endpoint::<E>(&Auth::Component, None, req).await }
    }

    /// Calls a path the protocol crate has not typed yet, with a JSON body (POST) or none
    /// (GET), and returns the answer's JSON (`errcode` ≠ 0 is still an [`Error::Api`]).
    ///
    /// Token errors get their one retry. A path of a known endpoint
    /// ([`fastreg_protocol::ENDPOINTS`]) keeps that endpoint's rules: the same token check
    /// ([`Error::WrongToken`]) and retry safety. For other paths the client cannot know what the
    /// call does, so a GET is treated as idempotent (retried on `-1` and transport errors) and a
    /// POST as not (an unknown outcome is [`Error::OutcomeUnknown`]).
    pub async fn call_raw(
        &self,
        method: Method,
        path: &str,
        auth: Auth,
        json: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, Error> {
        if !path.starts_with('/') {
            return Err(Error::Input {
                field: "path",
                reason: format!("{path:?} must start with '/', e.g. /cgi-bin/account/getaccountbasicinfo"),
            });
        }
        let body = match (method, json) {
            (Method::Get, Some(_)) => {
                return Err(Error::Input {
                    field: "json",
                    reason: "a GET has no body; pass None or use Method::Post".into(),
                });
            }
            (Method::Get, None) => Payload::None,
            (Method::Post, json) => Payload::Json(Bytes::from(
                serde_json::to_vec(json.unwrap_or(&serde_json::json!({}))).map_err(|e| Error::Input {
                    field: "json",
                    reason: e.to_string(),
                })?,
            )),
        };
        let subject = match &auth {
            Auth::Authorizer(appid) => Some(appid),
            _ => None,
        };
        let known = fastreg_protocol::ENDPOINTS.iter().find(|e| e.path == path);
        let (name, retry) = match known {
            Some(e) => {
                if auth.kind() != e.token {
                    return Err(Error::WrongToken {
                        endpoint: e.name,
                        needs: e.token,
                        given: auth.label(),
                    });
                }
                if matches!(e.body, Body::Multipart { .. }) {
                    return Err(Error::Input {
                        field: "path",
                        reason: format!("{} sends a file; call Client::upload_temp_media", e.name),
                    });
                }
                (e.name, e.retry)
            }
            None => (
                "call_raw",
                match method {
                    Method::Get => RetrySafety::Idempotent,
                    Method::Post => RetrySafety::NotIdempotent,
                },
            ),
        };
        let call = Call {
            name,
            method,
            path,
            retry,
            auth: &auth,
            subject,
            query: Vec::new(),
            body,
        };
        let body = self.inner.execute(&call).await?;
        serde_json::from_slice(&body).map_err(|e| Error::Decode {
            endpoint: name,
            reason: e.to_string(),
            excerpt: excerpt(&body),
        })
    }
}

impl Inner {
    pub(crate) fn now(&self) -> SystemTime {
        self.config.clock.now()
    }

    pub(crate) async fn call_endpoint<E: Endpoint>(
        self: &Arc<Self>,
        auth: &Auth,
        subject: Option<&AppId>,
        req: &E::Request,
    ) -> Result<E::Response, Error> {
        if auth.kind() != E::TOKEN {
            return Err(Error::WrongToken {
                endpoint: E::NAME,
                needs: E::TOKEN,
                given: auth.label(),
            });
        }
        let (query, body) = match E::BODY {
            Body::None => (query_pairs(E::NAME, req)?, Payload::None),
            Body::Json => (
                Vec::new(),
                Payload::Json(Bytes::from(serde_json::to_vec(req).map_err(|e| Error::Input {
                    field: "request",
                    reason: e.to_string(),
                })?)),
            ),
            Body::Multipart { .. } => {
                return Err(Error::Input {
                    field: "endpoint",
                    reason: format!("{} sends a file; call Client::upload_temp_media instead", E::NAME),
                });
            }
        };
        let call = Call {
            name: E::NAME,
            method: E::METHOD,
            path: E::PATH,
            retry: E::RETRY,
            auth,
            subject,
            query,
            body,
        };
        let body = self.execute(&call).await?;
        decode::<E>(&body)
    }

    /// Sends `call` until it succeeds or the rules of the module doc say stop.
    pub(crate) async fn execute(self: &Arc<Self>, call: &Call<'_>) -> Result<Bytes, Error> {
        let span = tracing::info_span!(
            "wechat_call",
            endpoint = call.name,
            path = call.path,
            appid = field::Empty,
            attempt = field::Empty,
            errcode = field::Empty,
        );
        if let Some(appid) = call.subject {
            span.record("appid", appid.as_str());
        }
        self.execute_in(call, &span).instrument(span.clone()).await
    }

    async fn execute_in(self: &Arc<Self>, call: &Call<'_>, span: &Span) -> Result<Bytes, Error> {
        let key = call.auth.key();
        let policy = &self.config.retry;
        let idempotent = call.retry == RetrySafety::Idempotent;
        let mut attempt: u32 = 0;
        let mut token_retried = false;
        let mut retries: u32 = 0;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let token = match &key {
                Some(k) => Some(self.token(k).await?),
                None => None,
            };
            let sent_at = std::time::Instant::now();
            let sent = self.send_once(call, token.as_ref()).await;
            if let Some(observer) = &self.config.observer {
                observer.attempt(&Attempt {
                    endpoint: call.name,
                    result: match &sent {
                        Ok(_) => AttemptResult::Ok,
                        Err(Failure::Api(code, _)) => AttemptResult::Errcode(*code),
                        Err(_) => AttemptResult::Transport,
                    },
                    elapsed: sent_at.elapsed(),
                });
            }
            let failure = match sent {
                Ok(body) => {
                    span.record("errcode", 0);
                    return Ok(body);
                }
                Err(f) => f,
            };
            match failure {
                Failure::Api(code, message) => {
                    span.record("errcode", code);
                    if let (Some(k), Some(t)) = (&key, &token)
                        && TOKEN_ERRORS.contains(&code)
                        && !token_retried
                    {
                        token_retried = true;
                        tracing::info!(
                            errcode = code,
                            token = %t.fingerprint(),
                            "token rejected; invalidating it if still current, retrying once"
                        );
                        self.invalidate(k, t).await?;
                        continue;
                    }
                    let err = Error::api(call.name, code, message);
                    if code == -1 {
                        if idempotent && retries < policy.max_retries {
                            let wait = policy.backoff(retries);
                            retries += 1;
                            tracing::debug!(?wait, "system busy (-1); retrying");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        if !idempotent {
                            return Err(self.outcome_unknown(call, err));
                        }
                    }
                    tracing::debug!(errcode = code, "WeChat error");
                    return Err(err);
                }
                Failure::Transport(err) => {
                    let sent = matches!(err, Error::Transport { sent: true, .. });
                    if (idempotent || !sent) && retries < policy.max_retries {
                        let wait = policy.backoff(retries);
                        retries += 1;
                        tracing::debug!(?wait, error = %err, "transport error; retrying");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    if sent && !idempotent {
                        return Err(self.outcome_unknown(call, err));
                    }
                    return Err(err);
                }
                Failure::Other(err) => return Err(err),
            }
        }
    }

    fn outcome_unknown(&self, call: &Call<'_>, cause: Error) -> Error {
        tracing::warn!(error = %cause, "outcome unknown for a call that must not be resent");
        Error::OutcomeUnknown {
            endpoint: call.name,
            appid: call.subject.cloned(),
            cause: Box::new(cause),
        }
    }

    async fn send_once(&self, call: &Call<'_>, token: Option<&AccessToken>) -> Result<Bytes, Failure> {
        let url = format!("{}{}", self.config.api_base, call.path);
        let mut query: Vec<(&str, &str)> = Vec::with_capacity(call.query.len() + 1);
        if let (Some(t), Some(name)) = (token, call.auth.kind().query_name()) {
            query.push((name, t.expose()));
        }
        query.extend(call.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut request = match call.method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url),
        };
        if !query.is_empty() {
            request = request.query(&query);
        }
        request = match &call.body {
            Payload::None => request,
            Payload::Json(bytes) => request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Payload::Multipart {
                field,
                filename,
                mime,
                bytes,
            } => {
                let part = reqwest::multipart::Part::stream_with_length(
                    reqwest::Body::from(bytes.clone()),
                    bytes.len() as u64,
                )
                .file_name(filename.clone())
                .mime_str(mime)
                .map_err(|e| {
                    Failure::Other(Error::Input {
                        field: "mime",
                        reason: e.to_string(),
                    })
                })?;
                request.multipart(reqwest::multipart::Form::new().part(*field, part))
            }
        };
        let response = request
            .send()
            .await
            .map_err(|e| Failure::Transport(Error::transport(call.name, e)))?;
        let status = response.status();
        // get_qrcode answers an image on success and JSON on error: an image body is the answer.
        let image = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("image/"));
        let body = response
            .bytes()
            .await
            .map_err(|e| Failure::Transport(Error::transport(call.name, e)))?;
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(Failure::Transport(Error::Transport {
                endpoint: call.name,
                message: format!("HTTP {status}"),
                sent: true,
                source: None,
            }));
        }
        let decode_error = |reason: String| {
            Failure::Other(Error::Decode {
                endpoint: call.name,
                reason,
                excerpt: excerpt(&body),
            })
        };
        if !status.is_success() {
            return Err(decode_error(format!("HTTP {status}")));
        }
        if image {
            return Ok(body);
        }
        let probe: Probe = serde_json::from_slice(&body).map_err(|e| decode_error(e.to_string()))?;
        let code = match &probe.errcode {
            None | Some(serde_json::Value::Null) => 0,
            Some(serde_json::Value::Number(n)) => n.as_i64().unwrap_or(-1),
            Some(serde_json::Value::String(s)) => s
                .trim()
                .parse()
                .map_err(|_| decode_error(format!("errcode {s:?} is not a number")))?,
            Some(other) => return Err(decode_error(format!("errcode {other} is not a number"))),
        };
        if code != 0 {
            return Err(Failure::Api(code, probe.errmsg.unwrap_or_default()));
        }
        Ok(body)
    }
}

/// The typed response of `E` from a body whose `errcode` is 0 or absent.
pub(crate) fn decode<E: Endpoint>(body: &[u8]) -> Result<E::Response, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        endpoint: E::NAME,
        reason: e.to_string(),
        excerpt: excerpt(body),
    })
}

/// A GET endpoint's request as query parameters (an [`Empty`](fastreg_protocol::endpoint::Empty)
/// request gives none).
pub(crate) fn query_pairs<T: serde::Serialize>(
    endpoint: &'static str,
    req: &T,
) -> Result<Vec<(String, String)>, Error> {
    let value = serde_json::to_value(req).map_err(|e| Error::Input {
        field: "request",
        reason: format!("{endpoint}: {e}"),
    })?;
    let serde_json::Value::Object(map) = value else {
        return Ok(Vec::new());
    };
    Ok(map
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some((k, s)),
            other => Some((k, other.to_string())),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fastreg_protocol::media::UploadTempMediaQuery;

    #[test]
    fn query_pairs_of_empty_and_of_media_type() {
        assert!(
            query_pairs("x", &fastreg_protocol::endpoint::Empty {})
                .unwrap()
                .is_empty()
        );
        let q = query_pairs(
            "media/upload",
            &UploadTempMediaQuery {
                media_type: "image".into(),
            },
        )
        .unwrap();
        assert_eq!(q, vec![("type".to_string(), "image".to_string())]);
    }

    #[test]
    fn auth_kinds() {
        assert_eq!(Auth::None.kind(), TokenKind::None);
        assert_eq!(Auth::Component.kind(), TokenKind::Component);
        let a = AppId::parse("wx1234567890abcdef").unwrap();
        assert_eq!(Auth::Authorizer(a.clone()).kind(), TokenKind::Authorizer);
        assert_eq!(Auth::Authorizer(a.clone()).key(), Some(TokenKey::Authorizer(a)));
    }
}
