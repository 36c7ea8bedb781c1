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
use crate::store::{AsExec, Tx, now_ms, record_history};
use crate::{execute, fetch_all, fetch_optional};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fastreg_client::Error as ClientError;
use fastreg_protocol::account::{AccountBasicInfoResponse, AuditStatus, SetNicknameRequest, SetNicknameResponse};
use fastreg_protocol::category::{CategoryRequest, Certificate, GetCategoryResponse, SetCategory};
use fastreg_protocol::rules::{self, CropBox, MediaType};
use fastreg_protocol::{AppId, AuditId, MediaId};
use serde::{Deserialize, Serialize};

/// The job kind of setup steps.
pub const JOB: &str = "setup";

/// An image of a plan: inline (base64) when given, a stored material once accepted.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Image {
    /// As given through the API.
    Inline {
        /// File name (its extension is informative only; the bytes are sniffed).
        filename: String,
        /// The bytes, base64.
        data_base64: String,
    },
    /// Kept in `materials`.
    Stored {
        /// The material's id.
        material_id: String,
    },
}

/// The name to set, with the materials WeChat may ask for.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NicknamePlan {
    /// The name.
    pub name: String,
    /// Business license (organizations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<Image>,
    /// ID card (individuals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_card: Option<Image>,
    /// Other supporting materials (trademark certificate, …), at most 5.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_stuff: Vec<Image>,
}

/// The head image and its crop box.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvatarPlan {
    /// The image (BMP/JPEG/GIF/PNG, ≤ 2 MB).
    pub image: Image,
    /// The crop box (fractions); default the whole image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crop: Option<CropBox>,
}

/// A qualification of a category.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificatePlan {
    /// The document's name, as getallcategories lists it.
    pub key: String,
    /// Its image.
    pub image: Image,
}

/// A category to add.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryPlan {
    /// First-level id.
    pub first: u64,
    /// Second-level id.
    pub second: u64,
    /// Qualifications (sensitive categories).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertificatePlan>,
}

/// What to set on a new Mini Program; every part is optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupPlan {
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<NicknamePlan>,
    /// The head image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<AvatarPlan>,
    /// The description (功能介绍).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Categories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<CategoryPlan>>,
}

/// Why a plan was refused.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Breaks one of the spec's rules (length, crop box, image type and size).
    #[error("{0}")]
    Rule(String),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

async fn keep_image(state: &AppState, image: Image, field: &str, head_image: bool) -> Result<Image, PlanError> {
    match image {
        Image::Stored { material_id } => {
            let exists: Option<(String,)> = fetch_optional!(
                &state.db,
                (String,),
                "SELECT id FROM materials WHERE id = $1",
                &material_id
            )
            .context("cannot read materials")?;
            exists.ok_or_else(|| {
                PlanError::Rule(format!(
                    "{field}: no material {material_id} (images are deleted once their step is done or failed): send the image inline"
                ))
            })?;
            Ok(Image::Stored { material_id })
        }
        // The given file name is not kept (it may name a person): WeChat gets one that says the
        // sniffed type.
        Image::Inline { data_base64, .. } => {
            let bytes = STANDARD
                .decode(data_base64.trim())
                .map_err(|_| PlanError::Rule(format!("{field}: data_base64 is not base64")))?;
            let kind = if head_image {
                rules::check_head_image(&bytes).map_err(|e| PlanError::Rule(format!("{field}: {e}")))?
            } else {
                rules::check_temp_media(MediaType::Image, &bytes)
                    .map_err(|e| PlanError::Rule(format!("{field}: {e}")))?;
                rules::sniff_image(&bytes).ok_or_else(|| PlanError::Rule(format!("{field}: not an image")))?
            };
            let id = uuid::Uuid::new_v4().to_string();
            let sealed = state.secrets.seal(&material_context(&id), &bytes);
            execute!(
                &state.db,
                "INSERT INTO materials (id, filename, content_type, bytes, sealed, created_at) VALUES ($1, $2, $3, $4, 1, $5)",
                &id,
                format!("image.{}", kind.extension()),
                kind.mime(),
                sealed,
                state.now_ms()
            )
            .context("cannot keep a material")?;
            Ok(Image::Stored { material_id: id })
        }
    }
}

/// What a material's sealed bytes are bound to.
fn material_context(id: &str) -> String {
    format!("materials:{id}")
}

/// The material ids a stored plan or step spec refers to.
fn material_ids(spec: &str) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("material_id", serde_json::Value::String(id)) => out.push(id.clone()),
                        _ => walk(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(spec) {
        walk(&v, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// SQL: no step still running nor registration still under way refers to the material (`like`
/// is the pattern `%<id>%`; `$2` is when the links of registrations awaiting their admin
/// expired). A registration is over once `registered` (its plan is in its steps), `failed` or
/// `abandoned`, or still `awaiting_admin` past its link's expiry.
fn material_unused(like: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM setup_steps s WHERE s.state NOT IN ('done', 'failed') AND s.spec LIKE {like})
         AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.setup_plan LIKE {like}
                         AND r.state NOT IN ('registered', 'failed', 'abandoned')
                         AND NOT (r.state = 'awaiting_admin' AND r.created_at <= $2))"
    )
}

/// When a registration still awaiting its admin can no longer go on (its link expired).
fn awaiting_cutoff(state: &AppState, now: i64) -> i64 {
    now.saturating_sub(i64::try_from(state.settings.state_ttl_secs).unwrap_or(i64::MAX / 4_000) * 1000)
}

/// Deletes the materials `spec` (a step's spec or a plan, JSON) refers to that no live step or
/// registration needs any more: called when a step is done or failed, or its spec replaced.
pub async fn release_materials(state: &AppState, tx: &mut Tx, spec: &str) -> anyhow::Result<u64> {
    let mut deleted = 0;
    for id in material_ids(spec) {
        deleted += execute!(
            &mut *tx,
            &format!("DELETE FROM materials WHERE id = $1 AND {}", material_unused("$3")),
            &id,
            awaiting_cutoff(state, state.now_ms()),
            format!("%{id}%")
        )
        .context("cannot delete a material")?;
    }
    Ok(deleted)
}

/// The materials `spec` refers to that are no longer stored (deleted when their step ended):
/// attaching it again would stop at `material_missing`.
pub async fn missing_materials(state: &AppState, spec: &str) -> anyhow::Result<Vec<String>> {
    let mut missing = Vec::new();
    for id in material_ids(spec) {
        let found: Option<(String,)> =
            fetch_optional!(&state.db, (String,), "SELECT id FROM materials WHERE id = $1", &id)
                .context("cannot read materials")?;
        if found.is_none() {
            missing.push(id);
        }
    }
    Ok(missing)
}

/// Materials older than this that nothing refers to are swept (a plan is stored a moment before
/// the registration or step that refers to it).
const ORPHAN_AFTER_MS: i64 = 3600 * 1000;

/// The upkeep's pass over `materials` at `now`: deletes the images no live step or registration
/// refers to (a registration that failed or whose link expired, a plan replaced, a request that
/// failed after its plan was stored) once an hour old, and seals rows stored in the clear by an
/// older version. Returns (deleted, sealed).
pub async fn sweep_materials(state: &AppState, now: i64) -> anyhow::Result<(u64, u64)> {
    let deleted = execute!(
        &state.db,
        &format!(
            "DELETE FROM materials WHERE created_at < $1 AND {}",
            material_unused("('%' || materials.id || '%')")
        ),
        now - ORPHAN_AFTER_MS,
        awaiting_cutoff(state, now)
    )
    .context("cannot sweep materials")?;
    let plain: Vec<(String,)> = fetch_all!(
        &state.db,
        (String,),
        "SELECT id FROM materials WHERE sealed = 0 ORDER BY created_at LIMIT 100"
    )
    .context("cannot list plain materials")?;
    let mut sealed = 0;
    for (id,) in plain {
        let row: Option<(Vec<u8>,)> = fetch_optional!(
            &state.db,
            (Vec<u8>,),
            "SELECT bytes FROM materials WHERE id = $1 AND sealed = 0",
            &id
        )
        .context("cannot read a material")?;
        let Some((bytes,)) = row else { continue };
        let name = rules::sniff_image(&bytes).map_or("image", |k| k.extension());
        sealed += execute!(
            &state.db,
            "UPDATE materials SET bytes = $1, filename = $2, sealed = 1 WHERE id = $3 AND sealed = 0",
            state.secrets.seal(&material_context(&id), &bytes),
            format!("image.{name}"),
            &id
        )
        .context("cannot seal a material")?;
    }
    if deleted > 0 || sealed > 0 {
        tracing::info!(deleted, sealed, "materials swept");
    }
    Ok((deleted, sealed))
}

/// Checks a plan against the spec's rules and keeps its images; returns the plan (JSON) with
/// material ids in place of the inline images.
pub async fn store_plan(state: &AppState, plan: SetupPlan) -> Result<String, PlanError> {
    let mut out = SetupPlan::default();
    if let Some(n) = plan.nickname {
        rules::check_nickname(&n.name).map_err(|e| PlanError::Rule(e.to_string()))?;
        rules::check_not_deceptive("nickname.name", &n.name).map_err(|e| PlanError::Rule(e.to_string()))?;
        if n.other_stuff.len() > 5 {
            return Err(PlanError::Rule("nickname.other_stuff: at most 5 materials".into()));
        }
        let license = match n.license {
            Some(i) => Some(keep_image(state, i, "nickname.license", false).await?),
            None => None,
        };
        let id_card = match n.id_card {
            Some(i) => Some(keep_image(state, i, "nickname.id_card", false).await?),
            None => None,
        };
        let mut other = Vec::new();
        for i in n.other_stuff {
            other.push(keep_image(state, i, "nickname.other_stuff", false).await?);
        }
        out.nickname = Some(NicknamePlan {
            name: n.name,
            license,
            id_card,
            other_stuff: other,
        });
    }
    if let Some(a) = plan.avatar {
        out.avatar = Some(AvatarPlan {
            image: keep_image(state, a.image, "avatar.image", true).await?,
            crop: a.crop,
        });
    }
    if let Some(s) = plan.signature {
        rules::check_signature(&s).map_err(|e| PlanError::Rule(e.to_string()))?;
        rules::check_not_deceptive("signature", &s).map_err(|e| PlanError::Rule(e.to_string()))?;
        out.signature = Some(s);
    }
    if let Some(cats) = plan.categories {
        let mut kept = Vec::new();
        for c in cats {
            let mut certs = Vec::new();
            for cert in c.certificates {
                certs.push(CertificatePlan {
                    image: keep_image(state, cert.image, "categories.certificates", false).await?,
                    key: cert.key,
                });
            }
            kept.push(CategoryPlan {
                first: c.first,
                second: c.second,
                certificates: certs,
            });
        }
        out.categories = Some(kept);
    }
    serde_json::to_string(&out).map_err(|e| PlanError::Unexpected(e.into()))
}

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
        execute!(
            &mut *tx,
            "INSERT INTO setup_steps (appid, step, spec, state, detail, updated_at) VALUES ($1, $2, $3, 'pending', '{}', $4)
             ON CONFLICT (appid, step) DO UPDATE SET spec = excluded.spec, state = 'pending', detail = '{}', failure = NULL,
                 updated_at = excluded.updated_at",
            appid.as_str(),
            step,
            &spec,
            state.now_ms()
        )
        .context("cannot store a setup step")?;
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
    execute!(
        &mut *tx,
        "UPDATE jobs SET run_at = $1 WHERE dedupe_key = $2 AND status = 'queued' AND run_at > $1",
        now,
        format!("setup:{appid}:{step}")
    )
    .context("cannot wake a setup job")?;
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
    fetch_all!(
        &state.db,
        Step,
        "SELECT appid, step, spec, state, detail, failure, updated_at FROM setup_steps WHERE appid = $1 ORDER BY step",
        appid
    )
    .context("cannot read setup steps")
}

async fn step(db: impl AsExec, appid: &str, name: &str) -> anyhow::Result<Option<Step>> {
    fetch_optional!(
        db,
        Step,
        "SELECT appid, step, spec, state, detail, failure, updated_at FROM setup_steps WHERE appid = $1 AND step = $2",
        appid,
        name
    )
    .context("cannot read a setup step")
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

/// What WeChat showed right before a call that must not be resent: what a lost answer is
/// reconciled against.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Before {
    /// Changes used this period: head image or signature changes this month, renames
    /// (`nickname_info`, when WeChat sends it), category changes (`limit - quota`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    used: Option<u64>,
    /// The value the call changes: the head image's URL, the signature, the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    /// The categories sent (addcategory) or resubmitted (modifycategory).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    categories: Vec<CategoryKey>,
}

/// Progress of a step, kept in `detail`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Detail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    check_wording: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hit_condition: Option<bool>,
    /// Material id → media id uploaded.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    media: std::collections::BTreeMap<String, String>,
    /// Written before a call that must not be resent, cleared once its answer is recorded.
    #[serde(default)]
    submitted: bool,
    /// That call (`setnickname`, `modifyheadimage`, `modifysignature`, `addcategory`,
    /// `modifycategory`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    call: Option<String>,
    /// When it was (about to be) sent (unix ms): the grace period counts from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    submitted_at: Option<i64>,
    /// How many times it may have reached WeChat: a lost call that provably did not apply is
    /// sent again, at most [`MAX_SENDS`] times in all.
    #[serde(default, skip_serializing_if = "is_zero")]
    sends: u32,
    /// What became of the latest send whose outcome is unknown (`WeChat answered -1`, `the
    /// answer was lost (…)`), for the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unknown: Option<String>,
    /// What WeChat showed right before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    before: Option<Before>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_id: Option<u64>,
    /// A name audit is known to be open although its id was lost with setnickname's answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    audit_open: bool,
    /// The plan's categories were added (addcategory answered, or found set): what is left is
    /// following their audits.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    added: bool,
    /// A rejected category to resubmit with new qualifications (modifycategory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    modify: Option<CategoryKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quota: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<SetupNote>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The most times a setup call that must not be resent blindly is sent: each resend only after
/// WeChat showed no trace of the one before (WeChat answered -1 without acting, or the request
/// never reached it).
pub const MAX_SENDS: u32 = 6;

/// What became of a call that must not be resent.
enum Sent<T> {
    /// WeChat answered; the step records it (its save clears `submitted`).
    Answered(T),
    /// The answer was lost: WeChat may or may not have applied the call; `submitted` stays.
    Lost(String),
    /// Refused by WeChat or never sent: not applied; `submitted` is cleared.
    Refused(ClientError),
}

struct Ctx<'a> {
    state: &'a AppState,
    appid: AppId,
    step: Step,
    detail: Detail,
}

impl Ctx<'_> {
    /// Writes the detail (and optionally the state), if the step is still in `expected` state.
    async fn save(&mut self, new_state: Option<&str>, failure: Option<&Failure>) -> anyhow::Result<()> {
        let detail = serde_json::to_string(&self.detail)?;
        let failure_json = failure.map(serde_json::to_string).transpose()?;
        let to = new_state.unwrap_or(&self.step.state).to_owned();
        let mut tx = self.state.db.begin().await?;
        let n = execute!(
            &mut tx,
            "UPDATE setup_steps SET state = $1, detail = $2, failure = $3, updated_at = $4 WHERE appid = $5 AND step = $6 AND state = $7",
            &to,
            &detail,
            failure_json.as_deref(),
            self.state.now_ms(),
            self.appid.as_str(),
            &self.step.step,
            &self.step.state
        )
        .context("cannot save a setup step")?;
        if n == 0 {
            anyhow::bail!("the setup step changed under this job (attached again, or decided by a push)");
        }
        if to != self.step.state {
            record_history(
                &mut tx,
                &format!("mini_program:{}", self.appid),
                Some(&format!("{}:{}", self.step.step, self.step.state)),
                &format!("{}:{to}", self.step.step),
                failure
                    .map(|f| f.message.clone())
                    .or(self.detail.note.as_ref().map(SetupNote::en))
                    .as_deref(),
            )
            .await?;
            if to == "done" || to == "failed" {
                release_materials(self.state, &mut tx, &self.step.spec).await?;
                crate::webhook::enqueue(
                    self.state,
                    &mut tx,
                    &format!("setup.{to}"),
                    serde_json::json!({ "mini_program_appid": self.appid, "step": self.step.step, "failure": failure }),
                )
                .await?;
            }
        }
        tx.commit().await?;
        self.step.state = to;
        self.step.detail = detail;
        Ok(())
    }

    async fn fail(&mut self, failure: Failure) -> anyhow::Result<Outcome> {
        tracing::warn!(step = %self.step.step, code = %failure.code, "setup step failed");
        self.detail.submitted = false;
        self.save(Some("failed"), Some(&failure)).await?;
        Ok(Outcome::Done)
    }

    async fn done(&mut self) -> anyhow::Result<Outcome> {
        tracing::info!(step = %self.step.step, "setup step done");
        self.detail.submitted = false;
        self.save(Some("done"), None).await?;
        Ok(Outcome::Done)
    }

    /// What to do with a client error: retry it, or stop the step with its meaning.
    async fn on_error(&mut self, e: ClientError) -> anyhow::Result<Outcome> {
        if is_retryable(&e) && !is_lost_answer(&e) {
            return Ok(Outcome::Retry(e.to_string()));
        }
        self.fail(Failure::from_client(&e)).await
    }

    /// Sends `call`, a call that must not be resent: `submitted` is written first, with what
    /// WeChat showed before it (`before`), so a run that finds it without an answer reconciles
    /// instead of calling again. The crash tests freeze a job on either side of the call.
    async fn send<T>(
        &mut self,
        call: &'static str,
        before: Before,
        request: impl std::future::Future<Output = Result<T, ClientError>>,
    ) -> anyhow::Result<Sent<T>> {
        self.detail.submitted = true;
        self.detail.call = Some(call.to_owned());
        self.detail.submitted_at = Some(now_ms());
        self.detail.sends += 1;
        self.detail.before = Some(before);
        self.save(None, None).await?;
        let point = |at: &str| format!("setup.{}.{at}", self.step.step);
        self.state.crash_points.reach(&point("before_call")).await;
        let result = request.await;
        self.state.crash_points.reach(&point("after_call")).await;
        match result {
            Ok(answer) => {
                self.detail.submitted = false;
                Ok(Sent::Answered(answer))
            }
            Err(e) if is_lost_answer(&e) => {
                tracing::warn!(step = %self.step.step, call, error = %e, "outcome unknown; reconciling from WeChat's state");
                self.detail.unknown = Some(crate::failure::what_happened(&e));
                self.save(None, None).await?;
                Ok(Sent::Lost(e.to_string()))
            }
            Err(e) => {
                self.detail.submitted = false;
                self.detail.sends = self.detail.sends.saturating_sub(1);
                self.save(None, None).await?;
                Ok(Sent::Refused(e))
            }
        }
    }

    /// The call in flight and what WeChat showed before it.
    fn in_flight(&self) -> (String, Before) {
        (
            self.detail.call.clone().unwrap_or_else(|| "the call".to_owned()),
            self.detail.before.clone().unwrap_or_default(),
        )
    }

    /// When a lost call that changed nothing on WeChat is known not to have been applied: the
    /// grace period after the latest send, doubled with each send (at most 8×), so a WeChat that
    /// keeps answering -1 is given more time each round.
    fn grace_until(&self) -> i64 {
        let grace_ms = i64::try_from(self.state.settings.reconcile_grace_secs)
            .unwrap_or(60)
            .saturating_mul(1000)
            .saturating_mul(1 << self.detail.sends.saturating_sub(1).min(3));
        self.detail
            .submitted_at
            .unwrap_or(self.step.updated_at)
            .saturating_add(grace_ms)
    }

    /// The lost call was applied: the answer is taken as given.
    fn applied(&mut self, note: SetupNote) {
        tracing::info!(step = %self.step.step, note = %note.en(), "lost answer reconciled");
        self.detail.submitted = false;
        self.detail.note = Some(note);
    }

    /// The lost call changed nothing on WeChat within the grace period, so WeChat did not apply
    /// it: the step runs again and sends it again — or stops after [`MAX_SENDS`] sends.
    async fn not_applied(&mut self) -> anyhow::Result<Outcome> {
        let (call, _) = self.in_flight();
        let what = self
            .detail
            .unknown
            .clone()
            .unwrap_or_else(|| "the answer was lost".to_owned());
        if self.detail.sends >= MAX_SENDS {
            return self
                .fail(Failure::new(
                    "outcome_unknown",
                    format!(
                        "{call} was sent {} times; each time WeChat answered -1 or the answer was lost (last: {what}), and WeChat shows no change; it is not sent again",
                        self.detail.sends
                    ),
                    "Check the Mini Program on WeChat and this service's access to it, then attach the step again to retry.",
                ))
                .await;
        }
        let note = SetupNote::new(NoteCode::LostNotApplied)
            .with("call", call)
            .with("what", &what)
            .with("send", self.detail.sends + 1)
            .with("max", MAX_SENDS);
        tracing::info!(step = %self.step.step, note = %note.en(), "lost answer reconciled");
        self.detail.submitted = false;
        self.detail.note = Some(note);
        self.save(None, None).await?;
        Ok(Outcome::WaitUntil(now_ms()))
    }

    async fn upload(&mut self, material_id: &str) -> Result<MediaId, Result<Outcome, anyhow::Error>> {
        if let Some(m) = self
            .detail
            .media
            .get(material_id)
            .and_then(|m| MediaId::parse(m.clone()).ok())
        {
            return Ok(m);
        }
        let row: Option<(String, Vec<u8>, i64)> = match fetch_optional!(
            &self.state.db,
            (String, Vec<u8>, i64),
            "SELECT filename, bytes, sealed FROM materials WHERE id = $1",
            material_id
        ) {
            Ok(r) => r,
            Err(e) => return Err(Err(anyhow::Error::new(e).context("cannot read a material"))),
        };
        let opened = match row {
            None => Err(format!("material {material_id} is gone")),
            // Stored in the clear by an older version, not sealed by the upkeep yet.
            Some((filename, bytes, 0)) => Ok((filename, bytes)),
            Some((filename, sealed, _)) => self
                .state
                .secrets
                .open(&material_context(material_id), &sealed)
                .map(|bytes| (filename, bytes))
                .map_err(|e| format!("material {material_id} cannot be opened: {e}")),
        };
        let (filename, bytes) = match opened {
            Ok(m) => m,
            Err(message) => {
                return Err(self
                    .fail(Failure::new(
                        "material_missing",
                        message,
                        "Attach the step again with its images inline (images are deleted once their step is done or failed).",
                    ))
                    .await);
            }
        };
        match self
            .state
            .client
            .upload_temp_media(&self.appid, MediaType::Image, &filename, bytes)
            .await
        {
            Ok(resp) => {
                self.detail
                    .media
                    .insert(material_id.to_owned(), resp.media_id.as_str().to_owned());
                if let Err(e) = self.save(None, None).await {
                    return Err(Err(e));
                }
                Ok(resp.media_id)
            }
            Err(e) => Err(self.on_error(e).await),
        }
    }
}

fn material(image: &Image) -> Option<&str> {
    match image {
        Image::Stored { material_id } => Some(material_id),
        Image::Inline { .. } => None,
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

// ---- nickname ----

/// setnickname's request, its materials uploaded (or taken from earlier uploads).
async fn nickname_request(
    ctx: &mut Ctx<'_>,
    plan: &NicknamePlan,
) -> Result<SetNicknameRequest, anyhow::Result<Outcome>> {
    let mut req = SetNicknameRequest {
        nick_name: plan.name.clone(),
        ..Default::default()
    };
    if let Some(id) = plan.license.as_ref().and_then(material) {
        req.license = Some(try_upload!(ctx, id).into_string());
    }
    if let Some(id) = plan.id_card.as_ref().and_then(material) {
        req.id_card = Some(try_upload!(ctx, id).into_string());
    }
    let mut others = Vec::new();
    for image in &plan.other_stuff {
        if let Some(id) = material(image) {
            others.push(try_upload!(ctx, id).into_string());
        }
    }
    let mut others = others.into_iter();
    req.naming_other_stuff_1 = others.next();
    req.naming_other_stuff_2 = others.next();
    req.naming_other_stuff_3 = others.next();
    req.naming_other_stuff_4 = others.next();
    req.naming_other_stuff_5 = others.next();
    Ok(req)
}

fn rename_count(info: &AccountBasicInfoResponse) -> Option<u64> {
    info.nickname_info.as_ref().and_then(|n| n.modify_used_count)
}

async fn nickname(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
    let plan: NicknamePlan = serde_json::from_str(&ctx.step.spec)?;
    if ctx.step.state == "awaiting_audit" && ctx.detail.audit_id.is_some() {
        return poll_nickname(ctx).await;
    }
    if ctx.detail.submitted || ctx.step.state == "awaiting_audit" {
        return reconcile_nickname(ctx, &plan).await;
    }
    if ctx.detail.hit_condition.is_none() {
        let check = wechat!(ctx, ctx.state.client.check_nickname(&ctx.appid, &plan.name));
        ctx.detail.hit_condition = Some(check.hit_condition);
        ctx.detail.check_wording = (!check.wording.is_empty()).then_some(check.wording);
        ctx.save(None, None).await?;
    }
    let req = step_try!(nickname_request(ctx, &plan).await);
    let info = wechat!(ctx, ctx.state.client.account_basic_info(&ctx.appid));
    if info.nickname.as_deref() == Some(plan.name.as_str()) {
        ctx.detail.note = Some(SetupNote::new(NoteCode::AlreadyNamed));
        return ctx.done().await;
    }
    let before = Before {
        used: rename_count(&info),
        value: info.nickname.clone(),
        ..Default::default()
    };
    let (state, appid) = (ctx.state, ctx.appid.clone());
    match ctx
        .send("setnickname", before, state.client.set_nickname(&appid, &req))
        .await?
    {
        Sent::Answered(resp) => nickname_answered(ctx, resp).await,
        Sent::Lost(e) => {
            // Most likely WeChat opened an audit whose id went with the answer.
            ctx.detail.note = Some(SetupNote::new(NoteCode::NicknameLostAuditUnknown).with("error", e));
            ctx.save(Some("awaiting_audit"), None).await?;
            Ok(Outcome::WaitUntil(state.now_ms()))
        }
        Sent::Refused(e) => ctx.on_error(e).await,
    }
}

async fn nickname_answered(ctx: &mut Ctx<'_>, resp: SetNicknameResponse) -> anyhow::Result<Outcome> {
    if !resp.wording.is_empty() {
        ctx.detail.note = Some(SetupNote::new(NoteCode::WechatWording).with("text", resp.wording));
    }
    match resp.audit_id {
        Some(AuditId(id)) => {
            ctx.detail.audit_id = Some(id);
            ctx.detail.audit_open = false;
            ctx.save(Some("awaiting_audit"), None).await?;
            Ok(Outcome::WaitUntil(ctx.state.now_ms() + poll_ms(ctx.state)))
        }
        None => ctx.done().await,
    }
}

/// setnickname's answer was lost (or the service stopped while it was in flight), so the
/// audit's id is unknown and api_wxa_querynickname cannot be asked. What WeChat shows decides:
///
/// 1. getaccountbasicinfo shows the name: applied (and approved, or no audit was needed);
/// 2. the `wxa_nickname_audit` push for this name decides the step ([`nickname_audit_pushed`]);
/// 3. `nickname_info.modify_used_count` grew since the call: WeChat counted the rename, so an
///    audit is open — wait for 1 or 2;
/// 4. none of these after the grace period: setnickname is sent again. That cannot open a
///    second audit: while one is open WeChat refuses any new name (91003), which proves the lost
///    call opened it (then wait for 1 or 2); an answer proves it had not been applied.
async fn reconcile_nickname(ctx: &mut Ctx<'_>, plan: &NicknamePlan) -> anyhow::Result<Outcome> {
    let info = wechat!(ctx, ctx.state.client.account_basic_info(&ctx.appid));
    if info.nickname.as_deref() == Some(plan.name.as_str()) {
        ctx.applied(SetupNote::new(NoteCode::NicknameLostShown));
        return ctx.done().await;
    }
    if ctx.step.state != "awaiting_audit" {
        ctx.detail.note = Some(SetupNote::new(NoteCode::NicknameStoppedInFlight));
        ctx.save(Some("awaiting_audit"), None).await?;
    }
    let (_, before) = ctx.in_flight();
    let counted = matches!((before.used, rename_count(&info)), (Some(b), Some(n)) if n > b);
    if counted && !ctx.detail.audit_open {
        ctx.detail.audit_open = true;
        ctx.applied(SetupNote::new(NoteCode::NicknameLostCounted));
        ctx.save(None, None).await?;
    }
    let next_poll = ctx.state.now_ms() + poll_ms(ctx.state);
    if ctx.detail.audit_open {
        return Ok(Outcome::WaitUntil(next_poll));
    }
    if ctx.state.now_ms() < ctx.grace_until() {
        return Ok(Outcome::WaitUntil(ctx.grace_until().min(next_poll)));
    }
    if ctx.detail.sends >= MAX_SENDS {
        return ctx.not_applied().await;
    }
    let req = step_try!(nickname_request(ctx, plan).await);
    let before = Before {
        used: rename_count(&info),
        value: info.nickname.clone(),
        ..Default::default()
    };
    let (state, appid) = (ctx.state, ctx.appid.clone());
    match ctx
        .send("setnickname", before, state.client.set_nickname(&appid, &req))
        .await?
    {
        Sent::Answered(resp) => {
            ctx.detail.note = Some(SetupNote::new(NoteCode::NicknameResentNoTrace));
            nickname_answered(ctx, resp).await
        }
        Sent::Refused(e) if e.code() == Some(91003) => {
            ctx.detail.audit_open = true;
            ctx.detail.note = Some(SetupNote::new(NoteCode::NicknameResentAuditOpen));
            ctx.save(None, None).await?;
            Ok(Outcome::WaitUntil(next_poll))
        }
        Sent::Refused(e) => ctx.on_error(e).await,
        Sent::Lost(_) => Ok(Outcome::WaitUntil(state.now_ms())),
    }
}

fn poll_ms(state: &AppState) -> i64 {
    i64::try_from(state.settings.nickname_poll_secs).unwrap_or(600).max(1) * 1000
}

async fn poll_nickname(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
    let Some(audit_id) = ctx.detail.audit_id else {
        return ctx
            .fail(Failure::new(
                "internal",
                "awaiting an audit without its id",
                "Attach the nickname step again.",
            ))
            .await;
    };
    let r = wechat!(
        ctx,
        ctx.state.client.query_nickname_audit(&ctx.appid, AuditId(audit_id))
    );
    match r.audit_stat {
        AuditStatus::Reviewing => Ok(Outcome::WaitUntil(ctx.state.now_ms() + poll_ms(ctx.state))),
        AuditStatus::Approved => ctx.done().await,
        AuditStatus::Rejected => ctx.fail(rejected_name(&r.fail_reason)).await,
    }
}

fn rejected_name(reason: &str) -> Failure {
    Failure::new(
        "nickname_rejected",
        format!("WeChat rejected the name: {reason}"),
        "Choose another name or supply materials that prove the right to it, then attach the nickname step again.",
    )
}

/// A `wxa_nickname_audit` push for `nickname`: decides the nickname step awaiting that name's
/// audit (or reconciling a lost setnickname of it). A push about another name changes nothing.
pub async fn nickname_audit_pushed(
    state: &AppState,
    appid: &str,
    nickname: &str,
    approved: bool,
    reason: &str,
) -> anyhow::Result<()> {
    let Some(step) = step(&state.db, appid, "nickname").await? else {
        return Ok(());
    };
    let detail: Detail = serde_json::from_str(&step.detail).unwrap_or_default();
    let reconciling = step.state == "running" && detail.submitted;
    if step.state != "awaiting_audit" && !reconciling {
        return Ok(());
    }
    let plan: NicknamePlan = serde_json::from_str(&step.spec)?;
    if !nickname.is_empty() && nickname != plan.name {
        tracing::info!(appid, nickname, "a name audit push for another name; the step goes on");
        return Ok(());
    }
    let mut ctx = Ctx {
        state,
        appid: AppId::parse(appid.to_owned())?,
        step,
        detail,
    };
    ctx.detail.note = Some(SetupNote::new(NoteCode::AuditDecidedByPush));
    if approved {
        ctx.done().await?
    } else {
        ctx.fail(rejected_name(reason)).await?
    };
    Ok(())
}

// ---- avatar and signature ----

async fn avatar(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
    let plan: AvatarPlan = serde_json::from_str(&ctx.step.spec)?;
    let info = wechat!(ctx, ctx.state.client.account_basic_info(&ctx.appid));
    let head = info.head_image_info.clone();
    if ctx.detail.submitted {
        // A change spends one of the month's and gives the head image a new URL.
        let (_, before) = ctx.in_flight();
        let (Some(head), Some(used)) = (head, before.used) else {
            return ctx
                .fail(Failure::new(
                    "outcome_unknown",
                    "modifyheadimage's answer was lost and getaccountbasicinfo has no head_image_info to tell whether it was applied",
                    "Check the head image on WeChat; attach the avatar step again to retry (it spends a monthly change).",
                ))
                .await;
        };
        let new_image = before.value.as_ref().is_some_and(|url| *url != head.head_image_url);
        if head.modify_used_count > used || new_image {
            ctx.applied(
                SetupNote::new(NoteCode::HeadImageLostApplied)
                    .with("before", used)
                    .with("after", head.modify_used_count),
            );
            return ctx.done().await;
        }
        if ctx.state.now_ms() < ctx.grace_until() {
            return Ok(Outcome::WaitUntil(ctx.grace_until()));
        }
        return ctx.not_applied().await;
    }
    if let Some(h) = &head {
        ctx.detail.quota = Some(serde_json::json!({ "used": h.modify_used_count, "quota": h.modify_quota }));
        if h.modify_quota > 0 && h.modify_used_count >= h.modify_quota {
            return ctx.fail(Failure::wechat(53202, "")).await;
        }
    }
    let Some(id) = material(&plan.image) else {
        return ctx
            .fail(Failure::new(
                "internal",
                "the head image was not kept",
                "Attach the plan again.",
            ))
            .await;
    };
    let media = match ctx.upload(id).await {
        Ok(m) => m,
        Err(outcome) => return outcome,
    };
    let before = Before {
        used: head.as_ref().map(|h| h.modify_used_count),
        value: head.map(|h| h.head_image_url),
        ..Default::default()
    };
    let (state, appid) = (ctx.state, ctx.appid.clone());
    let crop = plan.crop.unwrap_or(CropBox::FULL);
    match ctx
        .send(
            "modifyheadimage",
            before,
            state.client.set_head_image(&appid, &media, crop),
        )
        .await?
    {
        Sent::Answered(()) => ctx.done().await,
        Sent::Lost(_) => Ok(Outcome::WaitUntil(state.now_ms())),
        Sent::Refused(e) => ctx.on_error(e).await,
    }
}

async fn signature(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
    let wanted: String = serde_json::from_str(&ctx.step.spec)?;
    let info = wechat!(ctx, ctx.state.client.account_basic_info(&ctx.appid));
    let current = info.signature_info.clone().unwrap_or_default();
    if ctx.detail.submitted {
        let (_, before) = ctx.in_flight();
        if current.signature == wanted {
            ctx.applied(SetupNote::new(NoteCode::SignatureLostApplied));
            return ctx.done().await;
        }
        // A change spent while another signature shows: someone changed it meanwhile. No count
        // to compare: nothing proves the call was not applied.
        if before.used.is_none_or(|u| current.modify_used_count > u) {
            return ctx
                .fail(Failure::new(
                    "outcome_unknown",
                    format!(
                        "modifysignature's answer was lost and WeChat shows another signature ({}) with {} change(s) this month; whether the call was applied cannot be told",
                        current.signature, current.modify_used_count
                    ),
                    "Check the signature on WeChat (and who else changes it); attach the signature step again to set it (it spends a monthly change).",
                ))
                .await;
        }
        if ctx.state.now_ms() < ctx.grace_until() {
            return Ok(Outcome::WaitUntil(ctx.grace_until()));
        }
        return ctx.not_applied().await;
    }
    if current.signature == wanted {
        return ctx.done().await;
    }
    ctx.detail.quota = Some(serde_json::json!({ "used": current.modify_used_count, "quota": current.modify_quota }));
    if current.modify_quota > 0 && current.modify_used_count >= current.modify_quota {
        return ctx.fail(Failure::wechat(53200, "")).await;
    }
    let before = Before {
        used: info.signature_info.as_ref().map(|s| s.modify_used_count),
        value: Some(current.signature),
        ..Default::default()
    };
    let (state, appid) = (ctx.state, ctx.appid.clone());
    match ctx
        .send("modifysignature", before, state.client.set_signature(&appid, &wanted))
        .await?
    {
        Sent::Answered(()) => ctx.done().await,
        Sent::Lost(_) => Ok(Outcome::WaitUntil(state.now_ms())),
        Sent::Refused(e) => ctx.on_error(e).await,
    }
}

// ---- categories ----

fn changes_spent(c: &GetCategoryResponse) -> u64 {
    c.limit.saturating_sub(c.quota)
}

fn find_set(current: &GetCategoryResponse, key: CategoryKey) -> Option<&SetCategory> {
    current.categories.iter().find(|c| key.is(c.first, c.second))
}

async fn categories(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
    let plan: Vec<CategoryPlan> = serde_json::from_str(&ctx.step.spec)?;
    let current = wechat!(ctx, ctx.state.client.categories(&ctx.appid));
    if ctx.detail.submitted {
        return reconcile_categories(ctx, &current).await;
    }
    if let Some(key) = ctx.detail.modify {
        return modify_category(ctx, &plan, &current, key).await;
    }
    // A step awaiting an audit has added its categories (rows older than `added` too).
    if !ctx.detail.added && ctx.step.state != "awaiting_audit" {
        return add_categories(ctx, &plan, &current).await;
    }
    follow_categories(ctx, &plan, &current).await
}

/// The categories of the plan not set yet go in one addcategory call.
async fn add_categories(
    ctx: &mut Ctx<'_>,
    plan: &[CategoryPlan],
    current: &GetCategoryResponse,
) -> anyhow::Result<Outcome> {
    ctx.detail.quota = Some(
        serde_json::json!({ "limit": current.limit, "quota": current.quota, "category_limit": current.category_limit }),
    );
    let missing: Vec<&CategoryPlan> = plan
        .iter()
        .filter(|p| {
            !current
                .categories
                .iter()
                .any(|c| c.first == p.first && c.second == p.second)
        })
        .collect();
    if missing.is_empty() {
        ctx.detail.added = true;
        ctx.save(None, None).await?;
        return Ok(Outcome::WaitUntil(ctx.state.now_ms()));
    }
    if current.quota == 0 {
        return ctx.fail(Failure::wechat(53300, "")).await;
    }
    let mut requests = Vec::new();
    for p in &missing {
        let certicates = step_try!(certificates(ctx, p).await);
        requests.push(CategoryRequest {
            first: p.first,
            second: p.second,
            certicates,
        });
    }
    let before = Before {
        used: Some(changes_spent(current)),
        categories: missing
            .iter()
            .map(|p| CategoryKey {
                first: p.first,
                second: p.second,
            })
            .collect(),
        ..Default::default()
    };
    let (state, appid) = (ctx.state, ctx.appid.clone());
    match ctx
        .send("addcategory", before, state.client.add_categories(&appid, requests))
        .await?
    {
        Sent::Answered(()) => {
            ctx.detail.added = true;
            ctx.save(None, None).await?;
            Ok(Outcome::WaitUntil(state.now_ms()))
        }
        Sent::Lost(_) => Ok(Outcome::WaitUntil(state.now_ms())),
        Sent::Refused(e) => ctx.on_error(e).await,
    }
}

/// A category's qualifications, uploaded (or taken from earlier uploads).
async fn certificates(ctx: &mut Ctx<'_>, p: &CategoryPlan) -> Result<Vec<Certificate>, anyhow::Result<Outcome>> {
    let mut out = Vec::new();
    for cert in &p.certificates {
        let Some(id) = material(&cert.image) else { continue };
        let media = try_upload!(ctx, id);
        out.push(Certificate {
            key: cert.key.clone(),
            value: media.into_string(),
        });
    }
    Ok(out)
}

/// A rejected category resubmitted with new qualifications (spec §6.5): only a rejected one
/// may be modified (53307), and only a category that is set (53306).
async fn modify_category(
    ctx: &mut Ctx<'_>,
    plan: &[CategoryPlan],
    current: &GetCategoryResponse,
    key: CategoryKey,
) -> anyhow::Result<Outcome> {
    let Some(p) = plan.iter().find(|p| key.is(p.first, p.second)) else {
        return ctx
            .fail(Failure::new(
                "internal",
                format!("category {key} to resubmit is not in the step's plan"),
                "Resubmit the category again.",
            ))
            .await;
    };
    match find_set(current, key) {
        None => return ctx.fail(not_set(key)).await,
        Some(c) if c.audit_status != AuditStatus::Rejected => {
            return ctx.fail(not_rejected(key, c.audit_status)).await;
        }
        Some(_) => {}
    }
    if current.quota == 0 {
        return ctx.fail(Failure::wechat(53300, "")).await;
    }
    let certicates = step_try!(certificates(ctx, p).await);
    let request = CategoryRequest {
        first: key.first,
        second: key.second,
        certicates,
    };
    let before = Before {
        used: Some(changes_spent(current)),
        categories: vec![key],
        ..Default::default()
    };
    let (state, appid) = (ctx.state, ctx.appid.clone());
    match ctx
        .send("modifycategory", before, state.client.modify_category(&appid, &request))
        .await?
    {
        Sent::Answered(()) => {
            ctx.detail.modify = None;
            ctx.detail.note = Some(SetupNote::new(NoteCode::CategoryResubmittedFollowed).with("category", key));
            ctx.save(None, None).await?;
            Ok(Outcome::WaitUntil(state.now_ms()))
        }
        Sent::Lost(_) => Ok(Outcome::WaitUntil(state.now_ms())),
        Sent::Refused(e) => ctx.on_error(e).await,
    }
}

/// addcategory's or modifycategory's answer was lost: the categories set and the period's
/// changes (getcategory's `quota`) tell whether WeChat applied it.
async fn reconcile_categories(ctx: &mut Ctx<'_>, current: &GetCategoryResponse) -> anyhow::Result<Outcome> {
    let (call, before) = ctx.in_flight();
    let spent = before.used.is_some_and(|u| changes_spent(current) > u);
    let applied = if call == "modifycategory" {
        // A resubmitted category leaves the rejected state (review, or approved at once).
        let moved = before
            .categories
            .iter()
            .any(|k| find_set(current, *k).is_some_and(|c| c.audit_status != AuditStatus::Rejected));
        if moved || spent {
            ctx.detail.modify = None;
            true
        } else {
            false
        }
    } else if spent || before.categories.iter().any(|k| find_set(current, *k).is_some()) {
        ctx.detail.added = true;
        true
    } else {
        false
    };
    if applied {
        ctx.applied(
            SetupNote::new(NoteCode::CategoriesLostApplied)
                .with("call", call)
                .with(
                    "before",
                    before.used.map(|u| u.to_string()).unwrap_or_else(|| "?".into()),
                )
                .with("after", changes_spent(current)),
        );
        ctx.save(None, None).await?;
        return Ok(Outcome::WaitUntil(ctx.state.now_ms()));
    }
    if ctx.state.now_ms() < ctx.grace_until() {
        return Ok(Outcome::WaitUntil(ctx.grace_until()));
    }
    ctx.not_applied().await
}

/// The plan's categories are set: done when every one is approved, stopped when one is
/// rejected (it can be resubmitted), awaiting while any is under review.
async fn follow_categories(
    ctx: &mut Ctx<'_>,
    plan: &[CategoryPlan],
    current: &GetCategoryResponse,
) -> anyhow::Result<Outcome> {
    let ours: Vec<&SetCategory> = current
        .categories
        .iter()
        .filter(|c| plan.iter().any(|p| p.first == c.first && p.second == c.second))
        .collect();
    if ours.len() < plan.len() {
        let gone: Vec<String> = plan
            .iter()
            .filter(|p| !ours.iter().any(|c| c.first == p.first && c.second == p.second))
            .map(|p| format!("{}-{}", p.first, p.second))
            .collect();
        return ctx
            .fail(Failure::new(
                "categories_missing",
                format!("categories {} are no longer set", gone.join(", ")),
                "Attach the categories step again.",
            ))
            .await;
    }
    if let Some(r) = ours.iter().find(|c| c.audit_status == AuditStatus::Rejected) {
        return ctx.fail(rejected_category(&ctx.appid, r)).await;
    }
    if ours.iter().all(|c| c.audit_status == AuditStatus::Approved) {
        return ctx.done().await;
    }
    if ctx.step.state != "awaiting_audit" {
        ctx.save(Some("awaiting_audit"), None).await?;
    }
    Ok(Outcome::WaitUntil(ctx.state.now_ms() + poll_ms(ctx.state)))
}

fn rejected_category(appid: &AppId, c: &SetCategory) -> Failure {
    let key = CategoryKey::of(c);
    Failure::new(
        "category_rejected",
        format!(
            "WeChat rejected category {key} ({} › {}): {}",
            c.first_name, c.second_name, c.audit_reason
        ),
        format!(
            "Resubmit it with new qualifications (POST /api/v1/mini-programs/{appid}/categories/{key}/resubmit, or the \
             form under the category on the console's Mini Program page), or delete it and choose another category."
        ),
    )
}

/// A WeChat rule broken, with the catalog's meaning and remedy and what exactly was wrong.
fn rule_broken(code: i64, what: String) -> Failure {
    let mut f = Failure::wechat(code, "");
    f.message = format!("{what}: {}", f.message);
    f
}

fn not_set(key: CategoryKey) -> Failure {
    rule_broken(53306, format!("category {key} is not set on this Mini Program"))
}

fn not_rejected(key: CategoryKey, status: AuditStatus) -> Failure {
    let now = match status {
        AuditStatus::Reviewing => "under review",
        AuditStatus::Approved => "approved",
        AuditStatus::Rejected => "rejected",
    };
    rule_broken(53307, format!("category {key} is {now}, not rejected"))
}

/// A `wxa_category_audit` push: wakes the categories step, which reads the outcome.
pub async fn category_audit_pushed(state: &AppState, appid: &str) -> anyhow::Result<()> {
    state
        .queue
        .wake(
            JOB,
            &serde_json::json!({ "appid": appid, "step": "categories" }),
            &format!("setup:{appid}:categories"),
        )
        .await
}

// ---- the operator's category changes: resubmit a rejected one, delete one ----

/// Why a category change was refused.
#[derive(Debug, thiserror::Error)]
pub enum CategoryChangeError {
    /// The request breaks a rule of ours (no qualification given, an image WeChat would refuse).
    #[error("{0}")]
    Invalid(String),
    /// The category is not set on the Mini Program.
    #[error("category {0} is not set on this Mini Program")]
    NotSet(CategoryKey),
    /// WeChat's rules refuse it (53307 not rejected, 53306 not set, 53308 under review), found in
    /// getcategory before any change was sent or answered by WeChat.
    #[error("{}", .0.message)]
    Refused(Failure),
    /// The categories step is sending a call whose answer is not recorded yet.
    #[error("the categories step is waiting for WeChat's answer to {0}; try again in a moment")]
    Busy(String),
    /// WeChat could not be asked.
    #[error(transparent)]
    WeChat(ClientError),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for CategoryChangeError {
    fn from(e: sqlx::Error) -> Self {
        CategoryChangeError::Unexpected(e.into())
    }
}

/// The categories step as stored, if a call of it is not in flight.
async fn categories_step(db: impl AsExec, appid: &AppId) -> Result<Option<(Step, Detail)>, CategoryChangeError> {
    let Some(s) = step(db, appid.as_str(), "categories").await? else {
        return Ok(None);
    };
    let detail: Detail = serde_json::from_str(&s.detail).unwrap_or_default();
    if detail.submitted && !matches!(s.state.as_str(), "done" | "failed") {
        return Err(CategoryChangeError::Busy(
            detail.call.unwrap_or_else(|| "a call".into()),
        ));
    }
    Ok(Some((s, detail)))
}

/// Replaces the categories step's row with `spec`, `state` and `detail` if nobody changed it
/// since it was read (optimistic: the job saves between the operator's reads).
async fn rewrite_step(
    tx: &mut Tx,
    appid: &AppId,
    old: Option<&Step>,
    spec: &[CategoryPlan],
    state: &str,
    detail: &Detail,
    failure: Option<&str>,
) -> Result<(), CategoryChangeError> {
    let spec = serde_json::to_string(spec).context("cannot encode a plan")?;
    let detail = serde_json::to_string(detail).context("cannot encode a step's detail")?;
    let n = match old {
        Some(old) => execute!(
            &mut *tx,
            "UPDATE setup_steps SET spec = $1, state = $2, detail = $3, failure = $8, updated_at = $4
             WHERE appid = $5 AND step = 'categories' AND state = $6 AND detail = $7",
            &spec,
            state,
            &detail,
            now_ms(),
            appid.as_str(),
            &old.state,
            &old.detail,
            failure
        ),
        None => execute!(
            &mut *tx,
            "INSERT INTO setup_steps (appid, step, spec, state, detail, updated_at) VALUES ($1, 'categories', $2, $3, $4, $5)
             ON CONFLICT (appid, step) DO NOTHING",
            appid.as_str(),
            &spec,
            state,
            &detail,
            now_ms()
        ),
    }
    .context("cannot store the categories step")?;
    if n == 0 {
        return Err(CategoryChangeError::Busy("a change made meanwhile".into()));
    }
    Ok(())
}

/// Resubmits a rejected category with new qualification images (spec §6.5): the images are
/// kept, the categories step takes the category into its plan with them and starts again: it
/// uploads them as temporary media, calls modifycategory once (reconciled like every call that
/// spends a quota), and follows the category's audit again (`wxa_category_audit` push, getcategory
/// polling). Checked against getcategory first: only a category that is set (53306) and rejected
/// (53307) may be modified.
pub async fn resubmit_category(
    state: &AppState,
    appid: &AppId,
    key: CategoryKey,
    certificates: Vec<CertificatePlan>,
) -> Result<Step, CategoryChangeError> {
    if certificates.is_empty() {
        return Err(CategoryChangeError::Invalid(
            "certificates: give the new qualification images, each with its key (the document's name as getallcategories lists it)".into(),
        ));
    }
    if let Some(c) = certificates.iter().find(|c| c.key.trim().is_empty()) {
        return Err(CategoryChangeError::Invalid(format!(
            "certificates: a key is empty ({:?})",
            c.key
        )));
    }
    let current = state
        .client
        .categories(appid)
        .await
        .map_err(CategoryChangeError::WeChat)?;
    match find_set(&current, key) {
        None => return Err(CategoryChangeError::Refused(not_set(key))),
        Some(c) if c.audit_status != AuditStatus::Rejected => {
            return Err(CategoryChangeError::Refused(not_rejected(key, c.audit_status)));
        }
        Some(_) => {}
    }
    let mut kept = Vec::new();
    for cert in certificates {
        let image = keep_image(state, cert.image, "certificates", false)
            .await
            .map_err(|e| match e {
                PlanError::Rule(m) => CategoryChangeError::Invalid(m),
                PlanError::Unexpected(e) => CategoryChangeError::Unexpected(e),
            })?;
        kept.push(CertificatePlan { key: cert.key, image });
    }
    let mut tx = state.db.begin().await?;
    let old = categories_step(&mut tx, appid).await?;
    let (mut spec, media) = match &old {
        Some((s, d)) => (
            serde_json::from_str::<Vec<CategoryPlan>>(&s.spec).context("a stored plan is malformed")?,
            d.media.clone(),
        ),
        None => (Vec::new(), Default::default()),
    };
    match spec.iter_mut().find(|p| key.is(p.first, p.second)) {
        Some(p) => p.certificates = kept,
        None => spec.push(CategoryPlan {
            first: key.first,
            second: key.second,
            certificates: kept,
        }),
    }
    let note = SetupNote::new(NoteCode::CategoryResubmitted).with("category", key);
    let detail = Detail {
        media,
        modify: Some(key),
        note: Some(note.clone()),
        ..Default::default()
    };
    rewrite_step(
        &mut tx,
        appid,
        old.as_ref().map(|(s, _)| s),
        &spec,
        "pending",
        &detail,
        None,
    )
    .await?;
    if let Some((old, _)) = &old {
        // The rejected qualifications replaced.
        release_materials(state, &mut tx, &old.spec).await?;
    }
    record_history(
        &mut tx,
        &format!("mini_program:{appid}"),
        old.as_ref().map(|(s, _)| format!("categories:{}", s.state)).as_deref(),
        "categories:pending",
        Some(&note.en()),
    )
    .await?;
    start_job(state, &mut tx, appid, "categories").await?;
    tx.commit().await?;
    tracing::info!(%appid, category = %key, "category resubmitted");
    step(&state.db, appid.as_str(), "categories")
        .await?
        .ok_or_else(|| CategoryChangeError::Unexpected(anyhow::anyhow!("the categories step vanished")))
}

/// Deletes a category (spec §6.3; not while it is under review: 53308) and takes it out of the
/// categories step's plan. deletecategory may be sent again safely, so a lost answer is settled
/// by reading getcategory. A step that had stopped over this category (rejected) follows the
/// others again; one left with no category is done.
pub async fn delete_category(
    state: &AppState,
    appid: &AppId,
    key: CategoryKey,
) -> Result<GetCategoryResponse, CategoryChangeError> {
    categories_step(&state.db, appid).await?;
    let current = state
        .client
        .categories(appid)
        .await
        .map_err(CategoryChangeError::WeChat)?;
    match find_set(&current, key) {
        None => return Err(CategoryChangeError::NotSet(key)),
        Some(c) if c.audit_status == AuditStatus::Reviewing => {
            return Err(CategoryChangeError::Refused(rule_broken(
                53308,
                format!("category {key} is under review"),
            )));
        }
        Some(_) => {}
    }
    let deleted = state.client.delete_category(appid, key.first, key.second).await;
    let after = state
        .client
        .categories(appid)
        .await
        .map_err(CategoryChangeError::WeChat)?;
    if let Err(e) = deleted {
        // An answer lost after WeChat deleted it (or a retry that found it gone) is no failure.
        if find_set(&after, key).is_some() {
            return Err(match e {
                ClientError::Api { .. } => CategoryChangeError::Refused(Failure::from_client(&e)),
                other => CategoryChangeError::WeChat(other),
            });
        }
    }
    let mut tx = state.db.begin().await?;
    let note = SetupNote::new(NoteCode::CategoryDeleted).with("category", key);
    if let Some((old, detail)) = categories_step(&mut tx, appid).await? {
        let mut spec: Vec<CategoryPlan> = serde_json::from_str(&old.spec).context("a stored plan is malformed")?;
        if spec.iter().any(|p| key.is(p.first, p.second)) {
            spec.retain(|p| !key.is(p.first, p.second));
            let failure_code = old
                .failure
                .as_deref()
                .and_then(|f| serde_json::from_str::<Failure>(f).ok())
                .map(|f| f.code);
            let stopped_over_categories = matches!(
                failure_code.as_deref(),
                Some("category_rejected" | "categories_missing")
            );
            let mut next = Detail {
                media: detail.media.clone(),
                note: Some(note.clone()),
                ..detail.clone()
            };
            let to = if spec.is_empty() {
                next.note = Some(SetupNote::new(NoteCode::CategoryDeletedNoneLeft).with("category", key));
                "done"
            } else if old.state == "failed" && stopped_over_categories {
                // Follow the categories that are left (they were added already).
                next = Detail {
                    media: detail.media,
                    added: true,
                    note: Some(note.clone()),
                    ..Default::default()
                };
                "pending"
            } else {
                old.state.as_str()
            };
            let failure = (to == old.state).then_some(old.failure.as_deref()).flatten();
            rewrite_step(&mut tx, appid, Some(&old), &spec, to, &next, failure).await?;
            // The deleted category's qualifications (all of them once the step is done).
            release_materials(state, &mut tx, &old.spec).await?;
            if to != "done" && to != "failed" {
                start_job(state, &mut tx, appid, "categories").await?;
            }
            if to != old.state {
                record_history(
                    &mut tx,
                    &format!("mini_program:{appid}"),
                    Some(&format!("categories:{}", old.state)),
                    &format!("categories:{to}"),
                    next.note.as_ref().map(SetupNote::en).as_deref(),
                )
                .await?;
            }
        }
    }
    record_history(
        &mut tx,
        &format!("mini_program:{appid}"),
        None,
        "categories:deleted",
        Some(&note.en()),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%appid, category = %key, "category deleted");
    Ok(after)
}
