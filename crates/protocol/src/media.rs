//! POST /cgi-bin/media/upload?type=image — temporary media (protocol-notes §4). The file goes in
//! the multipart field `media`; the answer's `media_id` is valid for 3 days. Materials for
//! setnickname, the head image and category qualifications are all uploaded this way.

use crate::id::MediaId;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Upload a temporary media file.
    UploadTempMedia {
        name: "media/upload",
        method: Post,
        path: "/cgi-bin/media/upload",
        token: Authorizer,
        body: crate::endpoint::Body::Multipart { field: "media" },
        retry: Idempotent,
        request: UploadTempMediaQuery,
        response: UploadTempMediaResponse,
    }
}

/// How long a temporary media id lives: 3 days.
pub const TEMP_MEDIA_LIFETIME_SECS: u64 = 3 * 24 * 3600;

/// The query parameters of media/upload (besides the token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadTempMediaQuery {
    /// image | voice | video | thumb.
    #[serde(rename = "type")]
    pub media_type: String,
}

/// Response of media/upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadTempMediaResponse {
    /// The media type.
    #[serde(rename = "type")]
    pub media_type: String,
    /// The id to pass to setnickname, modifyheadimage, addcategory.
    pub media_id: MediaId,
    /// When it was uploaded (unix seconds).
    #[serde(deserialize_with = "crate::wire::flex_u64::deserialize")]
    pub created_at: u64,
    /// Sent empty (`[]`) by WeChat beside the id; kept raw so an answer encodes back unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<Vec<serde_json::Value>>,
}

impl UploadTempMediaResponse {
    /// An uploaded medium of `media_type`.
    pub fn new(media_type: impl Into<String>, media_id: MediaId, created_at: u64) -> Self {
        UploadTempMediaResponse {
            media_type: media_type.into(),
            media_id,
            created_at,
            item: None,
        }
    }
}
