//! Registration: the fastregister call that turns a confirmed `ticket` into a new Mini Program
//! reusing the Official Account's entity (spec §1), and the other routes to a new Mini Program
//! (`registration-routes.md`): enterprise and personal fast registration, the trial Mini Program,
//! its conversion and renaming, with their task statuses.
//!
//! Choices where WeChat is silent (also in the emulator's README): the enterprise route's status
//! numbering follows the personal API table (0 = 生成任务); verifybetaweapp sends `new_version`
//! beside `verify_info` and answers `authorize_url`; a declined confirmation pushes status 2.

mod beta_nickname;
mod beta_verify;
mod enterprise;
mod fastregister;
pub mod legacy;
mod personal;
mod status;
mod task;
mod trial;

pub use beta_nickname::*;
pub use beta_verify::*;
pub use enterprise::*;
pub use fastregister::*;
pub use personal::*;
pub use status::*;
pub use task::*;
pub use trial::*;
