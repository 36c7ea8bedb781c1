//! The setup plan of a new Mini Program (spec §2–§6): name, head image, signature, categories.
//!
//! A plan is given when a registration starts or later (`PUT /api/v1/mini-programs/{appid}/setup`).
//! Its images arrive inline (base64) and are kept in `materials` until uploaded as temporary media.
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
//! Calls that spend a quota or may open a second audit are not resent after a lost answer: the
//! step writes `submitted` before such a call, and a run that finds it without a result checks
//! WeChat's state instead of calling again. Errors WeChat may recover from are retried with
//! backoff; the others stop the step with the catalog's meaning and remedy.

use crate::failure::{Failure, is_retryable};
use crate::job::{Job, Outcome};
use crate::startup::AppState;
use crate::store::{Tx, now_ms, record_history};
use crate::{execute, fetch_all, fetch_optional};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fastreg_client::Error as ClientError;
use fastreg_protocol::account::{AuditStatus, SetNicknameRequest};
use fastreg_protocol::category::{CategoryRequest, Certificate};
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
            exists.ok_or_else(|| PlanError::Rule(format!("{field}: no material {material_id}")))?;
            Ok(Image::Stored { material_id })
        }
        Image::Inline { filename, data_base64 } => {
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
            execute!(
                &state.db,
                "INSERT INTO materials (id, filename, content_type, bytes, created_at) VALUES ($1, $2, $3, $4, $5)",
                &id,
                &filename,
                kind.mime(),
                bytes,
                now_ms()
            )
            .context("cannot keep a material")?;
            Ok(Image::Stored { material_id: id })
        }
    }
}

/// Checks a plan against the spec's rules and keeps its images; returns the plan (JSON) with
/// material ids in place of the inline images.
pub async fn store_plan(state: &AppState, plan: SetupPlan) -> Result<String, PlanError> {
    let mut out = SetupPlan::default();
    if let Some(n) = plan.nickname {
        rules::check_nickname(&n.name).map_err(|e| PlanError::Rule(e.to_string()))?;
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
    /// Progress (JSON): media ids, audit id, WeChat's wording, quotas seen.
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
        let now = now_ms();
        execute!(
            &mut *tx,
            "INSERT INTO setup_steps (appid, step, spec, state, detail, updated_at) VALUES ($1, $2, $3, 'pending', '{}', $4)
             ON CONFLICT (appid, step) DO UPDATE SET spec = excluded.spec, state = 'pending', detail = '{}', failure = NULL,
                 updated_at = excluded.updated_at",
            appid.as_str(),
            step,
            &spec,
            now
        )
        .context("cannot store a setup step")?;
        record_history(
            &mut *tx,
            &format!("mini_program:{appid}"),
            None,
            &format!("{step}:pending"),
            None,
        )
        .await?;
        // A step attached again while its job waits (to poll an audit) starts now.
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
    }
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

async fn step(state: &AppState, appid: &str, name: &str) -> anyhow::Result<Option<Step>> {
    fetch_optional!(
        &state.db,
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
    /// Written before a call that must not be resent.
    #[serde(default)]
    submitted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quota: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
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
            now_ms(),
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
                failure.map(|f| f.message.as_str()).or(self.detail.note.as_deref()),
            )
            .await?;
            if to == "done" || to == "failed" {
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
        Ok(())
    }

    async fn fail(&mut self, failure: Failure) -> anyhow::Result<Outcome> {
        tracing::warn!(step = %self.step.step, code = %failure.code, "setup step failed");
        self.save(Some("failed"), Some(&failure)).await?;
        Ok(Outcome::Done)
    }

    async fn done(&mut self) -> anyhow::Result<Outcome> {
        tracing::info!(step = %self.step.step, "setup step done");
        self.save(Some("done"), None).await?;
        Ok(Outcome::Done)
    }

    /// What to do with a client error: retry it, or stop the step with its meaning.
    async fn on_error(&mut self, e: ClientError) -> anyhow::Result<Outcome> {
        if is_retryable(&e) && !e.is_outcome_unknown() {
            return Ok(Outcome::Retry(e.to_string()));
        }
        self.fail(Failure::from_client(&e)).await
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
        let row: Option<(String, Vec<u8>)> = match fetch_optional!(
            &self.state.db,
            (String, Vec<u8>),
            "SELECT filename, bytes FROM materials WHERE id = $1",
            material_id
        ) {
            Ok(r) => r,
            Err(e) => return Err(Err(anyhow::Error::new(e).context("cannot read a material"))),
        };
        let Some((filename, bytes)) = row else {
            return Err(self
                .fail(Failure::new(
                    "material_missing",
                    format!("material {material_id} is gone"),
                    "Attach the plan again.",
                ))
                .await);
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
    let Some(step) = step(state, &appid, &name).await? else {
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
            Err(outcome) => return outcome,
        }
    };
}

async fn nickname(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
    let plan: NicknamePlan = serde_json::from_str(&ctx.step.spec)?;
    if ctx.step.state == "awaiting_audit" {
        return poll_nickname(ctx).await;
    }
    if ctx.detail.submitted {
        // A run died after setnickname was sent: do not send it again (it could open a second
        // audit); what WeChat shows now decides.
        return match ctx.state.client.account_basic_info(&ctx.appid).await {
            Ok(info) if info.nickname.as_deref() == Some(plan.name.as_str()) => ctx.done().await,
            Ok(_) => {
                ctx.fail(Failure::new(
                    "outcome_unknown",
                    "setnickname's answer was lost and the name has not changed (yet); an audit may be open",
                    "Check the Mini Program's name on WeChat; attach the nickname step again to retry.",
                ))
                .await
            }
            Err(e) => ctx.on_error(e).await,
        };
    }
    if ctx.detail.hit_condition.is_none() {
        match ctx.state.client.check_nickname(&ctx.appid, &plan.name).await {
            Ok(check) => {
                ctx.detail.hit_condition = Some(check.hit_condition);
                ctx.detail.check_wording = (!check.wording.is_empty()).then_some(check.wording);
                ctx.save(None, None).await?;
            }
            Err(e) => return ctx.on_error(e).await,
        }
    }
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

    ctx.detail.submitted = true;
    ctx.save(None, None).await?;
    match ctx.state.client.set_nickname(&ctx.appid, &req).await {
        Ok(resp) => {
            if !resp.wording.is_empty() {
                ctx.detail.note = Some(resp.wording);
            }
            match resp.audit_id {
                Some(AuditId(id)) => {
                    ctx.detail.audit_id = Some(id);
                    ctx.save(Some("awaiting_audit"), None).await?;
                    Ok(Outcome::WaitUntil(now_ms() + poll_ms(ctx.state)))
                }
                None => ctx.done().await,
            }
        }
        Err(e) if e.is_outcome_unknown() => Ok(Outcome::WaitUntil(now_ms())),
        Err(e) => {
            ctx.detail.submitted = false;
            ctx.on_error(e).await
        }
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
    match ctx
        .state
        .client
        .query_nickname_audit(&ctx.appid, AuditId(audit_id))
        .await
    {
        Ok(r) => match r.audit_stat {
            AuditStatus::Reviewing => Ok(Outcome::WaitUntil(now_ms() + poll_ms(ctx.state))),
            AuditStatus::Approved => ctx.done().await,
            AuditStatus::Rejected => ctx.fail(rejected_name(&r.fail_reason)).await,
        },
        Err(e) => ctx.on_error(e).await,
    }
}

fn rejected_name(reason: &str) -> Failure {
    Failure::new(
        "nickname_rejected",
        format!("WeChat rejected the name: {reason}"),
        "Choose another name or supply materials that prove the right to it, then attach the nickname step again.",
    )
}

/// A `wxa_nickname_audit` push: decides an awaiting nickname step.
pub async fn nickname_audit_pushed(state: &AppState, appid: &str, approved: bool, reason: &str) -> anyhow::Result<()> {
    let Some(step) = step(state, appid, "nickname").await? else {
        return Ok(());
    };
    if step.state != "awaiting_audit" {
        return Ok(());
    }
    let detail: Detail = serde_json::from_str(&step.detail).unwrap_or_default();
    let mut ctx = Ctx {
        state,
        appid: AppId::parse(appid.to_owned())?,
        step,
        detail,
    };
    ctx.detail.note = Some("decided by the wxa_nickname_audit push".into());
    if approved {
        ctx.done().await?
    } else {
        ctx.fail(rejected_name(reason)).await?
    };
    Ok(())
}

async fn avatar(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
    let plan: AvatarPlan = serde_json::from_str(&ctx.step.spec)?;
    if ctx.detail.submitted {
        return ctx
            .fail(Failure::new(
                "outcome_unknown",
                "modifyheadimage's answer was lost; the head image may or may not have changed",
                "Check the head image on WeChat; attach the avatar step again to retry (it spends a monthly change).",
            ))
            .await;
    }
    match ctx.state.client.account_basic_info(&ctx.appid).await {
        Ok(info) => {
            if let Some(h) = info.head_image_info {
                ctx.detail.quota = Some(serde_json::json!({ "used": h.modify_used_count, "quota": h.modify_quota }));
                if h.modify_quota > 0 && h.modify_used_count >= h.modify_quota {
                    return ctx.fail(Failure::wechat(53202, "")).await;
                }
            }
        }
        Err(e) => return ctx.on_error(e).await,
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
    let media = try_upload!(ctx, id);
    ctx.detail.submitted = true;
    ctx.save(None, None).await?;
    match ctx
        .state
        .client
        .set_head_image(&ctx.appid, &media, plan.crop.unwrap_or(CropBox::FULL))
        .await
    {
        Ok(()) => ctx.done().await,
        Err(e) if e.is_outcome_unknown() => Ok(Outcome::WaitUntil(now_ms())),
        Err(e) => {
            ctx.detail.submitted = false;
            ctx.on_error(e).await
        }
    }
}

async fn signature(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
    let wanted: String = serde_json::from_str(&ctx.step.spec)?;
    let info = match ctx.state.client.account_basic_info(&ctx.appid).await {
        Ok(info) => info,
        Err(e) => return ctx.on_error(e).await,
    };
    let current = info.signature_info.clone().unwrap_or_default();
    if ctx.detail.submitted {
        if current.signature == wanted {
            return ctx.done().await;
        }
        return ctx
            .fail(Failure::new(
                "outcome_unknown",
                "modifysignature's answer was lost and the signature has not changed",
                "Attach the signature step again to retry.",
            ))
            .await;
    }
    if current.signature == wanted {
        return ctx.done().await;
    }
    ctx.detail.quota = Some(serde_json::json!({ "used": current.modify_used_count, "quota": current.modify_quota }));
    if current.modify_quota > 0 && current.modify_used_count >= current.modify_quota {
        return ctx.fail(Failure::wechat(53200, "")).await;
    }
    ctx.detail.submitted = true;
    ctx.save(None, None).await?;
    match ctx.state.client.set_signature(&ctx.appid, &wanted).await {
        Ok(()) => ctx.done().await,
        Err(e) if e.is_outcome_unknown() => Ok(Outcome::WaitUntil(now_ms())),
        Err(e) => {
            ctx.detail.submitted = false;
            ctx.on_error(e).await
        }
    }
}

async fn categories(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
    let plan: Vec<CategoryPlan> = serde_json::from_str(&ctx.step.spec)?;
    let current = match ctx.state.client.categories(&ctx.appid).await {
        Ok(c) => c,
        Err(e) => return ctx.on_error(e).await,
    };
    let ours: Vec<_> = current
        .categories
        .iter()
        .filter(|c| plan.iter().any(|p| p.first == c.first && p.second == c.second))
        .collect();
    if ctx.step.state == "awaiting_audit" || ctx.detail.submitted {
        if ours.len() < plan.len() {
            if ctx.detail.submitted && ctx.step.state != "awaiting_audit" {
                return ctx
                    .fail(Failure::new(
                        "outcome_unknown",
                        "addcategory's answer was lost and the categories are not set",
                        "Attach the categories step again to retry.",
                    ))
                    .await;
            }
            return ctx
                .fail(Failure::new(
                    "categories_missing",
                    "the categories are no longer set",
                    "Attach the step again.",
                ))
                .await;
        }
        if let Some(r) = ours.iter().find(|c| c.audit_status == AuditStatus::Rejected) {
            return ctx.fail(rejected_category(r.first, r.second, &r.audit_reason)).await;
        }
        if ours.iter().all(|c| c.audit_status == AuditStatus::Approved) {
            return ctx.done().await;
        }
        if ctx.step.state != "awaiting_audit" {
            ctx.save(Some("awaiting_audit"), None).await?;
        }
        return Ok(Outcome::WaitUntil(now_ms() + poll_ms(ctx.state)));
    }
    ctx.detail.quota = Some(
        serde_json::json!({ "limit": current.limit, "quota": current.quota, "category_limit": current.category_limit }),
    );
    let missing: Vec<&CategoryPlan> = plan
        .iter()
        .filter(|p| !ours.iter().any(|c| c.first == p.first && c.second == p.second))
        .collect();
    if missing.is_empty() {
        ctx.detail.submitted = true;
        ctx.save(None, None).await?;
        return Ok(Outcome::WaitUntil(now_ms()));
    }
    if current.quota == 0 {
        return ctx.fail(Failure::wechat(53300, "")).await;
    }
    let mut requests = Vec::new();
    for p in missing {
        let mut certicates = Vec::new();
        for cert in &p.certificates {
            let Some(id) = material(&cert.image) else { continue };
            let media = try_upload!(ctx, id);
            certicates.push(Certificate {
                key: cert.key.clone(),
                value: media.into_string(),
            });
        }
        requests.push(CategoryRequest {
            first: p.first,
            second: p.second,
            certicates,
        });
    }
    ctx.detail.submitted = true;
    ctx.save(None, None).await?;
    match ctx.state.client.add_categories(&ctx.appid, requests).await {
        Ok(()) => Ok(Outcome::WaitUntil(now_ms())),
        Err(e) if e.is_outcome_unknown() => Ok(Outcome::WaitUntil(now_ms())),
        Err(e) => {
            ctx.detail.submitted = false;
            ctx.on_error(e).await
        }
    }
}

fn rejected_category(first: u64, second: u64, reason: &str) -> Failure {
    Failure::new(
        "category_rejected",
        format!("WeChat rejected category {first}/{second}: {reason}"),
        "Supply the qualifications getallcategories lists for it (modifycategory), or choose another category.",
    )
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
