//! The service's integration tests: one binary (ripgrep's habit), each end-to-end test run on
//! SQLite and on PostgreSQL (`FASTREG_TEST_DATABASE_URL`), against the emulator in-process.

mod helpers;

mod api;

mod callbacks;
mod crash;
mod instances;
mod logs;
mod queue;
mod registration;
mod setup;
mod setup_crash;
mod token_store;
mod webhook;
