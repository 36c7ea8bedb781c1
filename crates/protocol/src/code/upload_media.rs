//! POST /wxa/uploadmedia — lifecycle spec §2.6: media for submit_audit's `preview_info`
//! (multipart field `media`; images ≤ 2 MB, video ≤ 10 MB; the `mediaid` lives 3 days).

use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Upload a preview image or video for an audit.
    UploadAuditMedia {
        name: "uploadmedia",
        method: Post,
        path: "/wxa/uploadmedia",
        token: Authorizer,
        body: crate::endpoint::Body::Multipart { field: "media" },
        retry: Idempotent,
        request: crate::endpoint::Empty,
        response: UploadAuditMediaResponse,
    }
}

/// Response of uploadmedia.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadAuditMediaResponse {
    /// `image` or `video`.
    #[serde(default, rename = "type")]
    pub media_type: String,
    /// The id for `preview_info` (note: `mediaid`, not `media_id`).
    pub mediaid: String,
}
