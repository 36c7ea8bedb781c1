//! Release (lifecycle spec §2.13–2.15), with the **Mini Program's** token: publish the last
//! approved version, roll back (history of 5), and release gradually.

mod gray;
mod gray_plan;
mod publish;
mod revert;
mod revert_gray;

pub use gray::*;
pub use gray_plan::*;
pub use publish::*;
pub use revert::*;
pub use revert_gray::*;
