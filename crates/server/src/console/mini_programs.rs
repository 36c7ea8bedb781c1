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
use crate::store::history;
use crate::{fetch_all, fetch_optional};
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

/// The image types the forms accept (what media/upload takes for `type=image`).
const IMAGE_TYPES: &str = "image/png,image/jpeg,image/gif";
/// The most bytes of one image (spec §4: 2 MB; media/upload's image limit).
const IMAGE_MAX_BYTES: usize = rules::HEAD_IMAGE_MAX_BYTES;

#[derive(Clone, Debug, sqlx::FromRow)]
struct MpRow {
    appid: String,
    registration_id: Option<String>,
    oa_appid: Option<String>,
    created_at: i64,
    nick_name: Option<String>,
    status: Option<String>,
}

const MP_SQL: &str = "SELECT m.appid, m.registration_id, m.oa_appid, m.created_at, a.nick_name, a.status
     FROM mini_programs m LEFT JOIN authorizers a ON a.appid = m.appid";

async fn mini_program(state: &AppState, appid: &str) -> Result<(MpRow, AppId), ConsoleError> {
    let sql = format!("{MP_SQL} WHERE m.appid = $1");
    let row: Option<MpRow> =
        fetch_optional!(&state.db, MpRow, sql.as_str(), appid).context("cannot read a Mini Program")?;
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
    let rebinds: Vec<RebindTask> = fetch_all!(
        &state.db,
        RebindTask,
        "SELECT id, appid, state, auth_url, failure, created_by, created_at, updated_at FROM rebind_tasks
         WHERE appid = $1 ORDER BY created_at DESC LIMIT 5",
        appid
    )
    .context("cannot list rebind tasks")?;
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

fn done_flash(lang: Lang, done: &str) -> Markup {
    let text = match done {
        "nickname" => lang.t(
            "名称已提交，正在检测并提交审核。",
            "The name was submitted: it is being checked and sent for review.",
        ),
        "avatar" => lang.t("头像已提交。", "The avatar was submitted."),
        "signature" => lang.t("功能介绍已提交。", "The description was submitted."),
        "categories" => lang.t("类目已提交。", "The category was submitted."),
        "retry" => lang.t("已重新开始这一步。", "The step starts again."),
        "resubmitted" => lang.t(
            "已上传新的资质，类目正在重新提交审核。",
            "The new qualifications were uploaded: the category is being resubmitted for review.",
        ),
        "deleted" => lang.t("类目已删除。", "The category was deleted."),
        _ => return html! {},
    };
    view::flash(text)
}

fn quota_left(used: u64, quota: u64) -> String {
    format!("{} / {quota}", quota.saturating_sub(used))
}

fn info_card(cx: &Cx, row: &MpRow, live: &Live) -> Markup {
    let lang = cx.lang;
    html! {
        section.card id="info" {
            h2 { (cx.t("基本信息", "Basic information")) }
            dl.facts {
                dt { "AppID" } dd { code.appid { (row.appid) } }
                @if let Some(oa) = &row.oa_appid { dt { (cx.t("公众号", "Official Account")) } dd { a href={ "/console/accounts/" (oa) } { code { (oa) } } } }
                @if let Some(r) = &row.registration_id { dt { (cx.t("注册", "Registration")) } dd { a href={ "/console/registrations/" (r) } { (when(row.created_at)) } } }
                @if let Some(st) = &row.status { dt { (cx.t("授权状态", "Authorization")) } dd { (badge(lang, st)) } }
                @if let Ok(b) = &live.basic {
                    dt { (cx.t("名称", "Name")) } dd.name { (b.nickname.as_deref().filter(|n| !n.is_empty()).unwrap_or(cx.t("（未设置）", "(not set)"))) }
                    dt { (cx.t("主体", "Subject")) } dd { (b.principal_name) }
                    dt { (cx.t("实名验证", "Real-name check")) } dd { (realname(lang, b.realname_status)) }
                    @let verify = b.wx_verify_info.clone().unwrap_or_default();
                    dt { (cx.t("微信认证", "WeChat verification")) }
                    dd.verified {
                        @if verify.qualification_verify.0 { span.badge.ok { (cx.t("已认证", "Verified")) } } @else { span.badge.err { (cx.t("未认证", "Not verified")) } }
                    }
                    @if let Some(end) = verify.annual_review_end_time {
                        dt { (cx.t("认证到期", "Verification expires")) } dd.expiry { (view::date(i64::try_from(end).unwrap_or(0))) }
                    }
                }
            }
            @match &live.basic {
                Ok(b) => {
                    h3 { (cx.t("本月剩余修改次数", "Changes left this month")) }
                    dl.facts.quotas {
                        @if let Some(hi) = &b.head_image_info { dt { (step_name(lang, "avatar")) } dd data-quota="avatar" { (quota_left(hi.modify_used_count, hi.modify_quota)) } }
                        @if let Some(si) = &b.signature_info { dt { (step_name(lang, "signature")) } dd data-quota="signature" { (quota_left(si.modify_used_count, si.modify_quota)) } }
                        @if let Some(ni) = &b.nickname_info && let (Some(u), Some(q)) = (ni.modify_used_count, ni.modify_quota) {
                            dt { (cx.t("改名（本年）", "Renames (this year)")) } dd data-quota="nickname" { (quota_left(u, q)) }
                        }
                        @if let Ok(c) = &live.categories {
                            dt { (cx.t("类目（本周期）", "Categories (this period)")) } dd data-quota="categories" { (c.quota) " / " (c.limit) }
                        }
                    }
                }
                Err(f) => { p { (cx.t("读取微信上的信息失败：", "Cannot read the information WeChat has:")) } (view::explained(lang, &explain(f))) }
            }
        }
    }
}

fn realname(lang: Lang, status: u64) -> Markup {
    match status {
        1 => html! { span.badge.ok { (lang.t("已通过", "Passed")) } },
        2 => html! { span.badge.wait { (lang.t("验证中", "In progress")) } },
        3 => html! { span.badge.err { (lang.t("未通过", "Failed")) } },
        _ => html! { "—" },
    }
}

#[derive(Deserialize, Default)]
struct StepDetail {
    #[serde(default)]
    check_wording: Option<String>,
    #[serde(default)]
    hit_condition: Option<bool>,
    #[serde(default)]
    audit_id: Option<u64>,
    #[serde(default)]
    note: Option<crate::setup_note::SetupNote>,
}

/// A step's live status block: state, WeChat's words, the audit, the failure and a retry button.
fn step_status(cx: &Cx, appid: &str, name: &str, step: Option<&Step>) -> Markup {
    let lang = cx.lang;
    let region = format!("{name}-status");
    let Some(s) = step else {
        return html! { div.step-status data-live id=(region) { p.muted { (cx.t("还没有提交过。", "Not submitted yet.")) } } };
    };
    let detail: StepDetail = serde_json::from_str(&s.detail).unwrap_or_default();
    let failure = s
        .failure
        .as_deref()
        .and_then(|f| serde_json::from_str::<Failure>(f).ok());
    html! {
        div.step-status data-live id=(region) data-pending[!view::is_final(&s.state)] data-state=(s.state) {
            p { (cx.t("状态：", "State: ")) (badge(lang, &s.state)) " " span.muted { (when(s.updated_at)) } " "
                (view::refresh(lang, &format!("{}#{name}", page_url(appid)))) }
            @if let Some(id) = detail.audit_id { p.audit { (cx.t("审核单号：", "Audit id: ")) code { (id) } } }
            @if s.state == "awaiting_audit" {
                p { (cx.t("已提交微信审核，结果出来后这里会自动更新。", "Sent to WeChat for review; this updates by itself when the result comes.")) }
            }
            @if detail.hit_condition == Some(true) {
                div.wording { p { strong { (cx.t("微信的提示：", "WeChat says: ")) } } p lang="zh-CN" { (detail.check_wording.as_deref().unwrap_or("")) } }
            }
            // setnickname's wording is usually the check's again.
            @if let Some(note) = detail.note.as_ref().filter(|n| n.wechat_wording().is_none_or(|w| Some(w) != detail.check_wording.as_deref())) {
                @if let Some(wording) = note.wechat_wording() {
                    p.note lang="zh-CN" { (wording) }
                } @else {
                    p.note { (lang.t(&note.zh(), &note.en())) }
                }
            }
            @if let Some(f) = &failure {
                (view::explained(lang, &explain(f)))
                form method="post" action={ (page_url(appid)) "/steps/" (name) "/retry" } {
                    (cx.csrf_field())
                    button.secondary type="submit" { (cx.t("重试这一步", "Try this step again")) }
                }
            }
        }
    }
}

fn file_input(name: &str, required: bool, multiple: bool) -> Markup {
    html! {
        input type="file" name=(name) accept=(IMAGE_TYPES) data-types=(IMAGE_TYPES) data-max-bytes=(IMAGE_MAX_BYTES)
            required[required] multiple[multiple];
        span.file-error role="alert" {}
    }
}

fn nickname_card(cx: &Cx, appid: &str, step: Option<&Step>, live: &Live, check: Option<NameCheck>) -> Markup {
    let individual = live.basic.as_ref().is_ok_and(|b| b.principal_type == 0);
    let reviewing = step.is_some_and(|s| s.state == "awaiting_audit");
    let typed = match &check {
        Some(NameCheck::Usable { name, .. } | NameCheck::Refused { name, .. } | NameCheck::Rule { name, .. }) => {
            name.clone()
        }
        None => step
            .and_then(|s| serde_json::from_str::<NicknamePlan>(&s.spec).ok())
            .map(|p| p.name)
            .unwrap_or_default(),
    };
    html! {
        section.card id="nickname" {
            h2 { (cx.t("名称", "Name")) }
            (step_status(cx, appid, "nickname", step))
            p.hint { (cx.t(
                "名称 4–30 个字符（汉字算 2 个），不能含“小程序”。先检测：命中关键字时微信会说明需要哪些材料。提交后微信审核名称，结果以推送或查询得到。",
                "A name is 4–30 characters (a Chinese character counts 2) without 小程序. Check it first: when it hits WeChat's keyword policy WeChat says which materials to add. After submitting, WeChat reviews the name; the result arrives by push or by polling."
            )) }
            @if reviewing {
                p.flash.warn { (cx.t("有一个名称正在审核中；审核结束前微信不接受新的名称（91003）。", "A name is under review; WeChat accepts no new name until it is decided (91003).")) }
            }
            form.stack method="post" action={ (page_url(appid)) "/nickname" } enctype="multipart/form-data" data-nickname-form {
                (cx.csrf_field())
                label { (cx.t("新名称", "New name"))
                    input type="text" name="name" value=(typed) required maxlength="30" autocomplete="off"; }
                button.secondary type="submit" formaction={ (page_url(appid)) "/nickname/check" } formnovalidate data-check-nickname {
                    (cx.t("检测名称", "Check the name")) }
                div id="nickname-check" aria-live="polite" { (name_check(cx, check.as_ref(), individual)) }
                @if individual {
                    label { (cx.t("身份证照片（个人主体必填）", "ID card photo (required for individuals)")) (file_input("id_card", true, false)) }
                } @else {
                    label { (cx.t("营业执照或组织机构代码证（组织主体必填）", "Business license or organization code certificate (required for organizations)")) (file_input("license", true, false)) }
                }
                label { (cx.t("其他证明材料（命中关键字时必填，最多 5 张，如《商标注册证》）", "Other supporting materials (required when the name hits the keyword policy; up to 5, e.g. a trademark certificate)"))
                    (file_input("other", false, true)) }
                p.hint { (cx.t("图片：PNG、JPEG 或 GIF，每张不超过 2 MB。", "Images: PNG, JPEG or GIF, at most 2 MB each.")) }
                button.primary type="submit" disabled[reviewing] { (cx.t("提交名称审核", "Submit the name for review")) }
            }
        }
    }
}

/// What to attach before submitting a name: the subject's document, which WeChat always asks
/// for (91009 without it).
fn attach_next(cx: &Cx, individual: bool) -> Markup {
    html! {
        p.hint.next data-next=(if individual { "id_card" } else { "license" }) {
            (cx.t("下一步：", "Next: "))
            @if individual {
                (cx.t("在下面上传管理员的身份证照片（个人主体必填），然后提交名称审核。",
                    "attach the ID card photo below (individuals must), then submit the name for review."))
            } @else {
                (cx.t("在下面上传营业执照或组织机构代码证（组织主体必填），然后提交名称审核。",
                    "attach the business licence or organisation code certificate below (organisations must), then submit the name for review."))
            }
        }
    }
}

fn name_check(cx: &Cx, check: Option<&NameCheck>, individual: bool) -> Markup {
    let lang = cx.lang;
    match check {
        None => html! {},
        Some(NameCheck::Usable { name, hit: false, .. }) => html! {
            div.check.ok data-hit="false" {
                p { "✓ 「" (name) "」" (cx.t("可以申请：没有命中微信的关键字策略。", " can be applied for: it hits none of WeChat's keyword rules.")) }
                (attach_next(cx, individual))
            }
        },
        Some(NameCheck::Usable {
            name,
            hit: true,
            wording,
        }) => html! {
            div.check.warn data-hit="true" {
                p { "「" (name) "」" (cx.t("命中了微信的关键字策略，需要补充材料：", " hits WeChat's keyword policy; add materials:")) }
                blockquote.wording lang="zh-CN" { (wording) }
                p.hint { (cx.t("请在下面“其他证明材料”中上传。", "Upload them under “Other supporting materials” below.")) }
                (attach_next(cx, individual))
            }
        },
        Some(NameCheck::Refused { name, failure }) => html! {
            div.check.err data-hit="refused" {
                p { "「" (name) "」" (cx.t("不能使用：", " cannot be used:")) }
                (view::explained(lang, &explain(failure)))
            }
        },
        Some(NameCheck::Rule { name, message }) => html! {
            div.check.err data-hit="rule" {
                p { "「" (name) "」" (cx.t("不符合名称规则：", " breaks the name rules: ")) (message) }
            }
        },
    }
}

fn avatar_card(cx: &Cx, appid: &str, step: Option<&Step>, live: &Live) -> Markup {
    let current = live
        .basic
        .as_ref()
        .ok()
        .and_then(|b| b.head_image_info.as_ref())
        .map(|h| h.head_image_url.clone())
        .filter(|u| !u.is_empty());
    html! {
        section.card id="avatar" {
            h2 { (cx.t("头像", "Avatar")) }
            (step_status(cx, appid, "avatar", step))
            @if let Some(url) = current {
                p.avatar-now {
                    img.avatar src=(url) alt=(cx.t("当前头像", "Current avatar")) width="96" height="96";
                    span.img-fallback hidden { (cx.t("当前头像的图片地址无法访问：", "The current avatar's image cannot be loaded: ")) a href=(url) { (url) } }
                }
            }
            form.stack method="post" action={ (page_url(appid)) "/avatar" } enctype="multipart/form-data" data-crop-form {
                (cx.csrf_field())
                label { (cx.t("选择图片（PNG、JPEG 或 GIF，不超过 2 MB）", "Choose an image (PNG, JPEG or GIF, at most 2 MB)"))
                    input type="file" name="image" id="avatar-file" accept=(IMAGE_TYPES) data-types=(IMAGE_TYPES) data-max-bytes=(IMAGE_MAX_BYTES) required;
                    span.file-error role="alert" {} }
                div.crop hidden data-crop {
                    p.hint { (cx.t("微信的头像总是正方形：拖动滑块选择要保留的正方形区域。", "WeChat's avatars are always square: move the sliders to choose the square to keep.")) }
                    div.crop-views {
                        canvas.crop-source width="320" height="320" {}
                        div { canvas.crop-preview width="144" height="144" {} p.muted { (cx.t("预览", "Preview")) } }
                    }
                    label { (cx.t("大小", "Size")) input type="range" name="zoom" min="20" max="100" value="100" data-crop-zoom; }
                    label { (cx.t("左右", "Left–right")) input type="range" name="px" min="0" max="100" value="50" data-crop-x; }
                    label { (cx.t("上下", "Up–down")) input type="range" name="py" min="0" max="100" value="50" data-crop-y; }
                }
                input type="hidden" name="x1" value="0";
                input type="hidden" name="y1" value="0";
                input type="hidden" name="x2" value="1";
                input type="hidden" name="y2" value="1";
                button.primary type="submit" { (cx.t("上传并设为头像", "Upload and set as avatar")) }
            }
        }
    }
}

fn signature_card(cx: &Cx, appid: &str, step: Option<&Step>, live: &Live) -> Markup {
    let current = live
        .basic
        .as_ref()
        .ok()
        .and_then(|b| b.signature_info.as_ref())
        .map(|s| s.signature.clone())
        .unwrap_or_default();
    html! {
        section.card id="signature" {
            h2 { (cx.t("功能介绍", "Description")) }
            (step_status(cx, appid, "signature", step))
            @if !current.is_empty() { p.current { (cx.t("当前：", "Now: ")) span.signature { (current) } } }
            form.stack method="post" action={ (page_url(appid)) "/signature" } {
                (cx.csrf_field())
                label { (cx.t("新的功能介绍（4–120 个字）", "New description (4–120 characters)"))
                    textarea name="signature" rows="3" minlength="4" maxlength="120" required data-count {} }
                button.primary type="submit" { (cx.t("保存功能介绍", "Save the description")) }
            }
        }
    }
}

fn audit_state(s: AuditStatus) -> &'static str {
    match s {
        AuditStatus::Reviewing => "reviewing",
        AuditStatus::Rejected => "rejected",
        AuditStatus::Approved => "approved",
    }
}

/// First-level categories, each with its children, in the catalog's order.
fn tree(catalog: &GetAllCategoriesResponse) -> Vec<(&CategoryNode, Vec<&CategoryNode>)> {
    let nodes = &catalog.category_list.categories;
    nodes
        .iter()
        // The root (id 0, which lists the first level) is no category.
        .filter(|n| n.father == 0 && n.id != 0)
        .map(|first| {
            (
                first,
                nodes
                    .iter()
                    .filter(|n| n.father == first.id && n.id != first.id)
                    .collect(),
            )
        })
        .collect()
}

fn categories_card(cx: &Cx, appid: &str, step: Option<&Step>, live: &Live) -> Markup {
    let lang = cx.lang;
    html! {
        section.card id="categories" {
            h2 { (cx.t("类目", "Categories")) }
            (step_status(cx, appid, "categories", step))
            div id="categories-set" {
                @match &live.categories {
                    Ok(c) => {
                        @if c.categories.is_empty() { p.muted { (cx.t("还没有类目。", "No category yet.")) } }
                        ul.rows.categories {
                            @for s in &c.categories { (category_row(cx, appid, s, live.catalog.as_ref().ok())) }
                        }
                        p.muted { (cx.t("最多可设置 ", "At most ")) (c.category_limit) (cx.t(" 个类目。", " categories.")) }
                    }
                    Err(f) => { (view::explained(lang, &explain(f))) }
                }
            }
            @match &live.catalog {
                Ok(catalog) => {
                    form.stack method="get" action={ (page_url(appid)) "/categories/new" } {
                        label { (cx.t("添加类目", "Add a category"))
                            select name="pick" required {
                                option value="" { (cx.t("— 选择类目 —", "— choose a category —")) }
                                @for (first, children) in tree(catalog) {
                                    optgroup label=(first.name) {
                                        @for c in children {
                                            option value={ (first.id) "-" (c.id) } {
                                                (c.name) @if c.sensitive_type == 1 { (cx.t("（需资质）", " (qualifications)")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        button.secondary type="submit" { (cx.t("下一步", "Next")) }
                    }
                }
                Err(f) => { p { (cx.t("读取类目目录失败：", "Cannot read the category catalog:")) } (view::explained(lang, &explain(f))) }
            }
        }
    }
}

/// A category set on the Mini Program: its audit, the resubmit form when WeChat rejected it,
/// and the delete button (not while under review: 53308).
fn category_row(cx: &Cx, appid: &str, s: &SetCategory, catalog: Option<&GetAllCategoriesResponse>) -> Markup {
    let lang = cx.lang;
    let key = format!("{}-{}", s.first, s.second);
    html! {
        li data-category=(key) {
            (s.first_name) " › " (s.second_name) " " (badge(lang, audit_state(s.audit_status)))
            @if !s.audit_reason.is_empty() { " " span.muted.reason { (s.audit_reason) } }
            @if s.audit_status == AuditStatus::Rejected { (resubmit_form(cx, appid, s, catalog)) }
            @if s.audit_status == AuditStatus::Reviewing {
                p.hint { (cx.t("审核中的类目不能删除（53308），审核结束后才能删除。", "A category under review cannot be deleted (53308) until its review ends.")) }
            } @else {
                form.inline.delete-category method="post" action={ (page_url(appid)) "/categories/" (key) "/delete" } {
                    (cx.csrf_field())
                    button.secondary type="submit" { (cx.t("删除这个类目", "Delete this category")) }
                }
            }
        }
    }
}

/// The qualification uploads of a rejected category, for modifycategory.
fn resubmit_form(cx: &Cx, appid: &str, s: &SetCategory, catalog: Option<&GetAllCategoriesResponse>) -> Markup {
    let key = format!("{}-{}", s.first, s.second);
    let node = catalog.and_then(|c| find(c, s.first, s.second)).map(|(_, n)| n);
    let alternatives = node
        .and_then(|n| n.qualify.as_ref())
        .map(|q| q.exter_list.as_slice())
        .unwrap_or(&[]);
    html! {
        details.resubmit open data-resubmit=(key) {
            summary { (cx.t("上传新的资质，重新提交审核", "Resubmit with new qualifications")) }
            @if alternatives.is_empty() {
                p.muted { (cx.t("读不到这个类目需要的资质（类目目录暂时不可用），请稍后刷新。", "The qualifications this category needs cannot be read (the category catalog is unavailable); reload later.")) }
            } @else {
                p.hint { (cx.t(
                    "微信驳回了这个类目。上传新的资质图片重新提交，微信会重新审核（modifycategory，占用本周期一次类目修改次数）。满足下面任意一组即可，一组里的每一项都要上传。",
                    "WeChat rejected this category. Upload new qualification images to resubmit it for review (modifycategory; it spends one of this period's category changes). Satisfy any one option below, uploading every document of that option."
                )) }
                form.stack method="post" action={ (page_url(appid)) "/categories/" (key) "/resubmit" } enctype="multipart/form-data" {
                    (cx.csrf_field())
                    @for (a, alt) in alternatives.iter().enumerate() {
                        fieldset.qualification {
                            legend { (cx.t("方案 ", "Option ")) (a + 1) }
                            @for (d, doc) in alt.inner_list.iter().enumerate() {
                                label { (doc.name) (file_input(&format!("cert_{a}_{d}"), false, false)) }
                            }
                        }
                    }
                    p.hint { (cx.t("图片：PNG、JPEG 或 GIF，每张不超过 2 MB。", "Images: PNG, JPEG or GIF, at most 2 MB each.")) }
                    button.primary type="submit" { (cx.t("重新提交审核", "Resubmit for review")) }
                }
            }
        }
    }
}

fn rebind_card(cx: &Cx, appid: &str, tasks: &[RebindTask]) -> Markup {
    let lang = cx.lang;
    html! {
        section.card id="rebind" {
            h2 { (cx.t("换绑管理员", "Rebind the admin")) }
            p { (cx.t(
                "快速注册的小程序没有独立的帐号密码。换绑时先打开微信页面：原管理员扫码并填写身份证号确认，再填写新管理员的姓名、身份证和手机号，由新管理员的微信确认；提交后微信带你回来，服务完成换绑。",
                "A fast-registered Mini Program has no password of its own. To rebind, open WeChat's page: the current admin scans and confirms with their ID card number, then the new admin's name, ID card and phone are filled in and confirmed with the new admin's WeChat; WeChat then brings you back and the service completes the rebind."
            )) }
            form method="post" action={ (page_url(appid)) "/rebind" } {
                (cx.csrf_field())
                button.primary type="submit" { (cx.t("去微信换绑管理员", "Rebind the admin on WeChat")) }
            }
            @if !tasks.is_empty() {
                ul.rows {
                    @for t in tasks {
                        li { a href={ "/console/rebinds/" (t.id) } { (when(t.created_at)) } " " (badge(lang, &t.state)) }
                    }
                }
            }
        }
    }
}

/// A form's fields and files.
#[derive(Default)]
struct Upload {
    fields: HashMap<String, String>,
    files: Vec<(String, String, Vec<u8>)>,
}

impl Upload {
    async fn read(mut multipart: Multipart, back: &str) -> Result<Upload, ConsoleError> {
        let mut out = Upload::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    return Err(ConsoleError::invalid(
                        format!("表单读取失败（文件可能太大）：{e}"),
                        format!("Cannot read the form (a file may be too large): {e}"),
                        back,
                    ));
                }
            };
            let name = field.name().unwrap_or("").to_owned();
            let filename = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| {
                ConsoleError::invalid(format!("表单读取失败：{e}"), format!("Cannot read the form: {e}"), back)
            })?;
            match filename {
                // A file input left empty still sends a part, without a file name or bytes.
                Some(f) if !f.is_empty() || !bytes.is_empty() => out.files.push((name, f, bytes.to_vec())),
                Some(_) => {}
                None => {
                    out.fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
        Ok(out)
    }

    fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    fn files(&self, name: &str) -> impl Iterator<Item = &(String, String, Vec<u8>)> {
        self.files.iter().filter(move |(n, _, _)| n == name)
    }
}

fn rule_error(what_zh: &str, what_en: &str, e: &RuleError, back: &str) -> ConsoleError {
    ConsoleError::invalid(
        format!("{what_zh}不符合微信的要求：{e}"),
        format!("The {what_en} breaks WeChat's rule: {e}"),
        back,
    )
}

/// An uploaded image kept inline for the plan, after the same checks WeChat's media upload makes.
fn image(filename: &str, bytes: &[u8], what_zh: &str, what_en: &str, back: &str) -> Result<Image, ConsoleError> {
    rules::check_temp_media(MediaType::Image, bytes).map_err(|e| rule_error(what_zh, what_en, &e, back))?;
    Ok(Image::Inline {
        filename: filename.to_owned(),
        data_base64: STANDARD.encode(bytes),
    })
}

/// Stores a plan (checked against the spec's rules, images kept) and attaches it.
async fn attach(
    state: &AppState,
    session: &Session,
    id: &AppId,
    plan: SetupPlan,
    back: &str,
) -> Result<(), ConsoleError> {
    let stored = setup::store_plan(state, plan).await.map_err(|e| match e {
        setup::PlanError::Rule(m) => ConsoleError::invalid(
            format!("不符合微信的要求：{m}"),
            format!("This breaks WeChat's rule: {m}"),
            back,
        ),
        setup::PlanError::Unexpected(e) => ConsoleError::Unexpected(e),
    })?;
    attach_stored(state, session, id, &stored).await
}

/// Attaches a stored plan: its steps start over and their jobs run now (see [`setup::attach`]).
async fn attach_stored(state: &AppState, session: &Session, id: &AppId, plan_json: &str) -> Result<(), ConsoleError> {
    let mut tx = state.db.begin().await?;
    setup::attach(state, &mut tx, id, plan_json).await?;
    tx.commit().await?;
    let plan: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(plan_json).context("a stored plan is malformed")?;
    let steps: Vec<&str> = plan.keys().map(String::as_str).collect();
    audit(
        state,
        &super::actor(session),
        "setup.attach",
        &format!("mini_program:{id}"),
        &steps.join(","),
    )
    .await;
    Ok(())
}

fn back_to(appid: &str, done: &str) -> Response {
    Redirect::to(&format!("{}?done={done}#{done}", page_url(appid))).into_response()
}

/// `POST /console/mini-programs/{appid}/nickname/check`: checkwxverifynickname, shown on the page.
pub(super) async fn check_nickname(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(appid): Path<String>,
    multipart: Multipart,
) -> Result<Markup, ConsoleError> {
    let back = page_url(&appid);
    let form = Upload::read(multipart, &back).await?;
    session.check_csrf(form.field("csrf"))?;
    let (_, id) = mini_program(&state, &appid).await?;
    let name = form.field("name").trim().to_owned();
    let check = match rules::check_nickname(&name)
        .map_err(|e| e.to_string())
        .and_then(|()| rules::check_not_deceptive("name", &name).map_err(|e| e.to_string()))
    {
        Err(e) => NameCheck::Rule { name, message: e },
        Ok(()) => match state.client.check_nickname(&id, &name).await {
            Ok(r) => NameCheck::Usable {
                name,
                hit: r.hit_condition,
                wording: r.wording,
            },
            Err(e) => NameCheck::Refused {
                name,
                failure: Failure::from_client(&e),
            },
        },
    };
    let cx = Cx::new(lang, &session, &uri, Section::MiniPrograms);
    let cx = Cx { here: back, ..cx };
    render(&state, &cx, &appid, Some(check), None, true).await
}

/// `POST /console/mini-programs/{appid}/nickname`: the name and its materials.
pub(super) async fn set_nickname(
    State(state): State<AppState>,
    session: Session,
    Path(appid): Path<String>,
    multipart: Multipart,
) -> Result<Response, ConsoleError> {
    let back = format!("{}#nickname", page_url(&appid));
    let form = Upload::read(multipart, &back).await?;
    session.check_csrf(form.field("csrf"))?;
    let (_, id) = mini_program(&state, &appid).await?;
    let name = form.field("name").trim().to_owned();
    rules::check_nickname(&name).map_err(|e| rule_error("名称", "name", &e, &back))?;
    let mut plan = NicknamePlan {
        name,
        license: None,
        id_card: None,
        other_stuff: Vec::new(),
    };
    if let Some((_, f, b)) = form.files("license").next() {
        plan.license = Some(image(f, b, "营业执照图片", "business license image", &back)?);
    }
    if let Some((_, f, b)) = form.files("id_card").next() {
        plan.id_card = Some(image(f, b, "身份证图片", "ID card image", &back)?);
    }
    if plan.license.is_none() && plan.id_card.is_none() {
        let e = explained_code(91009);
        return Err(ConsoleError::invalid(
            format!("请上传营业执照（组织）或身份证（个人）。{}", e.meaning_zh),
            format!(
                "Upload the business license (organizations) or the ID card (individuals). {}",
                e.meaning_en
            ),
            back,
        ));
    }
    for (_, f, b) in form.files("other") {
        plan.other_stuff
            .push(image(f, b, "证明材料", "supporting material", &back)?);
    }
    if plan.other_stuff.len() > 5 {
        return Err(ConsoleError::invalid(
            "其他证明材料最多 5 张。",
            "At most 5 other supporting materials.",
            back,
        ));
    }
    attach(
        &state,
        &session,
        &id,
        SetupPlan {
            nickname: Some(plan),
            ..Default::default()
        },
        &back,
    )
    .await?;
    Ok(back_to(&appid, "nickname"))
}

fn crop_value(form: &Upload, name: &str, default: f64) -> f64 {
    form.field(name)
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .unwrap_or(default)
}

/// `POST /console/mini-programs/{appid}/avatar`: the image and its square crop box.
pub(super) async fn set_avatar(
    State(state): State<AppState>,
    session: Session,
    Path(appid): Path<String>,
    multipart: Multipart,
) -> Result<Response, ConsoleError> {
    let back = format!("{}#avatar", page_url(&appid));
    let form = Upload::read(multipart, &back).await?;
    session.check_csrf(form.field("csrf"))?;
    let (_, id) = mini_program(&state, &appid).await?;
    let Some((_, filename, bytes)) = form.files("image").next() else {
        return Err(ConsoleError::invalid("请选择一张图片。", "Choose an image.", back));
    };
    let kind = rules::check_head_image(bytes).map_err(|e| rule_error("头像", "avatar", &e, &back))?;
    if kind == ImageKind::Bmp {
        // modifyheadimage takes BMP, but the temporary media upload it needs does not.
        return Err(ConsoleError::invalid(
            "BMP 图片请先转换为 PNG 或 JPEG（微信的临时素材接口不接受 BMP）。",
            "Convert BMP images to PNG or JPEG first (WeChat's temporary media upload does not take BMP).",
            back,
        ));
    }
    let crop = CropBox::new(
        crop_value(&form, "x1", 0.0),
        crop_value(&form, "y1", 0.0),
        crop_value(&form, "x2", 1.0),
        crop_value(&form, "y2", 1.0),
    )
    .map_err(|e| rule_error("裁剪框", "crop box", &e, &back))?;
    let image = Image::Inline {
        filename: filename.clone(),
        data_base64: STANDARD.encode(bytes),
    };
    attach(
        &state,
        &session,
        &id,
        SetupPlan {
            avatar: Some(AvatarPlan {
                image,
                crop: Some(crop),
            }),
            ..Default::default()
        },
        &back,
    )
    .await?;
    Ok(back_to(&appid, "avatar"))
}

#[derive(Deserialize)]
pub(super) struct SignatureForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    signature: String,
}

/// `POST /console/mini-programs/{appid}/signature`.
pub(super) async fn set_signature(
    State(state): State<AppState>,
    session: Session,
    Path(appid): Path<String>,
    Form(form): Form<SignatureForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    let back = format!("{}#signature", page_url(&appid));
    let (_, id) = mini_program(&state, &appid).await?;
    let signature = form.signature.trim().to_owned();
    rules::check_signature(&signature).map_err(|e| rule_error("功能介绍", "description", &e, &back))?;
    attach(
        &state,
        &session,
        &id,
        SetupPlan {
            signature: Some(signature),
            ..Default::default()
        },
        &back,
    )
    .await?;
    Ok(back_to(&appid, "signature"))
}

#[derive(Deserialize)]
pub(super) struct Pick {
    #[serde(default)]
    pick: String,
}

fn parse_pick(pick: &str) -> Option<(u64, u64)> {
    CategoryKey::parse(pick).map(|k| (k.first, k.second))
}

/// The catalog's node pair for `first`/`second`, if `second` is a child of `first`.
fn find(catalog: &GetAllCategoriesResponse, first: u64, second: u64) -> Option<(&CategoryNode, &CategoryNode)> {
    let nodes = &catalog.category_list.categories;
    let f = nodes.iter().find(|n| n.id == first && n.father == 0)?;
    let s = nodes.iter().find(|n| n.id == second && n.father == first)?;
    Some((f, s))
}

/// `GET /console/mini-programs/{appid}/categories/new?pick=first-second`: the chosen category
/// and, for a sensitive one, the qualification uploads.
pub(super) async fn category_form(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(appid): Path<String>,
    Query(q): Query<Pick>,
) -> Result<Response, ConsoleError> {
    let back = format!("{}#categories", page_url(&appid));
    let Some((first, second)) = parse_pick(&q.pick) else {
        return Ok(Redirect::to(&back).into_response());
    };
    let (_, id) = mini_program(&state, &appid).await?;
    let catalog = state
        .client
        .all_categories(&id)
        .await
        .map_err(|e| ConsoleError::wechat(&e, &back))?;
    let (f, s) = find(&catalog, first, second)
        .ok_or_else(|| ConsoleError::invalid("目录里没有这个类目。", "The catalog has no such category.", &back))?;
    let cx = Cx::new(lang, &session, &uri, Section::MiniPrograms);
    let alternatives = s.qualify.as_ref().map(|q| q.exter_list.as_slice()).unwrap_or(&[]);
    let body = html! {
        section.card {
            h2 { (f.name) " › " (s.name) }
            @if s.sensitive_type == 1 {
                p { (cx.t("这是敏感类目：需要上传资质，微信审核通过后生效。满足下面任意一组即可，一组里的每一项都要上传。",
                    "This is a sensitive category: it needs qualifications and WeChat's review. Satisfy any one option below, uploading every document of that option.")) }
            } @else {
                p { (cx.t("这个类目不需要资质，提交后即可生效。", "This category needs no qualifications; it applies once submitted.")) }
            }
            form.stack method="post" action={ (page_url(&appid)) "/categories" } enctype="multipart/form-data" {
                (cx.csrf_field())
                input type="hidden" name="first" value=(first);
                input type="hidden" name="second" value=(second);
                @if s.sensitive_type == 1 {
                    @for (a, alt) in alternatives.iter().enumerate() {
                        fieldset.qualification {
                            legend { (cx.t("方案 ", "Option ")) (a + 1) }
                            @for (d, doc) in alt.inner_list.iter().enumerate() {
                                label { (doc.name) (file_input(&format!("cert_{a}_{d}"), false, false)) }
                            }
                        }
                    }
                    p.hint { (cx.t("图片：PNG、JPEG 或 GIF，每张不超过 2 MB。", "Images: PNG, JPEG or GIF, at most 2 MB each.")) }
                }
                button.primary type="submit" { (cx.t("提交类目", "Submit the category")) }
                a href=(back) { (cx.t("取消", "Cancel")) }
            }
        }
    };
    let title = format!("{} · {}", cx.t("添加类目", "Add a category"), appid);
    Ok(view::page(&cx, &title, body).into_response())
}

/// `POST /console/mini-programs/{appid}/categories`: the category and its qualifications.
pub(super) async fn add_category(
    State(state): State<AppState>,
    session: Session,
    Path(appid): Path<String>,
    multipart: Multipart,
) -> Result<Response, ConsoleError> {
    let back = format!("{}#categories", page_url(&appid));
    let form = Upload::read(multipart, &back).await?;
    session.check_csrf(form.field("csrf"))?;
    let (_, id) = mini_program(&state, &appid).await?;
    let (Ok(first), Ok(second)) = (form.field("first").parse::<u64>(), form.field("second").parse::<u64>()) else {
        return Err(ConsoleError::invalid("请选择类目。", "Choose a category.", back));
    };
    let catalog = state
        .client
        .all_categories(&id)
        .await
        .map_err(|e| ConsoleError::wechat(&e, &back))?;
    let (_, s) = find(&catalog, first, second)
        .ok_or_else(|| ConsoleError::invalid("目录里没有这个类目。", "The catalog has no such category.", &back))?;
    let certificates = if s.sensitive_type == 1 {
        let retry = format!("{}/categories/new?pick={first}-{second}", page_url(&appid));
        chosen_certificates(&form, s, &back, &retry)?
    } else {
        Vec::new()
    };
    let plan = SetupPlan {
        categories: Some(vec![CategoryPlan {
            first,
            second,
            certificates,
        }]),
        ..Default::default()
    };
    attach(&state, &session, &id, plan, &back).await?;
    Ok(back_to(&appid, "categories"))
}

/// The qualifications of the first option (of the catalog's) whose every document was uploaded
/// as `cert_{option}_{document}`.
fn chosen_certificates(
    form: &Upload,
    node: &CategoryNode,
    back: &str,
    retry: &str,
) -> Result<Vec<CertificatePlan>, ConsoleError> {
    let alternatives = node.qualify.as_ref().map(|q| q.exter_list.as_slice()).unwrap_or(&[]);
    let chosen = alternatives.iter().enumerate().find(|(a, alt)| {
        !alt.inner_list.is_empty()
            && (0..alt.inner_list.len()).all(|d| form.files(&format!("cert_{a}_{d}")).next().is_some())
    });
    let Some((a, alt)) = chosen else {
        let wanted: Vec<String> = alternatives
            .iter()
            .map(|alt| {
                alt.inner_list
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect();
        return Err(ConsoleError::invalid(
            format!("这是敏感类目，请上传任意一组资质的全部文件：{}", wanted.join(" 或 ")),
            format!(
                "This is a sensitive category: upload every document of one option: {}",
                wanted.join(" or ")
            ),
            retry,
        ));
    };
    let mut certificates = Vec::new();
    for (d, doc) in alt.inner_list.iter().enumerate() {
        if let Some((_, f, b)) = form.files(&format!("cert_{a}_{d}")).next() {
            certificates.push(CertificatePlan {
                key: doc.name.clone(),
                image: image(f, b, "资质图片", "qualification image", back)?,
            });
        }
    }
    Ok(certificates)
}

/// What the operator is told when a category change is refused.
fn change_error(e: CategoryChangeError, back: &str) -> ConsoleError {
    match e {
        CategoryChangeError::Invalid(m) => {
            ConsoleError::invalid(format!("无法提交：{m}"), format!("Cannot submit: {m}"), back)
        }
        CategoryChangeError::NotSet(key) => ConsoleError::invalid(
            format!("类目 {key} 没有设置在这个小程序上。"),
            format!("Category {key} is not set on this Mini Program."),
            back,
        ),
        CategoryChangeError::Refused(failure) => ConsoleError::WeChat {
            failure: Box::new(failure),
            back: Some(back.to_owned()),
        },
        CategoryChangeError::Busy(call) => ConsoleError::invalid(
            format!("类目这一步正在等待微信对 {call} 的应答，请稍后再试。"),
            format!("The categories step is waiting for WeChat's answer to {call}; try again in a moment."),
            back,
        ),
        CategoryChangeError::WeChat(e) => ConsoleError::wechat(&e, back),
        CategoryChangeError::Unexpected(e) => ConsoleError::Unexpected(e),
    }
}

fn category_key(category: &str, back: &str) -> Result<CategoryKey, ConsoleError> {
    CategoryKey::parse(category).ok_or_else(|| ConsoleError::invalid("没有这个类目。", "No such category.", back))
}

/// `POST /console/mini-programs/{appid}/categories/{first}-{second}/resubmit`: a rejected
/// category's new qualifications (modifycategory).
pub(super) async fn resubmit_category(
    State(state): State<AppState>,
    session: Session,
    Path((appid, category)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, ConsoleError> {
    let back = format!("{}#categories", page_url(&appid));
    let form = Upload::read(multipart, &back).await?;
    session.check_csrf(form.field("csrf"))?;
    let (_, id) = mini_program(&state, &appid).await?;
    let key = category_key(&category, &back)?;
    let catalog = state
        .client
        .all_categories(&id)
        .await
        .map_err(|e| ConsoleError::wechat(&e, &back))?;
    let (_, node) = find(&catalog, key.first, key.second)
        .ok_or_else(|| ConsoleError::invalid("目录里没有这个类目。", "The catalog has no such category.", &back))?;
    let certificates = chosen_certificates(&form, node, &back, &back)?;
    setup::resubmit_category(&state, &id, key, certificates)
        .await
        .map_err(|e| change_error(e, &back))?;
    audit(
        &state,
        &super::actor(&session),
        "category.resubmit",
        &format!("mini_program:{id}"),
        &key.to_string(),
    )
    .await;
    Ok(Redirect::to(&format!("{}?done=resubmitted#categories", page_url(&appid))).into_response())
}

/// `POST /console/mini-programs/{appid}/categories/{first}-{second}/delete` (deletecategory).
pub(super) async fn delete_category(
    State(state): State<AppState>,
    session: Session,
    Path((appid, category)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    let back = format!("{}#categories", page_url(&appid));
    let (_, id) = mini_program(&state, &appid).await?;
    let key = category_key(&category, &back)?;
    setup::delete_category(&state, &id, key)
        .await
        .map_err(|e| change_error(e, &back))?;
    audit(
        &state,
        &super::actor(&session),
        "category.delete",
        &format!("mini_program:{id}"),
        &key.to_string(),
    )
    .await;
    Ok(Redirect::to(&format!("{}?done=deleted#categories", page_url(&appid))).into_response())
}

/// `POST /console/mini-programs/{appid}/steps/{step}/retry`: the step again, with what was
/// submitted last time.
pub(super) async fn retry_step(
    State(state): State<AppState>,
    session: Session,
    Path((appid, step)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    let (_, id) = mini_program(&state, &appid).await?;
    let spec: Option<(String,)> = fetch_optional!(
        &state.db,
        (String,),
        "SELECT spec FROM setup_steps WHERE appid = $1 AND step = $2",
        &appid,
        &step
    )
    .context("cannot read a setup step")?;
    let Some((spec,)) = spec else {
        return Err(ConsoleError::not_found("没有这一步", "No such step"));
    };
    if !setup::missing_materials(&state, &spec).await?.is_empty() {
        return Err(ConsoleError::invalid(
            "这一步的图片在它结束时已删除（不再保存证件照等材料），请在上面的表单里重新上传后提交。",
            "This step's images were deleted when it ended (identity documents are not kept): submit the form above again with the images.",
            format!("{}#{step}", page_url(&appid)),
        ));
    }
    let spec: serde_json::Value = serde_json::from_str(&spec).context("a stored step is malformed")?;
    // A step's spec is its part of a setup plan.
    let plan = serde_json::json!({ step.as_str(): spec }).to_string();
    attach_stored(&state, &session, &id, &plan).await?;
    Ok(Redirect::to(&format!("{}?done=retry#{step}", page_url(&appid))).into_response())
}

/// `POST /console/mini-programs/{appid}/rebind`: starts a rebind and opens WeChat's page.
pub(super) async fn start_rebind(
    State(state): State<AppState>,
    session: Session,
    Path(appid): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    let id =
        AppId::parse(appid.clone()).map_err(|_| ConsoleError::not_found("没有这个小程序", "No such Mini Program"))?;
    // componentrebindadmin applies to Mini Programs: an Official Account or an appid this
    // platform does not know is refused before anything is stored.
    use crate::rebind::StartError as E;
    let task = match crate::rebind::start(&state, &id, &super::actor(&session)).await {
        Ok(task) => task,
        Err(E::Unknown(_)) => {
            return Err(ConsoleError::not_found(
                "没有授权给本平台的这个小程序，无法换绑管理员。",
                "No Mini Program with this appid is authorized to this platform; there is no admin to rebind.",
            ));
        }
        Err(E::OfficialAccount(a)) => {
            return Err(ConsoleError::invalid(
                format!("{a} 是公众号。换绑管理员（componentrebindadmin）只适用于小程序。"),
                format!(
                    "{a} is an Official Account. Rebinding the admin (componentrebindadmin) applies to Mini Programs only."
                ),
                format!("/console/accounts/{a}"),
            ));
        }
        Err(E::NotAuthorized(..)) => {
            return Err(ConsoleError::invalid(
                "这个小程序没有授权给本平台，不能换绑管理员。",
                "This Mini Program is not authorized to this platform; its admin cannot be rebound from here.",
                format!("{}#rebind", page_url(&appid)),
            ));
        }
        Err(E::Unexpected(e)) => return Err(ConsoleError::Unexpected(e)),
    };
    Ok(Redirect::to(&task.auth_url).into_response())
}

/// `GET /console/rebinds/{id}`: the result of a rebind.
pub(super) async fn rebind(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<super::accounts::Back>,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::MiniPrograms);
    let t = crate::rebind::get(&state, &id)
        .await?
        .ok_or_else(|| ConsoleError::not_found("没有这个换绑任务", "No such rebind"))?;
    let h = history(&state.db, &format!("rebind:{id}")).await?;
    let failure = t
        .failure
        .as_deref()
        .and_then(|f| serde_json::from_str::<Failure>(f).ok());
    let body = html! {
        @if q.back.as_deref() == Some("wechat") { (view::flash(cx.t("已从微信页面返回。", "Back from WeChat's page."))) }
        section.card data-live id="rebind-status" data-pending[!view::is_final(&t.state)] {
            p.status { (cx.t("状态：", "State: ")) (badge(lang, &t.state)) " " (view::refresh(lang, &format!("/console/rebinds/{id}"))) }
            dl.facts { dt { (cx.t("小程序", "Mini Program")) } dd { a href=(page_url(&t.appid)) { code { (t.appid) } } } }
            @match t.state.as_str() {
                "awaiting_admin" => {
                    p { (cx.t("等待原管理员和新管理员在微信页面上确认。", "Waiting for the current and the new admin to confirm on WeChat's page.")) }
                    p { a.button.secondary href=(t.auth_url) { (cx.t("打开微信换绑页", "Open WeChat's rebind page")) } }
                }
                "done" => { p.flash.ok { (cx.t("换绑完成：新管理员已生效。", "Rebound: the new admin is in place.")) } }
                "failed" => {}
                _ => { p { (cx.t("已收到新管理员的确认，服务正在调用 componentrebindadmin 完成换绑……", "The new admin confirmed; the service is calling componentrebindadmin…")) } }
            }
            @if let Some(f) = &failure { (view::explained(lang, &explain(f))) }
        }
        (view::history(lang, &h))
    };
    Ok(view::page(&cx, cx.t("换绑管理员", "Admin rebind"), body))
}
