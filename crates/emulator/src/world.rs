//! The emulated WeChat's data: components, accounts (Official Accounts and Mini Programs),
//! authorizations, single-use codes and tickets, audits, temporary media and quota counters.
//!
//! The world sits behind one `RwLock` in [`crate::state::Inner`], taken only by calls that read
//! or change accounts (never across an `.await`); token checks and call counting — the part every
//! request pays — live outside it, in lock-free maps and atomics.

use crate::clock::{china_date, china_day, china_month};
use crate::scenario::{AccountType, AdminDef, CategoryDef, ComponentDef, PrincipalType, Rules, Scenario, Settings};
use fastreg_protocol::event::AuditOutcome;
use fastreg_protocol::permission::PermissionSet;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// A component and its verify tickets.
#[derive(Clone, Debug, Serialize)]
pub struct Component {
    /// As configured.
    #[serde(flatten)]
    pub def: ComponentDef,
    /// Tickets issued, newest last, with their issue time; each is accepted until it is
    /// `verify_ticket_ttl_secs` old.
    #[serde(skip)]
    pub tickets: Vec<(String, i64)>,
    /// When the schedule pushes the next ticket.
    pub next_ticket_push_at: i64,
    /// Who owns the platform (the registration routes refuse a person's: 89295, 86040).
    pub subject_type: crate::subject::ComponentSubject,
}

impl Component {
    /// The newest ticket.
    pub fn current_ticket(&self) -> Option<&str> {
        self.tickets.last().map(|(t, _)| t.as_str())
    }
}

/// What kind of account.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountKind {
    /// An Official Account.
    OfficialAccount {
        /// subscription or service.
        account_type: AccountType,
    },
    /// A Mini Program.
    MiniProgram {
        /// The Official Account it was fast-registered from.
        fast_registered_from: Option<String>,
        /// Released (setnickname: 91002).
        released: bool,
    },
}

/// A category set on a Mini Program.
#[derive(Clone, Debug, Serialize)]
pub struct SetCategory {
    /// First-level id.
    pub first: u64,
    /// Second-level id.
    pub second: u64,
    /// 1 reviewing, 2 rejected, 3 approved.
    pub audit_status: u64,
    /// Why it was rejected.
    pub audit_reason: String,
    /// The qualifications given (`key` → media id).
    pub certicates: Vec<(String, String)>,
    /// The audit deciding it, for sensitive categories.
    pub audit_id: Option<u64>,
}

/// An Official Account or a Mini Program.
#[derive(Clone, Debug, Serialize)]
pub struct Account {
    /// appid.
    pub appid: String,
    /// Which kind.
    #[serde(flatten)]
    pub kind: AccountKind,
    /// The original id (`gh_…`), the `ToUserName` of its pushes.
    pub original_id: String,
    /// Its name.
    pub nickname: String,
    /// The subject's type.
    pub principal_type: PrincipalType,
    /// The subject's name.
    pub principal_name: String,
    /// WeChat-verified.
    pub verified: bool,
    /// When the verification expires.
    pub verify_expires_at: i64,
    /// Registered overseas.
    pub overseas: bool,
    /// The subject is blacklisted.
    pub blacklisted: bool,
    /// The subject's ICP filing passed.
    pub icp_filed: bool,
    /// A registration is pending (Official Accounts).
    pub pending_registration: bool,
    /// Mini Programs the subject owns outside the emulator.
    pub subject_mini_programs: u32,
    /// The admin.
    pub admin: AdminDef,
    /// 功能介绍.
    pub signature: String,
    /// Head image URL.
    pub head_image_url: String,
    /// 1 verified, 2 verifying, 3 failed.
    pub realname_status: u64,
    /// When realname_status becomes 1 (Mini Programs that did not reuse verification).
    pub realname_due_at: Option<i64>,
    /// Categories set (Mini Programs).
    pub categories: Vec<SetCategory>,
    /// The nickname audit under way, if any.
    pub nickname_audit: Option<u64>,
    /// When it was created.
    pub created_at: i64,
}

impl Account {
    /// Whether this is a Mini Program fast-registered from an Official Account.
    pub fn is_fast_registered(&self) -> bool {
        matches!(
            self.kind,
            AccountKind::MiniProgram {
                fast_registered_from: Some(_),
                ..
            }
        )
    }

    /// Whether this is a Mini Program.
    pub fn is_mini_program(&self) -> bool {
        matches!(self.kind, AccountKind::MiniProgram { .. })
    }

    /// getaccountbasicinfo's `account_type`.
    pub fn account_type_code(&self) -> u64 {
        match self.kind {
            AccountKind::OfficialAccount {
                account_type: AccountType::Subscription,
            } => 1,
            AccountKind::OfficialAccount {
                account_type: AccountType::Service,
            } => 2,
            AccountKind::MiniProgram { .. } => 3,
        }
    }
}

/// An account's authorization of a component.
#[derive(Clone, Debug, Serialize)]
pub struct Authorization {
    /// The component.
    pub component_appid: String,
    /// The account.
    pub appid: String,
    /// The sets granted.
    pub permission_sets: Vec<PermissionSet>,
    /// The refresh token (shown fingerprinted in the state).
    #[serde(skip)]
    pub refresh_token: String,
    /// When it was granted.
    pub auth_time: i64,
}

/// A single-use authorization_code.
#[derive(Clone, Debug)]
pub struct AuthCode {
    /// For this component.
    pub component_appid: String,
    /// For this account.
    pub appid: String,
    /// Until.
    pub expires_at: i64,
    /// Exchanged already.
    pub used: bool,
}

/// A single-use pre_auth_code.
#[derive(Clone, Debug)]
pub struct PreAuthCode {
    /// For this component.
    pub component_appid: String,
    /// Until.
    pub expires_at: i64,
    /// Spent on an authorization.
    pub used: bool,
}

/// The `ticket` the fastregisterauth page gives after the admin's confirmation.
#[derive(Clone, Debug, Serialize)]
pub struct FastRegisterTicket {
    /// The component that asked.
    pub component_appid: String,
    /// The Official Account.
    pub appid: String,
    /// Whether to reuse the account's verification.
    pub copy_wx_verify: bool,
    /// Until.
    pub expires_at: i64,
    /// The Mini Program it registered, once used.
    pub registered: Option<String>,
    /// The last fastregister call with it.
    pub last_attempt_at: Option<i64>,
}

/// The `taskid` the componentrebindadmin page gives.
#[derive(Clone, Debug, Serialize)]
pub struct RebindTask {
    /// The component that asked.
    pub component_appid: String,
    /// The Mini Program.
    pub appid: String,
    /// The admin to bind.
    pub new_admin: AdminDef,
    /// Until.
    pub expires_at: i64,
    /// Completed already.
    pub used: bool,
}

/// What an audit is about.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditSubject {
    /// A new name.
    Nickname {
        /// The name.
        nickname: String,
    },
    /// A sensitive category.
    Category {
        /// First-level id.
        first: u64,
        /// Second-level id.
        second: u64,
    },
    /// A code version (submit_audit); decided by `lifecycle_state::decide`.
    Code {
        /// The same id, under the name the code APIs use.
        auditid: u64,
        /// 0 approved, 1 rejected, 2 auditing, 3 withdrawn, 4 delayed.
        status: u64,
        /// The audited version.
        user_version: String,
    },
}

/// A nickname or category audit.
#[derive(Clone, Debug, Serialize)]
pub struct Audit {
    /// audit_id.
    pub audit_id: u64,
    /// The Mini Program.
    pub appid: String,
    /// The component that submitted it (whose message URL gets the result).
    pub component_appid: String,
    /// What is audited.
    #[serde(flatten)]
    pub subject: AuditSubject,
    /// Submitted.
    pub create_time: i64,
    /// When it decides on its own.
    pub due_at: i64,
    /// The decision: outcome, reason, time.
    pub decision: Option<Decision>,
}

/// An audit's decision.
#[derive(Clone, Debug, Serialize)]
pub struct Decision {
    /// Approved or rejected.
    #[serde(serialize_with = "outcome_code")]
    pub outcome: AuditOutcome,
    /// Why rejected.
    pub reason: String,
    /// When.
    pub at: i64,
}

fn outcome_code<S: serde::Serializer>(o: &AuditOutcome, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(o.code())
}

/// An uploaded temporary media file (an image's bytes are kept, to be served once it becomes a
/// head image; other bytes are not).
#[derive(Clone, Debug, Serialize)]
pub struct Media {
    /// Uploaded by.
    pub appid: String,
    /// An image's bytes.
    #[serde(skip)]
    pub image_bytes: Option<bytes::Bytes>,
    /// image, voice, video, thumb.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// The image format, if an image.
    pub image: Option<String>,
    /// Uploaded at.
    pub created_at: i64,
}

/// Per-account counters that reset each calendar period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counter {
    /// Successful fast registrations (per month).
    FastRegister,
    /// Head image changes (per month).
    HeadImage,
    /// Signature changes (per month).
    Signature,
    /// Category changes (per month).
    CategoryChange,
    /// Nickname checks (per day).
    NicknameCheck,
    /// Renames accepted by setnickname, audited or not (per year): getaccountbasicinfo's
    /// `nickname_info.modify_used_count`.
    Nickname,
}

impl Counter {
    fn period(self, now: i64) -> i64 {
        match self {
            Counter::NicknameCheck => china_day(now),
            Counter::Nickname => china_date(now).0,
            _ => china_month(now),
        }
    }
}

/// A push as the state shows it.
#[derive(Clone, Debug, Serialize)]
pub struct PushRecord {
    /// Virtual unix time.
    pub at: i64,
    /// `component_verify_ticket`, `authorized`, `wxa_nickname_audit`, …
    pub kind: String,
    /// Where.
    pub url: String,
    /// The HTTP status the receiver answered, if it answered.
    pub status: Option<u16>,
    /// Whether the receiver answered `success`.
    pub acknowledged: bool,
    /// `sent`, `dropped`, `delayed`, `duplicated`, or the transport error.
    pub note: String,
}

/// Everything mutable, built from a scenario.
#[derive(Debug)]
pub struct World {
    /// Limits and switches.
    pub settings: Settings,
    /// Name and blacklist rules.
    pub rules: Rules,
    /// The catalog.
    pub catalog: Vec<CategoryDef>,
    /// By appid.
    pub components: BTreeMap<String, Component>,
    /// Official Accounts and Mini Programs by appid.
    pub accounts: BTreeMap<String, Account>,
    /// By (component, account).
    pub authorizations: BTreeMap<(String, String), Authorization>,
    /// By code.
    pub auth_codes: HashMap<String, AuthCode>,
    /// By code.
    pub pre_auth_codes: HashMap<String, PreAuthCode>,
    /// By ticket.
    pub fastregister_tickets: HashMap<String, FastRegisterTicket>,
    /// By taskid.
    pub rebind_tasks: HashMap<String, RebindTask>,
    /// By audit_id.
    pub audits: BTreeMap<u64, Audit>,
    /// By media_id.
    pub media: HashMap<String, Media>,
    /// Images served at the emulator's own URL (`/mmbiz_png/{id}/0`, see [`crate::images`]).
    pub images: HashMap<String, crate::images::Image>,
    /// (appid, counter) → (period, used).
    pub counters: HashMap<(String, Counter), (i64, u32)>,
    /// The next audit_id.
    pub next_audit_id: u64,
    /// The most recent pushes.
    pub pushes: VecDeque<PushRecord>,
    /// Enterprises, persons, tasks and trials of the registration routes.
    pub registration: crate::register_task::Registry,
    /// Templates, code versions, domains, privacy, testers (`lifecycle_state.rs`).
    pub lifecycle: crate::lifecycle_state::LifecycleWorld,
}

impl World {
    /// The world a scenario describes, at virtual time `now`; `ids` makes original ids, refresh
    /// tokens and first tickets.
    pub fn from_scenario(s: &Scenario, now: i64, ids: &crate::ids::Ids) -> Self {
        let mut w = World {
            settings: s.settings.clone(),
            rules: s.rules.clone(),
            catalog: s.catalog(),
            components: BTreeMap::new(),
            accounts: BTreeMap::new(),
            authorizations: BTreeMap::new(),
            auth_codes: HashMap::new(),
            pre_auth_codes: HashMap::new(),
            fastregister_tickets: HashMap::new(),
            rebind_tasks: HashMap::new(),
            audits: BTreeMap::new(),
            media: HashMap::new(),
            images: HashMap::new(),
            counters: HashMap::new(),
            next_audit_id: 401_000_001,
            pushes: VecDeque::new(),
            registration: crate::register_task::Registry::from_scenario(s),
            lifecycle: crate::lifecycle_state::LifecycleWorld::from_scenario(&s.lifecycle, now),
        };
        for c in &s.components {
            w.upsert_component(c.def.clone(), now, ids);
            if let Some(own) = w.components.get_mut(&c.appid) {
                own.subject_type = c.subject_type;
            }
        }
        let year = 365 * 86_400;
        for a in &s.official_accounts {
            w.accounts.insert(
                a.appid.clone(),
                Account {
                    appid: a.appid.clone(),
                    kind: AccountKind::OfficialAccount {
                        account_type: a.account_type,
                    },
                    original_id: ids.original_id(),
                    nickname: a.nickname.clone(),
                    principal_type: a.principal_type,
                    principal_name: a.principal_name.clone(),
                    verified: a.verified,
                    verify_expires_at: a.verify_expires_at.unwrap_or(now + year),
                    overseas: a.overseas,
                    blacklisted: a.blacklisted,
                    icp_filed: a.icp_filed,
                    pending_registration: a.pending_registration,
                    subject_mini_programs: a.subject_mini_programs,
                    admin: a.admin.clone(),
                    signature: String::new(),
                    head_image_url: String::new(),
                    realname_status: 1,
                    realname_due_at: None,
                    categories: vec![],
                    nickname_audit: None,
                    created_at: now,
                },
            );
            if a.fast_registered_this_month > 0 {
                w.counters.insert(
                    (a.appid.clone(), Counter::FastRegister),
                    (china_month(now), a.fast_registered_this_month),
                );
            }
            for z in &a.authorizations {
                w.grant(&z.component_appid, &a.appid, z.permission_sets.clone(), now, ids);
            }
        }
        for m in &s.mini_programs {
            let from = m.fast_registered_from.clone();
            let icp = from
                .as_ref()
                .and_then(|oa| w.accounts.get(oa))
                .map(|oa| oa.icp_filed)
                .unwrap_or(true);
            w.accounts.insert(
                m.appid.clone(),
                Account {
                    appid: m.appid.clone(),
                    kind: AccountKind::MiniProgram {
                        fast_registered_from: from,
                        released: m.released,
                    },
                    original_id: ids.original_id(),
                    nickname: m.nickname.clone(),
                    principal_type: m.principal_type,
                    principal_name: m.principal_name.clone(),
                    verified: m.verified,
                    verify_expires_at: now + year,
                    overseas: false,
                    blacklisted: false,
                    icp_filed: icp,
                    pending_registration: false,
                    subject_mini_programs: 0,
                    admin: m.admin.clone(),
                    signature: String::new(),
                    head_image_url: String::new(),
                    realname_status: 1,
                    realname_due_at: None,
                    categories: vec![],
                    nickname_audit: None,
                    created_at: now,
                },
            );
            for z in &m.authorizations {
                w.grant(&z.component_appid, &m.appid, z.permission_sets.clone(), now, ids);
            }
        }
        w
    }

    /// Adds or replaces a component, keeping its tickets if it existed.
    pub fn upsert_component(&mut self, def: ComponentDef, now: i64, ids: &crate::ids::Ids) {
        match self.components.get_mut(&def.appid) {
            Some(c) => c.def = def,
            None => {
                let appid = def.appid.clone();
                self.components.insert(
                    appid,
                    Component {
                        def,
                        tickets: vec![(ids.verify_ticket(), now)],
                        next_ticket_push_at: now,
                        subject_type: crate::subject::ComponentSubject::default(),
                    },
                );
            }
        }
    }

    /// Records an authorization (a new refresh token each time, as re-authorizing does) and
    /// returns the refresh token.
    pub fn grant(
        &mut self,
        component_appid: &str,
        appid: &str,
        mut sets: Vec<PermissionSet>,
        now: i64,
        ids: &crate::ids::Ids,
    ) -> String {
        sets.sort();
        sets.dedup();
        let refresh_token = ids.refresh_token();
        self.authorizations.insert(
            (component_appid.to_owned(), appid.to_owned()),
            Authorization {
                component_appid: component_appid.to_owned(),
                appid: appid.to_owned(),
                permission_sets: sets,
                refresh_token: refresh_token.clone(),
                auth_time: now,
            },
        );
        refresh_token
    }

    /// A single-use authorization code for (component, account).
    pub fn new_auth_code(&mut self, component_appid: &str, appid: &str, now: i64, ids: &crate::ids::Ids) -> String {
        let code = ids.authorization_code();
        self.auth_codes.insert(
            code.clone(),
            AuthCode {
                component_appid: component_appid.to_owned(),
                appid: appid.to_owned(),
                expires_at: now + self.settings.authorization_code_ttl_secs,
                used: false,
            },
        );
        code
    }

    /// How much of a counter is used in the period containing `now`.
    pub fn used(&self, appid: &str, counter: Counter, now: i64) -> u32 {
        match self.counters.get(&(appid.to_owned(), counter)) {
            Some((period, n)) if *period == counter.period(now) => *n,
            _ => 0,
        }
    }

    /// Spends one of a counter in the period containing `now`.
    pub fn spend(&mut self, appid: &str, counter: Counter, now: i64) {
        let period = counter.period(now);
        let entry = self.counters.entry((appid.to_owned(), counter)).or_insert((period, 0));
        if entry.0 != period {
            *entry = (period, 0);
        }
        entry.1 += 1;
    }

    /// The next audit id.
    pub fn next_audit(&mut self) -> u64 {
        let id = self.next_audit_id;
        self.next_audit_id += 1;
        id
    }

    /// The catalog node with this id.
    pub fn category(&self, id: u64) -> Option<&CategoryDef> {
        self.catalog.iter().find(|c| c.id == id)
    }

    /// Mini Programs a subject owns: those in the world plus those it has elsewhere.
    pub fn subject_mini_programs(&self, principal_name: &str) -> u32 {
        let here = self
            .accounts
            .values()
            .filter(|a| a.is_mini_program() && a.principal_name == principal_name)
            .count() as u32;
        let elsewhere = self
            .accounts
            .values()
            .filter(|a| a.principal_name == principal_name)
            .map(|a| a.subject_mini_programs)
            .max()
            .unwrap_or(0);
        here + elsewhere
    }

    /// Logs a push, keeping the last 200.
    pub fn log_push(&mut self, record: PushRecord) {
        if self.pushes.len() >= 200 {
            self.pushes.pop_front();
        }
        self.pushes.push_back(record);
    }
}
