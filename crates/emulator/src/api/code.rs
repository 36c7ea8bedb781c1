//! Code management (lifecycle spec §2.1–2.6, §2.12, §2.17), with the Mini Program's token.
//! Rules, in order:
//! - commit: the body is a JSON object (47001); `ext_json` is a **string** (an object or a
//!   number is 47001); `template_id` names a template of the caller's component (85014); the
//!   string parses as a JSON object (85048); `user_version` is 1–64 characters (47001); `pages`,
//!   when given, is a non-empty (85047) subset of the template's pages (85045). The commit replaces
//!   the trial version and starts a privacy scan of `scan_secs` (60) virtual seconds;
//! - get_page, get_qrcode: need a commit (86001); get_qrcode answers a fixed 8×8 JPEG (not a
//!   scannable code) with `Content-Type: image/jpeg`, errors as JSON;
//! - get_code_privacy_info: 86001 without a commit, 61039 while the scan runs; then
//!   `without_conf_list` lists the `requiredPrivateInfos` of ext_json that the development
//!   privacy guide does not cover;
//! - get_category: the account's approved categories (audit_status 3), names from the catalog;
//! - uploadmedia: `media` part, an image (PNG, JPEG, GIF; ≤ 2 MB) or an MP4 video (≤ 10 MB),
//!   else 40005 / 40006; the `mediaid` lives `media_ttl_secs` (3 days);
//! - getversioninfo: the body must be `{}` (empty: 44002);
//! - change_visitstatus: `open` or `close` (85022), not the current status (85021).
//!
//! Every lifecycle path answers the wrong HTTP method as WeChat does, with JSON: 43001 (require
//! GET) or 43002 (require POST).

use super::json_object;
use crate::error::{ApiResult, Outcome, Reply, WxError};
use crate::lifecycle_state::Trial;
use crate::state::{Inner, Query};
use crate::world::Media;
use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fastreg_protocol::Endpoint;
use fastreg_protocol::code::{
    AuditCategory, ChangeVisitStatus, ChangeVisitStatusRequest, Commit, ExpInfo, GetAuditCategories,
    GetAuditCategoriesResponse, GetCodePrivacyInfo, GetCodePrivacyInfoResponse, GetPage, GetPageResponse, GetQrCode,
    GetVersionInfo, GetVersionInfoResponse, QR_CODE_CONTENT_TYPE, ReleaseInfo, UploadAuditMedia,
    UploadAuditMediaResponse,
};
use fastreg_protocol::endpoint::Empty;
use fastreg_protocol::rules::{ImageKind, sniff_image};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;

/// The code routes.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route(Commit::PATH, post(commit).get(require_post))
        .route(GetPage::PATH, get(page).post(require_get))
        .route(GetQrCode::PATH, get(qrcode).post(require_get))
        .route(GetCodePrivacyInfo::PATH, get(privacy_info).post(require_get))
        .route(GetAuditCategories::PATH, get(categories).post(require_get))
        .route(
            UploadAuditMedia::PATH,
            post(upload_media)
                .get(require_post)
                .layer(DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .route(GetVersionInfo::PATH, post(version_info).get(require_post))
        .route(ChangeVisitStatus::PATH, post(visit_status).get(require_post))
}

/// A GET endpoint called with POST: WeChat's 43001, as JSON.
pub async fn require_get() -> WxError {
    WxError::new(43001, "require GET method")
}

/// A POST endpoint called with GET: WeChat's 43002.
pub async fn require_post() -> WxError {
    WxError::new(43002, "require POST method")
}

/// A success answer built from a protocol response type.
pub fn answer<T: Serialize>(appid: &str, body: &T) -> Reply {
    Reply::ok(appid, serde_json::to_value(body).unwrap_or(Value::Null))
}

/// The body as a protocol request type (47001 when it is not one).
pub fn parse_body<T: DeserializeOwned>(body: &[u8], appid: &str) -> Result<T, WxError> {
    let map = json_object(body).map_err(|e| e.for_app(appid))?;
    serde_json::from_value(Value::Object(map))
        .map_err(|e| WxError::new(47001, format!("data format error: {e}")).for_app(appid))
}

/// The body must be present: `{}` at least (44002 empty post data).
pub fn non_empty(body: &[u8], appid: &str) -> Result<(), WxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(WxError::new(44002, "empty post data").for_app(appid));
    }
    json_object(body).map(drop).map_err(|e| e.for_app(appid))
}

fn no_code(appid: &str) -> WxError {
    WxError::new(86001, "no code committed by the component: call commit first").for_app(appid)
}

async fn commit(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (component, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "commit")?;
    let map = json_object(&body).map_err(|e| e.for_app(&appid))?;
    let ext_text = match map.get("ext_json") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(WxError::new(
                47001,
                "data format error: ext_json must be a string holding JSON, not an object",
            )
            .for_app(&appid));
        }
        None => return Err(WxError::new(47001, "data format error: ext_json missing").for_app(&appid)),
    };
    let template_id = match map.get("template_id") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let user_version = super::str_field(&map, "user_version").unwrap_or_default().into_owned();
    let user_desc = super::str_field(&map, "user_desc").unwrap_or_default().into_owned();
    let now = inner.now();
    let mut w = inner.world.write();
    let scan = w.lifecycle.settings.scan_secs;
    let template = template_id.and_then(|id| {
        w.lifecycle
            .component(&component)
            .templates
            .iter()
            .find(|t| t.template_id == id)
            .cloned()
    });
    let Some(template) = template else {
        return Err(WxError::new(85014, "template not exist").for_app(&appid));
    };
    let ext: Value = match serde_json::from_str(&ext_text) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Err(WxError::new(85048, "ext_json parse error: not a JSON object").for_app(&appid)),
    };
    let chars = user_version.chars().count();
    if chars == 0 || chars > 64 {
        return Err(WxError::new(47001, "data format error: user_version must be 1 to 64 characters").for_app(&appid));
    }
    let pages = match ext.get("pages") {
        None => template.def.pages.clone(),
        Some(Value::Array(list)) => {
            let pages: Vec<String> = list.iter().filter_map(|p| p.as_str().map(str::to_owned)).collect();
            if pages.is_empty() {
                return Err(WxError::new(85047, "pages is empty").for_app(&appid));
            }
            if let Some(p) = pages.iter().find(|p| !template.def.pages.contains(p)) {
                return Err(WxError::new(85045, format!("some path in ext_json not exist: {p}")).for_app(&appid));
            }
            pages
        }
        Some(_) => return Err(WxError::new(85013, "invalid ext_json: pages must be a list").for_app(&appid)),
    };
    w.lifecycle.program(&appid).trial = Some(Trial {
        template_id: template.template_id,
        user_version,
        user_desc,
        ext,
        pages,
        commit_time: now,
        scan_done_at: now + scan,
    });
    Ok(answer(&appid, &Empty {}))
}

async fn page(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "get_page")?;
    let mut w = inner.world.write();
    let trial = w
        .lifecycle
        .program(&appid)
        .trial
        .clone()
        .ok_or_else(|| no_code(&appid))?;
    Ok(answer(&appid, &GetPageResponse::new(trial.pages)))
}

/// An 8×8 gray baseline JPEG: one block, DC 0, end of block, each coded by the one 1-bit code
/// of its Huffman table. It decodes as an image; it is not a scannable QR code.
const TRIAL_QR_JPEG: &[u8] = &[
    0xFF, 0xD8, // SOI
    0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF,
    0xDB, 0x00, 0x43, 0x00, // DQT, table 0, all ones
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, //
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, //
    0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00, // SOF0 8×8 gray
    0xFF, 0xC4, 0x00, 0x14, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, // DHT DC
    0xFF, 0xC4, 0x00, 0x14, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, // DHT AC
    0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, // SOS
    0x3F, // DC "0", EOB "0", padded with ones
    0xFF, 0xD9, // EOI
];

async fn qrcode(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> Result<Response, WxError> {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "get_qrcode")?;
    if inner.world.write().lifecycle.program(&appid).trial.is_none() {
        return Err(no_code(&appid));
    }
    let mut response = (
        [
            ("content-type", QR_CODE_CONTENT_TYPE),
            ("content-disposition", "attachment; filename=\"QRCode.jpg\""),
        ],
        TRIAL_QR_JPEG,
    )
        .into_response();
    response.extensions_mut().insert(Outcome {
        errcode: 0,
        appid: Some(appid),
    });
    Ok(response)
}

/// The privacy key a `requiredPrivateInfos` API needs (lifecycle spec §5.4).
fn privacy_key_of(api: &str) -> &'static str {
    match api {
        "chooseAddress" => "Address",
        "chooseLocation" => "ChooseLocation",
        _ => "Location",
    }
}

/// The privacy keys a trial's code uses, as the scan finds them: those of ext_json's
/// `requiredPrivateInfos`, plus `UserInfo`, which every template of the emulator uses.
pub fn detected_privacy_keys(trial: &Trial) -> Vec<String> {
    let mut keys = vec!["UserInfo".to_owned()];
    if let Some(Value::Array(apis)) = trial.ext.get("requiredPrivateInfos") {
        for api in apis.iter().filter_map(Value::as_str) {
            let key = privacy_key_of(api).to_owned();
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

async fn privacy_info(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "get_code_privacy_info")?;
    let now = inner.now();
    let mut w = inner.world.write();
    let program = w.lifecycle.program(&appid);
    let trial = program.trial.clone().ok_or_else(|| no_code(&appid))?;
    if now < trial.scan_done_at {
        return Err(WxError::new(61039, "privacy api check task is not finished, retry in a minute").for_app(&appid));
    }
    let covered: Vec<String> = program
        .privacy_dev
        .as_ref()
        .map(|g| g.setting_list.iter().map(|s| s.privacy_key.clone()).collect())
        .unwrap_or_default();
    let mut resp = GetCodePrivacyInfoResponse::default();
    resp.without_conf_list = detected_privacy_keys(&trial)
        .into_iter()
        .filter(|k| !covered.contains(k))
        .collect();
    Ok(answer(&appid, &resp))
}

async fn categories(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "get_category")?;
    let w = inner.world.read();
    let name = |id: u64| w.category(id).map(|c| c.name.clone()).unwrap_or_default();
    let mut resp = GetAuditCategoriesResponse::default();
    resp.category_list = w
        .accounts
        .get(&appid)
        .map(|a| a.categories.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|c| c.audit_status == 3)
        .map(|c| {
            let mut item = AuditCategory::default();
            item.first_id = c.first;
            item.first_class = name(c.first);
            item.second_id = c.second;
            item.second_class = name(c.second);
            item
        })
        .collect();
    Ok(answer(&appid, &resp))
}

async fn upload_media(
    State(inner): State<Arc<Inner>>,
    RawQuery(q): RawQuery,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "uploadmedia")?;
    let missing = || WxError::new(41005, "media data missing").for_app(&appid);
    let mut multipart = multipart.map_err(|_| missing())?;
    let mut data = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("media") {
            data = Some(field.bytes().await.map_err(|_| missing())?);
            break;
        }
    }
    let data = data.filter(|d| !d.is_empty()).ok_or_else(missing)?;
    let (kind, image, max) = if let Some(k) = sniff_image(&data).filter(|k| *k != ImageKind::Bmp) {
        ("image", Some(k.to_string()), 2 * 1024 * 1024)
    } else if data.len() > 8 && &data[4..8] == b"ftyp" {
        ("video", None, 10 * 1024 * 1024)
    } else {
        return Err(WxError::new(40005, "invalid file type: PNG, JPEG, GIF or MP4 only").for_app(&appid));
    };
    if data.len() > max {
        return Err(WxError::new(40006, format!("invalid meida size: at most {max} bytes")).for_app(&appid));
    }
    let mediaid = inner.ids.media_id();
    let now = inner.now();
    inner.world.write().media.insert(
        mediaid.clone(),
        Media {
            appid: appid.clone(),
            media_type: kind.to_owned(),
            size: data.len() as u64,
            image,
            image_bytes: None,
            created_at: now,
        },
    );
    let mut resp = UploadAuditMediaResponse::default();
    resp.media_type = kind.to_owned();
    resp.mediaid = mediaid;
    Ok(answer(&appid, &resp))
}

async fn version_info(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "getversioninfo")?;
    non_empty(&body, &appid)?;
    let mut w = inner.world.write();
    let program = w.lifecycle.program(&appid);
    let mut resp = GetVersionInfoResponse::default();
    resp.exp_info = program
        .trial
        .as_ref()
        .map(|t| ExpInfo::new(t.commit_time as u64, t.user_version.clone(), t.user_desc.clone()));
    resp.release_info = program
        .live
        .as_ref()
        .map(|v| ReleaseInfo::new(v.release_time as u64, v.user_version.clone(), v.user_desc.clone()));
    Ok(answer(&appid, &resp))
}

async fn visit_status(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "change_visitstatus")?;
    let req: ChangeVisitStatusRequest = parse_body(&body, &appid)?;
    let open = match req.action.as_str() {
        "open" => true,
        "close" => false,
        _ => return Err(WxError::new(85022, "invalid action: open or close").for_app(&appid)),
    };
    let mut w = inner.world.write();
    let program = w.lifecycle.program(&appid);
    if program.visit_open == open {
        return Err(WxError::new(85021, "status not allowed to change: already so").for_app(&appid));
    }
    program.visit_open = open;
    Ok(answer(&appid, &Empty {}))
}
