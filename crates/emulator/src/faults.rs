//! Fault injection (`POST /__emulator/faults`): per API path, an error code answered instead of
//! the call, added latency, or — the hardest case for a platform — the call applied and its
//! response lost (the connection is cut mid-answer). Each fault fires with a probability, and at
//! most `count` times when a count is given.
//!
//! The API middleware asks [`Faults::pick`] once per call; with no fault set that is one atomic
//! load.

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

/// What a fault does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    /// Answer `errcode` without applying the call.
    #[default]
    Error,
    /// Apply the call, then cut the connection instead of answering.
    DropResponse,
    /// Only add `latency_ms`, then answer normally.
    Delay,
}

/// A fault as the control API takes and shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// The API path (`/cgi-bin/component/api_component_token`), or `*` for every API path.
    pub path: String,
    /// The errcode answered in `error` mode (default -1, system busy).
    #[serde(default = "system_busy")]
    pub errcode: i64,
    /// Latency added before the call, in every mode.
    #[serde(default)]
    pub latency_ms: u64,
    /// Chance in [0, 1] that a call is hit (default 1).
    #[serde(default = "always")]
    pub probability: f64,
    /// How many calls may be hit; null: no limit.
    #[serde(default)]
    pub count: Option<u64>,
    /// error, drop_response or delay.
    #[serde(default)]
    pub mode: FaultMode,
}

fn system_busy() -> i64 {
    -1
}

fn always() -> f64 {
    1.0
}

#[derive(Debug)]
struct Fault {
    spec: FaultSpec,
    /// Hits left; negative: unlimited.
    remaining: AtomicI64,
    /// Calls it hit so far.
    hits: AtomicU64,
}

/// What the middleware must do to one call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultAction {
    /// Sleep this long first.
    pub latency_ms: u64,
    /// Then this.
    pub mode: FaultMode,
    /// The errcode, for `Error`.
    pub errcode: i64,
}

/// The faults in force.
#[derive(Debug, Default)]
pub struct Faults {
    any: AtomicBool,
    list: RwLock<Vec<Fault>>,
}

impl Faults {
    /// Adds a fault; the first matching fault wins.
    pub fn add(&self, spec: FaultSpec) {
        let remaining = spec.count.map(|c| c as i64).unwrap_or(-1);
        self.list.write().push(Fault {
            spec,
            remaining: AtomicI64::new(remaining),
            hits: AtomicU64::new(0),
        });
        self.any.store(true, Ordering::SeqCst);
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.list.write().clear();
        self.any.store(false, Ordering::SeqCst);
    }

    /// The faults in force, with what is left of their counts.
    pub fn list(&self) -> Vec<FaultSpec> {
        self.list
            .read()
            .iter()
            .map(|f| {
                let mut spec = f.spec.clone();
                let left = f.remaining.load(Ordering::SeqCst);
                if spec.count.is_some() {
                    spec.count = Some(left.max(0) as u64);
                }
                spec
            })
            .collect()
    }

    /// How many calls each fault in force hit, in the order of [`Faults::list`].
    pub fn hits(&self) -> Vec<u64> {
        self.list.read().iter().map(|f| f.hits.load(Ordering::SeqCst)).collect()
    }

    /// The fault hitting a call of `path`: the first matching fault whose probability draw
    /// (with `chance`) fires and which has hits left.
    pub fn pick(&self, path: &str, mut chance: impl FnMut() -> f64) -> Option<FaultAction> {
        if !self.any.load(Ordering::SeqCst) {
            return None;
        }
        let list = self.list.read();
        let fault = list.iter().find(|f| {
            if !(f.spec.path == path || f.spec.path == "*") || f.remaining.load(Ordering::SeqCst) == 0 {
                return false;
            }
            if f.spec.probability < 1.0 && chance() >= f.spec.probability {
                return false;
            }
            // Spend one hit; if another call took the last one meanwhile, this call is spared.
            f.spec.count.is_none()
                || f.remaining
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n > 0).then(|| n - 1))
                    .is_ok()
        })?;
        fault.hits.fetch_add(1, Ordering::SeqCst);
        Some(FaultAction {
            latency_ms: fault.spec.latency_ms,
            mode: fault.spec.mode,
            errcode: fault.spec.errcode,
        })
    }
}
