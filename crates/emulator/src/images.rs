//! Head images served by the emulator itself. WeChat answers a new head image with a CDN URL
//! (`http://mmbiz.qpic.cn/mmbiz_png/…/0`) that cannot load offline; the emulator answers with
//! the same path on its own address (the one it was called on) and serves the uploaded bytes
//! there, so a console shows the avatar it was given.

use crate::state::Inner;
use crate::world::{Media, World};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

/// An image kept to be served.
#[derive(Clone, Debug)]
pub struct Image {
    /// `PNG`, `JPEG`, `GIF` or `BMP` (as sniffed at upload).
    pub format: String,
    /// The bytes as uploaded.
    pub bytes: bytes::Bytes,
}

impl Image {
    /// The image of an uploaded media file (empty if its bytes were not kept).
    pub fn of(media: &Media) -> Image {
        Image {
            format: media.image.clone().unwrap_or_else(|| "png".to_owned()),
            bytes: media.image_bytes.clone().unwrap_or_default(),
        }
    }
}

/// Keeps `image` under `id` and answers its URL: on the address in the request's `Host` (the
/// emulator's own), or WeChat's CDN host when there is none.
pub fn store(w: &mut World, headers: &HeaderMap, id: &str, image: Image) -> String {
    w.images.insert(id.to_owned(), image);
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => format!("http://{host}/mmbiz_png/{id}/0"),
        None => format!("http://mmbiz.qpic.cn/mmbiz_png/{id}/0"),
    }
}

/// `GET /mmbiz_png/{id}/0`.
pub fn routes() -> Router<Arc<Inner>> {
    Router::new().route("/mmbiz_png/{id}/0", get(serve))
}

async fn serve(State(inner): State<Arc<Inner>>, Path(id): Path<String>) -> Response {
    match inner.world.read().images.get(&id) {
        Some(image) => (
            [
                (
                    header::CONTENT_TYPE,
                    format!("image/{}", image.format.to_ascii_lowercase()),
                ),
                (header::CACHE_CONTROL, "max-age=86400".to_owned()),
            ],
            image.bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
