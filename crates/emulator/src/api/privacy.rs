//! The privacy guide (lifecycle spec §5), with the Mini Program's token. Rules, in order:
//! - setprivacysetting: `privacy_ver` 1 or 2 (default 2; else 86071); `owner_setting` with
//!   `notice_method` (86070) and one of the four contacts (86069); `store_expire_timestamp`, when
//!   given, a number followed by 天 (86072); `ext_file_media_id`, when given, a file from
//!   uploadprivacyextfile (86073). Version 2 replaces the development guide (it goes live on
//!   release). Version 1 needs a live guide (86074), takes no `setting_list` (47001), keeps the
//!   live file (86075 when it would change) and changes the owner settings at once. Unknown keys
//!   are ignored, as WeChat ignores them;
//! - getprivacysetting: the guide of that version (empty when none), `code_exist` and the keys
//!   the last commit's scan found (`privacy_list`), each setting with WeChat's label;
//! - uploadprivacyextfile: a `file` part of UTF-8 text (40006 otherwise), ≤ 100 KB (40126).

use super::code::{answer, detected_privacy_keys, parse_body, require_post};
use crate::error::{ApiResult, WxError};
use crate::lifecycle_state::Guide;
use crate::state::{Inner, Query};
use crate::world::Media;
use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, RawQuery, State};
use axum::routing::post;
use fastreg_protocol::Endpoint;
use fastreg_protocol::endpoint::Empty;
use fastreg_protocol::privacy::{
    GetPrivacySetting, GetPrivacySettingRequest, GetPrivacySettingResponse, PRIVACY_VER_DEV, PRIVACY_VER_LIVE,
    PrivacySetting, SetPrivacySetting, SetPrivacySettingRequest, UploadPrivacyExtFile, UploadPrivacyExtFileResponse,
};
use std::sync::Arc;

/// The privacy routes.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new()
        .route(SetPrivacySetting::PATH, post(set).get(require_post))
        .route(GetPrivacySetting::PATH, post(get).get(require_post))
        .route(UploadPrivacyExtFile::PATH, post(upload_ext_file).get(require_post))
}

/// WeChat's display name of a privacy key (spec §5.4); the key itself when unknown.
fn label(key: &str) -> String {
    match key {
        "UserInfo" => "用户信息（微信昵称、头像）",
        "Location" => "位置信息",
        "Address" => "地址",
        "Invoice" => "发票信息",
        "RunData" => "微信运动数据",
        "Record" => "麦克风",
        "Album" => "选中的照片或视频信息",
        "Camera" => "摄像头",
        "PhoneNumber" => "手机号码",
        "Contact" => "通讯录（仅写入）权限",
        "DeviceInfo" => "设备信息",
        "ChooseLocation" => "选择的位置信息",
        "Email" => "邮箱",
        "MessageFile" => "选中的文件",
        other => other,
    }
    .to_owned()
}

async fn set(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "setprivacysetting")?;
    let req: SetPrivacySettingRequest = parse_body(&body, &appid)?;
    let ver = req.privacy_ver.unwrap_or(PRIVACY_VER_DEV);
    if ver != PRIVACY_VER_DEV && ver != PRIVACY_VER_LIVE {
        return Err(WxError::new(86071, "invalid privacy_ver").for_app(&appid));
    }
    let o = &req.owner_setting;
    if o.notice_method.trim().is_empty() {
        return Err(WxError::new(86070, "notice_method missing").for_app(&appid));
    }
    if [&o.contact_email, &o.contact_phone, &o.contact_qq, &o.contact_weixin]
        .iter()
        .all(|c| c.trim().is_empty())
    {
        return Err(WxError::new(86069, "owner_setting: one contact is required").for_app(&appid));
    }
    if !o.store_expire_timestamp.is_empty() {
        let days = o.store_expire_timestamp.strip_suffix('天').unwrap_or("");
        if days.is_empty() || !days.bytes().all(|b| b.is_ascii_digit()) {
            return Err(WxError::new(86072, "invalid store_expire_timestamp: a number and 天").for_app(&appid));
        }
    }
    let now = inner.now();
    let mut w = inner.world.write();
    if !o.ext_file_media_id.is_empty()
        && !w
            .media
            .get(&o.ext_file_media_id)
            .is_some_and(|m| m.appid == appid && m.media_type == "privacy_ext_file")
    {
        return Err(WxError::new(86073, "invalid ext_file_media_id").for_app(&appid));
    }
    let program = w.lifecycle.program(&appid);
    if ver == PRIVACY_VER_LIVE {
        let Some(live) = program.privacy_live.as_mut() else {
            return Err(WxError::new(86074, "no live privacy guide").for_app(&appid));
        };
        if !req.setting_list.is_empty() {
            return Err(WxError::new(47001, "data format error: setting_list is for privacy_ver 2").for_app(&appid));
        }
        if o.ext_file_media_id != live.owner_setting.ext_file_media_id && !o.ext_file_media_id.is_empty() {
            return Err(WxError::new(86075, "the live guide's ext_file_media_id cannot change").for_app(&appid));
        }
        let file = live.owner_setting.ext_file_media_id.clone();
        live.owner_setting = o.clone();
        live.owner_setting.ext_file_media_id = file;
        live.update_time = now;
    } else {
        program.privacy_dev = Some(Guide {
            owner_setting: o.clone(),
            setting_list: req
                .setting_list
                .iter()
                .map(|s| PrivacySetting::new(s.privacy_key.clone(), s.privacy_text.clone()))
                .collect(),
            update_time: now,
        });
    }
    Ok(answer(&appid, &Empty {}))
}

async fn get(State(inner): State<Arc<Inner>>, RawQuery(q): RawQuery, body: Bytes) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "getprivacysetting")?;
    let req: GetPrivacySettingRequest = parse_body(&body, &appid)?;
    let ver = req.privacy_ver.unwrap_or(PRIVACY_VER_DEV);
    if ver != PRIVACY_VER_DEV && ver != PRIVACY_VER_LIVE {
        return Err(WxError::new(86071, "invalid privacy_ver").for_app(&appid));
    }
    let mut w = inner.world.write();
    let program = w.lifecycle.program(&appid);
    let guide = if ver == PRIVACY_VER_LIVE {
        program.privacy_live.clone()
    } else {
        program.privacy_dev.clone()
    };
    let mut resp = GetPrivacySettingResponse::default();
    resp.code_exist = u64::from(program.trial.is_some());
    resp.privacy_list = program.trial.as_ref().map(detected_privacy_keys).unwrap_or_default();
    if let Some(g) = guide {
        resp.owner_setting = g.owner_setting;
        resp.update_time = g.update_time as u64;
        resp.setting_list = g
            .setting_list
            .into_iter()
            .map(|mut s| {
                s.privacy_label = label(&s.privacy_key);
                s
            })
            .collect();
    }
    Ok(answer(&appid, &resp))
}

async fn upload_ext_file(
    State(inner): State<Arc<Inner>>,
    RawQuery(q): RawQuery,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult {
    let (_, appid) = inner.authorizer_caller(&Query::parse(q.as_deref()), "uploadprivacyextfile")?;
    let missing = || WxError::new(41005, "media data missing").for_app(&appid);
    let mut multipart = multipart.map_err(|_| missing())?;
    let mut data = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            data = Some(field.bytes().await.map_err(|_| missing())?);
            break;
        }
    }
    let data = data.filter(|d| !d.is_empty()).ok_or_else(missing)?;
    if data.len() > 100 * 1024 {
        return Err(WxError::new(40126, "invalid text size: at most 100 KB").for_app(&appid));
    }
    if std::str::from_utf8(&data).is_err() {
        return Err(WxError::new(40006, "invalid file type: a .txt file of UTF-8 text").for_app(&appid));
    }
    let id = inner.ids.media_id();
    let now = inner.now();
    inner.world.write().media.insert(
        id.clone(),
        Media {
            appid: appid.clone(),
            media_type: "privacy_ext_file".to_owned(),
            size: data.len() as u64,
            image: None,
            image_bytes: None,
            created_at: now,
        },
    );
    let mut resp = UploadPrivacyExtFileResponse::default();
    resp.ext_file_media_id = id;
    Ok(answer(&appid, &resp))
}
