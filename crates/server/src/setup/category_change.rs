//! The operator's category changes on a live Mini Program: resubmit a rejected category with
//! new qualification images, delete one.

use super::*;

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
pub(super) async fn categories_step(
    db: impl AsExec,
    appid: &AppId,
) -> Result<Option<(Step, Detail)>, CategoryChangeError> {
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
pub(super) async fn rewrite_step(
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
    let change = store::setup::StepChange {
        state,
        detail: &detail,
        failure,
        updated_at: now_ms(),
    };
    let n = match old {
        Some(old) => {
            store::setup::rewrite_categories_step(&mut *tx, appid.as_str(), &spec, (&old.state, &old.detail), &change)
                .await
        }
        None => store::setup::insert_categories_step(&mut *tx, appid.as_str(), &spec, &change).await,
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
