//! A registration, on any route, as the API shows it.

use crate::failure::Failure;
use crate::routes::input::RouteInput;
use crate::routes::{Route, RouteRegistration, TaskStatus, trial};
use crate::store::HistoryEntry;
use serde::Serialize;
use utoipa::ToSchema;

/// A registration of a Mini Program, on any route.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RegistrationView {
    /// Id.
    pub id: String,
    /// `official_account`, `enterprise`, `personal` or `trial`.
    #[schema(pattern = "^(official_account|enterprise|personal|trial)$")]
    pub route: String,
    /// Route official_account: the Official Account whose entity is reused (absent on the other
    /// routes, as are the three fields after it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oa_appid: Option<String>,
    /// Route official_account: whether its WeChat verification is reused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_wx_verify: Option<bool>,
    /// Route official_account: fastregister's is_wx_verify_succ (`null` until answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<bool>)]
    pub is_wx_verify_succ: Option<Option<bool>>,
    /// Route official_account: fastregister's is_link_succ (`null` until answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<bool>)]
    pub is_link_succ: Option<Option<bool>>,
    /// Workflow state (creating, create_unknown, awaiting_user, exchanging, registered, failed;
    /// the official_account route's awaiting_admin, ticket_received, submitting, …).
    pub state: String,
    /// The link the admin or user opens; `null` until WeChat gave it.
    pub auth_url: Option<String>,
    /// When the link lapses (unix ms).
    pub auth_expires_at: Option<i64>,
    /// The link's QR code (SVG), while there is a link.
    pub qr_url: Option<String>,
    /// The link's QR code (PNG), while there is a link.
    pub qr_png_url: Option<String>,
    /// WeChat's taskid or unique_id (the QR routes).
    pub task_id: Option<String>,
    /// WeChat's latest task status, with its meaning.
    pub task_status: Option<TaskStatus>,
    /// The route's input (the QR routes).
    pub input: Option<RouteInput>,
    /// The registration this one was started again as.
    pub restarted_as: Option<String>,
    /// The new Mini Program.
    pub mini_program_appid: Option<String>,
    /// Why it failed: the catalog's meaning and remedy.
    pub error: Option<Failure>,
    /// What the operator should know (a reconciled answer, a forced choice).
    pub note: Option<String>,
    /// Whether a setup plan runs once it is registered.
    pub has_setup_plan: bool,
    /// A trial Mini Program's lifetime (the trial route, once registered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trial: Option<super::TrialView>,
    /// Who started it (an API key's name or a console user).
    pub created_by: String,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last change (unix ms).
    pub updated_at: i64,
    /// Its state changes, oldest first (empty in lists).
    pub history: Vec<HistoryEntry>,
}

impl RegistrationView {
    /// The view of `reg`, with the trial it made, if any, at `now`.
    pub fn of(
        reg: &RouteRegistration,
        trial: Option<&trial::Trial>,
        link_ttl_ms: i64,
        now: i64,
        history: Vec<HistoryEntry>,
    ) -> Self {
        let route = reg.route();
        let auth_url = (!reg.auth_url.is_empty()).then(|| reg.auth_url.clone());
        let auth_expires_at = reg
            .auth_expires_at
            .or_else(|| (route == Route::OfficialAccount).then_some(reg.created_at + link_ttl_ms));
        let official = route == Route::OfficialAccount;
        RegistrationView {
            id: reg.id.clone(),
            route: reg.route.clone(),
            oa_appid: official.then(|| reg.oa_appid.clone()),
            copy_wx_verify: official.then_some(reg.copy_wx_verify == 1),
            is_wx_verify_succ: official.then(|| reg.is_wx_verify_succ.map(|v| v == 1)),
            is_link_succ: official.then(|| reg.is_link_succ.map(|v| v == 1)),
            state: reg.state.clone(),
            qr_url: auth_url
                .as_ref()
                .map(|_| format!("/api/v1/registrations/{}/qr.svg", reg.id)),
            qr_png_url: auth_url
                .as_ref()
                .map(|_| format!("/api/v1/registrations/{}/qr.png", reg.id)),
            auth_url,
            auth_expires_at,
            task_id: reg.task_id.clone(),
            task_status: reg.task_status.map(|code| TaskStatus::of(reg.status_table(), code)),
            input: reg.input(),
            restarted_as: reg.restarted_as.clone(),
            mini_program_appid: reg.mini_program_appid.clone(),
            error: reg.failure(),
            note: reg.note.clone(),
            has_setup_plan: reg.setup_plan.is_some(),
            trial: trial.map(|t| super::TrialView::of(t, now)),
            created_by: reg.created_by.clone(),
            created_at: reg.created_at,
            updated_at: reg.updated_at,
            history,
        }
    }
}

/// Registrations, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationList {
    /// The registrations (without their history).
    pub items: Vec<RegistrationView>,
}
