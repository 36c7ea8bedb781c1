//! Code templates (lifecycle spec §1), with the component's token (an authorizer token is
//! 61014, as for every component API). Rules, in order:
//! - gettemplatedraftlist: the draft box, every field real answers carry;
//! - addtotemplate: `draft_id` (number or string) must be in the box (85064); the library holds
//!   `template_limit` templates (200; 85065); the new id is not returned;
//! - gettemplatelist: `template_type` 0 or 1 filters, absent lists all;
//! - deletetemplate: an unknown id is 85064.

use super::code::{answer, parse_body, require_get, require_post};
use crate::error::{ApiResult, WxError};
use crate::state::{Inner, Query};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::routing::{get, post};
use fastreg_protocol::Endpoint;
use fastreg_protocol::template::{
    AddToTemplate, AddToTemplateRequest, DeleteTemplate, DeleteTemplateRequest, Draft, GetTemplateDraftList,
    GetTemplateDraftListResponse, GetTemplateList, GetTemplateListResponse, Template,
};
use std::sync::Arc;

/// The template routes.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route(GetTemplateDraftList::PATH, get(draft_list).post(require_get))
        .route(AddToTemplate::PATH, post(add).get(require_post))
        .route(GetTemplateList::PATH, get(list).post(require_get))
        .route(DeleteTemplate::PATH, post(delete).get(require_post))
}

async fn draft_list(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let component = inner.component_caller(&Query::parse(q.as_deref()), "gettemplatedraftlist")?;
    let mut w = inner.world.write();
    let c = w.lifecycle.component(&component);
    let mut resp = GetTemplateDraftListResponse::default();
    resp.draft_list = c
        .drafts
        .iter()
        .map(|d| {
            let mut draft = Draft::default();
            draft.create_time = d.create_time as u64;
            draft.user_version = d.def.user_version.clone();
            draft.user_desc = d.def.user_desc.clone();
            draft.draft_id = d.draft_id;
            draft.source_miniprogram_appid = d.def.source_miniprogram_appid.clone();
            draft.source_miniprogram = d.def.source_miniprogram.clone();
            draft.developer = d.def.developer.clone();
            draft
        })
        .collect();
    Ok(answer(&component, &resp))
}

async fn add(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let component = inner.component_caller(&Query::parse(q.as_deref()), "addtotemplate")?;
    let req: AddToTemplateRequest = parse_body(&body, &component)?;
    if req.template_type > 1 {
        return Err(WxError::new(47001, "data format error: template_type is 0 or 1").for_app(&component));
    }
    let now = inner.now();
    let mut w = inner.world.write();
    let limit = w.lifecycle.settings.template_limit;
    let c = w.lifecycle.component(&component);
    if !c.drafts.iter().any(|d| d.draft_id == req.draft_id) {
        return Err(WxError::new(85064, "template not found: no such draft_id").for_app(&component));
    }
    if c.templates.len() >= limit {
        return Err(WxError::new(85065, "template list is full").for_app(&component));
    }
    w.lifecycle
        .add_template(&component, req.draft_id, req.template_type, now)
        .ok_or_else(|| WxError::of(85064).for_app(&component))?;
    Ok(answer(&component, &fastreg_protocol::endpoint::Empty {}))
}

async fn list(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let query = Query::parse(q.as_deref());
    let component = inner.component_caller(&query, "gettemplatelist")?;
    let filter: Option<u64> = match query.get("template_type").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match t.parse() {
            Ok(n @ (0 | 1)) => Some(n),
            _ => return Err(WxError::new(47001, "data format error: template_type is 0 or 1").for_app(&component)),
        },
    };
    let mut w = inner.world.write();
    let c = w.lifecycle.component(&component);
    let mut resp = GetTemplateListResponse::default();
    resp.template_list = c
        .templates
        .iter()
        .filter(|t| filter.is_none_or(|f| f == t.template_type))
        .map(|t| {
            let mut out = Template::default();
            out.create_time = t.create_time as u64;
            out.user_version = t.def.user_version.clone();
            out.user_desc = t.def.user_desc.clone();
            out.template_id = t.template_id;
            out.draft_id = t.draft_id;
            out.source_miniprogram_appid = t.def.source_miniprogram_appid.clone();
            out.source_miniprogram = t.def.source_miniprogram.clone();
            out.developer = t.def.developer.clone();
            out.template_type = t.template_type;
            out
        })
        .collect();
    Ok(answer(&component, &resp))
}

async fn delete(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let component = inner.component_caller(&Query::parse(q.as_deref()), "deletetemplate")?;
    let req: DeleteTemplateRequest = parse_body(&body, &component)?;
    let mut w = inner.world.write();
    let c = w.lifecycle.component(&component);
    let before = c.templates.len();
    c.templates.retain(|t| t.template_id != req.template_id);
    if c.templates.len() == before {
        return Err(WxError::new(85064, "template not found: no such template_id").for_app(&component));
    }
    Ok(answer(&component, &fastreg_protocol::endpoint::Empty {}))
}
