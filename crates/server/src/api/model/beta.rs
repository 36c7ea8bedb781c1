//! Trial Mini Programs (试用小程序) and their conversion (转正).

use crate::failure::Failure;
use crate::routes::TaskStatus;
use crate::routes::input::Conversion;
use crate::routes::trial::{Trial, Verification};
use crate::store::HistoryEntry;
use fastreg_protocol::catalog::task_status::StatusTable;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A trial Mini Program's lifetime.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TrialView {
    /// Its appid.
    pub appid: String,
    /// The registration that made it.
    pub registration_id: Option<String>,
    /// Its name as WeChat shows it.
    pub name: String,
    /// When WeChat takes it back unless converted (unix ms).
    pub expires_at: i64,
    /// Whole days until then (0 once lapsed).
    pub days_left: i64,
    /// Whether it was converted to a formal Mini Program.
    pub converted: bool,
    /// When it was converted (unix ms).
    pub converted_at: Option<i64>,
    /// Created (unix ms).
    pub created_at: i64,
}

impl TrialView {
    /// The view of `t` at `now` (unix ms).
    pub fn of(t: &Trial, now: i64) -> Self {
        TrialView {
            appid: t.appid.clone(),
            registration_id: t.registration_id.clone(),
            name: t.name.clone(),
            expires_at: t.expires_at,
            days_left: t.days_left(now),
            converted: t.converted_at.is_some(),
            converted_at: t.converted_at,
            created_at: t.created_at,
        }
    }
}

/// Trials not converted, the one lapsing first first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrialList {
    /// The trials.
    pub items: Vec<TrialView>,
}

/// A trial's conversion: the link the enterprise's legal person opens, and what became of it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BetaVerificationView {
    /// Id.
    pub id: String,
    /// The trial's appid.
    pub appid: String,
    /// creating, create_unknown, awaiting_user, converted, failed.
    pub state: String,
    /// The link; `null` until WeChat gave it.
    pub auth_url: Option<String>,
    /// When the link lapses (unix ms).
    pub auth_expires_at: Option<i64>,
    /// The link's QR code (SVG).
    pub qr_url: Option<String>,
    /// The link's QR code (PNG).
    pub qr_png_url: Option<String>,
    /// WeChat's latest task status, with its meaning.
    pub task_status: Option<TaskStatus>,
    /// What was asked.
    pub input: Option<Conversion>,
    /// Why it failed.
    pub error: Option<Failure>,
    /// What the operator should know.
    pub note: Option<String>,
    /// Who started it.
    pub created_by: String,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last change (unix ms).
    pub updated_at: i64,
    /// Its state changes, oldest first.
    pub history: Vec<HistoryEntry>,
}

impl BetaVerificationView {
    /// The view of `v` with its history.
    pub fn of(v: &Verification, history: Vec<HistoryEntry>) -> Self {
        BetaVerificationView {
            id: v.id.clone(),
            appid: v.appid.clone(),
            state: v.state.clone(),
            auth_url: v.auth_url.clone(),
            auth_expires_at: v.auth_expires_at,
            qr_url: v
                .auth_url
                .as_ref()
                .map(|_| format!("/api/v1/beta-verifications/{}/qr.svg", v.id)),
            qr_png_url: v
                .auth_url
                .as_ref()
                .map(|_| format!("/api/v1/beta-verifications/{}/qr.png", v.id)),
            task_status: v.task_status.map(|c| TaskStatus::of(StatusTable::RegisterPush, c)),
            input: serde_json::from_str(&v.input).ok(),
            error: super::failure(&v.failure),
            note: v.note.clone(),
            created_by: v.created_by.clone(),
            created_at: v.created_at,
            updated_at: v.updated_at,
            history,
        }
    }
}

/// `PUT /mini-programs/{appid}/beta-name`'s body.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BetaName {
    /// The new name (4–30 characters; WeChat appends 的体验小程序).
    pub name: String,
}

/// A trial renamed.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BetaRenamed {
    /// The trial's appid.
    pub appid: String,
    /// Its name as WeChat shows it.
    pub name: String,
}
