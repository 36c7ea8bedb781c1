//! The lifecycle's part of the world: per component the draft box, the template library, the
//! registered domains and the audit quota; per Mini Program the code-version state machine (trial
//! → audit → live, history, gray plan), its domains, privacy guides, testers and visit and search
//! status. One field of [`crate::world::World`], under the same lock.
//!
//! The state machine (lifecycle spec §11.2):
//!
//! ```text
//! commit ─► trial (scan running ─ scan_secs ─► scan done) ─ submit_audit ─► audit 2 (auditing)
//!   audit 2/4 ─ undocodeaudit ─► 3 (withdrawn)      audit 2 ─ delay ─► 4 (delayed)
//!   audit 2/4 ─ decision ─► 0 (approved, pushed weapp_audit_success) or 1 (rejected, weapp_audit_fail)
//!   audit 0 ─ release ─► live (previous live into the history, dev privacy guide copied to live)
//!   live ─ grayrelease p% … 100% ─► live; revertgrayrelease cancels; revertcoderelease ─► previous
//! ```

use crate::clock::{china_day, china_month};
use crate::ids::Ids;
use crate::lifecycle::{DraftDef, LifecycleScenario, LifecycleSettings};
use crate::push::{self, Outgoing};
use crate::world::{AuditSubject, Decision, World};
use fastreg_protocol::audit::CodeAuditStatus;
use fastreg_protocol::domain::ServerDomains;
use fastreg_protocol::event::{AuditOutcome, CodeAuditEvent};
use fastreg_protocol::privacy::{OwnerSetting, PrivacySetting};
use serde::Serialize;
use std::collections::BTreeMap;

/// A draft in a component's draft box.
#[derive(Clone, Debug, Serialize)]
pub struct DraftState {
    /// Its id.
    pub draft_id: u64,
    /// Uploaded at.
    pub create_time: i64,
    /// As uploaded.
    #[serde(flatten)]
    pub def: DraftDef,
}

/// A template of a component's library.
#[derive(Clone, Debug, Serialize)]
pub struct TemplateState {
    /// Its id.
    pub template_id: u64,
    /// Added at.
    pub create_time: i64,
    /// 0 normal, 1 standard.
    pub template_type: u64,
    /// The draft it came from.
    pub draft_id: u64,
    /// The draft's content.
    #[serde(flatten)]
    pub def: DraftDef,
}

/// A component's lifecycle state.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ComponentState {
    /// Registered server domains (no scheme).
    pub server_domains: Vec<String>,
    /// Registered business domains (no scheme).
    pub webview_domains: Vec<String>,
    /// The draft box.
    pub drafts: Vec<DraftState>,
    /// The library.
    pub templates: Vec<TemplateState>,
    /// (China month, audits submitted that month).
    pub audits_this_month: (i64, u64),
    /// (China month, expedites that month).
    pub speedups_this_month: (i64, u64),
}

/// The trial version (体验版): the last commit.
#[derive(Clone, Debug, Serialize)]
pub struct Trial {
    /// The template committed.
    pub template_id: u64,
    /// Its version string.
    pub user_version: String,
    /// Its description.
    pub user_desc: String,
    /// The ext config (parsed from the `ext_json` string).
    pub ext: serde_json::Value,
    /// Its pages (the template's, or ext_json's subset).
    pub pages: Vec<String>,
    /// Committed at.
    pub commit_time: i64,
    /// When the privacy scan ends.
    pub scan_done_at: i64,
}

/// A code audit (the latest of a Mini Program).
#[derive(Clone, Debug, Serialize)]
pub struct CodeAudit {
    /// Its id (shared with the other audits of `GET /__emulator/audits`).
    pub auditid: u64,
    /// 0 approved, 1 rejected, 2 auditing, 3 withdrawn, 4 delayed.
    pub status: u64,
    /// Why rejected or delayed.
    pub reason: String,
    /// Rejection screenshots, `|`-separated.
    pub screenshot: String,
    /// The audited version.
    pub version: Version,
    /// Submitted at.
    pub submit_time: i64,
    /// Expedited.
    pub sped_up: bool,
    /// Released already (85052).
    pub released: bool,
}

/// A version as audit, release and history see it.
#[derive(Clone, Debug, Serialize)]
pub struct Version {
    /// The number revertcoderelease takes (given on release).
    pub app_version: u64,
    /// `user_version` of the commit.
    pub user_version: String,
    /// `user_desc` of the commit.
    pub user_desc: String,
    /// Commit time.
    pub commit_time: i64,
    /// Release time (when live).
    pub release_time: i64,
    /// Went live by a rollback (cannot be rolled back to again: 87012).
    pub by_rollback: bool,
}

/// A gray release plan.
#[derive(Clone, Debug, Serialize)]
pub struct GrayPlan {
    /// 1 running, 3 done, 4 deleted.
    pub status: u64,
    /// Created at.
    pub create_timestamp: i64,
    /// The share of users.
    pub gray_percentage: u64,
    /// Members first.
    pub support_debuger_first: bool,
    /// Testers first.
    pub support_experiencer_first: bool,
}

/// A privacy guide.
#[derive(Clone, Debug, Serialize)]
pub struct Guide {
    /// The owner.
    pub owner_setting: OwnerSetting,
    /// The keys.
    pub setting_list: Vec<PrivacySetting>,
    /// Last change.
    pub update_time: i64,
}

/// A bound tester.
#[derive(Clone, Debug, Serialize)]
pub struct Tester {
    /// The WeChat id.
    pub wechatid: String,
    /// The opaque id.
    pub userstr: String,
}

/// A Mini Program's lifecycle state.
#[derive(Clone, Debug, Serialize)]
pub struct ProgramState {
    /// The trial version.
    pub trial: Option<Trial>,
    /// The latest code audit.
    pub audit: Option<CodeAudit>,
    /// The live version.
    pub live: Option<Version>,
    /// Earlier live versions, newest first (at most `history_versions`).
    pub history: Vec<Version>,
    /// The gray plan, if one was made.
    pub gray: Option<GrayPlan>,
    /// Server domains set through the component (mode A).
    pub server_domains: ServerDomains,
    /// Server domains set directly (mode B).
    pub direct_server_domains: ServerDomains,
    /// Business domains.
    pub webview_domains: Vec<String>,
    /// (China month, modify_domain changes).
    pub domain_changes: (i64, u32),
    /// The development guide (privacy_ver 2).
    pub privacy_dev: Option<Guide>,
    /// The live guide (privacy_ver 1).
    pub privacy_live: Option<Guide>,
    /// Testers.
    pub testers: Vec<Tester>,
    /// The service is open (change_visitstatus).
    pub visit_open: bool,
    /// 0 searchable, 1 hidden.
    pub search_status: u64,
    /// (China day, undos), (China month, undos).
    pub undos: ((i64, u32), (i64, u32)),
    /// The next app_version a release gets.
    pub next_app_version: u64,
}

impl Default for ProgramState {
    fn default() -> Self {
        ProgramState {
            trial: None,
            audit: None,
            live: None,
            history: Vec::new(),
            gray: None,
            server_domains: ServerDomains::default(),
            direct_server_domains: ServerDomains::default(),
            webview_domains: Vec::new(),
            domain_changes: (0, 0),
            privacy_dev: None,
            privacy_live: None,
            testers: Vec::new(),
            visit_open: true,
            search_status: 0,
            undos: ((0, 0), (0, 0)),
            next_app_version: 1,
        }
    }
}

impl ProgramState {
    /// Whether a gray plan is running (rollback: 87011).
    pub fn gray_running(&self) -> bool {
        self.gray.as_ref().is_some_and(|g| g.status == 1 || g.status == 2)
    }

    /// The undos left today and this month.
    pub fn undo_allowed(&self, s: &LifecycleSettings, now: i64) -> bool {
        let ((day, d), (month, m)) = self.undos;
        let d = if day == china_day(now) { d } else { 0 };
        let m = if month == china_month(now) { m } else { 0 };
        d < s.undo_per_day && m < s.undo_per_month
    }

    /// Spends one undo.
    pub fn spend_undo(&mut self, now: i64) {
        let ((day, d), (month, m)) = self.undos;
        let d = if day == china_day(now) { d } else { 0 };
        let m = if month == china_month(now) { m } else { 0 };
        self.undos = ((china_day(now), d + 1), (china_month(now), m + 1));
    }
}

/// How much of a monthly counter is used now.
pub fn used_this_month(counter: (i64, u64), now: i64) -> u64 {
    if counter.0 == china_month(now) { counter.1 } else { 0 }
}

/// The counter with one more spent now.
pub fn spent(counter: (i64, u64), now: i64) -> (i64, u64) {
    (china_month(now), used_this_month(counter, now) + 1)
}

/// The lifecycle part of the world.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LifecycleWorld {
    /// Limits and delays.
    pub settings: LifecycleSettings,
    /// By component appid.
    pub components: BTreeMap<String, ComponentState>,
    /// By Mini Program appid.
    pub programs: BTreeMap<String, ProgramState>,
    /// The next draft id.
    pub next_draft_id: u64,
    /// The next template id.
    pub next_template_id: u64,
    /// The next tester userstr number.
    pub next_userstr: u64,
}

impl LifecycleWorld {
    /// The state a scenario's `[lifecycle]` table describes.
    pub fn from_scenario(s: &LifecycleScenario, now: i64) -> Self {
        let mut w = LifecycleWorld {
            settings: s.settings.clone(),
            next_draft_id: 1,
            next_template_id: 1,
            next_userstr: 1,
            ..Default::default()
        };
        for c in &s.components {
            w.register_domains(&c.component_appid, Some(&c.server_domains), Some(&c.webview_domains));
            for d in &c.drafts {
                w.add_draft(&c.component_appid, d.clone(), now);
            }
            for t in &c.templates {
                // A template outlives its draft: a later upload replaced it (draft_id 0).
                let template_id = w.next_template_id;
                w.next_template_id += 1;
                w.component(&c.component_appid).templates.push(TemplateState {
                    template_id,
                    create_time: now,
                    template_type: 0,
                    draft_id: 0,
                    def: t.clone(),
                });
            }
        }
        w
    }

    /// A component's state (created empty on first use).
    pub fn component(&mut self, appid: &str) -> &mut ComponentState {
        self.components.entry(appid.to_owned()).or_default()
    }

    /// A Mini Program's state (created on first use).
    pub fn program(&mut self, appid: &str) -> &mut ProgramState {
        self.programs.entry(appid.to_owned()).or_default()
    }

    /// Sets a component's registered domains (the given lists only).
    pub fn register_domains(&mut self, appid: &str, server: Option<&[String]>, webview: Option<&[String]>) {
        let c = self.component(appid);
        if let Some(s) = server {
            c.server_domains = s.iter().map(|d| bare_host(d)).collect();
        }
        if let Some(v) = webview {
            c.webview_domains = v.iter().map(|d| bare_host(d)).collect();
        }
    }

    /// A new draft; the draft box keeps one per 开发小程序, so an upload from the same one
    /// replaces its draft. Returns its id.
    pub fn add_draft(&mut self, component_appid: &str, def: DraftDef, now: i64) -> u64 {
        let draft_id = self.next_draft_id;
        self.next_draft_id += 1;
        let c = self.component(component_appid);
        if !def.source_miniprogram_appid.is_empty() {
            c.drafts
                .retain(|d| d.def.source_miniprogram_appid != def.source_miniprogram_appid);
        }
        c.drafts.push(DraftState {
            draft_id,
            create_time: now,
            def,
        });
        draft_id
    }

    /// A template from a draft (the caller checked the draft and the limit). Returns its id.
    pub fn add_template(&mut self, component_appid: &str, draft_id: u64, template_type: u64, now: i64) -> Option<u64> {
        let template_id = self.next_template_id;
        let c = self.component(component_appid);
        let draft = c.drafts.iter().find(|d| d.draft_id == draft_id)?.clone();
        c.templates.push(TemplateState {
            template_id,
            create_time: now,
            template_type,
            draft_id,
            def: draft.def,
        });
        self.next_template_id += 1;
        Some(template_id)
    }
}

/// `https://a.example.com:443/x` → `a.example.com:443`; a bare host stays as it is.
pub fn bare_host(domain: &str) -> String {
    let d = domain.trim();
    let d = d.split_once("://").map(|(_, rest)| rest).unwrap_or(d);
    d.split('/').next().unwrap_or(d).to_ascii_lowercase()
}

/// Builds the push of a code-audit event for Mini Program `appid` (to the component's message
/// URL with `$APPID$` replaced); `None` without a message URL.
fn push_of(
    w: &World,
    component_appid: &str,
    appid: &str,
    event: &CodeAuditEvent,
    now: i64,
    ids: &Ids,
) -> Option<Outgoing> {
    push::message_push(w, component_appid, appid, event.event(), &event.to_xml(), now, ids)
}

/// Decides a code audit: approved (status 0, `weapp_audit_success`) or rejected (status 1,
/// `weapp_audit_fail` with the reason and screenshots). Errors: unknown, not a code audit,
/// already decided or withdrawn.
pub fn decide(
    w: &mut World,
    audit_id: u64,
    approve: bool,
    reason: &str,
    screenshot: &str,
    now: i64,
    ids: &Ids,
) -> Result<Option<Outgoing>, String> {
    let audit = w
        .audits
        .get(&audit_id)
        .ok_or_else(|| format!("audit {audit_id} does not exist"))?;
    if !matches!(audit.subject, AuditSubject::Code { .. }) {
        return Err(format!("audit {audit_id} is not a code audit"));
    }
    if audit.decision.is_some() {
        return Err(format!("audit {audit_id} is already decided"));
    }
    let (appid, component_appid) = (audit.appid.clone(), audit.component_appid.clone());
    let program = w.lifecycle.program(&appid);
    let Some(code) = program.audit.as_mut().filter(|a| a.auditid == audit_id) else {
        return Err(format!("audit {audit_id} is no longer the latest of {appid}"));
    };
    if !CodeAuditStatus::from_code(code.status).is_open() {
        return Err(format!("audit {audit_id} is withdrawn"));
    }
    let status = if approve {
        CodeAuditStatus::Approved
    } else {
        CodeAuditStatus::Rejected
    };
    code.status = status.code();
    code.reason = if approve { String::new() } else { reason.to_owned() };
    code.screenshot = if approve { String::new() } else { screenshot.to_owned() };
    let (reason, screenshot) = (code.reason.clone(), code.screenshot.clone());
    if let Some(a) = w.audits.get_mut(&audit_id) {
        a.decision = Some(Decision {
            outcome: if approve {
                AuditOutcome::Approved
            } else {
                AuditOutcome::Rejected
            },
            reason: reason.clone(),
            at: now,
        });
        if let AuditSubject::Code { status: s, .. } = &mut a.subject {
            *s = status.code();
        }
    }
    let to_user_name = w
        .accounts
        .get(&appid)
        .map(|a| a.original_id.clone())
        .unwrap_or_default();
    let from_user_name = SYSTEM_OPENID.to_owned();
    let event = if approve {
        CodeAuditEvent::Success {
            to_user_name,
            from_user_name,
            create_time: now as u64,
            succ_time: now as u64,
        }
    } else {
        CodeAuditEvent::Fail {
            to_user_name,
            from_user_name,
            create_time: now as u64,
            reason,
            fail_time: now as u64,
            screen_shot: screenshot,
        }
    };
    Ok(push_of(w, &component_appid, &appid, &event, now, ids))
}

/// Delays a code audit: status 4 with the reason, `weapp_audit_delay` now, and the decision
/// `code_audit_delayed_secs` later (or when the control API decides it).
pub fn delay(w: &mut World, audit_id: u64, reason: &str, now: i64, ids: &Ids) -> Result<Option<Outgoing>, String> {
    let audit = w
        .audits
        .get(&audit_id)
        .ok_or_else(|| format!("audit {audit_id} does not exist"))?;
    if !matches!(audit.subject, AuditSubject::Code { .. }) {
        return Err(format!(
            "audit {audit_id} is not a code audit: only code audits can be delayed"
        ));
    }
    if audit.decision.is_some() {
        return Err(format!("audit {audit_id} is already decided"));
    }
    let (appid, component_appid) = (audit.appid.clone(), audit.component_appid.clone());
    let wait = w.lifecycle.settings.code_audit_delayed_secs;
    let program = w.lifecycle.program(&appid);
    let Some(code) = program
        .audit
        .as_mut()
        .filter(|a| a.auditid == audit_id && a.status == CodeAuditStatus::Auditing.code())
    else {
        return Err(format!(
            "audit {audit_id} is not auditing (withdrawn, or delayed already)"
        ));
    };
    code.status = CodeAuditStatus::Delayed.code();
    code.reason = reason.to_owned();
    if let Some(a) = w.audits.get_mut(&audit_id) {
        a.due_at = now + wait;
        if let AuditSubject::Code { status, .. } = &mut a.subject {
            *status = CodeAuditStatus::Delayed.code();
        }
    }
    let event = CodeAuditEvent::Delay {
        to_user_name: w
            .accounts
            .get(&appid)
            .map(|a| a.original_id.clone())
            .unwrap_or_default(),
        from_user_name: SYSTEM_OPENID.to_owned(),
        create_time: now as u64,
        reason: reason.to_owned(),
        delay_time: now as u64,
    };
    Ok(push_of(w, &component_appid, &appid, &event, now, ids))
}

/// The `FromUserName` of audit pushes: a system account's openid.
pub const SYSTEM_OPENID: &str = "o0000000000000000000000wxaudit";
