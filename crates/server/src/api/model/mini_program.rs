//! A Mini Program: its setup steps, its name audit, category changes, and (live) what WeChat
//! says of it.

use super::failure;
use crate::failure::Failure;
use crate::setup::Step;
use crate::setup_note::SetupNote;
use crate::store::HistoryEntry;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// One setup step (nickname, avatar, signature, categories).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StepView {
    /// `nickname`, `avatar`, `signature` or `categories`.
    pub step: String,
    /// pending, running, waiting (for WeChat: an audit), done, failed, …
    pub state: String,
    /// What the step knows (an audit id, the categories sent, …), with its `note` in English and
    /// `note_code` when it has one.
    #[schema(value_type = Object)]
    pub detail: Value,
    /// Why it failed.
    pub error: Option<Failure>,
    /// Last change (unix ms).
    pub updated_at: i64,
}

impl StepView {
    /// The view of `s`: its stored note in English with its code (stored notes are a code with
    /// parameters).
    pub fn of(s: &Step) -> Self {
        let mut detail = serde_json::from_str::<Value>(&s.detail).unwrap_or(Value::Null);
        let note = detail
            .get("note")
            .cloned()
            .and_then(|n| serde_json::from_value::<SetupNote>(n).ok());
        if let Some(note) = note {
            if let SetupNote::Coded { code, .. } = &note {
                detail["note_code"] = serde_json::to_value(code).unwrap_or(Value::Null);
            }
            detail["note"] = Value::String(note.en());
        }
        StepView {
            step: s.step.clone(),
            state: s.state.clone(),
            detail,
            error: failure(&s.failure),
            updated_at: s.updated_at,
        }
    }
}

/// A quota WeChat keeps: used so far, allowed.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Quota {
    /// Used this period.
    pub used: u64,
    /// Allowed this period.
    pub quota: u64,
}

/// The quotas shown before they are spent.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Quotas {
    /// This month's head image changes.
    pub head_image: Option<Quota>,
    /// This month's signature changes.
    pub signature: Option<Quota>,
    /// The period's category changes: `limit`, `left`, `category_limit`.
    #[schema(value_type = Object)]
    pub categories: Value,
}

/// A Mini Program this service knows.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MiniProgramView {
    /// Its appid.
    pub appid: String,
    /// The registration that made it, if this service did.
    pub registration_id: Option<String>,
    /// The Official Account it was registered from.
    pub oa_appid: Option<String>,
    /// When this service learnt of it (unix ms).
    pub created_at: i64,
    /// The setup steps.
    pub setup: Vec<StepView>,
    /// Its state changes, oldest first.
    pub history: Vec<HistoryEntry>,
    /// `?live=true`: WeChat's getaccountbasicinfo answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub basic_info: Option<Value>,
    /// `?live=true`: WeChat's getcategory answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub categories: Option<Value>,
    /// `?live=true`: the quotas.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quotas: Option<Quotas>,
}

/// A setup plan attached: the steps it made.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SetupView {
    /// The Mini Program.
    pub appid: String,
    /// The setup steps.
    pub setup: Vec<StepView>,
}

/// The name audit (nickname step), with WeChat's current answer.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NicknameAuditView {
    /// The nickname step's state.
    pub state: String,
    /// WeChat's audit id, once the name was sent for audit.
    pub audit_id: Option<u64>,
    /// Why the step failed.
    pub error: Option<Failure>,
    /// WeChat's querynickname answer, when it could be asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub wechat: Option<Value>,
    /// Why WeChat could not be asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wechat_error: Option<Failure>,
}

/// A rejected category resubmitted.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CategoryResubmitted {
    /// The Mini Program.
    pub appid: String,
    /// `first-second`.
    pub category: String,
    /// The categories step, following the new audit.
    pub step: StepView,
}

/// A category deleted.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CategoryDeleted {
    /// The Mini Program.
    pub appid: String,
    /// `first-second`.
    pub deleted: String,
    /// WeChat's getcategory answer after the deletion.
    #[schema(value_type = Object)]
    pub categories: Value,
    /// The setup steps.
    pub setup: Vec<StepView>,
}
