//! The code-audit result pushes (lifecycle spec §3): `weapp_audit_success`, `weapp_audit_fail`
//! and `weapp_audit_delay`, sent to the component's message URL (`$APPID$` replaced) with
//! `MsgType=event`. They carry no `auditid`: one audit is open per Mini Program at a time, so
//! `ToUserName` identifies it. After a delay push, a success or fail push still follows.
//!
//! They are a type of their own rather than more [`AuthorizerEvent`] variants so that code
//! matching on `AuthorizerEvent` keeps compiling: [`parse_authorizer_event`] still returns them as
//! `AuthorizerEvent::Unknown`, and [`CodeAuditEvent::from_unknown`] (or
//! [`parse_code_audit_event`]) reads them typed.

use super::{AuthorizerEvent, EventError, Fields, Required, XmlOut, digest, parse_authorizer_event};

/// A code-audit result push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeAuditEvent {
    /// `weapp_audit_success`: the audit passed; the version can be released.
    Success {
        /// The Mini Program's original id, `gh_…` (`ToUserName`).
        to_user_name: String,
        /// `FromUserName` (a system account's openid).
        from_user_name: String,
        /// Unix seconds (`CreateTime`).
        create_time: u64,
        /// When it passed (`SuccTime`).
        succ_time: u64,
    },
    /// `weapp_audit_fail`: the audit was rejected.
    Fail {
        /// `ToUserName`.
        to_user_name: String,
        /// `FromUserName`.
        from_user_name: String,
        /// `CreateTime`.
        create_time: u64,
        /// Why (`Reason`; may contain HTML line breaks).
        reason: String,
        /// When (`FailTime`).
        fail_time: u64,
        /// `|`-separated media ids of screenshots (`ScreenShot`, may be empty).
        screen_shot: String,
    },
    /// `weapp_audit_delay`: the audit will take longer; the decision is pushed later.
    Delay {
        /// `ToUserName`.
        to_user_name: String,
        /// `FromUserName`.
        from_user_name: String,
        /// `CreateTime`.
        create_time: u64,
        /// Why (`Reason`).
        reason: String,
        /// When (`DelayTime`).
        delay_time: u64,
    },
}

/// Parses a decrypted message-URL push as a code-audit result. `Ok(None)`: an event of another
/// kind (a nickname audit, …); errors as [`parse_authorizer_event`]'s.
pub fn parse_code_audit_event(xml: &str) -> Result<Option<CodeAuditEvent>, EventError> {
    match parse_authorizer_event(xml)? {
        AuthorizerEvent::Unknown { event, raw } => CodeAuditEvent::from_unknown(&event, &raw),
        _ => Ok(None),
    }
}

impl CodeAuditEvent {
    /// Reads an [`AuthorizerEvent::Unknown`]'s `Event` and raw XML as a code-audit push, if it
    /// is one.
    pub fn from_unknown(event: &str, raw: &str) -> Result<Option<Self>, EventError> {
        if !matches!(event, "weapp_audit_success" | "weapp_audit_fail" | "weapp_audit_delay") {
            return Ok(None);
        }
        let fields = Fields::parse(raw)?;
        let req = Required {
            fields: &fields,
            kind: event,
        };
        let to_user_name = req.text("ToUserName")?;
        let from_user_name = fields.get("FromUserName").unwrap_or_default().to_owned();
        let create_time = req.number("CreateTime")?;
        Ok(Some(match event {
            "weapp_audit_success" => CodeAuditEvent::Success {
                to_user_name,
                from_user_name,
                create_time,
                succ_time: req.number("SuccTime")?,
            },
            "weapp_audit_fail" => CodeAuditEvent::Fail {
                to_user_name,
                from_user_name,
                create_time,
                reason: fields.get("Reason").unwrap_or_default().to_owned(),
                fail_time: req.number("FailTime")?,
                screen_shot: fields.get("ScreenShot").unwrap_or_default().to_owned(),
            },
            _ => CodeAuditEvent::Delay {
                to_user_name,
                from_user_name,
                create_time,
                reason: fields.get("Reason").unwrap_or_default().to_owned(),
                delay_time: req.number("DelayTime")?,
            },
        }))
    }

    /// The `Event` of this push.
    pub fn event(&self) -> &'static str {
        match self {
            Self::Success { .. } => "weapp_audit_success",
            Self::Fail { .. } => "weapp_audit_fail",
            Self::Delay { .. } => "weapp_audit_delay",
        }
    }

    /// The Mini Program's original id (`ToUserName`).
    pub fn to_user_name(&self) -> &str {
        match self {
            Self::Success { to_user_name, .. } | Self::Fail { to_user_name, .. } | Self::Delay { to_user_name, .. } => {
                to_user_name
            }
        }
    }

    /// A stable key for inbox deduplication: `authorizer:<Event>:<ToUserName>:<CreateTime>` and,
    /// for a rejection or a delay, the digest of its reason.
    pub fn event_id(&self) -> String {
        match self {
            Self::Success {
                to_user_name,
                create_time,
                ..
            } => format!("authorizer:weapp_audit_success:{to_user_name}:{create_time}"),
            Self::Fail {
                to_user_name,
                create_time,
                reason,
                ..
            }
            | Self::Delay {
                to_user_name,
                create_time,
                reason,
                ..
            } => format!(
                "authorizer:{}:{to_user_name}:{create_time}:{}",
                self.event(),
                digest(reason)
            ),
        }
    }

    /// The push as WeChat sends it (before encryption).
    pub fn to_xml(&self) -> String {
        let mut x = XmlOut::new();
        match self {
            Self::Success {
                to_user_name,
                from_user_name,
                create_time,
                succ_time,
            } => {
                x.envelope(to_user_name, from_user_name, *create_time, self.event());
                x.number("SuccTime", *succ_time);
            }
            Self::Fail {
                to_user_name,
                from_user_name,
                create_time,
                reason,
                fail_time,
                screen_shot,
            } => {
                x.envelope(to_user_name, from_user_name, *create_time, self.event());
                x.text("Reason", reason);
                x.number("FailTime", *fail_time);
                x.text("ScreenShot", screen_shot);
            }
            Self::Delay {
                to_user_name,
                from_user_name,
                create_time,
                reason,
                delay_time,
            } => {
                x.envelope(to_user_name, from_user_name, *create_time, self.event());
                x.text("Reason", reason);
                x.number("DelayTime", *delay_time);
            }
        }
        x.finish()
    }
}
