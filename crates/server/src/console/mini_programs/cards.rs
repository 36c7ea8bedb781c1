//! The Mini Program page's views: the info card and one card per setup step, the categories and
//! the rebind card (maud; no handler, no query here).

use super::*;

pub(super) fn done_flash(lang: Lang, done: &str) -> Markup {
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

pub(super) fn quota_left(used: u64, quota: u64) -> String {
    format!("{} / {quota}", quota.saturating_sub(used))
}

pub(super) fn info_card(cx: &Cx, row: &MiniProgramRow, live: &Live) -> Markup {
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

pub(super) fn realname(lang: Lang, status: u64) -> Markup {
    match status {
        1 => html! { span.badge.ok { (lang.t("已通过", "Passed")) } },
        2 => html! { span.badge.wait { (lang.t("验证中", "In progress")) } },
        3 => html! { span.badge.err { (lang.t("未通过", "Failed")) } },
        _ => html! { "—" },
    }
}

#[derive(Deserialize, Default)]
pub(super) struct StepDetail {
    #[serde(default)]
    pub(super) check_wording: Option<String>,
    #[serde(default)]
    pub(super) hit_condition: Option<bool>,
    #[serde(default)]
    pub(super) audit_id: Option<u64>,
    #[serde(default)]
    pub(super) note: Option<crate::setup_note::SetupNote>,
}

/// A step's live status block: state, WeChat's words, the audit, the failure and a retry button.
pub(super) fn step_status(cx: &Cx, appid: &str, name: &str, step: Option<&Step>) -> Markup {
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

pub(super) fn file_input(name: &str, required: bool, multiple: bool) -> Markup {
    html! {
        input type="file" name=(name) accept=(IMAGE_TYPES) data-types=(IMAGE_TYPES) data-max-bytes=(IMAGE_MAX_BYTES)
            required[required] multiple[multiple];
        span.file-error role="alert" {}
    }
}

pub(super) fn nickname_card(
    cx: &Cx,
    appid: &str,
    step: Option<&Step>,
    live: &Live,
    check: Option<NameCheck>,
) -> Markup {
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
pub(super) fn attach_next(cx: &Cx, individual: bool) -> Markup {
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

pub(super) fn name_check(cx: &Cx, check: Option<&NameCheck>, individual: bool) -> Markup {
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

pub(super) fn avatar_card(cx: &Cx, appid: &str, step: Option<&Step>, live: &Live) -> Markup {
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

pub(super) fn signature_card(cx: &Cx, appid: &str, step: Option<&Step>, live: &Live) -> Markup {
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

pub(super) fn audit_state(s: AuditStatus) -> &'static str {
    match s {
        AuditStatus::Reviewing => "reviewing",
        AuditStatus::Rejected => "rejected",
        AuditStatus::Approved => "approved",
    }
}

/// First-level categories, each with its children, in the catalog's order.
pub(super) fn tree(catalog: &GetAllCategoriesResponse) -> Vec<(&CategoryNode, Vec<&CategoryNode>)> {
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

pub(super) fn categories_card(cx: &Cx, appid: &str, step: Option<&Step>, live: &Live) -> Markup {
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
pub(super) fn category_row(
    cx: &Cx,
    appid: &str,
    s: &SetCategory,
    catalog: Option<&GetAllCategoriesResponse>,
) -> Markup {
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
pub(super) fn resubmit_form(
    cx: &Cx,
    appid: &str,
    s: &SetCategory,
    catalog: Option<&GetAllCategoriesResponse>,
) -> Markup {
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

pub(super) fn rebind_card(cx: &Cx, appid: &str, tasks: &[RebindTask]) -> Markup {
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
