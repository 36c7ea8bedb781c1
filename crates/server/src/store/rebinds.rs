//! The admin rebind tasks.
