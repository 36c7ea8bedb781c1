//! Testers (体验者, lifecycle spec §6) and search visibility (§7), with the **Mini Program's**
//! token.

mod bind;
mod members;
mod search;
mod search_status;
mod unbind;

pub use bind::*;
pub use members::*;
pub use search::*;
pub use search_status::*;
pub use unbind::*;
