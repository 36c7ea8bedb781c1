//! Mini Programs: the list, a Mini Program's page (live basic info and quotas, the setup forms
//! and their status), the category picker with qualification uploads, resubmitting a rejected
//! category with new qualifications and deleting a category, and rebinding the admin.
//!
//! Each setup form becomes a one-part setup plan given to [`setup::store_plan`] (which checks
//! the spec's rules and keeps the images) and [`setup::attach`] (which starts the step's job), as
//! `PUT /api/v1/mini-programs/{appid}/setup` does; the step's state, WeChat's wording, the audit
//! and any failure are read back from `setup_steps`. Resubmitting and deleting a category go
//! through [`setup::resubmit_category`] and [`setup::delete_category`], as the REST API's
//! `…/categories/{first}-{second}/resubmit` and `DELETE …/categories/{first}-{second}` do. The name
//! check is the one WeChat call made straight from a form: checkwxverifynickname has no workflow,
//! it only tells the operator what WeChat thinks of a name before it is submitted.

use super::auth::CsrfForm;
use super::auth::Session;
use super::error::{ConsoleError, explained_code};
use super::i18n::{Lang, explain};
use super::view::{self, Cx, Section, badge, step_name, when};
use crate::failure::Failure;
use crate::listing;
use crate::rebind::RebindTask;
use crate::setup::{
    self, AvatarPlan, CategoryChangeError, CategoryKey, CategoryPlan, CertificatePlan, Image, NicknamePlan, SetupPlan,
    Step,
};
use crate::startup::{AppState, audit};
use crate::store::setup::MiniProgramRow;
use crate::store::{self, history};
use anyhow::Context;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fastreg_protocol::AppId;
use fastreg_protocol::account::{AccountBasicInfoResponse, AuditStatus};
use fastreg_protocol::category::{CategoryNode, GetAllCategoriesResponse, GetCategoryResponse, SetCategory};
use fastreg_protocol::rules::{self, CropBox, ImageKind, MediaType, RuleError};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

mod cards;
mod category_actions;
mod setup_actions;
mod step_and_rebind_actions;
mod upload;

use cards::*;
pub(super) use category_actions::*;
pub(super) use setup_actions::*;
pub(super) use step_and_rebind_actions::*;
use upload::*;

/// The image types the forms accept (what media/upload takes for `type=image`).
const IMAGE_TYPES: &str = "image/png,image/jpeg,image/gif";
/// The most bytes of one image (spec §4: 2 MB; media/upload's image limit).
const IMAGE_MAX_BYTES: usize = rules::HEAD_IMAGE_MAX_BYTES;

async fn mini_program(state: &AppState, appid: &str) -> Result<(MiniProgramRow, AppId), ConsoleError> {
    let row = store::setup::mini_program(&state.db, appid).await?;
    let row = row.ok_or_else(|| ConsoleError::not_found("没有这个小程序", "No such Mini Program"))?;
    let id = AppId::parse(row.appid.clone()).context("a stored appid is malformed")?;
    Ok((row, id))
}

fn page_url(appid: &str) -> String {
    format!("/console/mini-programs/{appid}")
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    cursor: Option<String>,
}

/// Mini Programs per page of the list.
const PAGE_SIZE: i64 = 50;

/// `GET /console/mini-programs`: a page of Mini Programs (searched, filtered) with their setup
/// steps, from the database only.
pub(super) async fn list(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Query(q): Query<ListQuery>,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::MiniPrograms);
    let filter = listing::Filter {
        q: q.q.clone(),
        status: q.status.clone(),
        cursor: q.cursor.clone(),
        limit: PAGE_SIZE,
    };
    let page = match listing::mini_programs(&state, &filter).await {
        Ok(p) => p,
        Err(listing::ListError::BadCursor) => {
            return Err(ConsoleError::invalid(
                "这个分页链接无效，请从第一页开始。",
                "This page link is not valid; start from the first page.",
                "/console/mini-programs".to_owned(),
            ));
        }
        Err(listing::ListError::Unexpected(e)) => return Err(ConsoleError::Unexpected(e)),
    };
    let rows = &page.items;
    let by_appid = listing::setup_steps_of(&state, &rows.iter().map(|m| m.appid.as_str()).collect::<Vec<_>>()).await?;
    let statuses = [
        ("authorized", view::state_label(lang, "authorized").0.into_owned()),
        ("unauthorized", view::state_label(lang, "unauthorized").0.into_owned()),
        (listing::SETUP_FAILED, cx.t("设置失败", "Setup failed").to_owned()),
        (listing::SETUP_RUNNING, cx.t("设置进行中", "Setup under way").to_owned()),
        (listing::SETUP_NONE, cx.t("没有设置计划", "No setup plan").to_owned()),
    ];
    let body = html! {
        (view::list_search(&cx, "/console/mini-programs", &q.q, &q.status, &statuses))
        @if rows.is_empty() {
            @if q.q.is_empty() && q.status.is_empty() && q.cursor.is_none() {
                p.empty { (cx.t("还没有小程序。在公众号页面上快速注册一个。", "No Mini Program yet. Fast-register one from an Official Account's page.")) }
            } @else {
                p.empty { (cx.t("没有符合条件的小程序。", "No Mini Program matches.")) }
            }
        }
        ul.cards id="mini-programs" {
            @for m in rows {
                li.card data-appid=(m.appid) {
                    h3 { a href=(page_url(&m.appid)) { (m.nick_name.as_deref().filter(|n| !n.is_empty()).unwrap_or(cx.t("（未命名）", "(no name yet)"))) } }
                    dl.facts {
                        dt { "AppID" } dd { code { (m.appid) } }
                        @if let Some(oa) = &m.oa_appid { dt { (cx.t("公众号", "Official Account")) } dd { a href={ "/console/accounts/" (oa) } { code { (oa) } } } }
                        dt { (cx.t("注册于", "Registered")) } dd { (when(m.created_at)) }
                        dt { (cx.t("设置", "Setup")) }
                        dd.setup {
                            @match by_appid.get(&m.appid) {
                                Some(steps) => {
                                    @for (step, st) in steps {
                                        span.step { (step_name(lang, step)) " " (badge(lang, st)) } " "
                                    }
                                }
                                None => {
                                    span.muted { (cx.t("没有设置计划。", "No setup plan.")) } " "
                                    a href=(page_url(&m.appid)) { (cx.t("在它的页面上设置", "Set it up on its page")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        (view::pager(&cx, "/console/mini-programs", &q.q, &q.status, q.cursor.is_some(), page.next.as_deref()))
    };
    Ok(view::page(&cx, cx.t("小程序", "Mini Programs"), body))
}

/// What WeChat said of a name the operator asked about.
enum NameCheck {
    Usable { name: String, hit: bool, wording: String },
    Refused { name: String, failure: Failure },
    Rule { name: String, message: String },
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    done: Option<String>,
}

/// `GET /console/mini-programs/{appid}`.
pub(super) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(appid): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::MiniPrograms);
    // The script's live updates swap only the step states, which come from the database: they
    // spend none of WeChat's daily call quotas, however long an audit keeps the page updating.
    let from_wechat = !headers.contains_key(view::LIVE_HEADER);
    render(&state, &cx, &appid, None, q.done.as_deref(), from_wechat).await
}

/// Everything the page shows, read at once.
struct Live {
    basic: Result<AccountBasicInfoResponse, Failure>,
    categories: Result<GetCategoryResponse, Failure>,
    catalog: Result<GetAllCategoriesResponse, Failure>,
}

async fn live(state: &AppState, id: &AppId, from_wechat: bool) -> Live {
    if !from_wechat {
        let skipped = || Failure::new("internal", "not read for a live update", "Reload the page.");
        return Live {
            basic: Err(skipped()),
            categories: Err(skipped()),
            catalog: Err(skipped()),
        };
    }
    let (basic, categories, catalog) = tokio::join!(
        state.client.account_basic_info(id),
        state.client.categories(id),
        state.client.all_categories(id)
    );
    Live {
        basic: basic.map_err(|e| Failure::from_client(&e)),
        categories: categories.map_err(|e| Failure::from_client(&e)),
        catalog: catalog.map_err(|e| Failure::from_client(&e)),
    }
}

async fn render(
    state: &AppState,
    cx: &Cx,
    appid: &str,
    check: Option<NameCheck>,
    done: Option<&str>,
    from_wechat: bool,
) -> Result<Markup, ConsoleError> {
    let (row, id) = mini_program(state, appid).await?;
    let steps = setup::steps(state, appid).await?;
    let live = live(state, &id, from_wechat).await;
    let rebinds = store::rebinds::latest_of(&state.db, appid).await?;
    let h = history(&state.db, &format!("mini_program:{appid}")).await?;
    let step = |name: &str| steps.iter().find(|s| s.step == name);
    let name = live
        .basic
        .as_ref()
        .ok()
        .and_then(|b| b.nickname.clone())
        .filter(|n| !n.is_empty());
    let title = name
        .clone()
        .or_else(|| row.nick_name.clone().filter(|n| !n.is_empty()))
        .unwrap_or_else(|| appid.to_owned());
    let lang = cx.lang;
    let body = html! {
        @if let Some(done) = done { (done_flash(lang, done)) }
        nav.jump {
            a href="#info" { (cx.t("基本信息", "Info")) }
            a href="#nickname" { (step_name(lang, "nickname")) }
            a href="#avatar" { (step_name(lang, "avatar")) }
            a href="#signature" { (step_name(lang, "signature")) }
            a href="#categories" { (step_name(lang, "categories")) }
            a href="#rebind" { (cx.t("管理员", "Admin")) }
        }
        (info_card(cx, &row, &live))
        (nickname_card(cx, appid, step("nickname"), &live, check))
        (avatar_card(cx, appid, step("avatar"), &live))
        (signature_card(cx, appid, step("signature"), &live))
        (categories_card(cx, appid, step("categories"), &live))
        (rebind_card(cx, appid, &rebinds))
        (view::history(lang, &h))
    };
    Ok(view::page(cx, &title, body))
}
