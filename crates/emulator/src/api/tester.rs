//! Testers (lifecycle spec §6) and search status (§7), with the Mini Program's token. Rules:
//! - bind_tester: a `wechatid` shaped like a WeChat id — 6–20 letters, digits, `_` or `-`,
//!   starting with a letter — (85001); not bound already (85004); at most
//!   `testers_per_mini_program` (50; 85002). Answers an opaque `userstr`;
//! - unbind_tester: by `wechatid` or `userstr` (47001 with neither); unbinding someone not bound
//!   answers ok, as WeChat documents no error for it;
//! - memberauth: `action` get_experiencer (47001 otherwise), the testers' `userstr`s;
//! - changewxasearchstatus: `status` 0 or 1 (85084); getwxasearchstatus reads it.

use super::code::{answer, parse_body, require_get, require_post};
use crate::error::{ApiResult, WxError};
use crate::lifecycle_state::Tester;
use crate::state::{Inner, Query};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::routing::{get, post};
use fastreg_protocol::Endpoint;
use fastreg_protocol::endpoint::Empty;
use fastreg_protocol::tester::{
    BindTester, BindTesterRequest, BindTesterResponse, ChangeWxaSearchStatus, GetWxaSearchStatus, Member, MemberAuth,
    MemberAuthRequest, MemberAuthResponse, UnbindTester, UnbindTesterRequest, WxaSearchStatus,
};
use std::sync::Arc;

/// The tester and search routes.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route(BindTester::PATH, post(bind).get(require_post))
        .route(UnbindTester::PATH, post(unbind).get(require_post))
        .route(MemberAuth::PATH, post(members).get(require_post))
        .route(ChangeWxaSearchStatus::PATH, post(change_search).get(require_post))
        .route(GetWxaSearchStatus::PATH, get(search).post(require_get))
}

fn wechat_id_shaped(id: &str) -> bool {
    (6..=20).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

async fn bind(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "bind_tester")?;
    let req: BindTesterRequest = parse_body(&body, &appid)?;
    if !wechat_id_shaped(&req.wechatid) {
        return Err(WxError::new(85001, "wechatid not exist or not searchable").for_app(&appid));
    }
    let mut w = inner.world.write();
    let limit = w.lifecycle.settings.testers_per_mini_program;
    let n = w.lifecycle.next_userstr;
    let program = w.lifecycle.program(&appid);
    if program.testers.iter().any(|t| t.wechatid == req.wechatid) {
        return Err(WxError::new(85004, "wechatid already bound").for_app(&appid));
    }
    if program.testers.len() >= limit {
        return Err(WxError::new(85002, "too many testers").for_app(&appid));
    }
    let userstr = format!("{:032x}", 0x7e57_0000_0000_u64 + n);
    program.testers.push(Tester {
        wechatid: req.wechatid,
        userstr: userstr.clone(),
    });
    w.lifecycle.next_userstr += 1;
    let mut resp = BindTesterResponse::default();
    resp.userstr = userstr;
    Ok(answer(&appid, &resp))
}

async fn unbind(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "unbind_tester")?;
    let req: UnbindTesterRequest = parse_body(&body, &appid)?;
    if req.wechatid.is_none() && req.userstr.is_none() {
        return Err(WxError::new(47001, "data format error: wechatid or userstr").for_app(&appid));
    }
    let mut w = inner.world.write();
    w.lifecycle
        .program(&appid)
        .testers
        .retain(|t| Some(&t.wechatid) != req.wechatid.as_ref() && Some(&t.userstr) != req.userstr.as_ref());
    Ok(answer(&appid, &Empty {}))
}

async fn members(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "memberauth")?;
    let req: MemberAuthRequest = parse_body(&body, &appid)?;
    if req.action != "get_experiencer" {
        return Err(WxError::new(47001, "data format error: action is get_experiencer").for_app(&appid));
    }
    let mut w = inner.world.write();
    let mut resp = MemberAuthResponse::default();
    resp.members = w
        .lifecycle
        .program(&appid)
        .testers
        .iter()
        .map(|t| Member::new(t.userstr.clone()))
        .collect();
    Ok(answer(&appid, &resp))
}

async fn change_search(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "changewxasearchstatus")?;
    let req: WxaSearchStatus =
        parse_body(&body, &appid).map_err(|_| WxError::new(85084, "invalid status: 0 or 1").for_app(&appid))?;
    if req.status > 1 {
        return Err(WxError::new(85084, "invalid status: 0 or 1").for_app(&appid));
    }
    inner.world.write().lifecycle.program(&appid).search_status = req.status;
    Ok(answer(&appid, &Empty {}))
}

async fn search(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "getwxasearchstatus")?;
    let status = inner.world.write().lifecycle.program(&appid).search_status;
    Ok(answer(&appid, &WxaSearchStatus::new(status == 0)))
}
