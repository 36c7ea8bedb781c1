//! URL builders for the mp.weixin.qq.com pages a user is sent to, and the queries those pages
//! receive (spec §1.1–1.2, §7.1–7.2; 授权流程技术说明 for componentloginpage).
//!
//! Three pages take the user away from us and send them back to a `redirect_uri` with one value
//! appended: fastregisterauth appends `ticket=` (spec §1.2), componentrebindadmin appends
//! `taskid=` (spec §7.2), componentloginpage appends `auth_code=` and `expires_in=`. The builders
//! here produce the outgoing URL for the client; the query structs parse what the page receives
//! for the emulator, which plays the page; [`append_query`] builds the way back, and
//! [`redirect_host`] gives the host the emulator compares with the component's registered
//! domain (a mismatch is 61060).
//!
//! Every builder takes the page origin (`mp_base`, normally [`MP_BASE`]) so tests can point it at
//! the emulator. A `redirect_uri` must be an absolute `http`/`https` URL: WeChat answers anything
//! else with 61060 only after the user has scanned a QR code, so we refuse it before.

use crate::id::AppId;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Deserializer};

/// The origin of WeChat's Official Account platform pages.
pub const MP_BASE: &str = "https://mp.weixin.qq.com";

/// Path of the fast-register authorization page (spec §1.1).
pub const FAST_REGISTER_AUTH_PATH: &str = "/cgi-bin/fastregisterauth";
/// Path of the rebind-admin page (spec §7.1).
pub const REBIND_ADMIN_PATH: &str = "/wxopen/componentrebindadmin";
/// Path of the component authorization (login) page.
pub const COMPONENT_LOGIN_PAGE_PATH: &str = "/cgi-bin/componentloginpage";

/// Everything but RFC 3986 unreserved characters is percent-encoded, as `encodeURIComponent`
/// and Go's `url.QueryEscape` (minus `+` for space) do; WeChat decodes either case of hex.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Why a page URL could not be built or a page query could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// The redirect_uri is not an absolute http(s) URL.
    #[error(
        "redirect_uri {value:?} {reason}; pass an absolute http(s) URL on the component's registered domain, e.g. https://example.com/callback"
    )]
    RedirectUri {
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The page origin is not an http(s) origin.
    #[error("mp_base {value:?} {reason}; pass an http(s) origin such as {MP_BASE}")]
    MpBase {
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Another parameter is unusable (`pre_auth_code`, `auth_type`, the appended key, …).
    #[error("{field} {reason}")]
    Param {
        /// The query parameter name.
        field: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A page query string could not be read into its struct.
    #[error("{page} query: {reason}; the page needs component_appid and the parameters its builder writes")]
    Query {
        /// The page path.
        page: &'static str,
        /// What serde reported (names the field).
        reason: String,
    },
}

/// Checks that `redirect_uri` is an absolute `http`/`https` URL with a host.
pub fn validate_redirect_uri(redirect_uri: &str) -> Result<(), PageError> {
    parse_http_url(redirect_uri)
        .map(|_| ())
        .map_err(|reason| PageError::RedirectUri {
            value: redirect_uri.to_owned(),
            reason,
        })
}

/// The `host[:port]` of a redirect_uri, lower-cased, port only when not the scheme's default.
/// WeChat requires it to equal the component's 登录授权的发起页域名, else 61060 (spec §1.1).
///
/// ```
/// use fastreg_protocol::page::redirect_host;
/// assert_eq!(redirect_host("https://WWW.qq.com/auth/callback?from=mp").unwrap(), "www.qq.com");
/// assert_eq!(redirect_host("http://127.0.0.1:8080/cb").unwrap(), "127.0.0.1:8080");
/// ```
pub fn redirect_host(redirect_uri: &str) -> Result<String, PageError> {
    let url = parse_http_url(redirect_uri).map_err(|reason| PageError::RedirectUri {
        value: redirect_uri.to_owned(),
        reason,
    })?;
    // parse_http_url guarantees a host.
    let host = url.host_str().unwrap_or_default();
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Appends `key=value` to a redirect_uri, keeping its own query and fragment as they are, the
/// way the pages do (spec §1.2: `https://www.qq.com/auth/callback?from=mp&ticket=…`).
///
/// ```
/// use fastreg_protocol::page::append_query;
/// assert_eq!(
///     append_query("https://www.qq.com/auth/callback?from=mp", "ticket", "b2551909").unwrap(),
///     "https://www.qq.com/auth/callback?from=mp&ticket=b2551909"
/// );
/// ```
pub fn append_query(redirect_uri: &str, key: &str, value: &str) -> Result<String, PageError> {
    validate_redirect_uri(redirect_uri)?;
    if key.is_empty() {
        return Err(PageError::Param {
            field: "key",
            reason: "is empty; pass the parameter name to append (ticket, taskid, auth_code)".into(),
        });
    }
    let (before_fragment, fragment) = match redirect_uri.find('#') {
        Some(i) => redirect_uri.split_at(i),
        None => (redirect_uri, ""),
    };
    let separator = match before_fragment.find('?') {
        None => "?",
        Some(_) if before_fragment.ends_with('?') || before_fragment.ends_with('&') => "",
        Some(_) => "&",
    };
    Ok(format!(
        "{before_fragment}{separator}{}={}{fragment}",
        utf8_percent_encode(key, COMPONENT),
        utf8_percent_encode(value, COMPONENT)
    ))
}

/// The fastregisterauth page URL (spec §1.1): the Official Account's admin scans a QR code there
/// to let the component register a Mini Program with the account's entity, then lands on
/// `redirect_uri` with `ticket=` appended.
///
/// `copy_wx_verify` asks to reuse the account's WeChat verification (government, media and
/// other organizations must, else 61056). Parameters are written in the spec example's order.
pub fn fast_register_auth_url(
    mp_base: &str,
    component_appid: &AppId,
    appid: &AppId,
    copy_wx_verify: bool,
    redirect_uri: &str,
) -> Result<String, PageError> {
    let base = check_base(mp_base)?;
    validate_redirect_uri(redirect_uri)?;
    Ok(format!(
        "{base}{FAST_REGISTER_AUTH_PATH}?appid={}&component_appid={}&copy_wx_verify={}&redirect_uri={}",
        enc(appid.as_str()),
        enc(component_appid.as_str()),
        u8::from(copy_wx_verify),
        enc(redirect_uri)
    ))
}

/// The componentrebindadmin page URL (spec §7.1): the Mini Program's old and new admins confirm
/// there, then land on `redirect_uri` with `taskid=` appended.
///
/// `appid` is the Mini Program's (the spec's table says 公众号, but the flow rebinds the admin of
/// a fast-registered Mini Program).
pub fn rebind_admin_url(
    mp_base: &str,
    component_appid: &AppId,
    appid: &AppId,
    redirect_uri: &str,
) -> Result<String, PageError> {
    let base = check_base(mp_base)?;
    validate_redirect_uri(redirect_uri)?;
    Ok(format!(
        "{base}{REBIND_ADMIN_PATH}?appid={}&component_appid={}&redirect_uri={}",
        enc(appid.as_str()),
        enc(component_appid.as_str()),
        enc(redirect_uri)
    ))
}

/// The componentloginpage URL (PC QR-code authorization, 授权流程技术说明): an account's admin
/// authorizes the component there, then lands on `redirect_uri?auth_code=…&expires_in=600`.
///
/// - `pre_auth_code`: from api_create_preauthcode, single use.
/// - `auth_type`: which accounts the admin's phone lists — 1 Official Accounts only, 2 Mini
///   Programs only, 3 both; absent means both. Other values are refused.
/// - `biz_appid`: only this account may authorize; it wins over a conflicting `auth_type`.
///
/// The doc's newer revisions mention further parameters (a permission-set list); they are not
/// built here because we could not confirm their spelling.
pub fn component_login_page_url(
    mp_base: &str,
    component_appid: &AppId,
    pre_auth_code: &str,
    redirect_uri: &str,
    auth_type: Option<u8>,
    biz_appid: Option<&AppId>,
) -> Result<String, PageError> {
    let base = check_base(mp_base)?;
    check_pre_auth_code(pre_auth_code)?;
    validate_redirect_uri(redirect_uri)?;
    let mut url = format!(
        "{base}{COMPONENT_LOGIN_PAGE_PATH}?component_appid={}&pre_auth_code={}&redirect_uri={}",
        enc(component_appid.as_str()),
        enc(pre_auth_code),
        enc(redirect_uri)
    );
    if let Some(t) = auth_type {
        check_auth_type(t)?;
        url.push_str(&format!("&auth_type={t}"));
    }
    if let Some(b) = biz_appid {
        url.push_str(&format!("&biz_appid={}", enc(b.as_str())));
    }
    Ok(url)
}

/// The query the fastregisterauth page receives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FastRegisterAuthQuery {
    /// The component's appid.
    pub component_appid: AppId,
    /// The Official Account's appid.
    pub appid: AppId,
    /// 1: reuse the account's WeChat verification, 0: do not. Missing or empty reads as 0;
    /// `true`/`false` are accepted too.
    #[serde(default, deserialize_with = "loose_u8")]
    pub copy_wx_verify: u8,
    /// Where the page sends the admin back, decoded.
    pub redirect_uri: String,
}

impl FastRegisterAuthQuery {
    /// Reads a raw query string (`appid=…&component_appid=…`, without `?`).
    pub fn from_query(query: &str) -> Result<Self, PageError> {
        from_query(FAST_REGISTER_AUTH_PATH, query)
    }

    /// The page URL this query came from (see [`fast_register_auth_url`]).
    pub fn to_url(&self, mp_base: &str) -> Result<String, PageError> {
        fast_register_auth_url(
            mp_base,
            &self.component_appid,
            &self.appid,
            self.copy_wx_verify != 0,
            &self.redirect_uri,
        )
    }
}

/// The query the componentrebindadmin page receives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RebindAdminQuery {
    /// The component's appid.
    pub component_appid: AppId,
    /// The Mini Program's appid.
    pub appid: AppId,
    /// Where the page sends the admin back, decoded.
    pub redirect_uri: String,
}

impl RebindAdminQuery {
    /// Reads a raw query string (without `?`).
    pub fn from_query(query: &str) -> Result<Self, PageError> {
        from_query(REBIND_ADMIN_PATH, query)
    }

    /// The page URL this query came from (see [`rebind_admin_url`]).
    pub fn to_url(&self, mp_base: &str) -> Result<String, PageError> {
        rebind_admin_url(mp_base, &self.component_appid, &self.appid, &self.redirect_uri)
    }
}

/// The query the componentloginpage receives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ComponentLoginQuery {
    /// The component's appid.
    pub component_appid: AppId,
    /// The pre_auth_code.
    pub pre_auth_code: String,
    /// Where the page sends the admin back, decoded.
    pub redirect_uri: String,
    /// 1, 2 or 3 (see [`component_login_page_url`]); missing or empty reads as `None`.
    #[serde(default, deserialize_with = "loose_opt_u8")]
    pub auth_type: Option<u8>,
    /// Only this account may authorize; missing or empty reads as `None`.
    #[serde(default, deserialize_with = "opt_app_id")]
    pub biz_appid: Option<AppId>,
}

impl ComponentLoginQuery {
    /// Reads a raw query string (without `?`).
    pub fn from_query(query: &str) -> Result<Self, PageError> {
        from_query(COMPONENT_LOGIN_PAGE_PATH, query)
    }

    /// The page URL this query came from (see [`component_login_page_url`]).
    pub fn to_url(&self, mp_base: &str) -> Result<String, PageError> {
        component_login_page_url(
            mp_base,
            &self.component_appid,
            &self.pre_auth_code,
            &self.redirect_uri,
            self.auth_type,
            self.biz_appid.as_ref(),
        )
    }
}

fn enc(s: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(s, COMPONENT)
}

/// Parses an absolute http(s) URL with a host; the error is the reason, for the caller to wrap.
fn parse_http_url(s: &str) -> Result<url::Url, String> {
    if s.trim() != s || s.is_empty() {
        return Err(if s.is_empty() {
            "is empty".into()
        } else {
            "has leading or trailing white space".into()
        });
    }
    let url = url::Url::parse(s).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => "is relative".to_owned(),
        other => format!("is not a URL ({other})"),
    })?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(format!("has the scheme {other:?}, not http or https")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    Ok(url)
}

/// The origin without a trailing slash, checked to be http(s) with no query or fragment.
fn check_base(mp_base: &str) -> Result<&str, PageError> {
    let err = |reason: String| PageError::MpBase {
        value: mp_base.to_owned(),
        reason,
    };
    let url = parse_http_url(mp_base).map_err(err)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(err("has a query or fragment".into()));
    }
    Ok(mp_base.trim_end_matches('/'))
}

fn check_pre_auth_code(code: &str) -> Result<(), PageError> {
    let reason = if code.is_empty() {
        "is empty; get one from api_create_preauthcode"
    } else if code.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "contains white space; copy the value from api_create_preauthcode as is"
    } else {
        return Ok(());
    };
    Err(PageError::Param {
        field: "pre_auth_code",
        reason: reason.into(),
    })
}

fn check_auth_type(t: u8) -> Result<(), PageError> {
    if (1..=3).contains(&t) {
        Ok(())
    } else {
        Err(PageError::Param {
            field: "auth_type",
            reason: format!("is {t}; use 1 (Official Accounts), 2 (Mini Programs), 3 (both) or leave it out"),
        })
    }
}

/// Reads a query string into a page struct: first occurrence of a key wins, values are strings.
fn from_query<T: serde::de::DeserializeOwned>(page: &'static str, query: &str) -> Result<T, PageError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut map = serde_json::Map::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        map.entry(k.into_owned())
            .or_insert_with(|| serde_json::Value::String(v.into_owned()));
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| PageError::Query {
        page,
        reason: e.to_string(),
    })
}

/// Query values are strings on the wire; JSON callers may send numbers or booleans.
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Int(u64),
    Bool(bool),
    Str(String),
}

fn loose_to_u8<E: serde::de::Error>(v: Option<Loose>) -> Result<Option<u8>, E> {
    let n = match v {
        None => return Ok(None),
        Some(Loose::Int(n)) => n,
        Some(Loose::Bool(b)) => u64::from(b),
        Some(Loose::Str(s)) => match s.trim() {
            "" => return Ok(None),
            "true" => 1,
            "false" => 0,
            t => t
                .parse()
                .map_err(|_| E::custom(format!("expected a small number, got {s:?}")))?,
        },
    };
    u8::try_from(n)
        .map(Some)
        .map_err(|_| E::custom(format!("expected a small number, got {n}")))
}

fn loose_u8<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    loose_to_u8(Option::<Loose>::deserialize(d)?).map(Option::unwrap_or_default)
}

fn loose_opt_u8<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    loose_to_u8(Option::<Loose>::deserialize(d)?)
}

fn opt_app_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AppId>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => AppId::parse(s).map(Some).map_err(serde::de::Error::custom),
    }
}
