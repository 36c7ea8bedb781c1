//! Code audit (lifecycle spec §2.7–2.11), with the Mini Program's token. Rules, in order:
//! - submit_audit: a JSON object (47001); a commit (85086); its privacy scan finished (61039);
//!   no audit open — auditing or delayed — (85009); `item_list`, when given, has 1–5 items
//!   (85023), each with category ids (85010) among the account's approved categories (85008), a
//!   page of the package as `address` (85007), a title of ≤ 32 characters (85011) and ≤ 10 tags
//!   of ≤ 20 characters (85006); `preview_info` media from uploadmedia (85092), ≤ 5 pictures and
//!   ≤ 2 videos (85093); the component's monthly quota (85085). The audit decides itself
//!   `code_audit_secs` later (by `settings.audit_default`) unless the control API decides first.
//!   `item_list` may be absent (WeChat then fills the categories itself);
//! - get_auditstatus: an audit of this Mini Program (85012);
//! - get_latest_auditstatus: the latest audit (85012 when there was none);
//! - undocodeaudit: the latest audit open (87012 otherwise) and undo quota left (87013:
//!   `undo_per_day` 5 and `undo_per_month` 10 by default); the audit becomes 3 and never decides;
//! - speedupaudit: the latest open audit (89402), not expedited already (89404), expedite quota
//!   left (89405); it then decides itself `code_audit_speedup_secs` after;
//! - queryquota: the component's quota, the same whichever of its Mini Programs asks.

use super::code::{answer, parse_body, require_get, require_post};
use super::media::lookup;
use crate::error::{ApiResult, WxError};
use crate::lifecycle_state::{CodeAudit, Version, spent, used_this_month};
use crate::state::{Inner, Query, deliver_later};
use crate::world::{Audit, AuditSubject};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::routing::{get, post};
use fastreg_protocol::Endpoint;
use fastreg_protocol::audit::{
    CodeAuditStatus, GetAuditStatus, GetAuditStatusRequest, GetAuditStatusResponse, GetLatestAuditStatus,
    GetLatestAuditStatusResponse, QueryQuota, QueryQuotaResponse, SpeedupAudit, SpeedupAuditRequest, SubmitAudit,
    SubmitAuditRequest, SubmitAuditResponse, UndoCodeAudit,
};
use fastreg_protocol::endpoint::Empty;
use std::sync::Arc;

/// The audit routes.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route(SubmitAudit::PATH, post(submit).get(require_post))
        .route(GetAuditStatus::PATH, post(status).get(require_post))
        .route(GetLatestAuditStatus::PATH, get(latest).post(require_get))
        .route(UndoCodeAudit::PATH, get(undo).post(require_get))
        .route(SpeedupAudit::PATH, post(speedup).get(require_post))
        .route(QueryQuota::PATH, get(quota).post(require_get))
}

async fn submit(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (component, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "submit_audit")?;
    let req: SubmitAuditRequest = parse_body(&body, &appid)?;
    let now = inner.now();
    let mut w = inner.world.write();
    let settings = w.lifecycle.settings.clone();
    let program = w.lifecycle.program(&appid);
    let trial = program
        .trial
        .clone()
        .ok_or_else(|| WxError::new(85086, "must commit before submit audit").for_app(&appid))?;
    if now < trial.scan_done_at {
        return Err(WxError::new(61039, "privacy api check task is not finished, retry in a minute").for_app(&appid));
    }
    if program
        .audit
        .as_ref()
        .is_some_and(|a| CodeAuditStatus::from_code(a.status).is_open())
    {
        return Err(WxError::new(85009, "already submit a version under auditing").for_app(&appid));
    }
    if !req.item_list.is_empty() {
        if req.item_list.len() > 5 {
            return Err(WxError::new(85023, "item_list must have 1 to 5 items").for_app(&appid));
        }
        let approved: Vec<(u64, u64)> = w
            .accounts
            .get(&appid)
            .map(|a| {
                a.categories
                    .iter()
                    .filter(|c| c.audit_status == 3)
                    .map(|c| (c.first, c.second))
                    .collect()
            })
            .unwrap_or_default();
        for item in &req.item_list {
            if item.first_id == 0 || item.second_id == 0 {
                return Err(WxError::new(85010, "item in item_list is empty").for_app(&appid));
            }
            if !approved.contains(&(item.first_id, item.second_id)) {
                return Err(WxError::new(85008, "category is not an approved one of the account").for_app(&appid));
            }
            if let Some(address) = &item.address
                && !trial.pages.contains(address)
            {
                return Err(WxError::new(85007, format!("page path error: {address}")).for_app(&appid));
            }
            if item.title.as_deref().is_some_and(|t| t.chars().count() > 32) {
                return Err(WxError::new(85011, "title error: at most 32 characters").for_app(&appid));
            }
            if let Some(tag) = &item.tag {
                let tags: Vec<&str> = tag.split_whitespace().collect();
                if tags.len() > 10 || tags.iter().any(|t| t.chars().count() > 20) {
                    return Err(WxError::new(85006, "tag format error").for_app(&appid));
                }
            }
        }
    }
    if let Some(preview) = &req.preview_info {
        if preview.pic_id_list.len() > 5 || preview.video_id_list.len() > 2 {
            return Err(WxError::new(85093, "too many preview_info pictures or videos").for_app(&appid));
        }
        for id in preview.pic_id_list.iter().chain(&preview.video_id_list) {
            if lookup(&w, &appid, id, now).is_err() {
                return Err(WxError::new(85092, format!("invalid preview_info format: {id}")).for_app(&appid));
            }
        }
    }
    let quota = w.lifecycle.component(&component).audits_this_month;
    if used_this_month(quota, now) >= settings.audit_quota_per_month {
        return Err(WxError::new(85085, "submit audit reach limit, please try later").for_app(&appid));
    }
    w.lifecycle.component(&component).audits_this_month = spent(quota, now);
    let auditid = w.next_audit();
    w.audits.insert(
        auditid,
        Audit {
            audit_id: auditid,
            appid: appid.clone(),
            component_appid: component.clone(),
            subject: AuditSubject::Code {
                auditid,
                status: CodeAuditStatus::Auditing.code(),
                user_version: trial.user_version.clone(),
            },
            create_time: now,
            due_at: now + settings.code_audit_secs,
            decision: None,
        },
    );
    inner.due_at(now + settings.code_audit_secs);
    w.lifecycle.program(&appid).audit = Some(CodeAudit {
        auditid,
        status: CodeAuditStatus::Auditing.code(),
        reason: String::new(),
        screenshot: String::new(),
        version: Version {
            app_version: 0,
            user_version: trial.user_version,
            user_desc: trial.user_desc,
            commit_time: trial.commit_time,
            release_time: 0,
            by_rollback: false,
        },
        submit_time: now,
        sped_up: false,
        released: false,
    });
    Ok(answer(&appid, &SubmitAuditResponse::new(auditid)))
}

async fn status(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "get_auditstatus")?;
    let req: GetAuditStatusRequest = parse_body(&body, &appid)?;
    deliver_later(&inner, inner.settle(false));
    let mut w = inner.world.write();
    if let Some(a) = w
        .lifecycle
        .program(&appid)
        .audit
        .as_ref()
        .filter(|a| a.auditid == req.auditid)
    {
        let resp = GetAuditStatusResponse::new(
            CodeAuditStatus::from_code(a.status),
            a.reason.clone(),
            a.screenshot.clone(),
        );
        return Ok(answer(&appid, &resp));
    }
    // An older audit of the same Mini Program: its status and reason are kept with it.
    match w.audits.get(&req.auditid) {
        Some(Audit {
            appid: owner,
            subject: AuditSubject::Code { status, .. },
            decision,
            ..
        }) if *owner == appid => {
            let reason = decision.as_ref().map(|d| d.reason.clone()).unwrap_or_default();
            Ok(answer(
                &appid,
                &GetAuditStatusResponse::new(CodeAuditStatus::from_code(*status), reason, ""),
            ))
        }
        _ => Err(WxError::new(85012, "invalid audit id").for_app(&appid)),
    }
}

async fn latest(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "get_latest_auditstatus")?;
    deliver_later(&inner, inner.settle(false));
    let mut w = inner.world.write();
    let a = w
        .lifecycle
        .program(&appid)
        .audit
        .clone()
        .ok_or_else(|| WxError::new(85012, "invalid audit id: no audit yet").for_app(&appid))?;
    let mut resp = GetLatestAuditStatusResponse::new(a.auditid, CodeAuditStatus::from_code(a.status));
    resp.reason = a.reason;
    resp.screenshot = a.screenshot;
    resp.user_version = a.version.user_version;
    resp.user_desc = a.version.user_desc;
    resp.submit_audit_time = a.submit_time as u64;
    Ok(answer(&appid, &resp))
}

async fn undo(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "undocodeaudit")?;
    let now = inner.now();
    let mut w = inner.world.write();
    let settings = w.lifecycle.settings.clone();
    let program = w.lifecycle.program(&appid);
    let Some(audit) = program
        .audit
        .as_mut()
        .filter(|a| CodeAuditStatus::from_code(a.status).is_open())
    else {
        return Err(WxError::new(87012, "no audit to undo: none is auditing or delayed").for_app(&appid));
    };
    let auditid = audit.auditid;
    if !program.undo_allowed(&settings, now) {
        return Err(WxError::new(87013, "no quota to undo code").for_app(&appid));
    }
    program.spend_undo(now);
    if let Some(audit) = program.audit.as_mut() {
        audit.status = CodeAuditStatus::Withdrawn.code();
    }
    if let Some(a) = w.audits.get_mut(&auditid) {
        a.due_at = i64::MAX;
        if let AuditSubject::Code { status, .. } = &mut a.subject {
            *status = CodeAuditStatus::Withdrawn.code();
        }
    }
    Ok(answer(&appid, &Empty {}))
}

async fn speedup(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (component, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "speedupaudit")?;
    let req: SpeedupAuditRequest = parse_body(&body, &appid)?;
    let now = inner.now();
    let mut w = inner.world.write();
    let settings = w.lifecycle.settings.clone();
    let audit = w
        .lifecycle
        .program(&appid)
        .audit
        .clone()
        .filter(|a| a.auditid == req.auditid && CodeAuditStatus::from_code(a.status).is_open())
        .ok_or_else(|| WxError::new(89402, "the audit is not waiting in the queue").for_app(&appid))?;
    if audit.sped_up {
        return Err(WxError::new(89404, "already expedited").for_app(&appid));
    }
    let used = w.lifecycle.component(&component).speedups_this_month;
    if used_this_month(used, now) >= settings.speedup_quota_per_month {
        return Err(WxError::new(89405, "no expedite quota left this month").for_app(&appid));
    }
    w.lifecycle.component(&component).speedups_this_month = spent(used, now);
    if let Some(a) = w.lifecycle.program(&appid).audit.as_mut() {
        a.sped_up = true;
    }
    if let Some(a) = w.audits.get_mut(&req.auditid) {
        a.due_at = a.due_at.min(now + settings.code_audit_speedup_secs);
        inner.due_at(a.due_at);
    }
    Ok(answer(&appid, &Empty {}))
}

async fn quota(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (component, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "queryquota")?;
    let now = inner.now();
    let mut w = inner.world.write();
    let s = w.lifecycle.settings.clone();
    let c = w.lifecycle.component(&component);
    let resp = QueryQuotaResponse::new(
        s.audit_quota_per_month
            .saturating_sub(used_this_month(c.audits_this_month, now)),
        s.audit_quota_per_month,
        s.speedup_quota_per_month
            .saturating_sub(used_this_month(c.speedups_this_month, now)),
        s.speedup_quota_per_month,
    );
    Ok(answer(&appid, &resp))
}
