//! What a [`Client`](crate::Client) needs to know: the component's credentials, where WeChat
//! is, and how patient to be.

use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::observer::CallObserver;
use fastreg_protocol::AppId;
use fastreg_protocol::id::Secret;
use fastreg_protocol::page::MP_BASE;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// WeChat's API host.
pub const API_BASE: &str = "https://api.weixin.qq.com";

/// How the client retries a call whose outcome is unknown (`-1` system busy, a timeout, a cut
/// connection).
///
/// Only endpoints whose [`RetrySafety`](fastreg_protocol::RetrySafety) is `Idempotent` are sent
/// again after such an error (reads, token fetches, media upload, deletecategory); the others
/// (fastregister, api_query_auth, setnickname, …) are sent again only when the request provably
/// never left (a refused connection). Token errors (40001, 40014, 42001) are a separate rule:
/// WeChat rejects those before applying anything, so every endpoint gets exactly one retry with a
/// fresh token. Quota and operator errors are never retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times a call may be sent again after `-1` or a transport error (0: never).
    pub max_retries: u32,
    /// The backoff before the first retry; it doubles with each retry.
    pub initial_backoff: Duration,
    /// The largest backoff.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 8 retries, from 50 ms doubling up to 2 s (about 5 s of waiting at most, with jitter):
    /// enough that a 30% rate of `-1` fails one call in 50,000 (0.3⁹), short enough for a job
    /// or a request handler to wait for.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 8,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// Never retry `-1` or transport errors (token errors still get their one retry).
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The delay before retry number `retry` (0-based): the exponential step, of which a random
    /// half is kept ("equal jitter"), so that many clients failing together do not retry
    /// together, yet none retries at once.
    pub fn backoff(&self, retry: u32) -> Duration {
        let step = self
            .initial_backoff
            .saturating_mul(1u32 << retry.min(20))
            .min(self.max_backoff);
        let half = step / 2;
        let jitter = half.mul_f64(rand::random::<f64>());
        half + jitter
    }
}

/// The client's configuration. Build it with [`ClientConfig::builder`].
#[derive(Clone)]
pub struct ClientConfig {
    /// The component's (第三方平台) appid.
    pub component_appid: AppId,
    /// The component's appsecret.
    pub component_secret: Secret,
    /// The message-check token (消息校验Token) set on the open platform; signs pushes.
    pub token: String,
    /// The 43-character EncodingAESKey (消息加解密Key); encrypts pushes. Empty when the client
    /// is not used to open pushes.
    pub encoding_aes_key: String,
    /// The API origin, [`API_BASE`] by default (the emulator's URL in tests).
    pub api_base: String,
    /// The origin of the mp pages, [`MP_BASE`] by default.
    pub mp_base: String,
    /// The whole-request timeout.
    pub timeout: Duration,
    /// The connect timeout.
    pub connect_timeout: Duration,
    /// An HTTP client to use instead of building one (its own timeouts then apply).
    pub http: Option<reqwest::Client>,
    /// How `-1` and transport errors are retried.
    pub retry: RetryPolicy,
    /// How long before its expiry a token is refreshed (5 minutes by default; WeChat's tokens
    /// live 2 hours).
    pub refresh_margin: Duration,
    /// How long a process may hold the refresh lease of a token before another may take it over
    /// (covers a refresh call with all its retries).
    pub lease_ttl: Duration,
    /// How often a process waiting for another's refresh re-reads the store.
    pub lease_poll: Duration,
    /// How long a call waits for the refresh of the token it needs (the flight it joined)
    /// before failing with [`Error::Token`]. The refresh itself goes on and fills the cache.
    pub flight_wait: Duration,
    /// The clock expiry is judged by.
    pub clock: Arc<dyn Clock>,
    /// Told of every request sent to WeChat (for metrics); none by default.
    pub observer: Option<Arc<dyn CallObserver>>,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("component_appid", &self.component_appid)
            .field("component_secret", &self.component_secret)
            .field("token", &"redacted")
            .field("encoding_aes_key", &"redacted")
            .field("api_base", &self.api_base)
            .field("mp_base", &self.mp_base)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("http", &self.http.as_ref().map(|_| "custom"))
            .field("retry", &self.retry)
            .field("refresh_margin", &self.refresh_margin)
            .field("lease_ttl", &self.lease_ttl)
            .field("lease_poll", &self.lease_poll)
            .field("flight_wait", &self.flight_wait)
            .field("clock", &self.clock)
            .field("observer", &self.observer)
            .finish()
    }
}

impl ClientConfig {
    /// A builder with WeChat's hosts and the default timeouts and retry policy.
    pub fn builder(component_appid: AppId, component_secret: Secret) -> ClientConfigBuilder {
        ClientConfigBuilder {
            config: ClientConfig {
                component_appid,
                component_secret,
                token: String::new(),
                encoding_aes_key: String::new(),
                api_base: API_BASE.to_owned(),
                mp_base: MP_BASE.to_owned(),
                timeout: Duration::from_secs(15),
                connect_timeout: Duration::from_secs(5),
                http: None,
                retry: RetryPolicy::default(),
                refresh_margin: Duration::from_secs(300),
                lease_ttl: Duration::from_secs(30),
                lease_poll: Duration::from_millis(50),
                flight_wait: Duration::from_secs(30),
                clock: Arc::new(SystemClock),
                observer: None,
            },
        }
    }

    pub(crate) fn validate(&mut self) -> Result<(), Error> {
        for (field, value) in [("api_base", &mut self.api_base), ("mp_base", &mut self.mp_base)] {
            let trimmed = value.trim_end_matches('/').to_owned();
            let ok = (trimmed.starts_with("http://") || trimmed.starts_with("https://"))
                && reqwest::Url::parse(&trimmed).is_ok_and(|u| u.host_str().is_some());
            if !ok {
                return Err(Error::Config(format!(
                    "{field} {value:?} is not an http(s) origin; use e.g. {}",
                    if field == "api_base" { API_BASE } else { MP_BASE }
                )));
            }
            *value = trimmed;
        }
        if self.refresh_margin >= Duration::from_secs(3600) {
            return Err(Error::Config(format!(
                "refresh_margin {:?} is an hour or more; tokens live 2 hours, so refresh at most a few minutes early",
                self.refresh_margin
            )));
        }
        if self.lease_ttl.is_zero() || self.lease_poll.is_zero() || self.flight_wait.is_zero() {
            return Err(Error::Config(
                "lease_ttl, lease_poll and flight_wait must be above zero".into(),
            ));
        }
        Ok(())
    }
}

/// Builds a [`ClientConfig`].
#[derive(Debug)]
pub struct ClientConfigBuilder {
    config: ClientConfig,
}

impl ClientConfigBuilder {
    /// The message-check token (消息校验Token), needed to open pushes.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.config.token = token.into();
        self
    }

    /// The EncodingAESKey (43 characters), needed to open pushes.
    pub fn encoding_aes_key(mut self, key: impl Into<String>) -> Self {
        self.config.encoding_aes_key = key.into();
        self
    }

    /// The API origin (the emulator's base URL in tests).
    pub fn api_base(mut self, url: impl Into<String>) -> Self {
        self.config.api_base = url.into();
        self
    }

    /// The origin of the mp pages (the emulator's base URL in tests).
    pub fn mp_base(mut self, url: impl Into<String>) -> Self {
        self.config.mp_base = url.into();
        self
    }

    /// The whole-request timeout (15 s by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// The connect timeout (5 s by default).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Use this HTTP client (proxy, TLS roots, pool settings of your own).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.config.http = Some(http);
        self
    }

    /// The retry policy for `-1` and transport errors.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.config.retry = retry;
        self
    }

    /// How long before expiry a token is refreshed (5 minutes by default).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.config.refresh_margin = margin;
        self
    }

    /// How long a refresh lease lasts (30 s by default).
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.config.lease_ttl = ttl;
        self
    }

    /// How often a process waiting for another's refresh re-reads the store (50 ms by default).
    pub fn lease_poll(mut self, poll: Duration) -> Self {
        self.config.lease_poll = poll;
        self
    }

    /// How long a call waits for the refresh of its token before failing (30 s by default:
    /// the default retry policy's whole sequence, about 5 s, with room for a slow store).
    pub fn flight_wait(mut self, wait: Duration) -> Self {
        self.config.flight_wait = wait;
        self
    }

    /// The clock expiry is judged by.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.config.clock = clock;
        self
    }

    /// Tells `observer` of every request sent to WeChat (endpoint, errcode, latency).
    pub fn observer(mut self, observer: Arc<dyn CallObserver>) -> Self {
        self.config.observer = Some(observer);
        self
    }

    /// The configuration, checked.
    pub fn build(self) -> Result<ClientConfig, Error> {
        let mut config = self.config;
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> ClientConfigBuilder {
        ClientConfig::builder(
            AppId::parse("wx0000000000000001").unwrap(),
            Secret::parse("APPSECRET_VALUE").unwrap(),
        )
    }

    #[test]
    fn defaults_point_at_wechat_and_trailing_slash_is_dropped() {
        let c = builder().build().unwrap();
        assert_eq!(c.api_base, "https://api.weixin.qq.com");
        assert_eq!(c.mp_base, "https://mp.weixin.qq.com");
        let c = builder().api_base("http://127.0.0.1:9/").build().unwrap();
        assert_eq!(c.api_base, "http://127.0.0.1:9");
    }

    #[test]
    fn a_bad_base_names_the_field_and_the_fix() {
        let e = builder().api_base("api.weixin.qq.com").build().unwrap_err();
        let s = e.to_string();
        assert!(s.contains("api_base") && s.contains("https://api.weixin.qq.com"), "{s}");
    }

    #[test]
    fn debug_redacts_every_secret() {
        let c = builder()
            .token("MSG_TOKEN_VALUE")
            .encoding_aes_key("AESKEYVALUE")
            .build()
            .unwrap();
        let s = format!("{c:?}");
        for secret in ["APPSECRET_VALUE", "MSG_TOKEN_VALUE", "AESKEYVALUE"] {
            assert!(!s.contains(secret), "{s}");
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_never_zero() {
        let p = RetryPolicy {
            max_retries: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        for _ in 0..100 {
            let b0 = p.backoff(0);
            assert!(b0 >= Duration::from_millis(50) && b0 <= Duration::from_millis(100));
            let b9 = p.backoff(9);
            assert!(b9 >= Duration::from_millis(500) && b9 <= Duration::from_secs(1));
            assert!(p.backoff(63) <= Duration::from_secs(1));
        }
    }
}
