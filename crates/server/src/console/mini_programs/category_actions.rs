//! The handlers of the category forms: add, resubmit a rejected one, delete.

use super::*;

#[derive(Deserialize)]
pub(in crate::console) struct Pick {
    #[serde(default)]
    pick: String,
}

pub(super) fn parse_pick(pick: &str) -> Option<(u64, u64)> {
    CategoryKey::parse(pick).map(|k| (k.first, k.second))
}

/// The catalog's node pair for `first`/`second`, if `second` is a child of `first`.
pub(super) fn find(
    catalog: &GetAllCategoriesResponse,
    first: u64,
    second: u64,
) -> Option<(&CategoryNode, &CategoryNode)> {
    let nodes = &catalog.category_list.categories;
    let f = nodes.iter().find(|n| n.id == first && n.father == 0)?;
    let s = nodes.iter().find(|n| n.id == second && n.father == first)?;
    Some((f, s))
}

/// `GET /console/mini-programs/{appid}/categories/new?pick=first-second`: the chosen category
/// and, for a sensitive one, the qualification uploads.
pub(in crate::console) async fn category_form(
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
pub(in crate::console) async fn add_category(
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
pub(super) fn chosen_certificates(
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
pub(super) fn change_error(e: CategoryChangeError, back: &str) -> ConsoleError {
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

pub(super) fn category_key(category: &str, back: &str) -> Result<CategoryKey, ConsoleError> {
    CategoryKey::parse(category).ok_or_else(|| ConsoleError::invalid("没有这个类目。", "No such category.", back))
}

/// `POST /console/mini-programs/{appid}/categories/{first}-{second}/resubmit`: a rejected
/// category's new qualifications (modifycategory).
pub(in crate::console) async fn resubmit_category(
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
        &crate::console::actor(&session),
        "category.resubmit",
        &format!("mini_program:{id}"),
        &key.to_string(),
    )
    .await;
    Ok(Redirect::to(&format!("{}?done=resubmitted#categories", page_url(&appid))).into_response())
}

/// `POST /console/mini-programs/{appid}/categories/{first}-{second}/delete` (deletecategory).
pub(in crate::console) async fn delete_category(
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
        &crate::console::actor(&session),
        "category.delete",
        &format!("mini_program:{id}"),
        &key.to_string(),
    )
    .await;
    Ok(Redirect::to(&format!("{}?done=deleted#categories", page_url(&appid))).into_response())
}
