//! The head image step: the month's quota first, then upload and modifyheadimage.

use super::*;

// ---- avatar and signature ----

pub(super) async fn avatar(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
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
