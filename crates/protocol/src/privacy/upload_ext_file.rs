//! POST /cgi-bin/component/uploadprivacyextfile — lifecycle spec §5.3: a custom guide file
//! (multipart field `file`, `.txt`, ≤ 100 KB: 40126 over it).

use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Upload a custom privacy guide file.
    UploadPrivacyExtFile {
        name: "uploadprivacyextfile",
        method: Post,
        path: "/cgi-bin/component/uploadprivacyextfile",
        token: Authorizer,
        body: crate::endpoint::Body::Multipart { field: "file" },
        retry: Idempotent,
        request: crate::endpoint::Empty,
        response: UploadPrivacyExtFileResponse,
    }
}

/// Response of uploadprivacyextfile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadPrivacyExtFileResponse {
    /// For `owner_setting.ext_file_media_id`.
    pub ext_file_media_id: String,
}
