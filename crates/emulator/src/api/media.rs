//! POST /cgi-bin/media/upload?type=… — temporary media (protocol-notes §4), and the checks every
//! API that takes a media id shares.
//!
//! Limits: `settings.media_max_bytes` per type (image 10 MB, as the doc's table says; over it
//! 40009 for images, 40006 for other types); an image must be BMP, JPEG, GIF or PNG by its magic
//! bytes, other types as `rules::check_temp_media` recognizes them (else 40004); an unknown
//! `type` is 40004; no `media` part is 41005. A media id lives `media_ttl_secs` (3 days).

use crate::error::{ApiResult, Reply, WxError};
use crate::state::{Inner, Query};
use crate::world::{Media, World};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, RawQuery, State};
use fastreg_protocol::MediaId;
use fastreg_protocol::media::UploadTempMediaResponse;
use fastreg_protocol::rules::{MediaType, check_temp_media, sniff_image};
use std::sync::Arc;

/// Why a media id cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaProblem {
    /// Empty.
    Empty,
    /// Not the shape of a media id.
    Malformed,
    /// Unknown, expired, or another account's.
    Missing,
}

/// Whether a string has the shape of a media id.
pub fn well_formed(media_id: &str) -> bool {
    (8..=256).contains(&media_id.len())
        && media_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The media `appid` uploaded under `media_id`, if it is still valid.
pub fn lookup<'a>(w: &'a World, appid: &str, media_id: &str, now: i64) -> Result<&'a Media, MediaProblem> {
    if media_id.is_empty() {
        return Err(MediaProblem::Empty);
    }
    if !well_formed(media_id) {
        return Err(MediaProblem::Malformed);
    }
    match w.media.get(media_id) {
        Some(m) if m.appid == appid && now < m.created_at + w.settings.media_ttl_secs => Ok(m),
        _ => Err(MediaProblem::Missing),
    }
}

/// POST /cgi-bin/media/upload.
pub async fn upload(
    State(inner): State<Arc<Inner>>,
    RawQuery(q): RawQuery,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult {
    let query = Query::parse(q.as_deref());
    let (_, appid) = inner.authorizer_caller(&query, "media/upload")?;
    let kind: MediaType = match query.get("type").unwrap_or("").parse() {
        Ok(k) => k,
        Err(_) => return Err(WxError::of(40004).for_app(&appid)),
    };
    let missing = || WxError::new(41005, "media data missing").for_app(&appid);
    let Ok(mut multipart) = multipart else {
        return Err(missing());
    };
    let mut data = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                if field.name() == Some("media") {
                    data = Some(field.bytes().await.map_err(|_| missing())?);
                    break;
                }
            }
            Ok(None) => break,
            Err(_) => return Err(missing()),
        }
    }
    let Some(data) = data.filter(|d| !d.is_empty()) else {
        return Err(missing());
    };
    let now = inner.now();
    let max = inner
        .world
        .read()
        .settings
        .media_max_bytes
        .get(kind.as_str())
        .copied()
        .unwrap_or(u64::MAX);
    if data.len() as u64 > max {
        let code = if kind == MediaType::Image { 40009 } else { 40006 };
        return Err(
            WxError::new(code, format!("invalid media size: {} bytes, at most {max}", data.len())).for_app(&appid),
        );
    }
    let image = match kind {
        MediaType::Image => match sniff_image(&data) {
            Some(k) => Some(k.to_string()),
            None => {
                return Err(
                    WxError::new(40004, "invalid media type: not a BMP, JPEG, GIF or PNG image").for_app(&appid),
                );
            }
        },
        other => {
            // check_temp_media holds voice and thumb to their limits; its format check is the
            // one we want.
            if let Err(e) = check_temp_media(other, &data) {
                return Err(WxError::new(40004, format!("invalid media type: {e}")).for_app(&appid));
            }
            None
        }
    };
    let media_id = inner.ids.media_id();
    inner.world.write().media.insert(
        media_id.clone(),
        Media {
            appid: appid.clone(),
            image_bytes: image.is_some().then(|| data.clone()),
            media_type: kind.as_str().to_owned(),
            size: data.len() as u64,
            image,
            created_at: now,
        },
    );
    let mut answer =
        UploadTempMediaResponse::new(kind.as_str(), super::wire(MediaId::parse(media_id))?, super::unix(now));
    answer.item = Some(Vec::new());
    Ok(Reply::typed(&appid, &answer))
}
