//! POST /cgi-bin/account/modifyheadimage — spec §4. The image is a temporary media id; the crop
//! box is in [0, 1] and the result is always square. BMP/JPEG/GIF/PNG up to 2 MB; 5 changes a
//! month (53202).

use crate::endpoint::Empty;
use serde::{Deserialize, Serialize};

crate::endpoint! {
    /// Change the head image.
    ModifyHeadImage {
        name: "modifyheadimage",
        method: Post,
        path: "/cgi-bin/account/modifyheadimage",
        token: Authorizer,
        body: crate::endpoint::Body::Json,
        retry: NotIdempotent,
        request: ModifyHeadImageRequest,
        response: Empty,
    }
}

/// Request of modifyheadimage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModifyHeadImageRequest {
    /// The image, uploaded as temporary media.
    pub head_img_media_id: String,
    /// Crop box top-left x, in [0, 1].
    pub x1: f64,
    /// Crop box top-left y, in [0, 1].
    pub y1: f64,
    /// Crop box bottom-right x, in [0, 1].
    pub x2: f64,
    /// Crop box bottom-right y, in [0, 1].
    pub y2: f64,
}
