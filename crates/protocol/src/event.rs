//! Push events — the decrypted XML WeChat POSTs to a third-party platform (protocol-notes §1, §3).
//!
//! Two URLs receive pushes. The authorization-event URL (授权事件接收URL) gets
//! [`ComponentEvent`]s, told apart by `InfoType`: the verify ticket every 10 minutes and the
//! authorization changes. The per-authorizer message URL (消息与事件接收URL) gets
//! [`AuthorizerEvent`]s, told apart by `MsgType=event` and `Event`: the nickname and category
//! audit results of a fast-registered Mini Program. Both are parsed here from the plaintext that
//! [`crate::crypto`] recovers from `<Encrypt>`, and written back by `to_xml` in the shape real
//! pushes have (strings in CDATA, numbers bare), which is what the emulator sends.
//!
//! Parsing is deliberately loose where WeChat is loose: white space and line breaks between
//! elements, values with or without CDATA, elements in any order, extra elements, and even the
//! mismatched closing tags of the doc's own `wxa_category_audit` sample are all accepted. An
//! `InfoType` or `Event` we do not model is kept whole as `Unknown` with its raw XML, so nothing
//! pushed is lost. What is required and missing is an [`EventError`] naming the element.

mod registration;

pub use registration::{RegistrationInfo, RegistrationKind, RegistrationPush};
mod code_audit;

pub use code_audit::{CodeAuditEvent, parse_code_audit_event};

use crate::id::{AppId, AuthorizationCode, IdError, Secret};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::fmt::Write as _;

/// Why a decrypted push could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The text is not XML with a root element.
    #[error("push is not readable XML ({reason}); pass the decrypted <xml>…</xml> plaintext")]
    Malformed {
        /// What the XML reader reported.
        reason: String,
    },
    /// The body is still the encrypted envelope (`<Encrypt>` and no `InfoType`/`MsgType`).
    #[error("push still has <Encrypt>; decrypt it with crypto first, then parse the plaintext")]
    StillEncrypted,
    /// A required element is absent.
    #[error("push has no <{element}>; a {kind} push always carries it, check the body is complete")]
    Missing {
        /// The element name, as WeChat spells it (`AppId`, `ret`, …).
        element: &'static str,
        /// The push kind that requires it (`component_verify_ticket`, `wxa_nickname_audit`, …).
        kind: String,
    },
    /// An element is present but its value is unusable.
    #[error("push element <{element}> is {value:?}: expected {expected}")]
    Invalid {
        /// The element name.
        element: &'static str,
        /// The value found (trimmed).
        value: String,
        /// What would have been accepted.
        expected: String,
    },
    /// A user message (text, image, …) reached the event parser.
    #[error(
        "push has MsgType {msg_type:?}, not \"event\"; only events are parsed here, handle user messages elsewhere"
    )]
    NotAnEvent {
        /// The `MsgType` found.
        msg_type: String,
    },
}

/// Result of a nickname or category audit (`ret` in `wxa_nickname_audit` / `wxa_category_audit`).
///
/// WeChat documents only 2 (failed / rejected) and 3 (succeeded / approved) for these pushes; the
/// push is only sent once an audit is decided, so there is no "in review" value. Any other
/// value is refused with [`EventError::Invalid`] naming `ret`, rather than guessed at: treating an
/// unknown outcome as either approval or rejection would make the service lie to its user, and
/// the raw push is still available to the caller that received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditOutcome {
    /// `ret` = 2: the audit failed; `reason` says why.
    Rejected,
    /// `ret` = 3: the audit succeeded.
    Approved,
}

impl AuditOutcome {
    /// The outcome for a wire value, if it is one of the two documented ones.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            2 => Some(Self::Rejected),
            3 => Some(Self::Approved),
            _ => None,
        }
    }

    /// The wire value (2 or 3).
    pub fn code(self) -> u64 {
        match self {
            Self::Rejected => 2,
            Self::Approved => 3,
        }
    }
}

/// A push to the authorization-event URL, told apart by `InfoType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentEvent {
    /// `component_verify_ticket`, every 10 minutes; valid 12 h, keep the latest.
    VerifyTicket {
        /// The component's appid (`AppId`).
        app_id: AppId,
        /// Unix seconds (`CreateTime`).
        create_time: u64,
        /// `ComponentVerifyTicket`, a secret used to obtain the component_access_token.
        ticket: Secret,
    },
    /// `authorized`: an account authorized the component.
    Authorized {
        /// The component's appid (`AppId`).
        app_id: AppId,
        /// Unix seconds (`CreateTime`).
        create_time: u64,
        /// The account that authorized (`AuthorizerAppid`).
        authorizer_appid: AppId,
        /// Exchange it through api_query_auth (`AuthorizationCode`).
        authorization_code: AuthorizationCode,
        /// `AuthorizationCodeExpiredTime`, as sent. The doc says "seconds"; SDK fixtures treat
        /// it as an absolute unix time (CreateTime + 3600) — protocol-notes §1, uncertain.
        authorization_code_expired_time: u64,
        /// The pre_auth_code the authorization page was opened with (`PreAuthCode`).
        pre_auth_code: Secret,
    },
    /// `updateauthorized`: an account changed the permission sets it grants.
    UpdateAuthorized {
        /// The component's appid (`AppId`).
        app_id: AppId,
        /// Unix seconds (`CreateTime`).
        create_time: u64,
        /// The account (`AuthorizerAppid`).
        authorizer_appid: AppId,
        /// A fresh authorization code (`AuthorizationCode`).
        authorization_code: AuthorizationCode,
        /// `AuthorizationCodeExpiredTime`, as sent (see [`ComponentEvent::Authorized`]).
        authorization_code_expired_time: u64,
        /// `PreAuthCode`.
        pre_auth_code: Secret,
    },
    /// `unauthorized`: an account withdrew its authorization.
    Unauthorized {
        /// The component's appid (`AppId`).
        app_id: AppId,
        /// Unix seconds (`CreateTime`).
        create_time: u64,
        /// The account (`AuthorizerAppid`).
        authorizer_appid: AppId,
    },
    /// Any other `InfoType`, kept whole. The registration routes' pushes
    /// (`notify_third_fasteregister`, `notify_third_fastregisterbetaapp`,
    /// `notify_third_fastverifybetaapp`) arrive here; [`RegistrationPush::from_event`] reads them.
    Unknown {
        /// The `InfoType` found.
        info_type: String,
        /// The XML exactly as given to the parser.
        raw: String,
    },
}

/// A push to the per-authorizer message URL with `MsgType=event`, told apart by `Event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizerEvent {
    /// `wxa_nickname_audit`: the result of a setnickname that needed review.
    NicknameAudit {
        /// The Mini Program's original id, `gh_…` (`ToUserName`).
        to_user_name: String,
        /// `FromUserName`.
        from_user_name: String,
        /// Unix seconds (`CreateTime`).
        create_time: u64,
        /// `ret`.
        ret: AuditOutcome,
        /// The nickname that was audited (`nickname`).
        nickname: String,
        /// Why it was rejected (`reason`); empty when absent, as on approval.
        reason: String,
    },
    /// `wxa_category_audit`: the result of adding a category that needs qualifications.
    CategoryAudit {
        /// The Mini Program's original id, `gh_…` (`ToUserName`).
        to_user_name: String,
        /// `FromUserName`.
        from_user_name: String,
        /// Unix seconds (`CreateTime`).
        create_time: u64,
        /// First-level category id (`first`; documented as a string, a number is accepted too).
        first: u64,
        /// Second-level category id (`second`; same).
        second: u64,
        /// `ret`.
        ret: AuditOutcome,
        /// Why it was rejected (`reason`); empty when absent.
        reason: String,
    },
    /// Any other `Event`, kept whole.
    Unknown {
        /// The `Event` found.
        event: String,
        /// The XML exactly as given to the parser.
        raw: String,
    },
}

/// Parses a decrypted push from the authorization-event URL.
///
/// ```
/// use fastreg_protocol::event::{parse_component_event, ComponentEvent};
/// let xml = "<xml><AppId><![CDATA[wx0000000000000001]]></AppId><CreateTime>1413192605</CreateTime>\
///            <InfoType><![CDATA[component_verify_ticket]]></InfoType>\
///            <ComponentVerifyTicket><![CDATA[ticket@@@abc]]></ComponentVerifyTicket></xml>";
/// let ComponentEvent::VerifyTicket { ticket, .. } = parse_component_event(xml).unwrap() else {
///     panic!("not a verify ticket")
/// };
/// assert_eq!(ticket.expose(), "ticket@@@abc");
/// ```
pub fn parse_component_event(xml: &str) -> Result<ComponentEvent, EventError> {
    let fields = Fields::parse(xml)?;
    let Some(info_type) = fields.get("InfoType") else {
        return Err(if fields.get("Encrypt").is_some() {
            EventError::StillEncrypted
        } else {
            EventError::Missing {
                element: "InfoType",
                kind: "authorization-event".into(),
            }
        });
    };
    let kind = info_type.to_owned();
    let req = Required {
        fields: &fields,
        kind: &kind,
    };
    Ok(match info_type {
        "component_verify_ticket" => ComponentEvent::VerifyTicket {
            app_id: req.app_id("AppId")?,
            create_time: req.number("CreateTime")?,
            ticket: req.secret("ComponentVerifyTicket")?,
        },
        "authorized" | "updateauthorized" => {
            let app_id = req.app_id("AppId")?;
            let create_time = req.number("CreateTime")?;
            let authorizer_appid = req.app_id("AuthorizerAppid")?;
            let authorization_code = req.id("AuthorizationCode", AuthorizationCode::parse)?;
            let authorization_code_expired_time = req.number("AuthorizationCodeExpiredTime")?;
            let pre_auth_code = req.secret("PreAuthCode")?;
            if info_type == "authorized" {
                ComponentEvent::Authorized {
                    app_id,
                    create_time,
                    authorizer_appid,
                    authorization_code,
                    authorization_code_expired_time,
                    pre_auth_code,
                }
            } else {
                ComponentEvent::UpdateAuthorized {
                    app_id,
                    create_time,
                    authorizer_appid,
                    authorization_code,
                    authorization_code_expired_time,
                    pre_auth_code,
                }
            }
        }
        "unauthorized" => ComponentEvent::Unauthorized {
            app_id: req.app_id("AppId")?,
            create_time: req.number("CreateTime")?,
            authorizer_appid: req.app_id("AuthorizerAppid")?,
        },
        _ => ComponentEvent::Unknown {
            info_type: kind.clone(),
            raw: xml.to_owned(),
        },
    })
}

/// Parses a decrypted push from the per-authorizer message URL.
///
/// A push whose `MsgType` is not `event` is a user message and is refused with
/// [`EventError::NotAnEvent`], so a caller cannot mistake it for an unknown event.
pub fn parse_authorizer_event(xml: &str) -> Result<AuthorizerEvent, EventError> {
    let fields = Fields::parse(xml)?;
    let Some(msg_type) = fields.get("MsgType") else {
        return Err(if fields.get("Encrypt").is_some() {
            EventError::StillEncrypted
        } else {
            EventError::Missing {
                element: "MsgType",
                kind: "message-and-event".into(),
            }
        });
    };
    if msg_type != "event" {
        return Err(EventError::NotAnEvent {
            msg_type: msg_type.to_owned(),
        });
    }
    let event = fields.get("Event").ok_or_else(|| EventError::Missing {
        element: "Event",
        kind: "MsgType=event".into(),
    })?;
    let kind = event.to_owned();
    let req = Required {
        fields: &fields,
        kind: &kind,
    };
    Ok(match event {
        "wxa_nickname_audit" => AuthorizerEvent::NicknameAudit {
            to_user_name: req.text("ToUserName")?,
            from_user_name: req.text("FromUserName")?,
            create_time: req.number("CreateTime")?,
            ret: req.outcome("ret")?,
            nickname: req.text("nickname")?,
            reason: fields.get("reason").unwrap_or_default().to_owned(),
        },
        "wxa_category_audit" => AuthorizerEvent::CategoryAudit {
            to_user_name: req.text("ToUserName")?,
            from_user_name: req.text("FromUserName")?,
            create_time: req.number("CreateTime")?,
            first: req.number("first")?,
            second: req.number("second")?,
            ret: req.outcome("ret")?,
            reason: fields.get("reason").unwrap_or_default().to_owned(),
        },
        _ => AuthorizerEvent::Unknown {
            event: kind.clone(),
            raw: xml.to_owned(),
        },
    })
}

impl ComponentEvent {
    /// The `InfoType` of this push.
    pub fn info_type(&self) -> &str {
        match self {
            Self::VerifyTicket { .. } => "component_verify_ticket",
            Self::Authorized { .. } => "authorized",
            Self::UpdateAuthorized { .. } => "updateauthorized",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Unknown { info_type, .. } => info_type,
        }
    }

    /// A stable key for inbox deduplication: WeChat retries a push it thinks failed with the
    /// same body, and every retry yields the same key.
    ///
    /// Shape: `component:<InfoType>:<AppId>:<CreateTime>[:<AuthorizerAppid>][:<digest>]`.
    /// Secrets (the verify ticket, authorization and pre-auth codes) enter only as a 64-bit
    /// SHA-1 digest, so the key can be stored and logged. An `Unknown` push is keyed by the
    /// digest of its raw XML.
    pub fn event_id(&self) -> String {
        match self {
            Self::VerifyTicket {
                app_id,
                create_time,
                ticket,
            } => format!(
                "component:component_verify_ticket:{app_id}:{create_time}:{}",
                digest(ticket.expose())
            ),
            Self::Authorized {
                app_id,
                create_time,
                authorizer_appid,
                authorization_code,
                ..
            }
            | Self::UpdateAuthorized {
                app_id,
                create_time,
                authorizer_appid,
                authorization_code,
                ..
            } => format!(
                "component:{}:{app_id}:{create_time}:{authorizer_appid}:{}",
                self.info_type(),
                digest(authorization_code.as_str())
            ),
            Self::Unauthorized {
                app_id,
                create_time,
                authorizer_appid,
            } => format!("component:unauthorized:{app_id}:{create_time}:{authorizer_appid}"),
            Self::Unknown { info_type, raw } => {
                format!("component:{info_type}:raw:{}", digest(raw))
            }
        }
    }

    /// The push as WeChat sends it (before encryption): `<xml>`, strings in CDATA, numbers
    /// bare, elements in the doc's order. `Unknown` returns its raw XML unchanged.
    pub fn to_xml(&self) -> String {
        let mut x = XmlOut::new();
        match self {
            Self::VerifyTicket {
                app_id,
                create_time,
                ticket,
            } => {
                x.text("AppId", app_id.as_str());
                x.number("CreateTime", *create_time);
                x.text("InfoType", self.info_type());
                x.text("ComponentVerifyTicket", ticket.expose());
            }
            Self::Authorized {
                app_id,
                create_time,
                authorizer_appid,
                authorization_code,
                authorization_code_expired_time,
                pre_auth_code,
            }
            | Self::UpdateAuthorized {
                app_id,
                create_time,
                authorizer_appid,
                authorization_code,
                authorization_code_expired_time,
                pre_auth_code,
            } => {
                x.text("AppId", app_id.as_str());
                x.number("CreateTime", *create_time);
                x.text("InfoType", self.info_type());
                x.text("AuthorizerAppid", authorizer_appid.as_str());
                x.text("AuthorizationCode", authorization_code.as_str());
                x.number("AuthorizationCodeExpiredTime", *authorization_code_expired_time);
                x.text("PreAuthCode", pre_auth_code.expose());
            }
            Self::Unauthorized {
                app_id,
                create_time,
                authorizer_appid,
            } => {
                x.text("AppId", app_id.as_str());
                x.number("CreateTime", *create_time);
                x.text("InfoType", self.info_type());
                x.text("AuthorizerAppid", authorizer_appid.as_str());
            }
            Self::Unknown { raw, .. } => return raw.clone(),
        }
        x.finish()
    }
}

impl AuthorizerEvent {
    /// The `Event` of this push.
    pub fn event(&self) -> &str {
        match self {
            Self::NicknameAudit { .. } => "wxa_nickname_audit",
            Self::CategoryAudit { .. } => "wxa_category_audit",
            Self::Unknown { event, .. } => event,
        }
    }

    /// A stable key for inbox deduplication (see [`ComponentEvent::event_id`]).
    ///
    /// Shape: `authorizer:<Event>:<ToUserName>:<CreateTime>:…` with the audited subject (the
    /// nickname's digest, or `first:second`) and `ret`, so two audits decided in the same second
    /// for the same Mini Program still get different keys.
    pub fn event_id(&self) -> String {
        match self {
            Self::NicknameAudit {
                to_user_name,
                create_time,
                ret,
                nickname,
                ..
            } => format!(
                "authorizer:wxa_nickname_audit:{to_user_name}:{create_time}:{}:{}",
                digest(nickname),
                ret.code()
            ),
            Self::CategoryAudit {
                to_user_name,
                create_time,
                first,
                second,
                ret,
                ..
            } => format!(
                "authorizer:wxa_category_audit:{to_user_name}:{create_time}:{first}:{second}:{}",
                ret.code()
            ),
            Self::Unknown { event, raw } => format!("authorizer:{event}:raw:{}", digest(raw)),
        }
    }

    /// The push as WeChat sends it (before encryption), well-formed even where the doc's own
    /// sample is not (its `wxa_category_audit` example closes `<first>` with `</nickname>`).
    /// `first`/`second` are written as CDATA strings, as documented. `Unknown` returns its raw
    /// XML unchanged.
    pub fn to_xml(&self) -> String {
        let mut x = XmlOut::new();
        match self {
            Self::NicknameAudit {
                to_user_name,
                from_user_name,
                create_time,
                ret,
                nickname,
                reason,
            } => {
                x.envelope(to_user_name, from_user_name, *create_time, self.event());
                x.number("ret", ret.code());
                x.text("nickname", nickname);
                x.text("reason", reason);
            }
            Self::CategoryAudit {
                to_user_name,
                from_user_name,
                create_time,
                first,
                second,
                ret,
                reason,
            } => {
                x.envelope(to_user_name, from_user_name, *create_time, self.event());
                x.text("first", &first.to_string());
                x.text("second", &second.to_string());
                x.number("ret", ret.code());
                x.text("reason", reason);
            }
            Self::Unknown { raw, .. } => return raw.clone(),
        }
        x.finish()
    }
}

/// 16 hex digits (64 bits) of SHA-1: enough to tell pushes apart, and safe to store.
fn digest(s: &str) -> String {
    use sha1::{Digest, Sha1};
    hex::encode(&Sha1::digest(s.as_bytes())[..8])
}

/// The direct children of the root element, name → trimmed text, first occurrence wins.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(xml: &str) -> Result<Self, EventError> {
        let malformed = |e: &dyn std::fmt::Display| EventError::Malformed { reason: e.to_string() };
        let mut reader = Reader::from_str(xml);
        // Accept the doc's mismatched closing tags; the element a value belongs to is the one
        // that opened it.
        reader.config_mut().check_end_names = false;
        let mut fields = Vec::new();
        let mut depth = 0usize;
        let mut seen_root = false;
        let mut current: Option<(String, String)> = None;
        loop {
            match reader.read_event().map_err(|e| malformed(&e))? {
                Event::Start(e) => {
                    depth += 1;
                    if depth == 1 {
                        seen_root = true;
                    } else if depth == 2 {
                        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                        current = Some((name, String::new()));
                    }
                }
                Event::Empty(e) => {
                    if depth == 0 {
                        seen_root = true;
                    } else if depth == 1 {
                        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                        fields.push((name, String::new()));
                    }
                }
                Event::End(_) => {
                    if depth == 2 {
                        if let Some((name, value)) = current.take() {
                            fields.push((name, value.trim().to_owned()));
                        }
                    }
                    depth = depth.saturating_sub(1);
                }
                Event::Text(t) if depth == 2 => {
                    let text = t.unescape().map_err(|e| malformed(&e))?;
                    if let Some((_, value)) = current.as_mut() {
                        value.push_str(&text);
                    }
                }
                Event::CData(c) if depth == 2 => {
                    let text = c.decode().map_err(|e| malformed(&e))?;
                    if let Some((_, value)) = current.as_mut() {
                        value.push_str(&text);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !seen_root {
            return Err(EventError::Malformed {
                reason: "no root element".into(),
            });
        }
        if depth != 0 {
            return Err(EventError::Malformed {
                reason: "the document ends inside an element".into(),
            });
        }
        Ok(Self(fields))
    }

    /// The value of an element; an exact name match first, then one ignoring ASCII case.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .or_else(|| self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map(|(_, v)| v.as_str())
    }
}

/// Required-field accessors that turn absence or a bad value into a typed error.
struct Required<'a> {
    fields: &'a Fields,
    kind: &'a str,
}

impl Required<'_> {
    fn raw(&self, element: &'static str) -> Result<&str, EventError> {
        self.fields.get(element).ok_or_else(|| EventError::Missing {
            element,
            kind: self.kind.to_owned(),
        })
    }

    fn text(&self, element: &'static str) -> Result<String, EventError> {
        self.raw(element).map(str::to_owned)
    }

    fn number(&self, element: &'static str) -> Result<u64, EventError> {
        let v = self.raw(element)?;
        v.parse().map_err(|_| EventError::Invalid {
            element,
            value: v.to_owned(),
            expected: "an unsigned integer".into(),
        })
    }

    fn id<T>(&self, element: &'static str, parse: fn(String) -> Result<T, IdError>) -> Result<T, EventError> {
        let v = self.raw(element)?;
        parse(v.to_owned()).map_err(|e| EventError::Invalid {
            element,
            value: v.to_owned(),
            expected: format!("a valid {} ({})", e.field, e.reason),
        })
    }

    fn app_id(&self, element: &'static str) -> Result<AppId, EventError> {
        self.id(element, AppId::parse)
    }

    fn secret(&self, element: &'static str) -> Result<Secret, EventError> {
        let v = self.raw(element)?;
        // The value is a secret: say what is wrong, never echo it.
        Secret::parse(v.to_owned()).map_err(|e| EventError::Invalid {
            element,
            value: format!("<{} chars, redacted>", v.chars().count()),
            expected: format!("a non-empty token ({})", e.reason),
        })
    }

    fn outcome(&self, element: &'static str) -> Result<AuditOutcome, EventError> {
        let invalid = |v: &str| EventError::Invalid {
            element,
            value: v.to_owned(),
            expected: "2 (rejected) or 3 (approved)".into(),
        };
        let v = self.raw(element)?;
        let code: u64 = v.parse().map_err(|_| invalid(v))?;
        AuditOutcome::from_code(code).ok_or_else(|| invalid(v))
    }
}

/// Writes a flat push document the way WeChat does.
struct XmlOut(String);

impl XmlOut {
    fn new() -> Self {
        Self(String::from("<xml>"))
    }

    fn text(&mut self, name: &str, value: &str) {
        // A CDATA section cannot contain "]]>": close and reopen it around the ">".
        let value = value.replace("]]>", "]]]]><![CDATA[>");
        let _ = write!(self.0, "<{name}><![CDATA[{value}]]></{name}>");
    }

    fn number(&mut self, name: &str, value: u64) {
        let _ = write!(self.0, "<{name}>{value}</{name}>");
    }

    fn envelope(&mut self, to: &str, from: &str, create_time: u64, event: &str) {
        self.text("ToUserName", to);
        self.text("FromUserName", from);
        self.number("CreateTime", create_time);
        self.text("MsgType", "event");
        self.text("Event", event);
    }

    fn finish(mut self) -> String {
        self.0.push_str("</xml>");
        self.0
    }
}
