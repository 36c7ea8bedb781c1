//! An Official Account's page: its profile, permission sets, this month's registrations, and
//! the fast-registration button with the spec's rules applied before the admin goes to WeChat.

use super::*;

/// `GET /console/accounts/{appid}`.
pub(in crate::console) async fn account(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(appid): Path<String>,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::Accounts);
    let a: AccountRow = store::console_account(&state.db, &appid)
        .await?
        .ok_or_else(|| ConsoleError::not_found("没有这个公众号", "No such Official Account"))?;
    // The page the operator registers from reads the account afresh.
    let p = if a.status == "authorized" {
        Some(profile(&state, &appid, 60_000).await?)
    } else {
        None
    };
    let profile_ok = p.as_ref().and_then(|p| p.as_ref().ok());
    let n = used_this_month(&state).await?.get(&appid).copied().unwrap_or(0);
    let refused_at = refused_full_this_month(&state).await?.get(&appid).copied();
    let regs = registration::list(&state, Some(&appid), 20).await?;
    let under_way = regs
        .iter()
        .find(|r| !view::is_final(&r.state) && !view::link_expired(&state, &r.state, r.created_at));
    let sets = a.sets();
    let body = html! {
        section.card {
            h2 { (a.name()) }
            dl.facts {
                dt { "AppID" } dd { code { (a.appid) } }
                dt { (cx.t("授权状态", "Authorization")) } dd { (badge(lang, &a.status)) }
                dt { (cx.t("主体", "Subject")) }
                dd { (a.principal_name.as_deref().unwrap_or("—"))
                    @if let Some(p) = profile_ok { " · " span.subject-type { (principal_type(lang, p.principal_type)) } } }
                dt { (cx.t("微信认证", "Verification")) } dd { (verification(lang, &a, profile_ok)) }
                dt { (cx.t("本月快速注册", "Registered this month")) } (month_count(lang, n, refused_at))
            }
            h3 { (cx.t("已授权的权限集", "Permission sets granted")) }
            ul.checklist {
                @for s in PermissionSet::ALL {
                    @let has = sets.contains(&s);
                    li class=(if has { "yes" } else { "no" }) {
                        (if has { "✓ " } else { "✗ " }) (lang.t(s.chinese_name(), s.english_name()))
                    }
                }
            }
            @if let Some(Err(f)) = &p { (view::explained(lang, &explain(f))) }
        }
        (register_card(&cx, &a, profile_ok, if refused_at.is_some() { MONTHLY_LIMIT } else { n }, under_way))
        section.card {
            h2 { (cx.t("注册记录", "Registrations")) }
            @if regs.is_empty() { p.empty { (cx.t("还没有。", "None yet.")) } }
            ul.rows {
                @for r in &regs {
                    li {
                        a href={ "/console/registrations/" (r.id) } { (when(r.created_at)) } " " (badge(lang, &r.state))
                        @if let Some(mp) = &r.mini_program_appid { " " a href={ "/console/mini-programs/" (mp) } { code { (mp) } } }
                        @if let Some(f) = r.failure() { " " span.muted { (f.code) } }
                    }
                }
            }
        }
    };
    Ok(view::page(&cx, a.name(), body))
}

/// The fast-registration card: what copy_wx_verify means, the subject-type rule, and what
/// WeChat would refuse.
fn register_card(cx: &Cx, a: &AccountRow, p: Option<&Profile>, used: i64, under_way: Option<&Registration>) -> Markup {
    let lang = cx.lang;
    let forced = p.is_some_and(Profile::must_copy_verify);
    let mut warnings: Vec<i64> = Vec::new();
    if let Some(p) = p {
        if p.principal_type == 0 {
            warnings.push(61051);
        }
        if p.verified != 1 {
            warnings.push(61052);
        }
    }
    if used >= MONTHLY_LIMIT {
        warnings.push(61055);
    }
    let granted = a.sets().contains(&PermissionSet::FastRegister);
    html! {
        section.card id="register" {
            h2 { (cx.t("复用本公众号主体快速注册小程序", "Fast-register a Mini Program with this account's entity")) }
            p { (cx.t(
                "点击后会打开微信的确认页，公众号管理员用手机微信扫码确认；确认后微信把你带回这里，服务会调用 fastregister 完成注册并把新小程序授权给本平台。",
                "The button opens WeChat's confirmation page; the account's admin scans it with WeChat and confirms. WeChat then sends you back here, and the service calls fastregister, which creates the Mini Program and authorizes it to this platform."
            )) }
            div.explain {
                h3 { (cx.t("复用公众号的微信认证（copy_wx_verify）", "Reuse the account's WeChat verification (copy_wx_verify)")) }
                p { (cx.t(
                    "选择复用时，新小程序注册完成即为“已认证”，认证到期时间与公众号一致；不复用时，新小程序注册后是未认证状态，需要另行完成微信认证。",
                    "When reused, the new Mini Program is verified as soon as it is registered, and its verification expires with the account's; otherwise it starts unverified and must be verified on its own."
                )) }
                @if forced {
                    p.rule { (cx.t(
                        "本公众号的主体是政府、媒体或其他组织：按微信规则必须复用认证（否则微信返回 61056），所以这里固定为复用。",
                        "This account's subject is a government, media or other organization: WeChat requires reusing the verification for these (it answers 61056 otherwise), so it is fixed to reuse here."
                    )) }
                }
            }
            @if let Some(r) = under_way {
                div.flash.warn {
                    p { (cx.t("这个公众号已有一个注册在进行中，微信不允许同时发起第二个（61057）：", "A registration of this account is under way; WeChat does not allow a second one at the same time (61057): "))
                        a href={ "/console/registrations/" (r.id) } { (cx.t("查看", "open it")) } }
                }
            }
            @if !granted && a.status == "authorized" {
                div.flash.warn { p { (cx.t(
                    "这个公众号没有把“快速注册小程序权限”授权给本平台，微信会拒绝注册。请让管理员重新授权并勾选该权限集。",
                    "This account has not granted this platform the fast-registration permission set, so WeChat will refuse. Have its admin authorize again with that set ticked."
                )) } }
            }
            @for code in &warnings {
                div.warning-code {
                    p { (cx.t("微信很可能会拒绝：", "WeChat will likely refuse:")) }
                    (view::explained(lang, &explained_code(*code)))
                }
            }
            form.stack method="post" action={ "/console/accounts/" (a.appid) "/registrations" } {
                (cx.csrf_field())
                label.check {
                    @if forced {
                        input type="checkbox" checked disabled;
                        input type="hidden" name="copy_wx_verify" value="1";
                    } @else {
                        input type="checkbox" name="copy_wx_verify" value="1" checked;
                    }
                    " " (cx.t("复用公众号的微信认证（copy_wx_verify=1）", "Reuse the account's WeChat verification (copy_wx_verify=1)"))
                }
                button.primary type="submit" disabled[a.status != "authorized"] { (cx.t("去微信确认并注册", "Confirm on WeChat and register")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub(in crate::console) struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    copy_wx_verify: Option<String>,
}

/// `POST /console/accounts/{appid}/registrations`: starts a registration and sends the browser
/// to WeChat's fastregisterauth page.
pub(in crate::console) async fn start_registration(
    State(state): State<AppState>,
    session: Session,
    Path(appid): Path<String>,
    Form(form): Form<RegisterForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    let back = format!("/console/accounts/{appid}");
    let oa = AppId::parse(appid.clone())
        .map_err(|_| ConsoleError::not_found("没有这个公众号", "No such Official Account"))?;
    let copy = form.copy_wx_verify.as_deref() == Some("1");
    use registration::StartError as S;
    match registration::start(&state, &oa, Some(copy), None, &crate::console::actor(&session)).await {
        Ok(r) => Ok(Redirect::to(&r.auth_url).into_response()),
        Err(S::NotAuthorized(_)) => Err(ConsoleError::invalid(
            "这个公众号还没有授权给本平台（或已取消授权）。请先授权。",
            "This account has not authorized this platform (or withdrew). Authorize it first.",
            back,
        )),
        Err(S::InProgress { id, .. }) => Err(ConsoleError::invalid(
            "这个公众号已有一个注册在进行中；微信不允许同时发起第二个（61057）。请等它完成。",
            "A registration of this account is still under way; WeChat does not allow a second one at the same time (61057). Wait for it to finish.",
            format!("/console/registrations/{id}"),
        )),
        Err(S::PermissionMissing(_)) => Err(ConsoleError::invalid(
            "这个公众号没有把“快速注册小程序权限”授权给本平台，微信会拒绝注册（48001）。请让管理员重新授权并勾选该权限集。",
            "This account has not granted this platform the fast-registration permission set, so WeChat would refuse (48001). Have its admin authorize again with that set ticked.",
            back,
        )),
        Err(S::MonthlyLimit { used, .. }) => Err(ConsoleError::invalid(
            format!(
                "这个公众号本月已成功快速注册 {used} 个小程序，达到微信每月 5 个的上限（61055）。请下个月（北京时间）再注册。"
            ),
            format!(
                "This account has made {used} successful fast registrations this month, WeChat's limit of 5 (61055). Register again next month (China time)."
            ),
            back,
        )),
        Err(S::Invalid(m)) => Err(ConsoleError::invalid(
            format!("无法发起注册：{m}"),
            format!("Cannot start the registration: {m}"),
            back,
        )),
        Err(S::Unexpected(e)) => Err(ConsoleError::Unexpected(e)),
    }
}
