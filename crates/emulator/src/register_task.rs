//! The registration routes' tasks (`registration-routes.md`): enterprise, personal, trial and
//! trial conversion. A create call opens a task with an `authorize_url` (an emulator page,
//! [`crate::register_page`]); the user's confirmation there (or through
//! `POST /__emulator/register-tasks/confirm`) runs the route's checks and ends the task with its
//! push; a task nobody confirms times out after `task_ttl_secs` (24 h) of virtual time.
//!
//! The confirmation walks the steps of [`crate::register_step`] (a trial's admin has none).
//! On the way and at the end, the first failure decides the status:
//! 1. declined (at any step) → task status 2, pushed as 2 (the emulator's number: WeChat
//!    documents none);
//! 2. the face check (`face_ok: false`) → task status 5, pushed as -1 `open verity failed`
//!    (enterprise, conversion) or 5 (personal);
//! 3. the phone code (`phone_ok: false`) → task status 8, pushed as 8 (the emulator's number
//!    for the enterprise push);
//! 4. enterprise and conversion: the registry — unknown code 102, stopped operating 101, an old
//!    version's `legal_persona_name` other than the legal person's -1, the enterprise's
//!    `registry_status` (101–105, 1000) — then the subject: blacklisted 1002, at
//!    `mini_programs_per_subject` 1001 (task status 14 for the registry, the number itself
//!    for the caps);
//! 5. the admin (the legal person's [`PersonDef`](crate::subject::PersonDef) for an
//!    enterprise, the user for personal and trial): blacklisted 1004, at
//!    `mini_programs_per_wechat_user` 1003, phone cap (summed over persons sharing the phone)
//!    1005, phone blacklisted 1006, ID-card cap 1007, ID card blacklisted 1008; a personal
//!    registration's user under 18 (`minor`) → 11 创建失败;
//! 6. success: the Mini Program is created unverified (since 2023-12-25 these routes create
//!    未认证 accounts), authorized to the component, and pushed (task status 12; 13 for a
//!    conversion).
//!
//! Timeouts push, for an enterprise or a conversion, 100003 when nobody opened the page,
//! 100001 when it was opened or agreed to without the ID check, 100002 when the face check was
//! started and not passed, 100003 again after it; 1 for personal and 3 for a trial.

use crate::error::WxError;
use crate::ids::Ids;
use crate::push::{self, Outgoing};
use crate::register_step::Answers;
use crate::scenario::{AdminDef, PrincipalType, Rules, Scenario, Settings};
use crate::subject::{EnterpriseDef, PersonDef, PersonalPushShape, RegistrationSettings};
use crate::world::{Account, AccountKind, World};
use fastreg_protocol::AppId;
use fastreg_protocol::event::{ComponentEvent, RegistrationKind, RegistrationPush};
use fastreg_protocol::id::{AuthorizationCode, Secret};
use fastreg_protocol::permission::PermissionSet;
use fastreg_protocol::registration::TRIAL_NAME_SUFFIX;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The permission sets a Mini Program these routes create is authorized with (the personal
/// page lists account, development, open-platform, basic-info and plugin management; the
/// emulator models the four it knows).
pub const REGISTERED_SETS: [PermissionSet; 4] = [
    PermissionSet::MpAccountManagement,
    PermissionSet::MpDevelopment,
    PermissionSet::MpVerification,
    PermissionSet::MpBasicInfo,
];

/// Which route a task belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskRoute {
    /// fastregisterenterpriseweapp.
    Enterprise,
    /// fastregisterpersonalweapp.
    Personal,
    /// fastregisterbetaweapp.
    Trial,
    /// verifybetaweapp.
    TrialVerify,
}

impl TaskRoute {
    /// For pages.
    pub fn chinese(self) -> &'static str {
        match self {
            Self::Enterprise => "快速注册企业小程序",
            Self::Personal => "快速注册个人小程序",
            Self::Trial => "创建试用小程序",
            Self::TrialVerify => "试用小程序快速转正",
        }
    }
}

/// A registration task.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterTask {
    /// The taskid, or a trial's unique_id.
    pub id: String,
    /// Which route.
    pub route: TaskRoute,
    /// The component that asked.
    pub component_appid: String,
    /// The task table's number (0 waiting, 3/4/6/7/9/10 on a step, 1 timed out, 2 declined,
    /// 5 face failed, 8 phone failed, 11 creation failed, 12 created, 13 converted, 14
    /// enterprise check failed, 1001–1008 caps).
    pub status: i64,
    /// The status the push carried, once ended.
    pub push_status: Option<i64>,
    /// The page the user opens.
    pub authorize_url: String,
    /// `create_token` in the URL.
    #[serde(skip)]
    pub create_token: String,
    /// Created (virtual unix seconds).
    pub created_at: i64,
    /// The confirmation deadline.
    pub expires_at: i64,
    /// The Mini Program created (or converted).
    pub appid: Option<String>,
    /// Enterprise name, or the trial's name (suffix included).
    pub name: String,
    /// Credit code (enterprise, conversion).
    pub code: String,
    /// 第三方联系电话.
    pub component_phone: String,
    /// The user's WeChat id (personal).
    pub wxuser: String,
    /// The admin's openid (trial).
    pub openid: String,
    /// The confirmation page was opened (a timeout then pushes 100001 for an enterprise: the
    /// legal person saw the page but did not do the ID check).
    pub viewed: bool,
    /// Opened by an old version (`legacy_routes = "online"`): fastregisterweapp,
    /// fastregisterenterpriseweapp or verifybetaweapp without `new_version`.
    pub legacy: bool,
    /// The old versions' `legal_persona_name` (checked against the enterprise's legal person at
    /// the confirmation: push -1 when they differ).
    pub legal_persona_name: String,
}

impl RegisterTask {
    /// Still waiting for the user (0, or standing on a step: 3, 4, 6, 7, 9, 10).
    pub fn is_open(&self) -> bool {
        crate::register_step::is_waiting(self.status)
    }
}

/// A trial Mini Program's life.
#[derive(Clone, Debug, Serialize)]
pub struct Trial {
    /// The trial's appid.
    pub appid: String,
    /// Its unique_id.
    pub unique_id: String,
    /// The component it is authorized to.
    pub component_appid: String,
    /// Unconverted trials end then (14 days).
    pub expires_at: i64,
    /// Converted (转正).
    pub converted: bool,
}

/// The registration routes' part of the world.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    /// Settings.
    pub settings: RegistrationSettings,
    /// By credit code.
    pub enterprises: BTreeMap<String, EnterpriseDef>,
    /// By WeChat id.
    pub persons: BTreeMap<String, PersonDef>,
    /// By id.
    pub tasks: BTreeMap<String, RegisterTask>,
    /// By appid.
    pub trials: BTreeMap<String, Trial>,
    /// Personal creates: WeChat id → (China day, count).
    pub personal_creates: HashMap<String, (i64, u32)>,
    /// verifybetaweapp calls by trial appid (virtual times, last day's only).
    pub verify_calls: HashMap<String, Vec<i64>>,
}

impl Registry {
    /// From a scenario.
    pub fn from_scenario(s: &Scenario) -> Self {
        Registry {
            settings: s.registration.clone(),
            enterprises: s.enterprises.iter().map(|e| (e.code.clone(), e.clone())).collect(),
            persons: s.persons.iter().map(|p| (p.wechat_id.clone(), p.clone())).collect(),
            ..Registry::default()
        }
    }

    /// A person by openid.
    pub fn person_by_openid(&self, openid: &str) -> Option<&PersonDef> {
        self.persons
            .values()
            .find(|p| !p.openid.is_empty() && p.openid == openid)
    }

    /// The task an authorize_url (or its create_token) points to.
    pub fn task_by_url(&self, url: &str) -> Option<&RegisterTask> {
        let token = url
            .split(['?', '&', '#'])
            .find_map(|kv| kv.strip_prefix("create_token="))
            .unwrap_or(url);
        self.tasks.values().find(|t| t.create_token == token)
    }

    /// Opens a task. `host` is the emulator's host as the caller reached it.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        &mut self,
        ids: &Ids,
        host: &str,
        route: TaskRoute,
        component_appid: &str,
        now: i64,
        fill: impl FnOnce(&mut RegisterTask),
    ) -> RegisterTask {
        let id = match route {
            // A unique_id in the shape of the doc's example (64 characters).
            TaskRoute::Trial => ids.alnum(64),
            _ => ids.hex32(),
        };
        let create_token = ids.alnum(43);
        let page = match route {
            TaskRoute::Trial => "fastregistertpbeta",
            _ => "fastregister",
        };
        let mut task = RegisterTask {
            id: id.clone(),
            route,
            component_appid: component_appid.to_owned(),
            status: 0,
            push_status: None,
            authorize_url: format!(
                "http://{host}/wxawap/{page}?action=show&create_token={create_token}#wechat_redirect"
            ),
            create_token,
            created_at: now,
            expires_at: now + self.settings.task_ttl_secs,
            appid: None,
            name: String::new(),
            code: String::new(),
            component_phone: String::new(),
            wxuser: String::new(),
            openid: String::new(),
            viewed: false,
            legacy: false,
            legal_persona_name: String::new(),
        };
        fill(&mut task);
        self.tasks.insert(id, task.clone());
        task
    }
}

/// What a confirmation ended with.
#[derive(Clone, Debug, Serialize)]
pub struct Ended {
    /// The task's status.
    pub status: i64,
    /// The Mini Program, on success.
    pub appid: Option<String>,
}

/// The person administering a task's new Mini Program.
fn admin_of<'a>(reg: &'a Registry, task: &RegisterTask) -> Option<&'a PersonDef> {
    match task.route {
        TaskRoute::Personal => reg.persons.get(&task.wxuser),
        TaskRoute::Trial => reg.person_by_openid(&task.openid),
        TaskRoute::Enterprise | TaskRoute::TrialVerify if task.legacy && !task.wxuser.is_empty() => {
            // The old versions name the legal person's WeChat id.
            reg.persons.get(&task.wxuser)
        }
        TaskRoute::Enterprise | TaskRoute::TrialVerify => {
            let e = reg.enterprises.get(&task.code)?;
            reg.persons.get(&e.legal_person.wechat_id).or_else(|| {
                reg.persons
                    .values()
                    .find(|p| !p.openid.is_empty() && p.openid == e.legal_person.openid)
            })
        }
    }
}

/// The admin's caps and blacklists (step 4 of the module doc).
fn admin_refusal(reg: &Registry, rules: &Rules, settings: &Settings, admin: &PersonDef) -> Option<i64> {
    let sum_by = |same: &dyn Fn(&PersonDef) -> bool| -> u32 {
        reg.persons.values().filter(|p| same(p)).map(|p| p.mini_programs).sum()
    };
    if admin.blacklisted {
        return Some(1004);
    }
    if admin.mini_programs >= reg.settings.mini_programs_per_wechat_user {
        return Some(1003);
    }
    if !admin.phone.is_empty() && sum_by(&|p| p.phone == admin.phone) >= settings.admin_accounts_per_phone {
        return Some(1005);
    }
    if rules.blacklisted_phones.contains(&admin.phone) {
        return Some(1006);
    }
    if !admin.id_card.is_empty() && sum_by(&|p| p.id_card == admin.id_card) >= settings.admin_accounts_per_id_card {
        return Some(1007);
    }
    if rules.blacklisted_id_cards.contains(&admin.id_card) {
        return Some(1008);
    }
    None
}

/// The enterprise checks (step 3): `(task status, push status)` of a refusal.
fn enterprise_refusal(w: &World, task: &RegisterTask) -> Option<(i64, i64)> {
    let reg = &w.registration;
    let Some(e) = reg.enterprises.get(&task.code) else {
        return Some((14, 102));
    };
    if task.legacy && !task.legal_persona_name.is_empty() && task.legal_persona_name != e.legal_person.name {
        // 企业与法人姓名不一致: the old versions name the legal person, and a mismatch is not
        // refused at create but pushed as -1 (`open verity failed`, the real failure seen).
        return Some((14, -1));
    }
    if !e.operating {
        return Some((14, 101));
    }
    if e.registry_status != 0 {
        return Some((14, e.registry_status));
    }
    if e.blacklisted {
        return Some((1002, 1002));
    }
    let created_here = w
        .accounts
        .values()
        .filter(|a| a.is_mini_program() && a.principal_name == e.name)
        .count() as u32;
    if e.mini_programs + created_here >= w.settings.mini_programs_per_subject {
        return Some((1001, 1001));
    }
    None
}

/// The user's answers on the page or through the control API: walks the task from where it
/// stands to `answers.until` (or to the end: the checks of the module doc), see
/// [`crate::register_step`].
pub fn confirm(
    w: &mut World,
    ids: &Ids,
    now: i64,
    id: &str,
    answers: Answers,
) -> Result<(Ended, Vec<Outgoing>), WxError> {
    let Some(task) = w.registration.tasks.get(id).cloned() else {
        return Err(WxError::new(89250, "task not found"));
    };
    if !task.is_open() {
        return Err(WxError::new(
            89250,
            format!("task not found: the task already ended with status {}", task.status),
        ));
    }
    if task.route == TaskRoute::Trial && answers.until.is_some() {
        return Err(WxError::new(
            47001,
            "data format error: until: a trial's admin confirms in one step (no face or phone steps)",
        ));
    }
    if now >= task.expires_at {
        let pushes = expire(w, ids, now, id);
        let status = w.registration.tasks.get(id).map(|t| t.status).unwrap_or(1);
        return Ok((Ended { status, appid: None }, pushes));
    }
    let fail = |status: i64, push: i64, msg: &'static str| Some((status, push, msg));
    let mut refusal: Option<(i64, i64, &str)> = None;
    if answers.decline {
        refusal = fail(2, 2, "task rejected by user");
    } else if task.route != TaskRoute::Trial {
        let mut status = task.status;
        while status != 10 {
            if answers.until.is_some_and(|u| status >= u.status()) {
                break;
            }
            status = match status {
                0 => 3,
                3 => 4,
                4 if answers.face_ok => 6,
                4 => {
                    refusal = match task.route {
                        TaskRoute::Personal => fail(5, 5, "face verify failed"),
                        _ => fail(5, -1, "open verity failed"),
                    };
                    break;
                }
                6 => 7,
                7 if answers.phone_ok => 9,
                7 => {
                    refusal = fail(8, 8, "phone verify failed");
                    break;
                }
                _ => 10,
            };
            if let Some(t) = w.registration.tasks.get_mut(id) {
                t.status = status;
                t.viewed = true;
            }
        }
        let stopped = answers.until.is_some_and(|u| status >= u.status());
        if refusal.is_none() && stopped {
            return Ok((Ended { status, appid: None }, Vec::new()));
        }
    }
    if refusal.is_none() {
        refusal = final_refusal(w, &task);
    }
    if let Some((status, push_status, msg)) = refusal {
        let push_status = match task.route {
            // The personal push reads the task table.
            TaskRoute::Personal => status,
            _ => push_status,
        };
        let pushes = end(w, ids, now, id, status, push_status, msg, None, None);
        return Ok((Ended { status, appid: None }, pushes));
    }
    let (appid, status, with_code) = match task.route {
        TaskRoute::TrialVerify => {
            let appid = task.appid.clone().unwrap_or_default();
            convert(w, &task);
            (appid, 13, false)
        }
        _ => (
            create_mini_program(w, ids, now, &task),
            12,
            task.route != TaskRoute::Trial,
        ),
    };
    let mut pushes = Vec::new();
    let code = with_code.then(|| w.new_auth_code(&task.component_appid, &appid, now, ids));
    pushes.extend(end(w, ids, now, id, status, 0, "OK", Some(&appid), code));
    if task.route != TaskRoute::TrialVerify {
        pushes.extend(authorized_push(w, ids, now, &task.component_appid, &appid));
    }
    Ok((
        Ended {
            status,
            appid: Some(appid),
        },
        pushes,
    ))
}

/// The checks once the user submitted (steps 3–4 of the module doc, and a minor's personal
/// registration): `(task status, push status, msg)` of a refusal.
fn final_refusal(w: &World, task: &RegisterTask) -> Option<(i64, i64, &'static str)> {
    let enterprise = match task.route {
        TaskRoute::Enterprise | TaskRoute::TrialVerify => enterprise_refusal(w, task),
        _ => None,
    };
    if let Some((s, p)) = enterprise {
        let msg = if p == -1 {
            "open verity failed"
        } else {
            "enterprise check failed"
        };
        return Some((s, p, msg));
    }
    let admin = admin_of(&w.registration, task)?;
    if let Some(c) = admin_refusal(&w.registration, &w.rules, &w.settings, admin) {
        return Some((c, c, "account limit"));
    }
    if task.route == TaskRoute::Personal && admin.minor {
        return Some((11, 11, "create failed"));
    }
    None
}

/// Creates the Mini Program of a confirmed task and authorizes it to the component.
fn create_mini_program(w: &mut World, ids: &Ids, now: i64, task: &RegisterTask) -> String {
    let appid = ids.appid();
    let admin = admin_of(&w.registration, task).cloned();
    let (principal_type, principal_name, nickname) = match task.route {
        TaskRoute::Enterprise => (PrincipalType::Enterprise, task.name.clone(), String::new()),
        TaskRoute::Trial => (
            PrincipalType::Individual,
            admin.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
            task.name.clone(),
        ),
        _ => (
            PrincipalType::Individual,
            admin.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
            String::new(),
        ),
    };
    let admin_def = match (&admin, w.registration.enterprises.get(&task.code)) {
        (Some(p), _) => AdminDef {
            name: p.name.clone(),
            id_card: p.id_card.clone(),
            phone: p.phone.clone(),
            wechat_id: p.wechat_id.clone(),
        },
        (None, Some(e)) => AdminDef {
            name: e.legal_person.name.clone(),
            id_card: e.legal_person.id_card.clone(),
            phone: task.component_phone.clone(),
            wechat_id: e.legal_person.wechat_id.clone(),
        },
        (None, None) => AdminDef::default(),
    };
    w.accounts.insert(
        appid.clone(),
        Account {
            appid: appid.clone(),
            kind: AccountKind::MiniProgram {
                fast_registered_from: None,
                released: false,
            },
            original_id: ids.original_id(),
            nickname,
            principal_type,
            principal_name,
            verified: false,
            verify_expires_at: 0,
            overseas: false,
            blacklisted: false,
            icp_filed: true,
            pending_registration: false,
            subject_mini_programs: 0,
            admin: admin_def,
            signature: String::new(),
            head_image_url: String::new(),
            realname_status: 1,
            realname_due_at: None,
            categories: vec![],
            nickname_audit: None,
            created_at: now,
        },
    );
    w.grant(&task.component_appid, &appid, REGISTERED_SETS.to_vec(), now, ids);
    if let Some(p) = admin.and_then(|p| w.registration.persons.get_mut(&p.wechat_id)) {
        p.mini_programs += 1;
    }
    if task.route == TaskRoute::Trial {
        let lifetime = w.registration.settings.trial_lifetime_secs;
        w.registration.trials.insert(
            appid.clone(),
            Trial {
                appid: appid.clone(),
                unique_id: task.id.clone(),
                component_appid: task.component_appid.clone(),
                expires_at: now + lifetime,
                converted: false,
            },
        );
    }
    appid
}

/// A conversion: the trial keeps its appid and authorization and takes the enterprise as
/// subject.
fn convert(w: &mut World, task: &RegisterTask) {
    let appid = task.appid.clone().unwrap_or_default();
    if let Some(t) = w.registration.trials.get_mut(&appid) {
        t.converted = true;
    }
    if let Some(a) = w.accounts.get_mut(&appid) {
        a.principal_type = PrincipalType::Enterprise;
        a.principal_name = task.name.clone();
    }
}

/// Ends a task: records its status and builds its push.
#[allow(clippy::too_many_arguments)]
fn end(
    w: &mut World,
    _ids: &Ids,
    now: i64,
    id: &str,
    status: i64,
    push_status: i64,
    msg: &str,
    appid: Option<&str>,
    auth_code: Option<String>,
) -> Vec<Outgoing> {
    let Some(task) = w.registration.tasks.get_mut(id) else {
        return Vec::new();
    };
    task.status = status;
    task.push_status = Some(push_status);
    if let Some(a) = appid {
        task.appid = Some(a.to_owned());
    }
    let task = task.clone();
    let shape = w.registration.settings.personal_push_shape;
    let Ok(component) = AppId::parse(task.component_appid.clone()) else {
        return Vec::new();
    };
    let kind = match task.route {
        TaskRoute::Enterprise | TaskRoute::Personal => RegistrationKind::FastRegister,
        TaskRoute::Trial => RegistrationKind::TrialCreated,
        TaskRoute::TrialVerify => RegistrationKind::TrialVerified,
    };
    let mut push = RegistrationPush::new(kind, component, now as u64, push_status, msg);
    // The trial conversion's push names the trial whatever the outcome; the others only on
    // success (a real failure push had no appid).
    push.appid = match task.route {
        TaskRoute::TrialVerify => task.appid.clone(),
        _ => appid.map(str::to_owned),
    }
    .and_then(|a| AppId::parse(a).ok());
    push.auth_code = auth_code.and_then(|c| AuthorizationCode::parse(c).ok());
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let info = &mut push.info;
    match task.route {
        TaskRoute::Enterprise => {
            info.name = some(&task.name);
            info.code = some(&task.code);
            info.code_type = Some(code_type(&task.code));
            // The old versions echo the legal person they named; the new ones name none.
            info.legal_persona_wechat = Some(if task.legacy {
                task.wxuser.clone()
            } else {
                String::new()
            });
            info.legal_persona_name = Some(task.legal_persona_name.clone());
            info.component_phone = some(&task.component_phone);
            info.taskid = some(&task.id);
        }
        TaskRoute::Personal => match shape {
            PersonalPushShape::EnterpriseWithTaskid => {
                info.name = Some(String::new());
                info.code = some(&task.id);
                info.code_type = Some(0);
                info.legal_persona_wechat = Some(String::new());
                info.legal_persona_name = Some(String::new());
                info.component_phone = some(&task.component_phone);
                info.taskid = some(&task.id);
            }
            PersonalPushShape::Doc => {
                info.wxuser = some(&task.wxuser);
                info.idname = w.registration.persons.get(&task.wxuser).map(|p| p.name.clone());
                info.component_phone = some(&task.component_phone);
            }
        },
        TaskRoute::Trial => {
            info.unique_id = some(&task.id);
            info.name = some(&task.name);
        }
        TaskRoute::TrialVerify => {
            info.name = some(&task.name);
            info.code = some(&task.code);
            info.code_type = Some(1);
            info.component_phone = some(&task.component_phone);
        }
    }
    let event = push.to_event();
    push::component_event(w, &task.component_appid, &event, now, _ids)
        .into_iter()
        .collect()
}

/// The `code_type` a code reads as (1 credit code, 2 organization code, 3 licence number).
fn code_type(code: &str) -> u64 {
    match code.chars().count() {
        18 => 1,
        15 => 3,
        _ => 2,
    }
}

/// The `authorized` push for a Mini Program the routes created.
fn authorized_push(w: &mut World, ids: &Ids, now: i64, component_appid: &str, appid: &str) -> Option<Outgoing> {
    let ttl = w.settings.authorization_code_ttl_secs;
    let code = w.new_auth_code(component_appid, appid, now, ids);
    let event = ComponentEvent::Authorized {
        app_id: AppId::parse(component_appid).ok()?,
        create_time: now as u64,
        authorizer_appid: AppId::parse(appid).ok()?,
        authorization_code: AuthorizationCode::parse(code).ok()?,
        authorization_code_expired_time: (now + ttl) as u64,
        pre_auth_code: Secret::parse(ids.pre_auth_code()).ok()?,
    };
    push::component_event(w, component_appid, &event, now, ids)
}

/// Times a task out with its route's status and push.
fn expire(w: &mut World, ids: &Ids, now: i64, id: &str) -> Vec<Outgoing> {
    let Some((route, viewed, status)) = w.registration.tasks.get(id).map(|t| (t.route, t.viewed, t.status)) else {
        return Vec::new();
    };
    let push_status = match route {
        // Opened or agreed, no ID check: 100001; face check started, not passed: 100002;
        // never opened, or stopped after the face check: 100003.
        TaskRoute::Enterprise | TaskRoute::TrialVerify => match status {
            0 if viewed => 100_001,
            3 => 100_001,
            4 => 100_002,
            _ => 100_003,
        },
        TaskRoute::Personal => 1,
        TaskRoute::Trial => 3,
    };
    let msg = match route {
        TaskRoute::Trial => "overdue unconfirmed",
        _ => "task timeout",
    };
    end(w, ids, now, id, 1, push_status, msg, None, None)
}

/// Times out every open task past its deadline (run by the schedule).
pub fn expire_due(w: &mut World, ids: &Ids, now: i64) -> Vec<Outgoing> {
    let due: Vec<String> = w
        .registration
        .tasks
        .values()
        .filter(|t| t.is_open() && now >= t.expires_at)
        .map(|t| t.id.clone())
        .collect();
    due.iter().flat_map(|id| expire(w, ids, now, id)).collect()
}

/// The trial name WeChat stores: the given name with the forced suffix (once).
pub fn trial_name(name: &str) -> String {
    if name.ends_with(TRIAL_NAME_SUFFIX) {
        name.to_owned()
    } else {
        format!("{name}{TRIAL_NAME_SUFFIX}")
    }
}
