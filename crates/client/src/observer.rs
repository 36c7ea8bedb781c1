//! What a caller sees of every attempt the client makes: one [`Attempt`] per HTTP request sent
//! to WeChat (a retried call reports each try), handed to the [`CallObserver`] set on the
//! configuration. The service turns these into its per-endpoint metrics (count, errors by
//! errcode, latency); the client itself keeps no counters.

use std::fmt;
use std::time::Duration;

/// How one attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    /// WeChat answered `errcode` 0 (or none).
    Ok,
    /// WeChat answered this non-zero `errcode`.
    Errcode(i64),
    /// No usable answer: connect, timeout, HTTP status or an undecodable body.
    Transport,
}

/// One request sent to WeChat.
#[derive(Clone, Copy, Debug)]
pub struct Attempt {
    /// The endpoint's name (`fastregisterweapp`, `api_query_auth`, …), never a URL: URLs carry
    /// tokens.
    pub endpoint: &'static str,
    /// How it ended.
    pub result: AttemptResult,
    /// From sending the request to reading the whole answer.
    pub elapsed: Duration,
}

/// Receives every [`Attempt`]. Called on the task making the call, so it must be quick (add to
/// a counter, record to a histogram).
pub trait CallObserver: Send + Sync + fmt::Debug {
    /// One attempt ended.
    fn attempt(&self, attempt: &Attempt);
}
