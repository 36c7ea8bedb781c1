//! The emulator's shared state ([`Inner`]) and what every handler needs from it: the virtual
//! clock, token checks, daily call quotas, the schedule (verify-ticket pushes, audits deciding on
//! their own, realname verification) and audit decisions.

use crate::calls::CallLog;
use crate::clock::{Clock, china_day};
use crate::error::WxError;
use crate::faults::Faults;
use crate::ids::Ids;
use crate::push::{self, Outgoing, PushBehaviour, PushMode};
use crate::scenario::{AuditDefault, Scenario};
use crate::tokens::{Holder, TokenStore};
use crate::world::{AuditSubject, Decision, World};
use dashmap::DashMap;
use fastreg_protocol::AppId;
use fastreg_protocol::event::{AuditOutcome, AuthorizerEvent, ComponentEvent};
use fastreg_protocol::id::Secret;
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The query string of a request, decoded.
#[derive(Debug, Default, Clone)]
pub struct Query(pub HashMap<String, String>);

impl Query {
    /// Decodes a raw query string (`a=1&b=2`); a repeated key keeps its first value.
    pub fn parse(raw: Option<&str>) -> Self {
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
        Query(map)
    }

    /// A parameter's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// Everything the emulator holds.
#[derive(Debug)]
pub struct Inner {
    /// The scenario `reset` returns to.
    pub scenario: RwLock<Scenario>,
    /// The seed `reset` reseeds with.
    pub seed: Option<u64>,
    /// The virtual clock.
    pub clock: Clock,
    /// Generated ids.
    pub ids: Ids,
    /// Access tokens (lock-free).
    pub tokens: TokenStore,
    /// Call counters (atomics).
    pub calls: CallLog,
    /// Faults in force.
    pub faults: Faults,
    /// (caller, endpoint) → (China day, calls that day).
    pub daily: DashMap<(String, &'static str), (i64, u64)>,
    /// Daily quotas by endpoint name (copied from the settings, read on every call).
    pub daily_limits: DashMap<String, u64>,
    /// Token lifetime and overlap (copied from the settings, read on every call).
    pub token_ttl: AtomicI64,
    /// See `token_ttl`.
    pub token_overlap: AtomicI64,
    /// Accounts, authorizations, codes, audits, media.
    pub world: RwLock<World>,
    /// What happens to the next pushes.
    pub push_mode: Mutex<PushMode>,
    /// For pushes.
    pub http: reqwest::Client,
    /// One schedule run at a time.
    pub tick_lock: tokio::sync::Mutex<()>,
    /// The earliest virtual time at which an audit or a realname verification falls due, so a
    /// read settles (and takes the world's write lock) only when something is due. Lowered by
    /// [`Inner::due_at`] where such a thing is created; `i64::MIN`: unknown, settle to find out.
    pub next_due: AtomicI64,
}

impl Inner {
    /// State built from a scenario.
    pub fn new(scenario: Scenario, seed: Option<u64>) -> Self {
        let clock = Clock::new(scenario.settings.start_time);
        let ids = Ids::new(seed);
        let world = World::from_scenario(&scenario, clock.now(), &ids);
        let inner = Inner {
            seed,
            clock,
            ids,
            tokens: TokenStore::default(),
            calls: CallLog::default(),
            faults: Faults::default(),
            daily: DashMap::new(),
            daily_limits: DashMap::new(),
            token_ttl: AtomicI64::new(7200),
            token_overlap: AtomicI64::new(300),
            world: RwLock::new(world),
            push_mode: Mutex::new(PushMode::default()),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap_or_else(|_| reqwest::Client::new()),
            tick_lock: tokio::sync::Mutex::new(()),
            next_due: AtomicI64::new(i64::MIN),
            scenario: RwLock::new(scenario),
        };
        inner.copy_hot_settings();
        inner
    }

    fn copy_hot_settings(&self) {
        let scenario = self.scenario.read();
        let s = &scenario.settings;
        self.token_ttl.store(s.token_ttl_secs, Ordering::SeqCst);
        self.token_overlap.store(s.token_overlap_secs, Ordering::SeqCst);
        self.daily_limits.clear();
        for (k, v) in &s.daily_quotas {
            self.daily_limits.insert(k.clone(), *v);
        }
    }

    /// Back to the scenario: world, tokens, calls, faults, clock, seed, push mode.
    pub fn reset(&self) {
        let scenario = self.scenario.read().clone();
        self.clock.restart(scenario.settings.start_time);
        self.ids.reseed(self.seed);
        *self.world.write() = World::from_scenario(&scenario, self.clock.now(), &self.ids);
        self.tokens.clear();
        self.calls.clear();
        self.faults.clear();
        self.daily.clear();
        *self.push_mode.lock() = PushMode::default();
        self.next_due.store(i64::MIN, Ordering::SeqCst);
        self.copy_hot_settings();
    }

    /// Something falls due at `at` (an audit deciding on its own, a realname verification
    /// completing): reads from then on settle it.
    pub fn due_at(&self, at: i64) {
        self.next_due.fetch_min(at, Ordering::SeqCst);
    }

    /// What a read does before it reads: settles audits and verifications that are due, if any
    /// is — most reads find nothing due and take no write lock.
    pub fn settle_due(&self) -> Vec<Outgoing> {
        if self.now() < self.next_due.load(Ordering::SeqCst) {
            return Vec::new();
        }
        self.settle(false)
    }

    /// The virtual time.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Issues an access token to a holder.
    pub fn issue_token(&self, holder: Holder) -> (String, i64) {
        let token = self.ids.access_token();
        let ttl = self.token_ttl.load(Ordering::SeqCst);
        self.tokens.issue(holder, &token, self.now(), ttl);
        (token, ttl)
    }

    /// The component calling a component API (`component_access_token` or `access_token`).
    pub fn component_caller(&self, q: &Query, endpoint: &'static str) -> Result<String, WxError> {
        let token = q
            .get("component_access_token")
            .or_else(|| q.get("access_token"))
            .unwrap_or("");
        let holder = self
            .tokens
            .check(token, self.now(), self.token_overlap.load(Ordering::SeqCst))?;
        match holder {
            Holder::Component { component_appid } => {
                self.spend_daily(&component_appid, endpoint)?;
                Ok(component_appid)
            }
            Holder::Authorizer { appid, .. } => Err(WxError::of(61014).for_app(&appid)),
        }
    }

    /// The (component, account) calling an authorizer API with `access_token`.
    pub fn authorizer_caller(&self, q: &Query, endpoint: &'static str) -> Result<(String, String), WxError> {
        let token = q.get("access_token").unwrap_or("");
        let holder = self
            .tokens
            .check(token, self.now(), self.token_overlap.load(Ordering::SeqCst))?;
        match holder {
            Holder::Authorizer { component_appid, appid } => {
                self.spend_daily(&appid, endpoint)?;
                Ok((component_appid, appid))
            }
            Holder::Component { component_appid } => Err(WxError::of(61015).for_app(&component_appid)),
        }
    }

    /// Counts a call against the caller's daily quota of the endpoint (45009 over it).
    pub fn spend_daily(&self, caller: &str, endpoint: &'static str) -> Result<(), WxError> {
        let limit = self
            .daily_limits
            .get(endpoint)
            .or_else(|| self.daily_limits.get("default"))
            .map(|v| *v)
            .unwrap_or(u64::MAX);
        let today = china_day(self.now());
        let mut entry = self.daily.entry((caller.to_owned(), endpoint)).or_insert((today, 0));
        if entry.0 != today {
            *entry = (today, 0);
        }
        if entry.1 >= limit {
            return Err(WxError::of(45009).for_app(caller));
        }
        entry.1 += 1;
        Ok(())
    }

    /// The push mode for the next push, spending one of its count.
    pub fn take_push_mode(&self) -> PushMode {
        let mut mode = self.push_mode.lock();
        let current = *mode;
        if let Some(n) = mode.count {
            if n <= 1 {
                *mode = PushMode::default();
            } else {
                mode.count = Some(n - 1);
            }
            if n == 0 {
                return PushMode::default();
            }
        }
        if current.mode == PushBehaviour::Normal {
            return PushMode::default();
        }
        current
    }

    /// Issues a new verify ticket for a component and builds its push (if the component has an
    /// event URL). `None` if the component is unknown.
    pub fn new_verify_ticket(&self, w: &mut World, component_appid: &str) -> Option<(String, Option<Outgoing>)> {
        let now = self.now();
        let ticket = self.ids.verify_ticket();
        let ttl = w.settings.verify_ticket_ttl_secs;
        let interval = w.settings.verify_ticket_interval_secs.max(1);
        let component = w.components.get_mut(component_appid)?;
        // Expired tickets are kept a while longer so a client using one hears 61005, not 61006.
        component.tickets.retain(|(_, at)| at + 2 * ttl > now);
        component.tickets.push((ticket.clone(), now));
        component.next_ticket_push_at = now + interval;
        let event = ComponentEvent::VerifyTicket {
            app_id: AppId::parse(component_appid).ok()?,
            create_time: now as u64,
            ticket: Secret::parse(ticket.clone()).ok()?,
        };
        let push = push::component_event(w, component_appid, &event, now, &self.ids);
        Some((ticket, push))
    }

    /// What is due at the current virtual time: verify tickets on schedule (when `tickets`),
    /// audits deciding on their own, realname verification completing. Returns the pushes to
    /// deliver.
    pub fn settle(&self, tickets: bool) -> Vec<Outgoing> {
        let now = self.now();
        let mut w = self.world.write();
        let mut out = Vec::new();
        if tickets {
            let due: Vec<String> = w
                .components
                .values()
                .filter(|c| now >= c.next_ticket_push_at)
                .map(|c| c.def.appid.clone())
                .collect();
            for appid in due {
                if let Some((_, Some(push))) = self.new_verify_ticket(&mut w, &appid) {
                    out.push(push);
                }
            }
        }
        let due_audits: Vec<u64> = w
            .audits
            .values()
            .filter(|a| a.decision.is_none() && now >= a.due_at)
            .map(|a| a.audit_id)
            .collect();
        let default = w.settings.audit_default;
        for id in due_audits {
            let (approve, reason) = match default {
                AuditDefault::Approve => (true, String::new()),
                AuditDefault::Reject => (false, "材料不符合要求（模拟器默认驳回）".to_owned()),
            };
            if let Ok(Some(push)) = self.decide_audit(&mut w, id, approve, &reason) {
                out.push(push);
            }
        }
        let mut next = i64::MAX;
        out.extend(crate::register_task::expire_due(&mut w, &self.ids, now));
        for task in w.registration.tasks.values().filter(|t| t.is_open()) {
            next = next.min(task.expires_at);
        }
        for account in w.accounts.values_mut() {
            if let Some(due) = account.realname_due_at {
                if now >= due {
                    account.realname_status = 1;
                    account.realname_due_at = None;
                } else {
                    next = next.min(due);
                }
            }
        }
        for a in w.audits.values().filter(|a| a.decision.is_none()) {
            next = next.min(a.due_at);
        }
        // Stored under the write lock, so no `due_at` of a writer can slip in between the walk
        // and the store; a `due_at` after it lowers the value again.
        self.next_due.store(next, Ordering::SeqCst);
        out
    }

    /// Decides an audit and builds the push of its result. Errors: unknown audit, already
    /// decided (the message says which).
    pub fn decide_audit(
        &self,
        w: &mut World,
        audit_id: u64,
        approve: bool,
        reason: &str,
    ) -> Result<Option<Outgoing>, String> {
        let now = self.now();
        if matches!(
            w.audits.get(&audit_id).map(|a| &a.subject),
            Some(AuditSubject::Code { .. })
        ) {
            return crate::lifecycle_state::decide(w, audit_id, approve, reason, "", now, &self.ids);
        }
        let audit = w
            .audits
            .get_mut(&audit_id)
            .ok_or_else(|| format!("audit {audit_id} does not exist"))?;
        if audit.decision.is_some() {
            return Err(format!("audit {audit_id} is already decided"));
        }
        let outcome = if approve {
            AuditOutcome::Approved
        } else {
            AuditOutcome::Rejected
        };
        let reason = if approve { String::new() } else { reason.to_owned() };
        audit.decision = Some(Decision {
            outcome,
            reason: reason.clone(),
            at: now,
        });
        let audit = audit.clone();
        let account = w.accounts.get_mut(&audit.appid);
        let event = match (&audit.subject, account) {
            (AuditSubject::Nickname { nickname }, Some(account)) => {
                if account.nickname_audit == Some(audit_id) {
                    account.nickname_audit = None;
                }
                if approve {
                    account.nickname = nickname.clone();
                }
                AuthorizerEvent::NicknameAudit {
                    to_user_name: account.original_id.clone(),
                    from_user_name: audit.component_appid.clone(),
                    create_time: now as u64,
                    ret: outcome,
                    nickname: nickname.clone(),
                    reason,
                }
            }
            (AuditSubject::Category { first, second }, Some(account)) => {
                if let Some(c) = account.categories.iter_mut().find(|c| c.audit_id == Some(audit_id)) {
                    c.audit_status = outcome.code();
                    c.audit_reason = reason.clone();
                }
                AuthorizerEvent::CategoryAudit {
                    to_user_name: account.original_id.clone(),
                    from_user_name: audit.component_appid.clone(),
                    create_time: now as u64,
                    first: *first,
                    second: *second,
                    ret: outcome,
                    reason,
                }
            }
            (AuditSubject::Code { .. }, _) | (_, None) => return Ok(None),
        };
        Ok(push::authorizer_event(
            w,
            &audit.component_appid,
            &audit.appid,
            &event,
            now,
            &self.ids,
        ))
    }
}

/// Runs the schedule once: settles what is due and delivers its pushes, in order.
pub async fn tick(inner: &Arc<Inner>) {
    let _one_at_a_time = inner.tick_lock.lock().await;
    let pushes = inner.settle(true);
    for p in pushes {
        push::deliver(inner, p).await;
    }
    inner
        .tokens
        .purge(inner.now(), inner.token_overlap.load(Ordering::SeqCst));
}

/// Delivers pushes in the background (from a handler that must answer first).
pub fn deliver_later(inner: &Arc<Inner>, pushes: Vec<Outgoing>) {
    if pushes.is_empty() {
        return;
    }
    let inner = Arc::clone(inner);
    tokio::spawn(async move {
        for p in pushes {
            push::deliver(&inner, p).await;
        }
    });
}
