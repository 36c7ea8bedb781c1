//! Categories (spec §6): getallcategories, addcategory, deletecategory, getcategory,
//! modifycategory, with the rules of 53300–53308:
//!
//! - only Mini Programs fast-registered from an Official Account (41033 "invaid register type");
//! - 53303 bad parameters: no categories, an unknown id, a second level that is not a child of
//!   the first, a sensitive category without a complete alternative of its qualifications (each
//!   a valid temporary media id of the account);
//! - 53304 a category already set (or twice in one request);
//! - 53302 a category limited to other subject types; 53305 one needing an ICP filing the
//!   subject lacks;
//! - 53301 more than `category_limit` categories; 53300 more than `category_changes_per_month`
//!   adds and modifies in the calendar month;
//! - sensitive categories start in review (audit_status 1) and are decided by an audit (pushed as
//!   `wxa_category_audit`); others are approved at once;
//! - 53306 modify names a category that is not set (only qualifications may change); 53307 modify
//!   of a category not rejected; 53308 delete of a category in review.

use super::json_object;
use super::media::lookup;
use crate::error::{ApiResult, Reply, WxError};
use crate::state::{Inner, Query, deliver_later};
use crate::world::{Audit, AuditSubject, Counter, SetCategory, World};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use fastreg_protocol::account::AuditStatus;
use fastreg_protocol::category::{
    CategoryNode, CategoryRequest, Certificate, GetAllCategoriesResponse, GetCategoryResponse, Qualify,
    QualifyAlternative, QualifyDocument, SetCategory as WireCategory,
};
use fastreg_protocol::endpoint::Empty;
use serde_json::Value;
use std::sync::Arc;

fn fast_registered(w: &World, appid: &str) -> Result<(), WxError> {
    if w.accounts.get(appid).is_some_and(|a| a.is_fast_registered()) {
        Ok(())
    } else {
        Err(WxError::of(41033))
    }
}

/// GET /cgi-bin/wxopen/getallcategories — spec §6.1 (flat nodes; the root id 0 lists the first
/// level).
pub async fn all_categories(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "getallcategories")?;
    let w = inner.world.read();
    let children = |id: u64| -> Vec<u64> { w.catalog.iter().filter(|c| c.father == id).map(|c| c.id).collect() };
    let mut nodes = vec![CategoryNode::new(0, "", 0, 0, children(0), 0)];
    for c in &w.catalog {
        let level = if c.father == 0 { 1 } else { 2 };
        let mut node = CategoryNode::new(
            c.id,
            c.name.clone(),
            level,
            c.father,
            children(c.id),
            u64::from(c.sensitive),
        );
        if c.sensitive {
            let alternatives = c
                .qualifications
                .iter()
                .map(|alt| {
                    QualifyAlternative::new(alt.iter().map(|name| QualifyDocument::new(name.clone(), "")).collect())
                })
                .collect();
            node.qualify = Some(Qualify::new(alternatives, Some(String::new())));
        }
        nodes.push(node);
    }
    Ok(Reply::typed(&appid, &GetAllCategoriesResponse::new(nodes)))
}

/// GET /cgi-bin/wxopen/getcategory — spec §6.4.
pub async fn get(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "getcategory")?;
    deliver_later(&inner, inner.settle_due());
    let now = inner.now();
    let w = inner.world.read();
    fast_registered(&w, &appid).map_err(|e| e.for_app(&appid))?;
    let account = w.accounts.get(&appid);
    let name = |id| w.category(id).map(|n| n.name.clone()).unwrap_or_default();
    let categories = account
        .map(|a| a.categories.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let status =
                AuditStatus::try_from(c.audit_status).map_err(|e| WxError::new(-1, format!("system error: {e}")))?;
            Ok(WireCategory::new(
                c.first,
                name(c.first),
                c.second,
                name(c.second),
                status,
                c.audit_reason.clone(),
            ))
        })
        .collect::<Result<Vec<_>, WxError>>()
        .map_err(|e| e.for_app(&appid))?;
    let limit = w.settings.category_changes_per_month;
    let used = w.used(&appid, Counter::CategoryChange, now);
    let answer = GetCategoryResponse::new(
        categories,
        limit.into(),
        limit.saturating_sub(used).into(),
        w.settings.category_limit.into(),
    );
    Ok(Reply::typed(&appid, &answer))
}

/// Checks one requested category against the catalog and the account; returns whether it is
/// sensitive.
fn check_request(w: &World, appid: &str, c: &CategoryRequest, now: i64) -> Result<bool, WxError> {
    let bad = |why: String| WxError::new(53303, format!("invalid args: {why}"));
    let Some(first) = w.category(c.first).filter(|n| n.father == 0) else {
        return Err(bad(format!("first {} is not a first-level category", c.first)));
    };
    let Some(second) = w.category(c.second).filter(|n| n.father == first.id) else {
        return Err(bad(format!("second {} is not a child of first {}", c.second, c.first)));
    };
    let account = w.accounts.get(appid).ok_or_else(|| WxError::of(40013))?;
    if !second.principal_types.is_empty() && !second.principal_types.contains(&account.principal_type) {
        return Err(WxError::new(
            53302,
            format!(
                "category {} is not allowed for subject type {}",
                second.name,
                account.principal_type.chinese()
            ),
        ));
    }
    if second.requires_icp && !account.icp_filed {
        return Err(WxError::new(
            53305,
            format!("category {} needs an ICP filing the subject lacks", second.name),
        ));
    }
    if second.sensitive {
        let given = |name: &str| c.certicates.iter().find(|cert: &&Certificate| cert.key == name);
        let complete = second.qualifications.iter().any(|alt| {
            alt.iter()
                .all(|name| given(name).is_some_and(|cert| lookup(w, appid, &cert.value, now).is_ok()))
        });
        if !complete {
            let wanted: Vec<String> = second.qualifications.iter().map(|alt| alt.join(" + ")).collect();
            return Err(bad(format!(
                "category {} needs certicates for one of: {} (each value a valid temporary media id)",
                second.name,
                wanted.join(" | ")
            )));
        }
    }
    Ok(second.sensitive)
}

fn open_audit(inner: &Inner, w: &mut World, component: &str, appid: &str, c: &CategoryRequest, now: i64) -> u64 {
    let audit_id = w.next_audit();
    let due_at = now + w.settings.audit_delay_secs;
    inner.due_at(due_at);
    w.audits.insert(
        audit_id,
        Audit {
            audit_id,
            appid: appid.to_owned(),
            component_appid: component.to_owned(),
            subject: AuditSubject::Category {
                first: c.first,
                second: c.second,
            },
            create_time: now,
            due_at,
            decision: None,
        },
    );
    audit_id
}

fn certicates(c: &CategoryRequest) -> Vec<(String, String)> {
    c.certicates.iter().map(|x| (x.key.clone(), x.value.clone())).collect()
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WxError> {
    let map = json_object(body)?;
    serde_json::from_value(Value::Object(map)).map_err(|e| WxError::new(53303, format!("invalid args: {e}")))
}

/// POST /cgi-bin/wxopen/addcategory — spec §6.2.
pub async fn add(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (component, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "addcategory")?;
    let run = || {
        let req: fastreg_protocol::category::AddCategoryRequest = parse(&body)?;
        let now = inner.now();
        let mut w = inner.world.write();
        fast_registered(&w, &appid)?;
        if req.categories.is_empty() {
            return Err(WxError::new(53303, "invalid args: categories is empty"));
        }
        let existing: Vec<(u64, u64)> = w
            .accounts
            .get(&appid)
            .map(|a| a.categories.iter().map(|c| (c.first, c.second)).collect())
            .unwrap_or_default();
        let mut seen = existing.clone();
        let mut sensitive = Vec::new();
        for c in &req.categories {
            sensitive.push(check_request(&w, &appid, c, now)?);
            if seen.contains(&(c.first, c.second)) {
                return Err(WxError::new(
                    53304,
                    format!("category {}/{} is already set", c.first, c.second),
                ));
            }
            seen.push((c.first, c.second));
        }
        if seen.len() as u32 > w.settings.category_limit {
            return Err(WxError::new(
                53301,
                format!(
                    "at most {} categories; this would make {}",
                    w.settings.category_limit,
                    seen.len()
                ),
            ));
        }
        if w.used(&appid, Counter::CategoryChange, now) >= w.settings.category_changes_per_month {
            return Err(WxError::new(53300, "category change quota of this month is used up"));
        }
        w.spend(&appid, Counter::CategoryChange, now);
        for (c, sensitive) in req.categories.iter().zip(sensitive) {
            let audit_id = sensitive.then(|| open_audit(&inner, &mut w, &component, &appid, c, now));
            if let Some(a) = w.accounts.get_mut(&appid) {
                a.categories.push(SetCategory {
                    first: c.first,
                    second: c.second,
                    audit_status: if sensitive { 1 } else { 3 },
                    audit_reason: String::new(),
                    certicates: certicates(c),
                    audit_id,
                });
            }
        }
        Ok(Reply::typed(&appid, &Empty {}))
    };
    run().map_err(|e: WxError| e.for_app(&appid))
}

/// POST /cgi-bin/wxopen/deletecategory — spec §6.3.
pub async fn delete(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "deletecategory")?;
    let run = || {
        let req: fastreg_protocol::category::DeleteCategoryRequest = parse(&body)?;
        let mut w = inner.world.write();
        fast_registered(&w, &appid)?;
        let Some(account) = w.accounts.get_mut(&appid) else {
            return Err(WxError::of(40013));
        };
        let Some(pos) = account
            .categories
            .iter()
            .position(|c| c.first == req.first && c.second == req.second)
        else {
            return Err(WxError::new(
                53303,
                format!("invalid args: category {}/{} is not set", req.first, req.second),
            ));
        };
        if account.categories[pos].audit_status == 1 {
            return Err(WxError::new(53308, "a category under review cannot be deleted"));
        }
        account.categories.remove(pos);
        Ok(Reply::typed(&appid, &Empty {}))
    };
    run().map_err(|e: WxError| e.for_app(&appid))
}

/// POST /cgi-bin/wxopen/modifycategory — spec §6.5.
pub async fn modify(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (component, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "modifycategory")?;
    let run = || {
        let req: CategoryRequest = parse(&body)?;
        let now = inner.now();
        let mut w = inner.world.write();
        fast_registered(&w, &appid)?;
        let status = w
            .accounts
            .get(&appid)
            .and_then(|a| {
                a.categories
                    .iter()
                    .find(|c| c.first == req.first && c.second == req.second)
            })
            .map(|c| c.audit_status);
        let Some(status) = status else {
            return Err(WxError::new(
                53306,
                "modifycategory may change a set category's qualifications only, not its ids",
            ));
        };
        if status != 2 {
            return Err(WxError::new(
                53307,
                "only a category whose audit failed may be modified",
            ));
        }
        let sensitive = check_request(&w, &appid, &req, now)?;
        if w.used(&appid, Counter::CategoryChange, now) >= w.settings.category_changes_per_month {
            return Err(WxError::new(53300, "category change quota of this month is used up"));
        }
        w.spend(&appid, Counter::CategoryChange, now);
        let audit_id = sensitive.then(|| open_audit(&inner, &mut w, &component, &appid, &req, now));
        if let Some(c) = w.accounts.get_mut(&appid).and_then(|a| {
            a.categories
                .iter_mut()
                .find(|c| c.first == req.first && c.second == req.second)
        }) {
            c.audit_status = if sensitive { 1 } else { 3 };
            c.audit_reason = String::new();
            c.certicates = certicates(&req);
            c.audit_id = audit_id;
        }
        Ok(Reply::typed(&appid, &Empty {}))
    };
    run().map_err(|e: WxError| e.for_app(&appid))
}
