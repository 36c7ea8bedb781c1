//! The handlers that retry a step that gave up and start or follow an admin rebind.

use super::*;

/// `POST /console/mini-programs/{appid}/steps/{step}/retry`: the step again, with what was
/// submitted last time.
pub(in crate::console) async fn retry_step(
    State(state): State<AppState>,
    session: Session,
    Path((appid, step)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form.csrf)?;
    let (_, id) = mini_program(&state, &appid).await?;
    let Some(spec) = store::setup::step_spec(&state.db, &appid, &step).await? else {
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
pub(in crate::console) async fn start_rebind(
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
    let task = match crate::rebind::start(&state, &id, &crate::console::actor(&session)).await {
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
pub(in crate::console) async fn rebind(
    State(state): State<AppState>,
    lang: Lang,
    session: Session,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<crate::console::accounts::Back>,
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
