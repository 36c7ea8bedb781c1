//! Access tokens: the component's and each authorizer's, in lock-free maps (the hot path of every
//! API call is one lookup here).
//!
//! Rules (protocol-notes §5): a token lives `token_ttl_secs` (7200 s) of virtual time; issuing a
//! new one for the same holder leaves the old one working for `token_overlap_secs` (5 minutes),
//! then the old one answers 40001. An expired token answers 42001, an unknown one 40001, and a
//! string that cannot be a token at all 40014.
//!
//! The table stays small however fast tokens are fetched: a holder keeps its latest token and
//! the one before (the overlap); an older one is forgotten when a third is issued (it would
//! answer 40001 anyway once its overlap ends, and forgotten it answers 40001 at once), and
//! expired ones are purged by the schedule.

use crate::error::WxError;
use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use serde::Serialize;

/// Who a token belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Holder {
    /// A component_access_token.
    Component {
        /// The component.
        component_appid: String,
    },
    /// An authorizer_access_token, issued to a component for an account.
    Authorizer {
        /// The component it was issued to.
        component_appid: String,
        /// The account (Official Account or Mini Program).
        appid: String,
    },
}

#[derive(Clone, Debug)]
struct Record {
    holder: Holder,
    issued_at: i64,
    expires_at: i64,
    superseded_at: Option<i64>,
}

/// A token as `GET /__emulator/state` shows it: fingerprinted, never in clear.
#[derive(Clone, Debug, Serialize)]
pub struct TokenView {
    /// Whose.
    pub holder: Holder,
    /// The first 8 hex digits of SHA-1 over the token.
    pub fingerprint: String,
    /// Issued (unix seconds).
    pub issued_at: i64,
    /// Expires (unix seconds).
    pub expires_at: i64,
    /// When a newer token replaced it; it stops working `token_overlap_secs` later.
    pub superseded_at: Option<i64>,
}

/// The tokens that may still work: at most two per holder, and expired ones until purged.
#[derive(Debug, Default)]
pub struct TokenStore {
    by_token: DashMap<String, Record>,
    /// Each holder's latest token and the one it superseded.
    latest: DashMap<Holder, (String, Option<String>)>,
}

impl TokenStore {
    /// Records a new token; the holder's previous one is superseded now, and the one before
    /// that is forgotten.
    pub fn issue(&self, holder: Holder, token: &str, now: i64, ttl: i64) {
        self.by_token.insert(
            token.to_owned(),
            Record {
                holder: holder.clone(),
                issued_at: now,
                expires_at: now + ttl,
                superseded_at: None,
            },
        );
        let (superseded, forgotten) = match self.latest.entry(holder) {
            Entry::Occupied(mut e) => {
                let (latest, previous) = e.get_mut();
                let superseded = std::mem::replace(latest, token.to_owned());
                let forgotten = previous.replace(superseded.clone());
                (Some(superseded), forgotten)
            }
            Entry::Vacant(e) => {
                e.insert((token.to_owned(), None));
                (None, None)
            }
        };
        if let Some(old) = superseded
            && let Some(mut record) = self.by_token.get_mut(&old)
            && record.superseded_at.is_none()
        {
            record.superseded_at = Some(now);
        }
        if let Some(old) = forgotten {
            self.by_token.remove(&old);
        }
    }

    /// Whose token this is, if it still works.
    pub fn check(&self, token: &str, now: i64, overlap: i64) -> Result<Holder, WxError> {
        if token.is_empty() {
            return Err(WxError::of(41001));
        }
        if !crate::ids::is_well_formed_token(token) {
            return Err(WxError::new(40014, "invalid access_token"));
        }
        let Some(record) = self.by_token.get(token) else {
            return Err(WxError::of(40001));
        };
        if now >= record.expires_at {
            return Err(WxError::new(42001, "access_token expired"));
        }
        if let Some(at) = record.superseded_at
            && now >= at + overlap
        {
            return Err(WxError::new(
                40001,
                "invalid credential, access_token is invalid or not latest",
            ));
        }
        Ok(record.holder.clone())
    }

    /// Makes every token of a holder stop working at once (the account withdrew its
    /// authorization).
    pub fn revoke(&self, holder: &Holder) {
        self.latest.remove(holder);
        self.by_token.retain(|_, r| &r.holder != holder);
    }

    /// Forgets tokens that expired more than a day ago (until then they answer 42001), and
    /// superseded ones whose overlap ended (they answer 40001 known or not).
    pub fn purge(&self, now: i64, overlap: i64) {
        self.by_token
            .retain(|_, r| r.expires_at + 86_400 > now && r.superseded_at.is_none_or(|at| at + overlap > now));
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.by_token.clear();
        self.latest.clear();
    }

    /// The tokens still working, fingerprinted.
    pub fn views(&self, now: i64, overlap: i64) -> Vec<TokenView> {
        let mut out: Vec<TokenView> = self
            .by_token
            .iter()
            .filter(|e| e.expires_at > now && e.superseded_at.is_none_or(|at| at + overlap > now))
            .map(|e| TokenView {
                holder: e.holder.clone(),
                fingerprint: fastreg_protocol::id::fingerprint(e.key()),
                issued_at: e.issued_at,
                expires_at: e.expires_at,
                superseded_at: e.superseded_at,
            })
            .collect();
        out.sort_by_key(|t| (t.issued_at, t.fingerprint.clone()));
        out
    }
}
