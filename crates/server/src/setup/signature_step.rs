//! The description (signature) step: the month's quota first, then modifysignature.

use super::*;

pub(super) async fn signature(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
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
