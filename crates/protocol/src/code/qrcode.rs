//! GET /wxa/get_qrcode — lifecycle spec §2.3: the trial version's QR code. Success is **JPEG
//! bytes** (`Content-Type: image/jpeg`), an error is the usual JSON: a client branches on the
//! content type. `path` (page and query) is URL-encoded once.

use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// The trial version's QR code, as JPEG bytes.
    GetQrCode {
        name: "get_qrcode",
        method: Get,
        path: "/wxa/get_qrcode",
        token: Authorizer,
        body: crate::endpoint::Body::None,
        retry: Idempotent,
        request: GetQrCodeQuery,
        // The body is an image; this type only describes its JSON error form.
        response: crate::endpoint::Empty,
    }
}

/// The content type of a successful get_qrcode answer.
pub const QR_CODE_CONTENT_TYPE: &str = "image/jpeg";

/// Query of get_qrcode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetQrCodeQuery {
    /// The page to open, with its query (`pages/index/index?action=1`); absent: the home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl GetQrCodeQuery {
    /// A QR code opening `path` (`None`: the home page).
    pub fn new(path: Option<String>) -> Self {
        GetQrCodeQuery { path }
    }
}
