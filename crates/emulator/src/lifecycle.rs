//! The scenario side of the Mini Program lifecycle (templates, code, audit, release, domains,
//! privacy, testers): the `[lifecycle]` table of a scenario file — its limits, and what each
//! component starts with (registered domains, drafts, templates). The state it builds and the
//! rules applied to it live in `lifecycle_state.rs`; the README documents every default.

use serde::{Deserialize, Serialize};

/// The `[lifecycle]` table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LifecycleScenario {
    /// Limits and delays.
    pub settings: LifecycleSettings,
    /// What components start with.
    pub components: Vec<ComponentLifecycleDef>,
}

/// Limits and delays of the lifecycle. Durations are seconds of virtual time. Where WeChat's
/// sources disagree, the default is the current docs' value and the field says the other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LifecycleSettings {
    /// How long the privacy-API scan after a commit runs (61039 until then). WeChat: "about a
    /// minute".
    pub scan_secs: i64,
    /// How long an undecided code audit waits before deciding itself (by `audit_default`).
    pub code_audit_secs: i64,
    /// After a delay (`weapp_audit_delay`), how long until the audit decides itself.
    pub code_audit_delayed_secs: i64,
    /// An expedited audit decides itself this long after speedupaudit (WeChat: 2–12 hours).
    pub code_audit_speedup_secs: i64,
    /// The component's audit quota per month (queryquota `limit`; 85085 when spent).
    pub audit_quota_per_month: u64,
    /// The component's expedite quota per month (`speedup_limit`; 89405 when spent).
    pub speedup_quota_per_month: u64,
    /// undocodeaudit per Mini Program per day: 5 in the current docs, 1 in older ones (87013).
    pub undo_per_day: u32,
    /// undocodeaudit per Mini Program per month (87013).
    pub undo_per_month: u32,
    /// Templates per component (85065).
    pub template_limit: usize,
    /// modify_domain changes per Mini Program per month (WeChat: 50).
    pub domain_changes_per_month: u32,
    /// Server domains of one type per Mini Program (85016).
    pub server_domains_per_type: usize,
    /// Business domains per Mini Program: 300 in the current docs, 100 in older ones.
    pub webview_domain_limit: usize,
    /// Testers per Mini Program (85002); WeChat does not say.
    pub testers_per_mini_program: usize,
    /// Released versions revertcoderelease keeps (WeChat: 5).
    pub history_versions: usize,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        LifecycleSettings {
            scan_secs: 60,
            code_audit_secs: 86_400,
            code_audit_delayed_secs: 3 * 86_400,
            code_audit_speedup_secs: 2 * 3600,
            audit_quota_per_month: 20,
            speedup_quota_per_month: 3,
            undo_per_day: 5,
            undo_per_month: 10,
            template_limit: 200,
            domain_changes_per_month: 50,
            server_domains_per_type: 200,
            webview_domain_limit: 300,
            testers_per_mini_program: 50,
            history_versions: 5,
        }
    }
}

/// What a component starts with.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComponentLifecycleDef {
    /// The component (must be among the scenario's components).
    pub component_appid: String,
    /// Registered server domains, without scheme (`api.example.com`).
    pub server_domains: Vec<String>,
    /// Registered business (jump) domains, without scheme.
    pub webview_domains: Vec<String>,
    /// Drafts in the draft box (草稿箱), ids 1, 2, … in this order.
    pub drafts: Vec<DraftDef>,
    /// Templates in the library (ids 1, 2, …), made from drafts no longer in the box
    /// (`draft_id` 0).
    pub templates: Vec<DraftDef>,
}

/// An upload from a 开发小程序.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DraftDef {
    /// The version string.
    pub user_version: String,
    /// Its description.
    pub user_desc: String,
    /// The package's pages (a commit's `pages` must be a subset).
    pub pages: Vec<String>,
    /// The 开发小程序's appid.
    pub source_miniprogram_appid: String,
    /// Its name.
    pub source_miniprogram: String,
    /// The uploader's nickname.
    pub developer: String,
}
