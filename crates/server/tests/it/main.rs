//! The service's integration tests: one binary (ripgrep's habit), each end-to-end test run on
//! SQLite and on PostgreSQL (`FASTREG_TEST_DATABASE_URL`), against the emulator in-process.

mod contract;
#[path = "../common/database.rs"]
mod database;
mod helpers;
mod layout;

mod api;
mod api_keys;

mod callbacks;
mod crash;
mod hardening_authorization;
mod hardening_callbacks;
mod hardening_input;
mod hardening_names;
mod hardening_pushes;
mod hardening_resend;
mod hardening_sign_in;
mod instances;
mod listing;
mod logs;
mod materials;
mod one_in_flight;
mod queue;
mod reauthorization;
mod recovery;
mod registration;
mod rest_errors;
mod routes;
mod routes_crash;
mod schema;
mod settling;
mod setup;
mod setup_crash;
mod token_store;
mod webhook;
