//! The scenario: everything the emulator starts from (and returns to on `POST /__emulator/reset`)
//! — components, Official Accounts, existing Mini Programs, the name and blacklist rules, the
//! category catalog and every tunable limit — as one TOML document.
//!
//! Every field but the identifiers has a default, so a scenario file names only what it cares
//! about. [`Scenario::builtin`] is the scenario `fastreg emulator` starts with when given none;
//! `fastreg emulator --print-scenario` prints it through [`Scenario::to_toml`]. The README
//! documents each field.

use fastreg_protocol::permission::{PermissionSet, REQUIRED_FOR_FAST_REGISTER};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The text is not TOML of the scenario's shape; the message names the line and field.
    #[error("scenario is not valid TOML of the scenario format: {0}")]
    Toml(#[from] toml::de::Error),
    /// The scenario parses but contradicts itself (a duplicate appid, a bad key, …).
    #[error("scenario is inconsistent: {0}")]
    Invalid(String),
}

/// A whole scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Limits, lifetimes and switches.
    pub settings: Settings,
    /// Name, signature and admin rules.
    pub rules: Rules,
    /// Third-party platforms (第三方平台).
    pub components: Vec<ScenarioComponent>,
    /// Official Accounts (公众号).
    pub official_accounts: Vec<OfficialAccountDef>,
    /// Mini Programs that exist before the emulator starts.
    pub mini_programs: Vec<MiniProgramDef>,
    /// The category catalog, as a flat list (a node with `father = 0` is first level). Empty
    /// means the default catalog of [`crate::builtin::default_categories`].
    pub categories: Vec<CategoryDef>,
    /// Enterprises the registration routes know (by credit code).
    pub enterprises: Vec<crate::subject::EnterpriseDef>,
    /// WeChat users the registration routes know.
    pub persons: Vec<crate::subject::PersonDef>,
    /// The registration routes' settings.
    pub registration: crate::subject::RegistrationSettings,
    /// Templates, code, audit, release, domains, privacy, testers (`[lifecycle]`).
    pub lifecycle: crate::lifecycle::LifecycleScenario,
}

/// Limits, lifetimes and switches. Durations are seconds of virtual time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The virtual clock's start (unix seconds); absent: the real time at start.
    pub start_time: Option<i64>,
    /// How often each component's verify ticket is pushed (WeChat: every 10 minutes).
    pub verify_ticket_interval_secs: i64,
    /// How long a verify ticket is accepted by api_component_token (WeChat: 12 h).
    pub verify_ticket_ttl_secs: i64,
    /// Lifetime of component and authorizer access tokens (7200).
    pub token_ttl_secs: i64,
    /// How long a token keeps working after a newer one was issued (5 minutes).
    pub token_overlap_secs: i64,
    /// Lifetime of a pre_auth_code (the doc's examples say 600).
    pub pre_auth_code_ttl_secs: i64,
    /// Lifetime of an authorization_code (auth_code, fastregister's code).
    pub authorization_code_ttl_secs: i64,
    /// Lifetime of a fastregister `ticket` from the confirmation page.
    pub fastregister_ticket_ttl_secs: i64,
    /// A ticket tried again within this window answers 61058 (protocol-notes §6: 5 s).
    pub fastregister_retry_window_secs: i64,
    /// The rule of 2023-12-25: fast-registered Mini Programs start unverified even when the
    /// verification was reused (`is_wx_verify_succ` is then "false").
    pub fast_registered_start_unverified: bool,
    /// api_authorizer_token answers a NEW authorizer_refresh_token and the old one stops
    /// working at once (WeChat normally returns the same one). Tests a platform's habit of
    /// storing a rotated refresh token before using the access token (else 61023 later).
    pub rotate_refresh_tokens: bool,
    /// Successful fast registrations per Official Account per calendar month (5).
    pub monthly_fast_registrations: u32,
    /// Mini Programs one subject (principal) may own (61053).
    pub mini_programs_per_subject: u32,
    /// When a nickname or category audit is decided on its own.
    pub audit_delay_secs: i64,
    /// What an audit decides on its own: approve or reject.
    pub audit_default: AuditDefault,
    /// Whether setnickname opens an audit (true) or sets the name at once and answers without
    /// an `audit_id` (false), as WeChat does for some names.
    pub nickname_audit: bool,
    /// When realname_status of a Mini Program that did not reuse verification becomes 1.
    pub realname_delay_secs: i64,
    /// Head image changes per calendar month (53202).
    pub head_image_modifies_per_month: u32,
    /// Signature changes per calendar month (53200).
    pub signature_modifies_per_month: u32,
    /// Category changes (addcategory, modifycategory) per calendar month (53300).
    pub category_changes_per_month: u32,
    /// The most categories a Mini Program may have (53301).
    pub category_limit: u32,
    /// checkwxverifynickname calls per account per day before 53011.
    pub nickname_checks_per_day: u32,
    /// Accounts one ID card may administer (85027).
    pub admin_accounts_per_id_card: u32,
    /// Accounts one phone number may administer (85061).
    pub admin_accounts_per_phone: u32,
    /// Accounts one WeChat id may administer (85026).
    pub admin_accounts_per_wechat_id: u32,
    /// Lifetime of a rebind `taskid`.
    pub rebind_task_ttl_secs: i64,
    /// Lifetime of a temporary media id (3 days).
    pub media_ttl_secs: i64,
    /// Largest upload per media type, bytes (image 10 MB as media/upload's table says; the head
    /// image itself must be at most 2 MB, 40009).
    pub media_max_bytes: BTreeMap<String, u64>,
    /// Calls per day per endpoint per caller (the component for component APIs, the
    /// authorizer for the others); `default` applies to endpoints not named. Over it: 45009.
    pub daily_quotas: BTreeMap<String, u64>,
}

/// What an audit decides when nobody decides it through the control API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditDefault {
    /// Approve (audit status 3).
    Approve,
    /// Reject (audit status 2) with a fixed reason.
    Reject,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            start_time: None,
            verify_ticket_interval_secs: 600,
            verify_ticket_ttl_secs: 12 * 3600,
            token_ttl_secs: 7200,
            token_overlap_secs: 300,
            pre_auth_code_ttl_secs: 600,
            authorization_code_ttl_secs: 3600,
            fastregister_ticket_ttl_secs: 1800,
            fastregister_retry_window_secs: 5,
            fast_registered_start_unverified: false,
            rotate_refresh_tokens: false,
            monthly_fast_registrations: 5,
            mini_programs_per_subject: 50,
            audit_delay_secs: 86400,
            audit_default: AuditDefault::Approve,
            nickname_audit: true,
            realname_delay_secs: 86400,
            head_image_modifies_per_month: 5,
            signature_modifies_per_month: 5,
            category_changes_per_month: 5,
            category_limit: 20,
            nickname_checks_per_day: 100,
            admin_accounts_per_id_card: 5,
            admin_accounts_per_phone: 5,
            admin_accounts_per_wechat_id: 5,
            rebind_task_ttl_secs: 3600,
            media_ttl_secs: 3 * 24 * 3600,
            media_max_bytes: BTreeMap::from([
                ("image".to_owned(), 10 * 1024 * 1024),
                ("voice".to_owned(), 2 * 1024 * 1024),
                ("video".to_owned(), 10 * 1024 * 1024),
                ("thumb".to_owned(), 64 * 1024),
            ]),
            daily_quotas: BTreeMap::from([
                ("default".to_owned(), 10_000),
                ("api_component_token".to_owned(), 2_000),
                ("fastregister".to_owned(), 1_000),
            ]),
        }
    }
}

impl Settings {
    /// The daily quota of an endpoint.
    pub fn daily_quota(&self, endpoint: &str) -> u64 {
        self.daily_quotas
            .get(endpoint)
            .or_else(|| self.daily_quotas.get("default"))
            .copied()
            .unwrap_or(u64::MAX)
    }
}

/// Name, signature and admin rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// A nickname containing one of these is forbidden (53012; setnickname 91004).
    pub forbidden_nickname_words: Vec<String>,
    /// A nickname containing one of these hits the keyword policy: checkwxverifynickname answers
    /// `hit_condition: true` with [`Rules::keyword_wording`], and setnickname needs at least one
    /// `naming_other_stuff_*` (91009).
    pub keyword_nickname_words: Vec<String>,
    /// The wording shown for a keyword hit.
    pub keyword_wording: String,
    /// Names that exist on WeChat outside the scenario's accounts.
    pub existing_names: Vec<ExistingName>,
    /// WeChat ids (微信号): a nickname equal to one is refused (53018; setnickname 91006).
    pub wechat_ids: Vec<String>,
    /// A signature containing one of these is refused (53201).
    pub signature_blacklist: Vec<String>,
    /// ID card numbers that may not become an admin (85063).
    pub blacklisted_id_cards: Vec<String>,
    /// Phone numbers that may not become an admin (85062).
    pub blacklisted_phones: Vec<String>,
}

/// A name held by some account that is not otherwise in the scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExistingName {
    /// The name.
    pub name: String,
    /// Which kind of account holds it.
    pub kind: NameKind,
    /// Its subject; a subject may reuse its own names.
    pub principal_name: String,
    /// Until when (unix seconds) the name is in its protection period (53019; setnickname
    /// 91008); absent: not protected.
    #[serde(default)]
    pub protected_until: Option<i64>,
}

/// The kind of account a name belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    /// An Official Account.
    OfficialAccount,
    /// A Mini Program.
    MiniProgram,
}

/// A third-party platform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentDef {
    /// component_appid.
    pub appid: String,
    /// component_appsecret (api_component_token checks it: 40125).
    pub secret: String,
    /// The message-check token (消息校验Token) pushes are signed with.
    pub token: String,
    /// The EncodingAESKey pushes are encrypted with (43 characters).
    pub encoding_aes_key: String,
    /// Published (全网发布); an unpublished component gets 61028.
    #[serde(default = "yes")]
    pub published: bool,
    /// The permission sets the component asks for (the five of the spec's 步骤一 by default;
    /// fewer: 61029). `fast_register` is granted by the Official Account, not listed here.
    #[serde(default = "all_five")]
    pub permission_sets: Vec<PermissionSet>,
    /// 登录授权的发起页域名, `host[:port]`: redirect_uris must be on it (61060).
    pub login_domain: String,
    /// 授权事件接收URL: verify tickets and authorization changes are POSTed here, encrypted.
    #[serde(default)]
    pub event_url: Option<String>,
    /// 消息与事件接收URL, with `$APPID$` standing for the authorizer's appid: audit results
    /// are POSTed here, encrypted.
    #[serde(default)]
    pub message_url: Option<String>,
}

fn yes() -> bool {
    true
}

/// A component as the scenario lists it: its [`ComponentDef`] plus `subject_type` (who owns
/// the platform, read by the registration routes). It derefs to the definition, so
/// `scenario.components[0].login_domain` reads as before.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioComponent {
    /// The definition.
    pub def: ComponentDef,
    /// `subject_type = "enterprise" | "individual"` (default enterprise).
    pub subject_type: crate::subject::ComponentSubject,
}

impl From<ComponentDef> for ScenarioComponent {
    fn from(def: ComponentDef) -> Self {
        ScenarioComponent {
            def,
            subject_type: crate::subject::ComponentSubject::default(),
        }
    }
}

impl std::ops::Deref for ScenarioComponent {
    type Target = ComponentDef;
    fn deref(&self) -> &ComponentDef {
        &self.def
    }
}

impl std::ops::DerefMut for ScenarioComponent {
    fn deref_mut(&mut self) -> &mut ComponentDef {
        &mut self.def
    }
}

const SUBJECT_TYPE: &str = "subject_type";

impl Serialize for ScenarioComponent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut table = match toml::Value::try_from(&self.def).map_err(serde::ser::Error::custom)? {
            toml::Value::Table(t) => t,
            _ => return Err(serde::ser::Error::custom("a component serializes as a table")),
        };
        if self.subject_type != crate::subject::ComponentSubject::default() {
            let v = toml::Value::try_from(self.subject_type).map_err(serde::ser::Error::custom)?;
            table.insert(SUBJECT_TYPE.to_owned(), v);
        }
        table.serialize(s)
    }
}

impl<'de> Deserialize<'de> for ScenarioComponent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut table = toml::Table::deserialize(d)?;
        let subject_type = match table.remove(SUBJECT_TYPE) {
            Some(v) => v
                .try_into()
                .map_err(|e| D::Error::custom(format!("components: {SUBJECT_TYPE}: {e}")))?,
            None => crate::subject::ComponentSubject::default(),
        };
        let def: ComponentDef = toml::Value::Table(table)
            .try_into()
            .map_err(|e| D::Error::custom(format!("components: {e}")))?;
        Ok(ScenarioComponent { def, subject_type })
    }
}

fn all_five() -> Vec<PermissionSet> {
    REQUIRED_FOR_FAST_REGISTER.to_vec()
}

/// An account's administrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AdminDef {
    /// Name.
    pub name: String,
    /// ID card number.
    pub id_card: String,
    /// Phone number.
    pub phone: String,
    /// WeChat id.
    pub wechat_id: String,
}

/// Subscription or service account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    /// 订阅号 (account_type 1).
    Subscription,
    /// 服务号 (account_type 2).
    #[default]
    Service,
}

/// The kind of subject (主体) behind an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalType {
    /// 企业 (principal_type 1).
    #[default]
    Enterprise,
    /// 媒体 (2).
    Media,
    /// 政府 (3).
    Government,
    /// 其他组织 (4).
    Other,
    /// 个人 (0).
    Individual,
}

impl PrincipalType {
    /// getaccountbasicinfo's `principal_type`.
    pub fn code(self) -> u64 {
        match self {
            Self::Individual => 0,
            Self::Enterprise => 1,
            Self::Media => 2,
            Self::Government => 3,
            Self::Other => 4,
        }
    }

    /// The Chinese name.
    pub fn chinese(self) -> &'static str {
        match self {
            Self::Enterprise => "企业",
            Self::Media => "媒体",
            Self::Government => "政府",
            Self::Other => "其他组织",
            Self::Individual => "个人",
        }
    }

    /// The newer docs' `customer_type` of a verified account of this subject.
    pub fn customer_type(self) -> u64 {
        match self {
            Self::Enterprise => 1,
            Self::Media => 2,
            Self::Government => 3,
            Self::Other => 4,
            Self::Individual => 12,
        }
    }
}

/// An authorization an account has granted before the emulator starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationDef {
    /// The component authorized.
    pub component_appid: String,
    /// The sets granted (the component's own sets, plus `fast_register` if listed).
    pub permission_sets: Vec<PermissionSet>,
}

/// An Official Account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialAccountDef {
    /// appid.
    pub appid: String,
    /// The account's name.
    #[serde(default)]
    pub nickname: String,
    /// subscription or service.
    #[serde(default)]
    pub account_type: AccountType,
    /// enterprise, media, government, other, individual.
    #[serde(default)]
    pub principal_type: PrincipalType,
    /// The subject's name.
    pub principal_name: String,
    /// WeChat-verified (微信认证).
    #[serde(default)]
    pub verified: bool,
    /// When the verification expires (unix seconds); absent: a year after the clock's start.
    #[serde(default)]
    pub verify_expires_at: Option<i64>,
    /// Registered overseas (61061).
    #[serde(default)]
    pub overseas: bool,
    /// The subject is blacklisted (61054).
    #[serde(default)]
    pub blacklisted: bool,
    /// The subject's ICP filing passed; categories marked `requires_icp` need it (53305).
    #[serde(default = "yes")]
    pub icp_filed: bool,
    /// A fast-registered Mini Program of this account is still 待完成注册 (61057).
    #[serde(default)]
    pub pending_registration: bool,
    /// Fast registrations already done in the clock's current month (61055 at the limit).
    #[serde(default)]
    pub fast_registered_this_month: u32,
    /// Mini Programs the subject already owns outside the scenario (61053 at the cap).
    #[serde(default)]
    pub subject_mini_programs: u32,
    /// The admin.
    #[serde(default)]
    pub admin: AdminDef,
    /// Authorizations granted before the start.
    #[serde(default)]
    pub authorizations: Vec<AuthorizationDef>,
}

/// A Mini Program that exists before the start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MiniProgramDef {
    /// appid.
    pub appid: String,
    /// Its name.
    #[serde(default)]
    pub nickname: String,
    /// enterprise, media, …
    #[serde(default)]
    pub principal_type: PrincipalType,
    /// The subject's name.
    pub principal_name: String,
    /// The Official Account it was fast-registered from; absent: registered some other way
    /// (setnickname answers 91001, the category APIs 41033).
    #[serde(default)]
    pub fast_registered_from: Option<String>,
    /// Released (发布) already: setnickname answers 91002.
    #[serde(default)]
    pub released: bool,
    /// WeChat-verified.
    #[serde(default)]
    pub verified: bool,
    /// The admin.
    #[serde(default)]
    pub admin: AdminDef,
    /// Authorizations granted before the start.
    #[serde(default)]
    pub authorizations: Vec<AuthorizationDef>,
}

/// One node of the category catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    /// Category id (not 0).
    pub id: u64,
    /// Name (Chinese, as WeChat shows it).
    pub name: String,
    /// The parent's id; 0 for a first-level category.
    #[serde(default)]
    pub father: u64,
    /// Sensitive (sensitive_type 1): needs one of `qualifications` and an audit.
    #[serde(default)]
    pub sensitive: bool,
    /// Alternatives, each a list of document names; one alternative must be given in full as
    /// `certicates` (keys are the document names).
    #[serde(default)]
    pub qualifications: Vec<Vec<String>>,
    /// Subject types allowed to set it; empty: every type (53302).
    #[serde(default)]
    pub principal_types: Vec<PrincipalType>,
    /// Needs the subject's ICP filing (53305).
    #[serde(default)]
    pub requires_icp: bool,
}

impl Scenario {
    /// The built-in scenario: one published component with all five permission sets, an
    /// Official Account for every rule of the spec, and the default category catalog. See
    /// [`crate::builtin`] for its appids.
    pub fn builtin() -> Self {
        crate::builtin::scenario()
    }

    /// Reads a scenario file.
    pub fn from_toml(text: &str) -> Result<Self, ScenarioError> {
        let scenario: Scenario = toml::from_str(text)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// The scenario as a file [`Scenario::from_toml`] reads back.
    pub fn to_toml(&self) -> String {
        // Every field is a plain string, number, bool, list or table: serialization cannot fail.
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot print the scenario: {e}\n"))
    }

    /// The catalog in use: the scenario's, or the default one.
    pub fn catalog(&self) -> Vec<CategoryDef> {
        if self.categories.is_empty() {
            crate::builtin::default_categories()
        } else {
            self.categories.clone()
        }
    }

    /// Checks what the types cannot: unique appids, usable keys, a consistent catalog.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let mut seen = BTreeSet::new();
        let appids = self
            .components
            .iter()
            .map(|c| c.appid.as_str())
            .chain(self.official_accounts.iter().map(|a| a.appid.as_str()))
            .chain(self.mini_programs.iter().map(|m| m.appid.as_str()));
        for appid in appids {
            fastreg_protocol::AppId::parse(appid).map_err(|e| ScenarioError::Invalid(format!("{e} ({appid:?})")))?;
            if !seen.insert(appid) {
                return Err(ScenarioError::Invalid(format!("appid {appid} appears twice")));
            }
        }
        for c in &self.components {
            fastreg_protocol::crypto::MsgCrypt::new(&c.token, &c.encoding_aes_key, &c.appid)
                .map_err(|e| ScenarioError::Invalid(format!("component {}: {e}", c.appid)))?;
            if c.login_domain.trim().is_empty() {
                return Err(ScenarioError::Invalid(format!(
                    "component {}: login_domain is empty; give the host[:port] redirect_uris use",
                    c.appid
                )));
            }
        }
        let component_ids: BTreeSet<&str> = self.components.iter().map(|c| c.appid.as_str()).collect();
        let auths = self
            .official_accounts
            .iter()
            .flat_map(|a| a.authorizations.iter().map(move |z| (&a.appid, z)))
            .chain(
                self.mini_programs
                    .iter()
                    .flat_map(|m| m.authorizations.iter().map(move |z| (&m.appid, z))),
            );
        for (appid, auth) in auths {
            if !component_ids.contains(auth.component_appid.as_str()) {
                return Err(ScenarioError::Invalid(format!(
                    "{appid} is authorized to {}, which is not among the components",
                    auth.component_appid
                )));
            }
        }
        for c in &self.lifecycle.components {
            if !component_ids.contains(c.component_appid.as_str()) {
                return Err(ScenarioError::Invalid(format!(
                    "[[lifecycle.components]] names {}, which is not among the components",
                    c.component_appid
                )));
            }
        }
        let catalog = self.catalog();
        let ids: BTreeSet<u64> = catalog.iter().map(|c| c.id).collect();
        if ids.len() != catalog.len() || ids.contains(&0) {
            return Err(ScenarioError::Invalid("category ids must be unique and not 0".into()));
        }
        for c in &catalog {
            if c.father != 0 && !ids.contains(&c.father) {
                return Err(ScenarioError::Invalid(format!(
                    "category {} has father {}, which is not in the catalog",
                    c.id, c.father
                )));
            }
        }
        Ok(())
    }
}
