//! The handlers of the name, head image and description forms.

use super::*;

/// `POST /console/mini-programs/{appid}/nickname/check`: checkwxverifynickname, shown on the page.
pub(in crate::console) async fn check_nickname(
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
pub(in crate::console) async fn set_nickname(
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

pub(super) fn crop_value(form: &Upload, name: &str, default: f64) -> f64 {
    form.field(name)
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .unwrap_or(default)
}

/// `POST /console/mini-programs/{appid}/avatar`: the image and its square crop box.
pub(in crate::console) async fn set_avatar(
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
pub(in crate::console) struct SignatureForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    signature: String,
}

/// `POST /console/mini-programs/{appid}/signature`.
pub(in crate::console) async fn set_signature(
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
