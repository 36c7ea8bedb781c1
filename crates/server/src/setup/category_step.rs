//! The categories step: the period's quota, qualification images, addcategory, and each
//! category's audit followed to its end.

use super::*;

// ---- categories ----

pub(super) fn changes_spent(c: &GetCategoryResponse) -> u64 {
    c.limit.saturating_sub(c.quota)
}

pub(super) fn find_set(current: &GetCategoryResponse, key: CategoryKey) -> Option<&SetCategory> {
    current.categories.iter().find(|c| key.is(c.first, c.second))
}

pub(super) async fn categories(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
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
pub(super) async fn add_categories(
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
pub(super) async fn certificates(
    ctx: &mut Ctx<'_>,
    p: &CategoryPlan,
) -> Result<Vec<Certificate>, anyhow::Result<Outcome>> {
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
pub(super) async fn modify_category(
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
pub(super) async fn reconcile_categories(ctx: &mut Ctx<'_>, current: &GetCategoryResponse) -> anyhow::Result<Outcome> {
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
pub(super) async fn follow_categories(
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

pub(super) fn rejected_category(appid: &AppId, c: &SetCategory) -> Failure {
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
pub(super) fn rule_broken(code: i64, what: String) -> Failure {
    let mut f = Failure::wechat(code, "");
    f.message = format!("{what}: {}", f.message);
    f
}

pub(super) fn not_set(key: CategoryKey) -> Failure {
    rule_broken(53306, format!("category {key} is not set on this Mini Program"))
}

pub(super) fn not_rejected(key: CategoryKey, status: AuditStatus) -> Failure {
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
