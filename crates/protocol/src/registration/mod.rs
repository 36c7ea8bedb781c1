//! Fast registration (spec §1): the fastregister call that turns a confirmed `ticket` into a new
//! Mini Program reusing the Official Account's entity.

mod fastregister;

pub use fastregister::*;
