//! A fast registration's result page: its state and history, the failure explained, and the
//! operator's actions on it (abandon before fastregister, start again after a failure).

use super::*;

/// `GET /console/registrations/{id}`: the result of a fast registration.
pub(in crate::console) async fn registration(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<Back>,
) -> Result<Markup, ConsoleError> {
    let cx = Cx::new(lang, &session, &uri, Section::Accounts);
    let r = registration::get(&state, &id)
        .await?
        .ok_or_else(|| ConsoleError::not_found("没有这个注册", "No such registration"))?;
    let h = history(&state.db, &format!("registration:{id}")).await?;
    let expired = view::link_expired(&state, &r.state, r.created_at);
    let declined = r.note.as_deref() == Some(registration::DECLINED_NOTE);
    let body = html! {
        (back_from_wechat(lang, q.back.as_deref()))
        @if q.done.as_deref() == Some("abandoned") {
            (view::flash(cx.t("已放弃这个注册；这个公众号可以重新发起注册。", "The registration is abandoned; the account may start a new one.")))
        }
        section.card data-live id="registration-status" data-pending[!view::is_final(&r.state) && !expired] {
            p.status { (cx.t("状态：", "State: ")) (badge(lang, &r.state)) " " (view::refresh(lang, &format!("/console/registrations/{id}"))) }
            dl.facts {
                dt { (cx.t("公众号", "Official Account")) } dd { a href={ "/console/accounts/" (r.oa_appid) } { code { (r.oa_appid) } } }
                dt { (cx.t("复用认证", "Reuse verification")) } dd { (if r.copy_wx_verify == 1 { cx.t("是（copy_wx_verify=1）", "yes (copy_wx_verify=1)") } else { cx.t("否（copy_wx_verify=0）", "no (copy_wx_verify=0)") }) }
                dt { (cx.t("发起", "Started")) } dd { (when(r.created_at)) " · " (r.created_by) }
            }
            @match r.state.as_str() {
                "awaiting_admin" if expired => { (expired_note(lang)) }
                "awaiting_admin" => {
                    p { (cx.t("等待公众号管理员在微信页面上扫码确认。确认后微信会带你回到这里。",
                        "Waiting for the account's admin to scan and confirm on WeChat's page. WeChat brings you back here afterwards.")) }
                    p { a.button.secondary href=(r.auth_url) { (cx.t("打开微信确认页", "Open WeChat's confirmation page")) } }
                }
                "registered" => {
                    @if let Some(mp) = &r.mini_program_appid {
                        div.result.ok {
                            p.big { (cx.t("新小程序已注册：", "The new Mini Program is registered: ")) code.appid { (mp) } }
                            dl.facts {
                                dt { (cx.t("复用认证成功", "Verification reused")) } dd { (yes_no(lang, r.is_wx_verify_succ)) }
                                dt { (cx.t("与公众号关联成功", "Linked to the account")) } dd { (yes_no(lang, r.is_link_succ)) }
                            }
                            p { a.button.primary href={ "/console/mini-programs/" (mp) } { (cx.t("设置这个小程序", "Set up this Mini Program")) } }
                        }
                    }
                }
                "failed" => {
                    @if let Some(f) = r.failure() {
                        p { (cx.t("注册没有成功。", "The registration did not succeed.")) }
                        (view::explained(lang, &explain(&f)))
                    }
                    p { a.button.secondary href={ "/console/accounts/" (r.oa_appid) "#register" } { (cx.t("回到公众号重新发起", "Back to the account to start again")) } }
                }
                "abandoned" if declined => {
                    div.flash.warn id="declined" {
                        p { (cx.t(
                            "公众号管理员在微信页面上拒绝了（或关闭了）这次快速注册，没有注册任何小程序。",
                            "The account's admin declined (or closed) WeChat's confirmation page, so no Mini Program was registered."
                        )) }
                        p { (cx.t(
                            "如果是误操作，可以重新发起：管理员需要再次在微信页面上确认。",
                            "If that was a mistake, start again: the admin confirms on WeChat's page once more."
                        )) }
                    }
                    (start_again(&cx, &r))
                }
                "abandoned" => {
                    p { (cx.t("这个注册已被放弃，没有向微信提交 fastregister。", "This registration was abandoned; fastregister was never sent to WeChat.")) }
                    (start_again(&cx, &r))
                }
                _ => {
                    p { (cx.t("管理员已确认，服务正在向微信注册小程序……", "The admin confirmed; the service is registering the Mini Program with WeChat…")) }
                }
            }
            @if let Some(note) = r.note.as_deref().filter(|n| *n != registration::DECLINED_NOTE) { p.note { (note) } }
            // Inside the live region, so it goes away as soon as the state moves on.
            @if r.may_abandon() { (abandon_card(&cx, &r)) }
        }
        (view::history(lang, &h))
    };
    Ok(view::page(&cx, cx.t("快速注册结果", "Fast registration"), body))
}

/// Starting a new registration of the same account, with the same choice of verification:
/// straight on to WeChat's confirmation page.
fn start_again(cx: &Cx, r: &Registration) -> Markup {
    html! {
        form.stack method="post" action={ "/console/accounts/" (r.oa_appid) "/registrations" } {
            (cx.csrf_field())
            @if r.copy_wx_verify == 1 { input type="hidden" name="copy_wx_verify" value="1"; }
            button.primary type="submit" id="start-again" { (cx.t("重新发起注册", "Start again")) }
        }
    }
}

/// Giving up a registration that has not reached fastregister, which frees its account.
fn abandon_card(cx: &Cx, r: &Registration) -> Markup {
    html! {
        div.abandon id="abandon" {
            h2 { (cx.t("放弃这个注册", "Abandon this registration")) }
            p.hint { (cx.t(
                "还没有向微信提交 fastregister，所以不会留下小程序。放弃后这个公众号可以重新发起注册（管理员需要重新扫码确认）。",
                "fastregister has not been sent to WeChat, so no Mini Program is left behind. Once abandoned, the account is free to start a new registration (its admin confirms again)."
            )) }
            form method="post" action={ "/console/registrations/" (r.id) "/abandon" } {
                (cx.csrf_field())
                button.secondary type="submit" { (cx.t("放弃注册", "Abandon")) }
            }
        }
    }
}

/// `POST /console/registrations/{id}/abandon`: gives up a registration that has not reached
/// fastregister ([`registration::abandon`], as `POST /api/v1/registrations/{id}/abandon`).
pub(in crate::console) async fn abandon_registration(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    let page = format!("/console/registrations/{id}");
    use registration::AbandonError as E;
    match registration::abandon(&state, &id, &crate::console::actor(&session)).await {
        Ok(_) => Ok(Redirect::to(&format!("{page}?done=abandoned")).into_response()),
        Err(E::NotFound) => Err(ConsoleError::not_found("没有这个注册", "No such registration")),
        Err(E::Finished { .. }) => Err(ConsoleError::invalid(
            "这个注册已经结束，无需放弃。",
            "This registration is over already; there is nothing to abandon.",
            page,
        )),
        Err(E::MayHaveBeenSent { .. }) => Err(ConsoleError::invalid(
            "fastregister 可能已经提交给微信，小程序可能已经创建，所以不能放弃。请等它完成：服务会向微信核实结果，最后显示注册成功或失败原因。如果它的任务已放弃，请在“任务与事件”里重试。",
            "fastregister may have been sent to WeChat, so the Mini Program may exist, and the registration cannot be abandoned. Let it finish: the service finds out from WeChat and ends it registered, or failed with what to check. If its job gave up, retry it under Jobs.",
            page,
        )),
        Err(E::Unexpected(e)) => Err(ConsoleError::Unexpected(e)),
    }
}

/// The admin never confirmed and the link's signed `state` has expired.
pub(super) fn expired_note(lang: Lang) -> Markup {
    html! {
        p.flash.warn { (lang.t(
            "管理员没有在链接有效期内确认，这个链接已经失效。请回到公众号页面重新发起。",
            "The admin did not confirm while the link was valid, and it has expired. Start again from the account's page."
        )) }
    }
}

fn yes_no(lang: Lang, v: Option<i64>) -> &'static str {
    match v {
        Some(1) => lang.t("是", "yes"),
        Some(_) => lang.t("否", "no"),
        None => "—",
    }
}
