//! # fastreg-server — the platform service
//!
//! What a WeChat third-party platform operator runs to fast-register Mini Programs by reusing an
//! Official Account's entity (复用公众号主体快速注册小程序), or, for a merchant without one, through
//! the enterprise, personal and trial routes (a QR code the merchant scans): it keeps the platform's state (verify
//! ticket, tokens, authorizers, registrations, Mini Programs and their setup), drives each
//! registration from the admin's confirmation to a set-up Mini Program through durable jobs,
//! receives WeChat's pushes, and serves a REST API (`/api/v1`, OpenAPI at
//! `/api/v1/openapi.json`), `/healthz` and `/metrics`.
//!
//! May depend on: `fastreg-protocol`, `fastreg-client`, sqlx, axum. Never on the emulator, except
//! in tests (it reaches WeChat, real or emulated, only over HTTP).
//!
//! Where to start reading:
//! - [`startup`]: [`Application::build`] wires settings, database, client, workers and routes;
//! - [`registration`]: the fast-register workflow, the heart of the service, and how each step is
//!   persisted before the next so a crash never repeats fastregister nor loses a refresh token;
//! - [`routes`]: the enterprise, personal and trial routes (QR codes, pushes correlated by
//!   taskid, polling when a push is lost) and a trial's conversion;
//! - [`setup`]: the new Mini Program's setup steps, and how a call that spends a quota or opens
//!   an audit is reconciled from WeChat's state after a lost answer instead of being resent;
//! - [`job`]: the durable queue those workflows run on;
//! - [`store`]: the storage layer, the only place that writes SQL: the two database backends and
//!   one module per aggregate, each function one statement the workflows call inside their own
//!   transactions;
//! - [`event`]: the push receiver; [`callback`]: the signed `state` of redirect URLs;
//! - [`api`]: the REST adapter: one typed answer per resource ([`api::model`]), the OpenAPI
//!   document generated from them, one error shape; [`api_key`]: the API's keys;
//!   [`recovery`]: retrying a job that gave up, abandoning a registration that never reached
//!   fastregister.

pub mod api;
pub mod api_key;
pub mod authorization;
pub mod calendar;
pub mod callback;
pub mod console;
pub mod edge;
pub mod event;
pub mod failure;
pub mod job;
pub mod listing;
pub mod rebind;
pub mod recovery;
pub mod registration;
pub mod routes;
pub mod secret_box;
pub mod settings;
pub mod setup;
pub mod setup_note;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod token_store;
pub mod upkeep;
pub mod webhook;

pub use settings::{ComponentSettings, ConfigError, SecretString, Settings};
pub use startup::{Application, StartError};
