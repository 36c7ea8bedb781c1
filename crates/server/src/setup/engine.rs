//! The send/reconcile engine every step runs on (`Ctx`): a call that must not be resent is
//! marked `submitted` with what WeChat showed before it, and a lost answer is reconciled from
//! WeChat's state instead of being sent again blindly.

use super::*;

/// What WeChat showed right before a call that must not be resent: what a lost answer is
/// reconciled against.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct Before {
    /// Changes used this period: head image or signature changes this month, renames
    /// (`nickname_info`, when WeChat sends it), category changes (`limit - quota`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) used: Option<u64>,
    /// The value the call changes: the head image's URL, the signature, the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) value: Option<String>,
    /// The categories sent (addcategory) or resubmitted (modifycategory).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) categories: Vec<CategoryKey>,
}

/// Progress of a step, kept in `detail`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct Detail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) check_wording: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) hit_condition: Option<bool>,
    /// Material id → media id uploaded.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub(super) media: std::collections::BTreeMap<String, String>,
    /// Written before a call that must not be resent, cleared once its answer is recorded.
    #[serde(default)]
    pub(super) submitted: bool,
    /// That call (`setnickname`, `modifyheadimage`, `modifysignature`, `addcategory`,
    /// `modifycategory`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) call: Option<String>,
    /// When it was (about to be) sent (unix ms): the grace period counts from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) submitted_at: Option<i64>,
    /// How many times it may have reached WeChat: a lost call that provably did not apply is
    /// sent again, at most [`MAX_SENDS`] times in all.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(super) sends: u32,
    /// What became of the latest send whose outcome is unknown (`WeChat answered -1`, `the
    /// answer was lost (…)`), for the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) unknown: Option<String>,
    /// What WeChat showed right before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) before: Option<Before>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) audit_id: Option<u64>,
    /// A name audit is known to be open although its id was lost with setnickname's answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) audit_open: bool,
    /// The plan's categories were added (addcategory answered, or found set): what is left is
    /// following their audits.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) added: bool,
    /// A rejected category to resubmit with new qualifications (modifycategory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) modify: Option<CategoryKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) quota: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) note: Option<SetupNote>,
}

pub(super) fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The most times a setup call that must not be resent blindly is sent: each resend only after
/// WeChat showed no trace of the one before (WeChat answered -1 without acting, or the request
/// never reached it).
pub const MAX_SENDS: u32 = 6;

/// What became of a call that must not be resent.
pub(super) enum Sent<T> {
    /// WeChat answered; the step records it (its save clears `submitted`).
    Answered(T),
    /// The answer was lost: WeChat may or may not have applied the call; `submitted` stays.
    Lost(String),
    /// Refused by WeChat or never sent: not applied; `submitted` is cleared.
    Refused(ClientError),
}

pub(super) struct Ctx<'a> {
    pub(super) state: &'a AppState,
    pub(super) appid: AppId,
    pub(super) step: Step,
    pub(super) detail: Detail,
}

impl Ctx<'_> {
    /// Writes the detail (and optionally the state), if the step is still in `expected` state.
    pub(super) async fn save(&mut self, new_state: Option<&str>, failure: Option<&Failure>) -> anyhow::Result<()> {
        let detail = serde_json::to_string(&self.detail)?;
        let failure_json = failure.map(serde_json::to_string).transpose()?;
        let to = new_state.unwrap_or(&self.step.state).to_owned();
        let mut tx = self.state.db.begin().await?;
        let n = store::setup::save_step(
            &mut tx,
            self.appid.as_str(),
            &self.step.step,
            &self.step.state,
            &store::setup::StepChange {
                state: &to,
                detail: &detail,
                failure: failure_json.as_deref(),
                updated_at: self.state.now_ms(),
            },
        )
        .await?;
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

    pub(super) async fn fail(&mut self, failure: Failure) -> anyhow::Result<Outcome> {
        tracing::warn!(step = %self.step.step, code = %failure.code, "setup step failed");
        self.detail.submitted = false;
        self.save(Some("failed"), Some(&failure)).await?;
        Ok(Outcome::Done)
    }

    pub(super) async fn done(&mut self) -> anyhow::Result<Outcome> {
        tracing::info!(step = %self.step.step, "setup step done");
        self.detail.submitted = false;
        self.save(Some("done"), None).await?;
        Ok(Outcome::Done)
    }

    /// What to do with a client error: retry it, or stop the step with its meaning.
    pub(super) async fn on_error(&mut self, e: ClientError) -> anyhow::Result<Outcome> {
        if is_retryable(&e) && !is_lost_answer(&e) {
            return Ok(Outcome::Retry(e.to_string()));
        }
        self.fail(Failure::from_client(&e)).await
    }

    /// Sends `call`, a call that must not be resent: `submitted` is written first, with what
    /// WeChat showed before it (`before`), so a run that finds it without an answer reconciles
    /// instead of calling again. The crash tests freeze a job on either side of the call.
    pub(super) async fn send<T>(
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
    pub(super) fn in_flight(&self) -> (String, Before) {
        (
            self.detail.call.clone().unwrap_or_else(|| "the call".to_owned()),
            self.detail.before.clone().unwrap_or_default(),
        )
    }

    /// When a lost call that changed nothing on WeChat is known not to have been applied: the
    /// grace period after the latest send, doubled with each send (at most 8×), so a WeChat that
    /// keeps answering -1 is given more time each round.
    pub(super) fn grace_until(&self) -> i64 {
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
    pub(super) fn applied(&mut self, note: SetupNote) {
        tracing::info!(step = %self.step.step, note = %note.en(), "lost answer reconciled");
        self.detail.submitted = false;
        self.detail.note = Some(note);
    }

    /// The lost call changed nothing on WeChat within the grace period, so WeChat did not apply
    /// it: the step runs again and sends it again — or stops after [`MAX_SENDS`] sends.
    pub(super) async fn not_applied(&mut self) -> anyhow::Result<Outcome> {
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

    pub(super) async fn upload(&mut self, material_id: &str) -> Result<MediaId, Result<Outcome, anyhow::Error>> {
        if let Some(m) = self
            .detail
            .media
            .get(material_id)
            .and_then(|m| MediaId::parse(m.clone()).ok())
        {
            return Ok(m);
        }
        let row = match store::setup::material(&self.state.db, material_id).await {
            Ok(r) => r,
            Err(e) => return Err(Err(e)),
        };
        let opened = match row {
            None => Err(format!("material {material_id} is gone")),
            // Stored in the clear by an older version, not sealed by the upkeep yet.
            Some(store::setup::Material {
                filename,
                bytes,
                sealed: 0,
            }) => Ok((filename, bytes)),
            Some(store::setup::Material {
                filename,
                bytes: sealed,
                ..
            }) => self
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
