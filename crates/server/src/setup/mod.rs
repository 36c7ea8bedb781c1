//! The setup plan of a new Mini Program (spec §2–§6): name, head image, signature, categories.
//!
//! A plan is given when a registration starts or later (`PUT /api/v1/mini-programs/{appid}/setup`).
//! Its images arrive inline (base64) and are kept in `materials`, sealed with the service's key
//! ([`crate::secret_box`], bound to the row), until the step that needs them is done or failed:
//! then they are deleted ([`release_materials`]); images no live step or registration refers to
//! are swept by the upkeep ([`sweep_materials`]).
//! Each step is a row of `setup_steps` driven by its own job:
//!
//! - **nickname**: checkwxverifynickname (a hit is recorded with WeChat's wording) → materials
//!   uploaded → setnickname → if WeChat opened an audit, `awaiting_audit` until the
//!   `wxa_nickname_audit` push arrives, polling api_wxa_querynickname every
//!   `nickname_poll_secs` as a fallback;
//! - **avatar**: the month's quota read first (getaccountbasicinfo) → upload → modifyheadimage;
//! - **signature**: quota first → modifysignature;
//! - **categories**: the period's quota first (getcategory) → qualification images uploaded →
//!   addcategory → `awaiting_audit` while any is under review (push or getcategory polling).
//!
//! A rejected category is resubmitted with new qualification images ([`resubmit_category`]:
//! upload, modifycategory, its audit followed again); a category is deleted with
//! [`delete_category`] (not while under review, 53308).
//!
//! **Calls that must not be resent** (setnickname, modifyheadimage, modifysignature, addcategory,
//! modifycategory: each spends a quota or opens an audit) go through one path, `Ctx::send`, the
//! shape of [`crate::registration`]'s fastregister: `submitted` is written *before* the call with
//! what WeChat showed right before it (`before`: the period's used count, the current value, the
//! categories sent); a lost answer (transport error after sending, `OutcomeUnknown`, an
//! undecodable answer) or a run that finds `submitted` without an answer (the service died on
//! either side of the call) never calls again blindly but reconciles from WeChat's state:
//!
//! - modifyheadimage: `head_image_info` — `modify_used_count` grew or the URL changed: applied;
//! - modifysignature: `signature_info` — the planned signature is shown: applied; the used count
//!   grew but another signature is shown: stopped (someone else changed it);
//! - addcategory / modifycategory: getcategory — the categories are set / the resubmitted one left
//!   the rejected state, or `limit - quota` grew: applied;
//! - setnickname: see `reconcile_nickname` — the name shown, the `wxa_nickname_audit` push for
//!   the name, a grown `nickname_info.modify_used_count`, and 91003 to a resend.
//!
//! A call whose effect does not show within `reconcile_grace_secs` of sending provably was not
//! applied (WeChat answered -1 without acting, or the request never reached it) and is sent
//! again, the wait doubling with each send, at most [`MAX_SENDS`] times (the step then stops,
//! `outcome_unknown`, saying whether WeChat answered -1 or the answer was lost).
//! Errors WeChat may recover from are retried with backoff; the others stop the step with the
//! catalog's meaning and remedy.

use crate::failure::{Failure, is_lost_answer, is_retryable};
use crate::job::{Job, Outcome};
use crate::setup_note::{NoteCode, SetupNote};
use crate::startup::AppState;
use crate::store::setup::step;
use crate::store::{self, AsExec, Tx, now_ms, record_history};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fastreg_client::Error as ClientError;
use fastreg_protocol::account::{AccountBasicInfoResponse, AuditStatus, SetNicknameRequest, SetNicknameResponse};
use fastreg_protocol::category::{CategoryRequest, Certificate, GetCategoryResponse, SetCategory};
use fastreg_protocol::rules::{self, CropBox, MediaType};
use fastreg_protocol::{AppId, AuditId, MediaId};
use serde::{Deserialize, Serialize};

macro_rules! try_upload {
    ($ctx:expr, $id:expr) => {
        match $ctx.upload($id).await {
            Ok(m) => m,
            Err(outcome) => return Err(outcome),
        }
    };
}

macro_rules! wechat {
    ($ctx:expr, $call:expr) => {
        match $call.await {
            Ok(answer) => answer,
            Err(e) => return $ctx.on_error(e).await,
        }
    };
}

macro_rules! step_try {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(outcome) => return outcome,
        }
    };
}

mod attachment;
mod avatar_step;
mod category_change;
mod category_step;
mod engine;
mod material;
mod nickname_step;
mod plan;
mod signature_step;

pub use attachment::*;
use avatar_step::*;
pub use category_change::*;
pub use category_step::*;
pub use engine::*;
pub use material::*;
pub use nickname_step::*;
pub use plan::*;
use signature_step::*;

/// The job kind of setup steps.
pub const JOB: &str = "setup";

/// One step as stored.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Step {
    /// The Mini Program.
    pub appid: String,
    /// nickname | avatar | signature | categories.
    pub step: String,
    /// The step's plan (JSON).
    pub spec: String,
    /// pending | running | awaiting_audit | done | failed.
    pub state: String,
    /// Progress (JSON): media ids, audit id, WeChat's wording, quotas seen, the call in flight
    /// (`submitted`, `call`, `sends`) and what WeChat showed before it (`before`).
    pub detail: String,
    /// Why it failed (JSON of [`Failure`]).
    pub failure: Option<String>,
    /// Last change (unix ms).
    pub updated_at: i64,
}

/// Attaches a stored plan (JSON from [`store_plan`]) to a Mini Program: one step row and one
/// job per part, in `tx`. A step attached again starts over.
pub async fn attach(state: &AppState, tx: &mut Tx, appid: &AppId, plan_json: &str) -> anyhow::Result<()> {
    let plan: SetupPlan = serde_json::from_str(plan_json).context("the stored setup plan is malformed")?;
    let mut steps: Vec<(&str, String)> = Vec::new();
    if let Some(n) = &plan.nickname {
        steps.push(("nickname", serde_json::to_string(n)?));
    }
    if let Some(a) = &plan.avatar {
        steps.push(("avatar", serde_json::to_string(a)?));
    }
    if let Some(s) = &plan.signature {
        steps.push(("signature", serde_json::to_string(s)?));
    }
    if let Some(c) = &plan.categories {
        steps.push(("categories", serde_json::to_string(c)?));
    }
    for (step, spec) in steps {
        let replaced = self::step(&mut *tx, appid.as_str(), step).await?;
        store::setup::upsert_pending_step(&mut *tx, appid.as_str(), step, &spec, state.now_ms()).await?;
        if let Some(old) = replaced {
            // The images of the plan it replaces, unless the new one uses them too.
            release_materials(state, tx, &old.spec).await?;
        }
        record_history(
            &mut *tx,
            &format!("mini_program:{appid}"),
            None,
            &format!("{step}:pending"),
            None,
        )
        .await?;
        start_job(state, tx, appid, step).await?;
    }
    Ok(())
}

/// Queues the job of a step, or makes its waiting job (polling an audit) due now.
async fn start_job(state: &AppState, tx: &mut Tx, appid: &AppId, step: &str) -> anyhow::Result<()> {
    let now = state.now_ms();
    store::setup::wake_setup_job(&mut *tx, &format!("setup:{appid}:{step}"), now).await?;
    state
        .queue
        .enqueue(
            &mut *tx,
            JOB,
            &serde_json::json!({ "appid": appid, "step": step }),
            Some(&format!("setup:{appid}:{step}")),
            now,
        )
        .await?;
    Ok(())
}

/// The steps of a Mini Program.
pub async fn steps(state: &AppState, appid: &str) -> anyhow::Result<Vec<Step>> {
    store::setup::steps(&state.db, appid).await
}

#[derive(Serialize, Deserialize)]
struct Payload {
    appid: String,
    step: String,
}

/// A category by its two ids, written `first-second` in URLs and forms (`8-39`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryKey {
    /// First-level id.
    pub first: u64,
    /// Second-level id.
    pub second: u64,
}

impl CategoryKey {
    /// `8-39` → 8/39.
    pub fn parse(s: &str) -> Option<CategoryKey> {
        let (first, second) = s.split_once('-')?;
        Some(CategoryKey {
            first: first.trim().parse().ok()?,
            second: second.trim().parse().ok()?,
        })
    }

    fn of(c: &SetCategory) -> CategoryKey {
        CategoryKey {
            first: c.first,
            second: c.second,
        }
    }

    fn is(&self, first: u64, second: u64) -> bool {
        self.first == first && self.second == second
    }
}

impl std::fmt::Display for CategoryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.first, self.second)
    }
}

/// Runs one setup step.
#[tracing::instrument(skip_all, fields(appid, step))]
pub async fn run_job(state: &AppState, job: &Job) -> anyhow::Result<Outcome> {
    let Payload { appid, step: name } = job.payload()?;
    tracing::Span::current()
        .record("appid", appid.as_str())
        .record("step", name.as_str());
    let Some(step) = step(&state.db, &appid, &name).await? else {
        return Ok(Outcome::Dead(format!("no setup step {name} for {appid}")));
    };
    if step.state == "done" || step.state == "failed" {
        return Ok(Outcome::Done);
    }
    let detail: Detail = serde_json::from_str(&step.detail).unwrap_or_default();
    let mut ctx = Ctx {
        state,
        appid: AppId::parse(appid).context("malformed appid")?,
        step,
        detail,
    };
    if ctx.step.state == "pending" {
        ctx.save(Some("running"), None).await?;
    }
    match name.as_str() {
        "nickname" => nickname(&mut ctx).await,
        "avatar" => avatar(&mut ctx).await,
        "signature" => signature(&mut ctx).await,
        "categories" => categories(&mut ctx).await,
        other => Ok(Outcome::Dead(format!("unknown setup step {other}"))),
    }
}
