//! Admin rebind (spec §7): after the componentrebindadmin page, the platform completes the
//! rebind with the `taskid`.

mod rebind;

pub use rebind::*;
