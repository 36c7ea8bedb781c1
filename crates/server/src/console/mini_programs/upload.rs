//! The console's multipart forms: reading an upload, checking an image against WeChat's rules,
//! attaching a plan from a form.

use super::*;

/// A form's fields and files.
#[derive(Default)]
pub(super) struct Upload {
    pub(super) fields: HashMap<String, String>,
    pub(super) files: Vec<(String, String, Vec<u8>)>,
}

impl Upload {
    pub(super) async fn read(mut multipart: Multipart, back: &str) -> Result<Upload, ConsoleError> {
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

    pub(super) fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    pub(super) fn files(&self, name: &str) -> impl Iterator<Item = &(String, String, Vec<u8>)> {
        self.files.iter().filter(move |(n, _, _)| n == name)
    }
}

pub(super) fn rule_error(what_zh: &str, what_en: &str, e: &RuleError, back: &str) -> ConsoleError {
    ConsoleError::invalid(
        format!("{what_zh}不符合微信的要求：{e}"),
        format!("The {what_en} breaks WeChat's rule: {e}"),
        back,
    )
}

/// An uploaded image kept inline for the plan, after the same checks WeChat's media upload makes.
pub(super) fn image(
    filename: &str,
    bytes: &[u8],
    what_zh: &str,
    what_en: &str,
    back: &str,
) -> Result<Image, ConsoleError> {
    rules::check_temp_media(MediaType::Image, bytes).map_err(|e| rule_error(what_zh, what_en, &e, back))?;
    Ok(Image::Inline {
        filename: filename.to_owned(),
        data_base64: STANDARD.encode(bytes),
    })
}

/// Stores a plan (checked against the spec's rules, images kept) and attaches it
/// ([`setup::attach_plan`], what the REST API calls too).
pub(super) async fn attach(
    state: &AppState,
    session: &Session,
    id: &AppId,
    plan: SetupPlan,
    back: &str,
) -> Result<(), ConsoleError> {
    let done = setup::attach_plan(state, id, plan, &crate::console::actor(session)).await;
    done.map(|_| ()).map_err(|e| attach_error(e, back))
}

/// Attaches a stored plan: its steps start over and their jobs run now
/// ([`setup::attach_stored_plan`]).
pub(super) async fn attach_stored(
    state: &AppState,
    session: &Session,
    id: &AppId,
    plan_json: &str,
) -> Result<(), ConsoleError> {
    let done = setup::attach_stored_plan(state, id, plan_json, &crate::console::actor(session)).await;
    done.map(|_| ())
        .map_err(|e| attach_error(e, &format!("/console/mini-programs/{id}")))
}

fn attach_error(e: setup::AttachError, back: &str) -> ConsoleError {
    match e {
        setup::AttachError::NotFound(_) => ConsoleError::not_found("没有这个小程序", "No such Mini Program"),
        setup::AttachError::Rule(m) => ConsoleError::invalid(
            format!("不符合微信的要求：{m}"),
            format!("This breaks WeChat's rule: {m}"),
            back,
        ),
        setup::AttachError::Unexpected(e) => ConsoleError::Unexpected(e),
    }
}

pub(super) fn back_to(appid: &str, done: &str) -> Response {
    Redirect::to(&format!("{}?done={done}#{done}", page_url(appid))).into_response()
}
