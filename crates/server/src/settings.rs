//! Settings: a TOML file, then `FASTREG_*` environment variables, then command-line flags (the
//! CLI overrides fields after [`Settings::load`]), in rising priority.
//!
//! Every setting is declared once, in [`SETTINGS`], with its TOML key, its environment
//! variable, its default and its documentation (vaultwarden's `config.rs` habit); the defaults
//! are read from that table, and `fastreg serve --help-settings` can print it.

use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A secret setting: never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        SecretString(s.into())
    }
    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"[redacted]\"")
    }
}

/// The type of a setting's value, for reading it from an environment variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// A whole number.
    Integer,
    /// true/false.
    Bool,
    /// A comma-separated list of text.
    List,
}

/// One setting: where it is read from, its default, what it means.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// Dotted TOML key (`component.appid`).
    pub key: &'static str,
    /// Environment variable.
    pub env: &'static str,
    /// Value type.
    pub kind: Kind,
    /// Default, as TOML would spell it; `None` when there is none.
    pub default: Option<&'static str>,
    /// Whether the value is a secret (never logged).
    pub secret: bool,
    /// What it does.
    pub doc: &'static str,
}

const fn s(
    key: &'static str,
    env: &'static str,
    kind: Kind,
    default: Option<&'static str>,
    doc: &'static str,
) -> Setting {
    Setting {
        key,
        env,
        kind,
        default,
        secret: false,
        doc,
    }
}

const fn secret(key: &'static str, env: &'static str, doc: &'static str) -> Setting {
    Setting {
        key,
        env,
        kind: Kind::Text,
        default: None,
        secret: true,
        doc,
    }
}

/// The settings that have no default and must be given.
pub const REQUIRED: &[&str] = &[
    "component.appid",
    "component.secret",
    "component.token",
    "component.encoding_aes_key",
];

/// Every setting of the service.
pub const SETTINGS: &[Setting] = &[
    s(
        "listen",
        "FASTREG_LISTEN",
        Kind::Text,
        Some("127.0.0.1:8080"),
        "Address and port to listen on; port 0 picks a free one.",
    ),
    s(
        "data_dir",
        "FASTREG_DATA_DIR",
        Kind::Text,
        Some("./fastreg-data"),
        "Folder for the default SQLite database and the generated encryption key.",
    ),
    s(
        "database_url",
        "FASTREG_DATABASE_URL",
        Kind::Text,
        None,
        "sqlite:PATH or postgres://…; default: the SQLite file <data_dir>/fastreg.db.",
    ),
    s(
        "public_url",
        "FASTREG_PUBLIC_URL",
        Kind::Text,
        None,
        "How WeChat and browsers reach this service (scheme://host[:port]); the host of every redirect_uri. Default: http://<listen>.",
    ),
    s(
        "component.appid",
        "FASTREG_COMPONENT_APPID",
        Kind::Text,
        None,
        "The third-party platform's appid (required).",
    ),
    secret(
        "component.secret",
        "FASTREG_COMPONENT_SECRET",
        "The platform's AppSecret (required).",
    ),
    secret(
        "component.token",
        "FASTREG_COMPONENT_TOKEN",
        "The message-check Token configured on the Open Platform (required).",
    ),
    secret(
        "component.encoding_aes_key",
        "FASTREG_COMPONENT_ENCODING_AES_KEY",
        "The 43-character EncodingAESKey (required).",
    ),
    secret(
        "component.previous_encoding_aes_key",
        "FASTREG_COMPONENT_PREVIOUS_ENCODING_AES_KEY",
        "The EncodingAESKey before the last change, tried when the current one fails.",
    ),
    s(
        "api_base",
        "FASTREG_API_BASE",
        Kind::Text,
        Some("https://api.weixin.qq.com"),
        "Origin of WeChat's API (point it at `fastreg emulator` to test).",
    ),
    s(
        "mp_base",
        "FASTREG_MP_BASE",
        Kind::Text,
        Some("https://mp.weixin.qq.com"),
        "Origin of WeChat's admin pages (fastregisterauth, componentloginpage, …).",
    ),
    secret(
        "encryption_key",
        "FASTREG_ENCRYPTION_KEY",
        "Base64 of 32 bytes: the key of tokens at rest. Default: <data_dir>/encryption.key, generated on first run. Give every instance on one PostgreSQL the same key.",
    ),
    secret(
        "state_secret",
        "FASTREG_STATE_SECRET",
        "Signs the `state` of redirect URLs. Default: derived from the encryption key.",
    ),
    s(
        "state_ttl_secs",
        "FASTREG_STATE_TTL_SECS",
        Kind::Integer,
        Some("7200"),
        "How long an admin has to finish a WeChat page (the signed `state` expires after it).",
    ),
    secret(
        "bootstrap_api_key",
        "FASTREG_BOOTSTRAP_API_KEY",
        "An API key accepted from the start (stored hashed); create more with POST /api/v1/api-keys.",
    ),
    s(
        "workers",
        "FASTREG_WORKERS",
        Kind::Integer,
        Some("4"),
        "Jobs run at once by this instance; 0 runs none (another instance, or tests, drain the queue).",
    ),
    s(
        "job_poll_ms",
        "FASTREG_JOB_POLL_MS",
        Kind::Integer,
        Some("500"),
        "How often an idle worker looks for due jobs.",
    ),
    s(
        "job_lease_secs",
        "FASTREG_JOB_LEASE_SECS",
        Kind::Integer,
        Some("120"),
        "A claimed job is another instance's to take over if its worker is silent this long.",
    ),
    s(
        "job_max_attempts",
        "FASTREG_JOB_MAX_ATTEMPTS",
        Kind::Integer,
        Some("8"),
        "Failed attempts before a job is dead (its last error stays visible).",
    ),
    s(
        "nickname_poll_secs",
        "FASTREG_NICKNAME_POLL_SECS",
        Kind::Integer,
        Some("600"),
        "How often a name audit is polled (api_wxa_querynickname) when no push arrives.",
    ),
    s(
        "reconcile_timeout_secs",
        "FASTREG_RECONCILE_TIMEOUT_SECS",
        Kind::Integer,
        Some("900"),
        "How long a fastregister whose answer was lost is reconciled (authorized push, authorizer list) before the operator is asked to check.",
    ),
    s(
        "push_max_skew_secs",
        "FASTREG_PUSH_MAX_SKEW_SECS",
        Kind::Integer,
        Some("3600"),
        "How far a push's signed timestamp may be from this service's clock; older or later pushes are refused as replays. Raise it only for an emulator whose virtual clock was moved ahead.",
    ),
    s(
        "reconcile_grace_secs",
        "FASTREG_RECONCILE_GRACE_SECS",
        Kind::Integer,
        Some("60"),
        "After a lost answer, how long no trace of the call on WeChat proves it was not applied, so it is sent once more (never twice): no new Mini Program in the authorizer list after fastregister; no change in getaccountbasicinfo or getcategory after a setup call.",
    ),
    s(
        "token_refresh_window_secs",
        "FASTREG_TOKEN_REFRESH_WINDOW_SECS",
        Kind::Integer,
        Some("1800"),
        "Authorizer tokens are refreshed at a random moment within this window before they expire.",
    ),
    s(
        "token_upkeep_concurrency",
        "FASTREG_TOKEN_UPKEEP_CONCURRENCY",
        Kind::Integer,
        Some("16"),
        "Authorizer token refreshes in flight at once.",
    ),
    s(
        "token_upkeep_rate",
        "FASTREG_TOKEN_UPKEEP_RATE",
        Kind::Integer,
        Some("100"),
        "Authorizer token refreshes a second at most, while a sweep works off what is due (0: no limit).",
    ),
    s(
        "token_upkeep_interval_secs",
        "FASTREG_TOKEN_UPKEEP_INTERVAL_SECS",
        Kind::Integer,
        Some("60"),
        "How often the token upkeep sweep runs.",
    ),
    s(
        "webhook.url",
        "FASTREG_WEBHOOK_URL",
        Kind::Text,
        None,
        "POSTed a JSON event when a registration or a setup step finishes.",
    ),
    secret(
        "webhook.secret",
        "FASTREG_WEBHOOK_SECRET",
        "HMAC-SHA256 key of the webhook's X-Fastreg-Signature header.",
    ),
];

/// The third-party platform (component).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSettings {
    /// Its appid.
    pub appid: String,
    /// Its AppSecret.
    pub secret: SecretString,
    /// The message-check Token.
    pub token: SecretString,
    /// The EncodingAESKey.
    pub encoding_aes_key: SecretString,
    /// The previous EncodingAESKey.
    #[serde(default)]
    pub previous_encoding_aes_key: Option<SecretString>,
}

/// Outgoing webhooks.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Where to POST.
    #[serde(default)]
    pub url: Option<String>,
    /// Signing key.
    #[serde(default)]
    pub secret: Option<SecretString>,
}

/// The service's settings (see [`SETTINGS`] for each one's meaning and default).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Listen address.
    pub listen: String,
    /// Data folder.
    pub data_dir: PathBuf,
    /// Database URL (`None`: SQLite in `data_dir`).
    #[serde(default)]
    pub database_url: Option<String>,
    /// Public origin.
    #[serde(default)]
    pub public_url: Option<String>,
    /// The component.
    pub component: ComponentSettings,
    /// WeChat API origin.
    pub api_base: String,
    /// WeChat pages origin.
    pub mp_base: String,
    /// Key of data at rest.
    #[serde(default)]
    pub encryption_key: Option<SecretString>,
    /// Key of `state` signatures.
    #[serde(default)]
    pub state_secret: Option<SecretString>,
    /// Lifetime of a signed `state`.
    pub state_ttl_secs: u64,
    /// API key accepted from the start.
    #[serde(default)]
    pub bootstrap_api_key: Option<SecretString>,
    /// Concurrent jobs of this instance.
    pub workers: usize,
    /// Idle worker poll interval.
    pub job_poll_ms: u64,
    /// Job lease.
    pub job_lease_secs: u64,
    /// Attempts before a job is dead.
    pub job_max_attempts: u32,
    /// Name audit polling interval.
    pub nickname_poll_secs: u64,
    /// Reconcile window after a lost fastregister answer.
    pub reconcile_timeout_secs: u64,
    /// Proof window of a call not applied (fastregister, setup calls).
    pub reconcile_grace_secs: u64,
    /// How far a push's signed timestamp may be from our clock.
    pub push_max_skew_secs: u64,
    /// Refresh window before expiry.
    pub token_refresh_window_secs: u64,
    /// Refreshes in flight.
    pub token_upkeep_concurrency: usize,
    /// Refreshes a second at most (0: no limit).
    pub token_upkeep_rate: u64,
    /// Upkeep sweep interval.
    pub token_upkeep_interval_secs: u64,
    /// Webhooks.
    #[serde(default)]
    pub webhook: WebhookSettings,
}

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    /// (The reason is the error's source, printed after this message by `{:#}`.)
    #[error("cannot read the config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a value has the wrong type.
    #[error("invalid settings: {0}")]
    Invalid(String),
    /// An environment variable could not be read as its setting's type.
    #[error("{env} must be {expected}")]
    Env {
        /// The variable.
        env: &'static str,
        /// What it should look like.
        expected: &'static str,
    },
    /// Required settings have no value: all of them, so one run tells them all.
    #[error("{}", missing_message(.0))]
    Missing(Vec<&'static Setting>),
}

fn missing_message(missing: &[&'static Setting]) -> String {
    let list = missing
        .iter()
        .map(|s| format!("{} (env {})", s.key, s.env))
        .collect::<Vec<_>>()
        .join(", ");
    let (noun, them) = if missing.len() == 1 {
        ("setting", "it")
    } else {
        ("settings", "them")
    };
    format!("missing {noun} {list}: set {them} in the config file or as environment variables")
}

impl Settings {
    /// Loads the settings: defaults, then `config_file` (TOML), then `FASTREG_*` variables.
    pub fn load(config_file: Option<&Path>) -> Result<Self, ConfigError> {
        let text = match config_file {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?),
            None => None,
        };
        Self::from_sources(text.as_deref(), |name| std::env::var(name).ok())
    }

    /// Loads the settings like [`Settings::load`] for a tool that never talks to WeChat (`fastreg
    /// console reset-password`): the component's appid and secrets may be absent (placeholders
    /// stand in for them; nothing may use them).
    pub fn load_without_component(config_file: Option<&Path>) -> Result<Self, ConfigError> {
        let text = match config_file {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?),
            None => None,
        };
        let in_file = |key: &str| {
            text.as_deref()
                .and_then(|t| t.parse::<toml::Table>().ok())
                .is_some_and(|t| lookup(&t, key).is_some())
        };
        Self::from_sources(text.as_deref(), |name| {
            std::env::var(name).ok().or_else(|| {
                let setting = SETTINGS.iter().find(|s| s.env == name)?;
                (setting.key.starts_with("component.")
                    && setting.default.is_none()
                    && setting.key != "component.previous_encoding_aes_key"
                    && !in_file(setting.key))
                .then(|| "unused-by-this-command".to_owned())
            })
        })
    }

    /// Loads from a TOML text and an environment lookup (what [`Settings::load`] does, testable).
    pub fn from_sources(toml_text: Option<&str>, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut merged = toml::Table::new();
        for setting in SETTINGS {
            if let Some(default) = setting.default {
                let value = parse_value(setting, default).ok_or_else(|| {
                    ConfigError::Invalid(format!("the default of {} does not parse (a bug)", setting.key))
                })?;
                insert(&mut merged, setting.key, value);
            }
        }
        if let Some(text) = toml_text {
            let file: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| ConfigError::Invalid(e.to_string()))?;
            merge(&mut merged, file);
        }
        for setting in SETTINGS {
            if let Some(raw) = env(setting.env) {
                let value = parse_value(setting, &raw).ok_or(ConfigError::Env {
                    env: setting.env,
                    expected: match setting.kind {
                        Kind::Text | Kind::List => "text",
                        Kind::Integer => "a whole number",
                        Kind::Bool => "true or false",
                    },
                })?;
                insert(&mut merged, setting.key, value);
            }
        }
        let missing: Vec<&'static Setting> = REQUIRED
            .iter()
            .filter_map(|key| SETTINGS.iter().find(|s| s.key == *key))
            .filter(|s| lookup(&merged, s.key).is_none_or(|v| v.as_str() == Some("")))
            .collect();
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing));
        }
        Settings::deserialize(toml::Value::Table(merged)).map_err(|e| ConfigError::Invalid(e.to_string()))
    }

    /// Defaults for everything but the component (for `fastreg demo` and tests).
    pub fn with_component(component: ComponentSettings) -> Self {
        let table = |value: &str| Some(value.to_owned());
        let mut settings = Self::from_sources(None, |name| match name {
            "FASTREG_COMPONENT_APPID" => table(&component.appid),
            "FASTREG_COMPONENT_SECRET" | "FASTREG_COMPONENT_TOKEN" | "FASTREG_COMPONENT_ENCODING_AES_KEY" => {
                table("placeholder")
            }
            _ => None,
        })
        .expect("the built-in defaults parse");
        settings.component = component;
        settings
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("fastreg.db").display()),
        }
    }

    /// The public origin in effect, without a trailing slash; `bound` is the address actually
    /// bound (its port replaces a 0 in `listen`).
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if bound.ip().is_unspecified() => format!("http://127.0.0.1:{}", bound.port()),
            None => format!("http://{bound}"),
        }
    }

    /// The documentation of every setting, one paragraph each.
    pub fn documentation() -> String {
        let mut out = String::new();
        for s in SETTINGS {
            out.push_str(&format!(
                "{} (env {}){}\n    {}\n",
                s.key,
                s.env,
                match s.default {
                    Some(d) => format!(", default {d}"),
                    None => String::new(),
                },
                s.doc
            ));
        }
        out
    }
}

impl Settings {
    /// A commented example config file (TOML): the required settings to fill in, every other
    /// setting commented out at its default, each with its meaning and variable.
    pub fn example_config() -> String {
        let mut out = String::from(
            "# fastreg serve --config fastreg.toml\n\
             # Every setting can also be given as its environment variable (named above it).\n\
             # Fill in the four [component] values from the Open Platform; the rest are defaults.\n",
        );
        // TOML puts every key after a [table] header into that table: top-level keys first.
        let table_of = |s: &Setting| s.key.rsplit_once('.').map_or(("", s.key), |(t, n)| (t, n));
        let mut tables: Vec<&str> = vec![""];
        for s in SETTINGS {
            let (table, _) = table_of(s);
            if !tables.contains(&table) {
                tables.push(table);
            }
        }
        for table in tables {
            if !table.is_empty() {
                out.push_str(&format!("\n[{table}]\n"));
            }
            for s in SETTINGS.iter().filter(|s| table_of(s).0 == table) {
                let name = table_of(s).1;
                out.push_str(&format!("\n# {} (env {})\n", s.doc, s.env));
                let required = REQUIRED.contains(&s.key);
                let value = match (s.default, s.kind) {
                    (Some(d), Kind::Text) => format!("{d:?}"),
                    (Some(d), _) => d.to_owned(),
                    (None, Kind::Integer) => "0".to_owned(),
                    (None, Kind::Bool) => "false".to_owned(),
                    (None, Kind::List) => "[]".to_owned(),
                    (None, Kind::Text) => "\"\"".to_owned(),
                };
                let comment = if required { "" } else { "# " };
                out.push_str(&format!("{comment}{name} = {value}\n"));
            }
        }
        out
    }
}

fn parse_value(setting: &Setting, raw: &str) -> Option<toml::Value> {
    Some(match setting.kind {
        Kind::Text => toml::Value::String(raw.to_owned()),
        Kind::Integer => toml::Value::Integer(raw.trim().parse().ok()?),
        Kind::Bool => toml::Value::Boolean(match raw.trim() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => return None,
        }),
        Kind::List => toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_owned()))
                .collect(),
        ),
    })
}

fn insert(table: &mut toml::Table, dotted: &str, value: toml::Value) {
    let mut parts = dotted.split('.').peekable();
    let mut current = table;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            current.insert(part.to_owned(), value);
            return;
        }
        let entry = current
            .entry(part.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        match entry {
            toml::Value::Table(t) => current = t,
            _ => return,
        }
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn lookup<'a>(table: &'a toml::Table, dotted: &str) -> Option<&'a toml::Value> {
    let mut parts = dotted.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
listen = "0.0.0.0:9000"
workers = 2
[component]
appid = "wxfile"
secret = "file-secret"
token = "tok"
encoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
"#;

    #[test]
    fn env_overrides_file_overrides_defaults() {
        let s = Settings::from_sources(Some(FILE), |name| match name {
            "FASTREG_WORKERS" => Some("7".into()),
            "FASTREG_COMPONENT_APPID" => Some("wxenv".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.workers, 7);
        assert_eq!(s.component.appid, "wxenv");
        assert_eq!(s.api_base, "https://api.weixin.qq.com");
        assert!(s.database_url().starts_with("sqlite://"));
    }

    #[test]
    fn missing_component_names_every_variable_at_once() {
        let err = Settings::from_sources(None, |_| None).unwrap_err().to_string();
        for env in [
            "FASTREG_COMPONENT_APPID",
            "FASTREG_COMPONENT_SECRET",
            "FASTREG_COMPONENT_TOKEN",
            "FASTREG_COMPONENT_ENCODING_AES_KEY",
        ] {
            assert!(err.contains(env), "{err}");
        }
        let err = Settings::from_sources(None, |n| {
            (n.starts_with("FASTREG_COMPONENT_") && n != "FASTREG_COMPONENT_TOKEN").then(|| "x".into())
        })
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "missing setting component.token (env FASTREG_COMPONENT_TOKEN): set it in the config file or as environment variables"
        );
    }

    #[test]
    fn the_example_config_loads_once_filled_in() {
        let example = Settings::example_config();
        let err = Settings::from_sources(Some(&example), |_| None).unwrap_err();
        assert!(err.to_string().contains("component.appid"), "{err}");
        let filled = example
            .replace("appid = \"\"", "appid = \"wx1\"")
            .replace("secret = \"\"", "secret = \"s\"")
            .replace("\ntoken = \"\"", "\ntoken = \"t\"")
            .replace("encoding_aes_key = \"\"", "encoding_aes_key = \"k\"");
        let s = Settings::from_sources(Some(&filled), |_| None).unwrap();
        assert_eq!(s.component.appid, "wx1");
        assert_eq!(s.listen, "127.0.0.1:8080");
    }

    #[test]
    fn bad_number_names_the_variable() {
        let err = Settings::from_sources(Some(FILE), |n| (n == "FASTREG_WORKERS").then(|| "many".into())).unwrap_err();
        assert_eq!(err.to_string(), "FASTREG_WORKERS must be a whole number");
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Settings::from_sources(Some(FILE), |_| None).unwrap();
        assert!(!format!("{s:?}").contains("file-secret"));
    }

    #[test]
    fn unknown_key_is_refused() {
        let err = Settings::from_sources(Some(&format!("{FILE}\nworkerz = 1")), |_| None);
        assert!(err.is_err());
    }
}
