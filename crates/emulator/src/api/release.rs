//! Release, rollback and gray release (lifecycle spec §2.13–2.15), with the Mini Program's
//! token. Rules, in order:
//! - release: the body is `{}` (empty: 44002); the latest audit exists and was not withdrawn
//!   (85019), passed (85020) and is not released yet (85052). The version goes live with the next
//!   `app_version`; the previous live version goes into the history (the last
//!   `history_versions`, 5); the development privacy guide becomes the live one; a running gray
//!   plan is done (3). ICP filing is not checked (WeChat's code for it is unknown);
//! - grayrelease: a live version (85079); the latest audit passed and not released (85080);
//!   `gray_percentage` 1–100, or 0 with a first-group flag (85081); higher than the running
//!   plan's (85082). 100 % completes it as release does (the docs leave open whether 100 % or a
//!   release call ends a gray release; both work here);
//! - getgrayreleaseplan: the plan, or status 0 when none was made;
//! - revertgrayrelease: the running plan becomes 4 (deleted); without one, nothing happens;
//! - revertcoderelease: `action=get_history_version` lists the history; otherwise not while a
//!   gray plan runs (87011), not from a version that went live by a rollback (87012), to
//!   `app_version` or the previous version, which must be in the history (87012).

use super::code::{answer, non_empty, parse_body, require_get, require_post};
use crate::error::{ApiResult, WxError};
use crate::lifecycle_state::{GrayPlan, ProgramState};
use crate::state::{Inner, Query, deliver_later};
use crate::world::{AccountKind, World};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::routing::{get, post};
use fastreg_protocol::Endpoint;
use fastreg_protocol::audit::CodeAuditStatus;
use fastreg_protocol::endpoint::Empty;
use fastreg_protocol::release::{
    GetGrayReleasePlan, GetGrayReleasePlanResponse, GrayRelease, GrayReleasePlan, GrayReleaseRequest, HistoryVersion,
    Release, RevertCodeRelease, RevertCodeReleaseResponse, RevertGrayRelease,
};
use std::sync::Arc;

/// The release routes.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route(Release::PATH, post(release).get(require_post))
        .route(GrayRelease::PATH, post(gray).get(require_post))
        .route(GetGrayReleasePlan::PATH, get(gray_plan).post(require_get))
        .route(RevertGrayRelease::PATH, get(revert_gray).post(require_get))
        .route(RevertCodeRelease::PATH, get(revert).post(require_get))
}

/// Whether the latest audit can be released: Ok, or the code release answers.
fn releasable(program: &ProgramState, appid: &str) -> Result<(), WxError> {
    let audit = program
        .audit
        .as_ref()
        .filter(|a| a.status != CodeAuditStatus::Withdrawn.code())
        .ok_or_else(|| WxError::new(85019, "no version is under auditing").for_app(appid))?;
    if audit.status != CodeAuditStatus::Approved.code() {
        return Err(WxError::new(85020, "status not allowed: the audit has not passed").for_app(appid));
    }
    if audit.released {
        return Err(WxError::new(85052, "app is already released").for_app(appid));
    }
    Ok(())
}

/// Puts the approved version live (the caller checked [`releasable`]).
fn go_live(w: &mut World, appid: &str, now: i64) {
    let keep = w.lifecycle.settings.history_versions;
    let program = w.lifecycle.program(appid);
    let Some(audit) = program.audit.as_mut() else {
        return;
    };
    audit.released = true;
    let mut version = audit.version.clone();
    version.app_version = program.next_app_version;
    version.release_time = now;
    program.next_app_version += 1;
    if let Some(previous) = program.live.replace(version) {
        program.history.insert(0, previous);
        program.history.truncate(keep);
    }
    if let Some(dev) = &program.privacy_dev {
        program.privacy_live = Some(dev.clone());
    }
    if let Some(plan) = program.gray.as_mut().filter(|g| g.status == 1 || g.status == 2) {
        plan.status = 3;
        plan.gray_percentage = 100;
    }
    if let Some(AccountKind::MiniProgram { released, .. }) = w.accounts.get_mut(appid).map(|a| &mut a.kind) {
        *released = true;
    }
}

async fn release(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "release")?;
    non_empty(&body, &appid)?;
    // An audit due by now decides before the release looks at it.
    deliver_later(&inner, inner.settle(false));
    let now = inner.now();
    let mut w = inner.world.write();
    releasable(w.lifecycle.program(&appid), &appid)?;
    go_live(&mut w, &appid, now);
    Ok(answer(&appid, &Empty {}))
}

async fn gray(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "grayrelease")?;
    let req: GrayReleaseRequest = parse_body(&body, &appid)?;
    deliver_later(&inner, inner.settle(false));
    let now = inner.now();
    let mut w = inner.world.write();
    let program = w.lifecycle.program(&appid);
    if program.live.is_none() {
        return Err(WxError::new(85079, "no live version: cannot gray release").for_app(&appid));
    }
    if releasable(program, &appid).is_err() {
        return Err(WxError::new(85080, "the submitted audit has not passed").for_app(&appid));
    }
    let flag = req.support_debuger_first || req.support_experiencer_first;
    if req.gray_percentage > 100 || (req.gray_percentage == 0 && !flag) {
        return Err(WxError::new(85081, "invalid gray percentage").for_app(&appid));
    }
    let running = program.gray.as_ref().filter(|g| g.status == 1 || g.status == 2);
    if running.is_some_and(|g| req.gray_percentage <= g.gray_percentage) {
        return Err(WxError::new(85082, "gray percentage must be higher than the current one").for_app(&appid));
    }
    let create_timestamp = running.map(|g| g.create_timestamp).unwrap_or(now);
    program.gray = Some(GrayPlan {
        status: 1,
        create_timestamp,
        gray_percentage: req.gray_percentage,
        support_debuger_first: req.support_debuger_first,
        support_experiencer_first: req.support_experiencer_first,
    });
    if req.gray_percentage == 100 {
        go_live(&mut w, &appid, now);
    }
    Ok(answer(&appid, &Empty {}))
}

async fn gray_plan(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "getgrayreleaseplan")?;
    let mut w = inner.world.write();
    let mut resp = GetGrayReleasePlanResponse::default();
    if let Some(g) = &w.lifecycle.program(&appid).gray {
        let mut plan = GrayReleasePlan::new(g.status, g.create_timestamp as u64, g.gray_percentage);
        plan.support_debuger_first = g.support_debuger_first;
        plan.support_experiencer_first = g.support_experiencer_first;
        resp.gray_release_plan = plan;
    }
    Ok(answer(&appid, &resp))
}

async fn revert_gray(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "revertgrayrelease")?;
    let mut w = inner.world.write();
    if let Some(g) = w
        .lifecycle
        .program(&appid)
        .gray
        .as_mut()
        .filter(|g| g.status == 1 || g.status == 2)
    {
        g.status = 4;
    }
    Ok(answer(&appid, &Empty {}))
}

async fn revert(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let query = Query::parse(q.as_deref());
    let (_, appid) = inner.authorizer_caller(&query, "revertcoderelease")?;
    let now = inner.now();
    let mut w = inner.world.write();
    let keep = w.lifecycle.settings.history_versions;
    let program = w.lifecycle.program(&appid);
    if query.get("action").is_some_and(|a| !a.is_empty()) {
        if query.get("action") != Some("get_history_version") {
            return Err(WxError::new(47001, "data format error: action is get_history_version").for_app(&appid));
        }
        let mut resp = RevertCodeReleaseResponse::default();
        resp.version_list = program
            .history
            .iter()
            .map(|v| {
                HistoryVersion::new(
                    v.app_version,
                    v.user_version.clone(),
                    v.user_desc.clone(),
                    v.commit_time as u64,
                )
            })
            .collect();
        return Ok(answer(&appid, &resp));
    }
    if program.gray_running() {
        return Err(WxError::new(87011, "a gray release is running: cannot revert").for_app(&appid));
    }
    let cannot = || WxError::new(87012, "this version cannot be reverted").for_app(&appid);
    let Some(live) = program.live.clone() else {
        return Err(cannot());
    };
    if live.by_rollback {
        return Err(cannot());
    }
    let index = match query.get("app_version").filter(|v| !v.is_empty()) {
        Some(v) => {
            let wanted: u64 = v.parse().map_err(|_| cannot())?;
            program
                .history
                .iter()
                .position(|h| h.app_version == wanted)
                .ok_or_else(cannot)?
        }
        None if program.history.is_empty() => return Err(cannot()),
        None => 0,
    };
    let mut target = program.history.remove(index);
    target.by_rollback = true;
    target.release_time = now;
    program.history.insert(0, live);
    program.history.truncate(keep);
    program.live = Some(target);
    Ok(answer(&appid, &Empty {}))
}
