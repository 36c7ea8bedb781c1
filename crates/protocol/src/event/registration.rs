//! The registration pushes on the authorization-event URL (`registration-routes.md` §0.2, §1.3,
//! §2.4, §3.2, §3.3): `notify_third_fasteregister` (enterprise and personal),
//! `notify_third_fastregisterbetaapp` (trial created) and `notify_third_fastverifybetaapp`
//! (trial converted). [`super::parse_component_event`] keeps them as
//! [`ComponentEvent::Unknown`](super::ComponentEvent::Unknown); [`RegistrationPush::from_event`]
//! or [`RegistrationPush::parse`] reads them.
//!
//! Unlike the other pushes these have a nested `<info>`, and the doc samples are malformed in
//! two ways this parser accepts: an element "closed" by a second opening tag
//! (`<appid>创建小程序appid<appid>`) and a closing tag of another name
//! (`<idname>…</wxidnnn>`). Real personal pushes were seen with the enterprise-shaped `info`
//! plus `taskid`; every `info` field is therefore optional and both shapes are read. Key on
//! `status`, never on `msg` (a 1005 was seen with msg `real name check failed`).

use super::{ComponentEvent, EventError, XmlOut, digest};
use crate::id::{AppId, AuthorizationCode};
use crate::registration::{RegisterPushStatus, TaskStatus, TrialPushStatus};
use quick_xml::Reader;
use quick_xml::events::Event;

/// Which registration push.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegistrationKind {
    /// `notify_third_fasteregister` (sic): an enterprise or personal task ended.
    FastRegister,
    /// `notify_third_fastregisterbetaapp`: a trial was created (or not).
    TrialCreated,
    /// `notify_third_fastverifybetaapp`: a trial's conversion ended (or started).
    TrialVerified,
}

impl RegistrationKind {
    /// The `InfoType`.
    pub fn info_type(self) -> &'static str {
        match self {
            Self::FastRegister => "notify_third_fasteregister",
            Self::TrialCreated => "notify_third_fastregisterbetaapp",
            Self::TrialVerified => "notify_third_fastverifybetaapp",
        }
    }

    /// The kind of an `InfoType`, if it is a registration push.
    pub fn from_info_type(s: &str) -> Option<Self> {
        match s {
            "notify_third_fasteregister" => Some(Self::FastRegister),
            "notify_third_fastregisterbetaapp" => Some(Self::TrialCreated),
            "notify_third_fastverifybetaapp" => Some(Self::TrialVerified),
            _ => None,
        }
    }
}

/// `<info>`: an echo of the request. Enterprise fields, personal fields, the trial's
/// `unique_id`, and the `taskid` seen on real personal pushes; all optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistrationInfo {
    /// Enterprise name (enterprise, verify) or trial name.
    pub name: Option<String>,
    /// Enterprise code.
    pub code: Option<String>,
    /// 1, 2, 3 (old enterprise); 0 on real personal pushes.
    pub code_type: Option<u64>,
    /// Old enterprise: the legal person's WeChat id.
    pub legal_persona_wechat: Option<String>,
    /// Old enterprise: the legal person's name.
    pub legal_persona_name: Option<String>,
    /// The platform's phone.
    pub component_phone: Option<String>,
    /// Personal: the user's WeChat id.
    pub wxuser: Option<String>,
    /// Personal (doc shape): the user's name.
    pub idname: Option<String>,
    /// The task (seen on real personal pushes; the emulator sends it on enterprise and personal).
    pub taskid: Option<String>,
    /// Trial: matches fastregisterbetaweapp's `unique_id`.
    pub unique_id: Option<String>,
}

/// A registration push.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistrationPush {
    /// Which push.
    pub kind: RegistrationKind,
    /// The component's appid (`AppId`).
    pub app_id: AppId,
    /// Unix seconds (`CreateTime`).
    pub create_time: u64,
    /// The new (or trial) Mini Program; absent on failure.
    pub appid: Option<AppId>,
    /// The raw status; see [`Self::register_status`], [`Self::task_status`], [`Self::trial_status`].
    pub status: i64,
    /// `msg`, as sent (do not key on it).
    pub msg: String,
    /// `auth_code` (enterprise/personal success only): usable as api_query_auth's code.
    pub auth_code: Option<AuthorizationCode>,
    /// `<info>`.
    pub info: RegistrationInfo,
}

impl RegistrationPush {
    /// A push with no `appid`, `auth_code` or `info` yet.
    pub fn new(kind: RegistrationKind, app_id: AppId, create_time: u64, status: i64, msg: impl Into<String>) -> Self {
        RegistrationPush {
            kind,
            app_id,
            create_time,
            appid: None,
            status,
            msg: msg.into(),
            auth_code: None,
            info: RegistrationInfo::default(),
        }
    }

    /// The registration push inside a parsed authorization event, if it is one.
    pub fn from_event(event: &ComponentEvent) -> Option<Result<Self, EventError>> {
        match event {
            ComponentEvent::Unknown { info_type, raw } if RegistrationKind::from_info_type(info_type).is_some() => {
                Some(Self::parse(raw))
            }
            _ => None,
        }
    }

    /// Parses a decrypted registration push.
    pub fn parse(xml: &str) -> Result<Self, EventError> {
        let leaves = leaves(xml)?;
        // Exact names first; ignoring case only where no other element differs by case alone
        // (`AppId` is the component, `appid` the new Mini Program).
        let top = |name: &str| {
            let exact = leaves.iter().find(|(p, n, _)| p.is_empty() && n == name);
            let loose = || {
                leaves
                    .iter()
                    .find(|(p, n, _)| p.is_empty() && n.eq_ignore_ascii_case(name) && !n.eq_ignore_ascii_case("appid"))
            };
            exact.or_else(loose).map(|(_, _, v)| v.as_str())
        };
        let info = |name: &str| {
            leaves
                .iter()
                .find(|(p, n, _)| p == "info" && n.eq_ignore_ascii_case(name))
                .map(|(_, _, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        let info_type = match top("InfoType") {
            Some(t) => t.to_owned(),
            None if top("Encrypt").is_some() => return Err(EventError::StillEncrypted),
            None => {
                return Err(EventError::Missing {
                    element: "InfoType",
                    kind: "registration".into(),
                });
            }
        };
        let kind = RegistrationKind::from_info_type(&info_type).ok_or_else(|| EventError::Invalid {
            element: "InfoType",
            value: info_type.clone(),
            expected: "notify_third_fasteregister, notify_third_fastregisterbetaapp or notify_third_fastverifybetaapp"
                .into(),
        })?;
        let missing = |element: &'static str| EventError::Missing {
            element,
            kind: info_type.clone(),
        };
        let app_id_raw = top("AppId").ok_or_else(|| missing("AppId"))?;
        let app_id = AppId::parse(app_id_raw).map_err(|e| EventError::Invalid {
            element: "AppId",
            value: app_id_raw.to_owned(),
            expected: format!("a valid appid ({})", e.reason),
        })?;
        let number = |element: &'static str| -> Result<i64, EventError> {
            let v = top(element).ok_or_else(|| missing(element))?;
            v.parse().map_err(|_| EventError::Invalid {
                element,
                value: v.to_owned(),
                expected: "an integer".into(),
            })
        };
        let create_time = number("CreateTime")?.max(0) as u64;
        let status = number("status")?;
        // Absent, empty or unusable on failure: kept as None rather than refusing the push.
        let appid = top("appid").and_then(|v| AppId::parse(v).ok());
        let auth_code = top("auth_code").and_then(|v| AuthorizationCode::parse(v).ok());
        Ok(RegistrationPush {
            kind,
            app_id,
            create_time,
            appid,
            status,
            msg: top("msg").unwrap_or_default().to_owned(),
            auth_code,
            info: RegistrationInfo {
                name: info("name"),
                code: info("code"),
                code_type: info("code_type").and_then(|v| v.parse().ok()),
                legal_persona_wechat: info("legal_persona_wechat"),
                legal_persona_name: info("legal_persona_name"),
                component_phone: info("component_phone"),
                wxuser: info("wxuser"),
                idname: info("idname"),
                taskid: info("taskid"),
                unique_id: info("unique_id"),
            },
        })
    }

    /// `status` read with the enterprise / verify table.
    pub fn register_status(&self) -> RegisterPushStatus {
        RegisterPushStatus::from_code(self.status)
    }

    /// `status` read with the task table (personal pushes).
    pub fn task_status(&self) -> TaskStatus {
        TaskStatus::from_code(self.status)
    }

    /// `status` read with the trial table.
    pub fn trial_status(&self) -> TrialPushStatus {
        TrialPushStatus::from_code(self.status)
    }

    /// Whether the push reports success (`status` 0).
    pub fn succeeded(&self) -> bool {
        self.status == 0
    }

    /// The task this push ends: `info.taskid`, or the trial's `info.unique_id`.
    pub fn task_key(&self) -> Option<&str> {
        self.info.taskid.as_deref().or(self.info.unique_id.as_deref())
    }

    /// A stable key for inbox deduplication:
    /// `component:<InfoType>:<AppId>:<CreateTime>:<status>:<digest of task key or appid>`.
    pub fn event_id(&self) -> String {
        let subject = self
            .task_key()
            .map(str::to_owned)
            .or_else(|| self.appid.as_ref().map(|a| a.as_str().to_owned()))
            .unwrap_or_default();
        format!(
            "component:{}:{}:{}:{}:{}",
            self.kind.info_type(),
            self.app_id,
            self.create_time,
            self.status,
            digest(&subject)
        )
    }

    /// The push as WeChat sends it (well-formed, strings in CDATA, numbers bare), the
    /// `ComponentEvent::Unknown` that carries it through code written for other pushes.
    pub fn to_event(&self) -> ComponentEvent {
        ComponentEvent::Unknown {
            info_type: self.kind.info_type().to_owned(),
            raw: self.to_xml(),
        }
    }

    /// The plaintext XML. Absent fields are left out.
    pub fn to_xml(&self) -> String {
        let mut x = XmlOut::new();
        x.text("AppId", self.app_id.as_str());
        x.number("CreateTime", self.create_time);
        x.text("InfoType", self.kind.info_type());
        if let Some(a) = &self.appid {
            x.text("appid", a.as_str());
        }
        x.0.push_str(&format!("<status>{}</status>", self.status));
        if let Some(c) = &self.auth_code {
            x.text("auth_code", c.as_str());
        }
        x.text("msg", &self.msg);
        x.0.push_str("<info>");
        let i = &self.info;
        for (name, value) in [("unique_id", &i.unique_id), ("name", &i.name), ("code", &i.code)] {
            if let Some(v) = value {
                x.text(name, v);
            }
        }
        if let Some(t) = i.code_type {
            x.number("code_type", t);
        }
        for (name, value) in [
            ("legal_persona_wechat", &i.legal_persona_wechat),
            ("legal_persona_name", &i.legal_persona_name),
            ("wxuser", &i.wxuser),
            ("idname", &i.idname),
            ("component_phone", &i.component_phone),
            ("taskid", &i.taskid),
        ] {
            if let Some(v) = value {
                x.text(name, v);
            }
        }
        x.0.push_str("</info>");
        x.finish()
    }
}

/// Every leaf element under the root: (parent path below the root, name, trimmed text). The
/// parent path is `""` for the root's children and `info` for `<info>`'s.
fn leaves(xml: &str) -> Result<Vec<(String, String, String)>, EventError> {
    let malformed = |e: &dyn std::fmt::Display| EventError::Malformed { reason: e.to_string() };
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = false;
    // (name, text, has_children)
    let mut stack: Vec<(String, String, bool)> = Vec::new();
    let mut out = Vec::new();
    let mut seen_root = false;
    let path_of = |stack: &[(String, String, bool)]| -> String {
        stack
            .iter()
            .skip(1)
            .map(|(n, _, _)| n.as_str())
            .collect::<Vec<_>>()
            .join("/")
    };
    loop {
        match reader.read_event().map_err(|e| malformed(&e))? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                // The doc's `<appid>value<appid>`: a second opening tag of the element still
                // open, after its text, closes it.
                if stack.len() >= 2
                    && let Some((open, text, children)) = stack.last()
                    && *open == name
                    && !text.trim().is_empty()
                    && !children
                {
                    let (n, t, _) = stack.pop().unwrap_or_default();
                    out.push((path_of(&stack), n, t.trim().to_owned()));
                    continue;
                }
                if let Some(parent) = stack.last_mut() {
                    parent.2 = true;
                }
                seen_root = true;
                stack.push((name, String::new(), false));
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if let Some(parent) = stack.last_mut() {
                    parent.2 = true;
                    out.push((path_of(&stack), name, String::new()));
                } else {
                    seen_root = true;
                }
            }
            Event::End(_) => {
                if let Some((n, t, children)) = stack.pop()
                    && !children
                    && !stack.is_empty()
                {
                    out.push((path_of(&stack), n, t.trim().to_owned()));
                }
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|e| malformed(&e))?;
                if let Some(top) = stack.last_mut() {
                    top.1.push_str(&text);
                }
            }
            Event::CData(c) => {
                let text = c.decode().map_err(|e| malformed(&e))?;
                if let Some(top) = stack.last_mut() {
                    top.1.push_str(&text);
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
    Ok(out)
}
