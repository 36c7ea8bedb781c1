//! Code management (lifecycle spec §2.1–2.6, §2.12, §2.17), with the **Mini Program's** token:
//! commit a template as the trial version (体验版), its pages and QR code, the privacy-API scan
//! every commit starts, the categories and media an audit takes, the version info and the visit
//! status.

mod category;
mod commit;
mod page;
mod privacy_info;
mod qrcode;
mod upload_media;
mod version_info;
mod visit_status;

pub use category::*;
pub use commit::*;
pub use page::*;
pub use privacy_info::*;
pub use qrcode::*;
pub use upload_media::*;
pub use version_info::*;
pub use visit_status::*;
