//! The nickname step: checkwxverifynickname, setnickname, and the name's audit (push or poll).

use super::*;

// ---- nickname ----

/// setnickname's request, its materials uploaded (or taken from earlier uploads).
pub(super) async fn nickname_request(
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

pub(super) fn rename_count(info: &AccountBasicInfoResponse) -> Option<u64> {
    info.nickname_info.as_ref().and_then(|n| n.modify_used_count)
}

pub(super) async fn nickname(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
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

pub(super) async fn nickname_answered(ctx: &mut Ctx<'_>, resp: SetNicknameResponse) -> anyhow::Result<Outcome> {
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
pub(super) async fn reconcile_nickname(ctx: &mut Ctx<'_>, plan: &NicknamePlan) -> anyhow::Result<Outcome> {
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

pub(super) fn poll_ms(state: &AppState) -> i64 {
    i64::try_from(state.settings.nickname_poll_secs).unwrap_or(600).max(1) * 1000
}

pub(super) async fn poll_nickname(ctx: &mut Ctx<'_>) -> anyhow::Result<Outcome> {
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

pub(super) fn rejected_name(reason: &str) -> Failure {
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
