//! Who stands behind the registration routes: enterprises (企业, looked up by their 18-character
//! unified social credit code, as the business registry would answer) and WeChat users
//! (个人, by WeChat id or openid), plus the routes' settings. They come from the scenario's
//! `[[enterprises]]`, `[[persons]]` and `[registration]`, and from `POST /__emulator/enterprises`
//! and `POST /__emulator/persons` (upserts).

use serde::{Deserialize, Serialize};

/// An enterprise's legal person (法定代表人).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LegalPersonDef {
    /// Name.
    pub name: String,
    /// ID card number.
    pub id_card: String,
    /// WeChat id; when a [`PersonDef`] has it, that person's caps and blacklists apply.
    pub wechat_id: String,
    /// openid.
    pub openid: String,
}

/// An enterprise as the business registry knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseDef {
    /// Full name, as on the licence (create answers 86022 for another name with this code).
    pub name: String,
    /// The 18-character unified social credit code (the key).
    pub code: String,
    /// The legal person.
    #[serde(default)]
    pub legal_person: LegalPersonDef,
    /// 在营 (create answers 86021 otherwise; if it stops operating while a task waits, the
    /// confirmation pushes 101).
    #[serde(default = "yes")]
    pub operating: bool,
    /// The subject is blacklisted (push 1002).
    #[serde(default)]
    pub blacklisted: bool,
    /// Emulator extension: what the registry answers at the confirmation — 0 (consistent),
    /// or one of the push statuses 101, 102, 103, 104, 105, 1000.
    #[serde(default)]
    pub registry_status: i64,
    /// Emulator extension: Mini Programs the subject has outside the emulator (push 1001 at
    /// `mini_programs_per_subject`).
    #[serde(default)]
    pub mini_programs: u32,
}

fn yes() -> bool {
    true
}

/// A WeChat user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PersonDef {
    /// WeChat id (personal registration's `wxuser`; the key).
    pub wechat_id: String,
    /// openid (the trial's `openid`).
    pub openid: String,
    /// Real name.
    pub name: String,
    /// ID card number (push 1007/1008: caps summed over persons with this number, and
    /// `rules.blacklisted_id_cards`).
    pub id_card: String,
    /// Phone (push 1005/1006: caps summed over persons with this phone, and
    /// `rules.blacklisted_phones`).
    pub phone: String,
    /// Restricted: personal create answers 86034; at a confirmation, push 1004.
    pub blacklisted: bool,
    /// Mini Programs this user administers already (push 1003 at
    /// `mini_programs_per_wechat_user`, 5).
    pub mini_programs: u32,
    /// Emulator extension: under 18. A personal registration gets through the face and phone
    /// steps and then fails with task status 11 (创建失败): a personal Mini Program needs an
    /// adult (WeChat documents no cause for 11; this is the emulator's).
    pub minor: bool,
}

/// Who owns a third-party platform (its 主体): the enterprise and personal routes refuse a
/// platform owned by a person (enterprise 89295 不支持个人主体的第三方, personal 86040 不支持个人
/// 第三方号进行调用). `subject_type` of `[[components]]` and of `POST /__emulator/components`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ComponentSubject {
    /// An enterprise (or other organisation): every route is open.
    #[default]
    Enterprise,
    /// A person (个人主体的第三方平台).
    Individual,
}

/// Whether the routes' old versions are offline (`[registration] legacy_routes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LegacyRoutes {
    /// As WeChat since 2026-04-30 12:00: fastregisterweapp and every body without
    /// `"new_version": true` answer a plain `-1` `system error`.
    #[default]
    Offline,
    /// As before the cutoff: the old versions answer with their old rules and codes (61070,
    /// 86004, 86036, 89247, 89248, 89252, 89253, …) and open tasks confirmed like the new ones.
    Online,
}

/// The registration routes' settings (`[registration]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationSettings {
    /// `offline` (default): the old versions (fastregisterweapp, and bodies without
    /// `new_version: true`) answer `-1` as WeChat does since 2026-04-30 12:00. `online`: they
    /// answer with their old rules and codes (`api/register_legacy.rs`).
    pub legacy_routes: LegacyRoutes,
    /// With `legacy_routes = "online"`: how long after a fastregisterweapp create WeChat checks
    /// the legal person against the enterprise (search answers 89252 法人&企业信息一致性校验中;
    /// afterwards 89251 待法人人脸核身校验 until the legal person confirms).
    pub legacy_front_check_secs: i64,
    /// How long the user has to confirm (24 h).
    pub task_ttl_secs: i64,
    /// How long a trial lives unconverted (14 days).
    pub trial_lifetime_secs: i64,
    /// Mini Programs one WeChat user may administer (5; trials count).
    pub mini_programs_per_wechat_user: u32,
    /// Personal creates per WeChat id per day (91030 above).
    pub personal_creates_per_day: u32,
    /// verifybetaweapp calls per trial per minute (45011 above).
    pub verify_per_minute: u32,
    /// verifybetaweapp calls per trial per day (45009 above).
    pub verify_per_day: u32,
    /// How long one subject waits between enterprise tasks (89249; 24 h).
    pub subject_task_interval_secs: i64,
    /// The personal push's `info`: `enterprise_with_taskid` (observed in 2024: enterprise
    /// fields plus `taskid`) or `doc` (`wxuser`, `idname`, `component_phone`).
    pub personal_push_shape: PersonalPushShape,
    /// The enterprise route's `status` numbering in create/query answers: `personal_table`
    /// (0 = 生成任务, the personal API page, which WeChat staff call authoritative) or `senparc`
    /// (shifted by one: 1 = 生成任务, no 手机验证成功), for testing a client against both readings.
    pub enterprise_status_numbering: StatusNumbering,
}

/// How the enterprise route numbers its task statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StatusNumbering {
    /// The personal API table (0 = 生成任务).
    #[default]
    PersonalTable,
    /// Senparc's list: 0–8 become 1–9, 9 becomes 10, the rest are unchanged.
    Senparc,
}

impl StatusNumbering {
    /// The number an answer carries for a task-table status.
    pub fn answer(self, status: i64) -> i64 {
        match (self, status) {
            (Self::Senparc, 0..=8) => status + 1,
            (Self::Senparc, 9) => 10,
            _ => status,
        }
    }
}

/// The shape of the personal `notify_third_fasteregister`'s `info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PersonalPushShape {
    /// Enterprise-shaped fields plus `taskid`, as a real push was seen.
    #[default]
    EnterpriseWithTaskid,
    /// The doc's `wxuser`, `idname`, `component_phone`.
    Doc,
}

impl Default for RegistrationSettings {
    fn default() -> Self {
        RegistrationSettings {
            legacy_routes: LegacyRoutes::Offline,
            legacy_front_check_secs: 60,
            task_ttl_secs: 86_400,
            trial_lifetime_secs: 14 * 86_400,
            mini_programs_per_wechat_user: 5,
            personal_creates_per_day: 5,
            verify_per_minute: 5,
            verify_per_day: 100,
            subject_task_interval_secs: 86_400,
            personal_push_shape: PersonalPushShape::default(),
            enterprise_status_numbering: StatusNumbering::default(),
        }
    }
}
