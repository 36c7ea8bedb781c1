//! # fastreg-client — WeChat's fast-register APIs, with tokens done right
//!
//! An async client for a WeChat third-party platform (第三方平台, "component") that registers
//! Mini Programs by reusing an Official Account's entity (复用公众号主体快速注册小程序) and sets
//! them up: one typed method per endpoint of [`fastreg_protocol`], the component and authorizer
//! tokens handled for you (cached until shortly before expiry, refreshed once however many tasks
//! or processes ask, rotated refresh tokens stored before use), a pluggable [`TokenStore`], and a
//! retry policy that knows which calls may be sent twice.
//!
//! May depend on: `fastreg-protocol` (the wire types, error catalog, URL builders) and `reqwest`.
//! Tested against `fastreg-emulator`, never depended on by it.
//!
//! Where to start reading:
//! - [`Client`] and its methods (module `api`): one per endpoint, with a table of what each is
//!   safe to retry; [`Client::call`] for any typed endpoint, [`Client::call_raw`] for the rest.
//!   The Mini Program lifecycle (templates, commit, audit, release, domains, privacy, testers)
//!   has its methods and retry table in module `lifecycle`; [`Client::trial_qr_code`] returns
//!   the JPEG bytes.
//! - [`TokenStore`] and [`MemoryStore`]: where the verify ticket and the tokens live, with
//!   compare-and-delete and leases for several processes sharing one store.
//! - The `token` module's doc: how a token is obtained once (single-flight, then lease).
//! - [`Error`]: WeChat's errors with their catalog entry, and [`Error::OutcomeUnknown`].
//!
//! ## Quick example
//!
//! ```no_run
//! use fastreg_client::{Client, ClientConfig, MemoryStore};
//! use fastreg_protocol::{AppId, Ticket, id::Secret};
//! use std::sync::Arc;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ClientConfig::builder(
//!     AppId::parse("wx_component_appid")?,
//!     Secret::parse("component_appsecret")?,
//! )
//! .token("message-check-token")
//! .encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
//! .build()?;
//! // One process: MemoryStore. Several: a store they share (the service's SQL store).
//! let client = Client::new(config, Arc::new(MemoryStore::new()))?;
//!
//! // WeChat pushes the verify ticket to your authorization-event URL every 10 minutes.
//! client.put_verify_ticket(&Secret::parse("ticket@@@from-the-push")?).await?;
//!
//! // 1. Send the Official Account's admin to the fastregisterauth page…
//! let official_account = AppId::parse("wx_official_account")?;
//! let url = client.fast_register_auth_url(&official_account, true, "https://example.com/cb")?;
//! println!("open {url}");
//! // 2. …they come back to https://example.com/cb?ticket=…
//! let ticket = Ticket::parse("ticket-from-the-redirect")?;
//! let registered = client.fast_register(&official_account, &ticket).await?;
//! // 3. Exchange the new Mini Program's code: its refresh token is stored before this returns.
//! client.query_auth(&registered.authorization_code).await?;
//! // 4. Set it up with its own token, fetched and refreshed for you.
//! client.set_signature(&registered.appid, "提供好玩的服务。").await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod api;
mod client;
pub mod clock;
mod config;
mod error;
mod lifecycle;
pub mod observer;
mod registration;
pub mod store;
mod token;

pub use client::{Auth, Client};
pub use clock::{Clock, OffsetClock, SystemClock};
pub use config::{API_BASE, ClientConfig, ClientConfigBuilder, RetryPolicy};
pub use error::Error;
pub use observer::{Attempt, AttemptResult, CallObserver};
pub use store::{Lease, MemoryStore, StoreError, StoredToken, TokenStore};

/// The protocol crate, re-exported so a user needs one dependency for the types too.
pub use fastreg_protocol as protocol;

/// The mp.weixin.qq.com page URL builders (also available as methods of [`Client`], which fill
/// in the component appid and the configured `mp_base`).
pub mod page {
    pub use fastreg_protocol::page::{
        MP_BASE, PageError, component_login_page_url, fast_register_auth_url, rebind_admin_url,
    };
}
