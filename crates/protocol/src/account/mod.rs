//! Account setup of the new Mini Program (spec §2–§5): basic info, name (check, set, audit),
//! head image and signature. All take the **Mini Program's** authorizer_access_token.

mod basic_info;
mod head_image;
mod nickname;
mod signature;

pub use basic_info::*;
pub use head_image::*;
pub use nickname::*;
pub use signature::*;
