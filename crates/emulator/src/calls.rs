//! The call log behind `GET /__emulator/calls`: a counter per endpoint and per endpoint's
//! errors (atomics: exact under any concurrency), and the most recent calls in a ring of
//! individually locked slots (no lock shared by all requests). Tokens are never recorded.

use fastreg_protocol::ENDPOINTS;
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

const RECENT: usize = 256;

/// One call, as the recent log shows it.
#[derive(Clone, Debug, Serialize)]
pub struct CallRecord {
    /// Virtual unix time.
    pub at: i64,
    /// The endpoint's name, as in the protocol crate's `ENDPOINTS` (`api_component_token`, …).
    pub endpoint: &'static str,
    /// The caller or the account concerned, when known.
    pub appid: Option<String>,
    /// 0 on success.
    pub errcode: i64,
    #[serde(skip)]
    seq: u64,
}

/// The log.
#[derive(Debug)]
pub struct CallLog {
    counts: Vec<AtomicU64>,
    errors: Vec<AtomicU64>,
    recent: Vec<Mutex<Option<CallRecord>>>,
    next: AtomicU64,
}

impl Default for CallLog {
    fn default() -> Self {
        CallLog {
            counts: ENDPOINTS.iter().map(|_| AtomicU64::new(0)).collect(),
            errors: ENDPOINTS.iter().map(|_| AtomicU64::new(0)).collect(),
            recent: (0..RECENT).map(|_| Mutex::new(None)).collect(),
            next: AtomicU64::new(0),
        }
    }
}

/// The index in `ENDPOINTS` of the endpoint serving `path`: a hash lookup, as every API call
/// makes one.
pub fn endpoint_index(path: &str) -> Option<usize> {
    static BY_PATH: LazyLock<HashMap<&'static str, usize>> = LazyLock::new(|| {
        let mut map = HashMap::with_capacity(ENDPOINTS.len());
        for (i, e) in ENDPOINTS.iter().enumerate() {
            // The first endpoint of a path wins, as the linear scan did.
            map.entry(e.path).or_insert(i);
        }
        map
    });
    BY_PATH.get(path).copied()
}

impl CallLog {
    /// Records one call of `ENDPOINTS[index]`.
    pub fn record(&self, index: usize, at: i64, appid: Option<String>, errcode: i64) {
        let Some(info) = ENDPOINTS.get(index) else {
            return;
        };
        self.counts[index].fetch_add(1, Ordering::SeqCst);
        if errcode != 0 {
            self.errors[index].fetch_add(1, Ordering::SeqCst);
        }
        let seq = self.next.fetch_add(1, Ordering::SeqCst);
        *self.recent[(seq as usize) % RECENT].lock() = Some(CallRecord {
            at,
            endpoint: info.name,
            appid,
            errcode,
            seq,
        });
    }

    /// Back to zero.
    pub fn clear(&self) {
        for c in self.counts.iter().chain(self.errors.iter()) {
            c.store(0, Ordering::SeqCst);
        }
        for slot in &self.recent {
            *slot.lock() = None;
        }
    }

    /// `{"counts": {...}, "errors": {...}, "recent": [...]}`, oldest call first.
    pub fn snapshot(&self) -> Value {
        let mut counts = Map::new();
        let mut errors = Map::new();
        for (i, info) in ENDPOINTS.iter().enumerate() {
            let n = self.counts[i].load(Ordering::SeqCst);
            if n > 0 {
                counts.insert(info.name.to_owned(), json!(n));
            }
            let e = self.errors[i].load(Ordering::SeqCst);
            if e > 0 {
                errors.insert(info.name.to_owned(), json!(e));
            }
        }
        let mut recent: Vec<CallRecord> = self.recent.iter().filter_map(|s| s.lock().clone()).collect();
        recent.sort_by_key(|r| r.seq);
        json!({"counts": counts, "errors": errors, "recent": recent})
    }
}
