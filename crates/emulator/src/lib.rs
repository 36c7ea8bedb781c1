//! # fastreg-emulator — a local WeChat for third-party platforms
//!
//! The WeChat side of fast registration (复用公众号主体快速注册小程序): the api.weixin.qq.com
//! paths of the spec with its rules and error codes, the mp.weixin.qq.com pages where an admin
//! confirms (standing for the QR-code scan), encrypted pushes to the platform (verify tickets on
//! a schedule, authorization changes, audit results), a virtual clock, and a control API under
//! `/__emulator/` (state, clock, accounts, confirmations, audits, faults, call log, reset). One
//! port serves all three. It is a library first — a test embeds it on port 0 with
//! [`Emulator::spawn`] — and the `fastreg emulator` command second.
//!
//! May depend on: `fastreg-protocol` (its types are the wire on both sides), axum/tokio, and
//! reqwest only to deliver pushes. Never on the client: the two must not be able to be wrong
//! together.
//!
//! Where to start reading:
//! - [`scenario`] and [`builtin`]: what the emulator starts from (the README documents the
//!   TOML format field by field);
//! - `state.rs`: the shared state — lock-free tokens and counters on the hot path, the world
//!   (accounts, codes, audits) behind one `RwLock` taken briefly, the schedule;
//! - `api/`: one module per area of the spec, each opening with the rules it applies in order;
//! - `actions.rs`: what the pages and the control API both do (authorize, confirm);
//! - `control.rs` and `pages.rs`: the control API and the HTML pages.

mod actions;
mod api;
pub mod builtin;
mod calls;
pub mod clock;
mod control;
mod control_lifecycle;
mod error;
mod faults;
mod ids;
mod images;
pub mod lifecycle;
mod lifecycle_state;
mod pages;
mod push;
mod register_control;
mod register_page;
mod register_step;
mod register_task;
pub mod scenario;
mod state;
pub mod subject;
mod tokens;
mod world;

pub use faults::{FaultMode, FaultSpec};
pub use push::{PushBehaviour, PushMode};
pub use scenario::{Scenario, ScenarioError};

use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The emulator: cheap to clone (an `Arc` inside).
#[derive(Clone, Debug)]
pub struct Emulator {
    inner: Arc<state::Inner>,
}

impl Emulator {
    /// An emulator in the state the scenario describes. With a `seed`, generated appids,
    /// tickets, codes and tokens are the same on every run that makes the same calls.
    pub fn new(scenario: Scenario, seed: Option<u64>) -> Self {
        Emulator {
            inner: Arc::new(state::Inner::new(scenario, seed)),
        }
    }

    /// Every route: the API paths, the mp pages and `/__emulator/`. Serving it without
    /// [`Emulator::spawn`] runs no push schedule; audits still decide when read.
    pub fn router(&self) -> Router {
        Router::new()
            .merge(api::routes(Arc::clone(&self.inner)))
            .merge(pages::routes())
            .merge(register_page::routes())
            .merge(images::routes())
            .nest("/__emulator", control::routes())
            .with_state(Arc::clone(&self.inner))
    }

    /// Binds `addr` (port 0 picks a free port), serves in a tokio task and starts the schedule
    /// (verify-ticket pushes every `verify_ticket_interval_secs` of virtual time, audits
    /// deciding on their own), checked every second of real time.
    pub async fn spawn(self, addr: SocketAddr) -> std::io::Result<RunningEmulator> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let router = self.router();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await;
        });
        // The first run's tickets are made before `spawn` returns, so with a seed they come
        // before anything a caller does; its pushes go out in the background (the receiver may
        // not be serving yet).
        let first = self.inner.settle(true);
        state::deliver_later(&self.inner, first);
        let inner = Arc::clone(&self.inner);
        let schedule = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                state::tick(&inner).await;
            }
        });
        Ok(RunningEmulator {
            emulator: self,
            addr,
            stop: Some(stop_tx),
            server,
            schedule,
        })
    }

    /// The virtual time (unix seconds).
    pub fn now(&self) -> i64 {
        self.inner.now()
    }

    /// Moves the virtual clock forward and runs what became due (pushes included).
    pub async fn advance(&self, seconds: u64) -> i64 {
        let now = self.inner.clock.advance(seconds as i64);
        state::tick(&self.inner).await;
        now
    }

    /// Issues a new verify ticket now and pushes it to the component's event URL, if it has one
    /// (what `POST /__emulator/push/verify-ticket` does). Returns the ticket and the HTTP
    /// status of the push (`None`: no event URL, or the push did not get an answer); `None`
    /// for an unknown component.
    pub async fn push_verify_ticket(&self, component_appid: &str) -> Option<(String, Option<u16>)> {
        let (ticket, push) = {
            let mut w = self.inner.world.write();
            self.inner.new_verify_ticket(&mut w, component_appid)?
        };
        let status = match push {
            Some(p) => push::deliver(&self.inner, p).await.status,
            None => None,
        };
        Some((ticket, status))
    }

    /// Back to the scenario (world, tokens, call log, faults, clock, seed).
    pub fn reset(&self) {
        self.inner.reset();
    }

    /// Adds a component or replaces one (its verify tickets are kept). A changed event URL
    /// gets a ticket pushed at the next tick.
    pub fn upsert_component(&self, def: scenario::ComponentDef) {
        let now = self.inner.now();
        let mut w = self.inner.world.write();
        let changed = w.components.get(&def.appid).map(|c| c.def.event_url.clone()) != Some(def.event_url.clone());
        let appid = def.appid.clone();
        w.upsert_component(def, now, &self.inner.ids);
        if changed && let Some(c) = w.components.get_mut(&appid) {
            c.next_ticket_push_at = now;
        }
    }

    /// Sets (or clears, with `None`) a component's authorization-event URL and message URL
    /// template (`$APPID$` stands for the authorizer). Returns false if the component is
    /// unknown.
    pub fn set_component_urls(
        &self,
        component_appid: &str,
        event_url: Option<String>,
        message_url: Option<String>,
    ) -> bool {
        let def = {
            let w = self.inner.world.read();
            match w.components.get(component_appid) {
                Some(c) => c.def.clone(),
                None => return false,
            }
        };
        self.upsert_component(scenario::ComponentDef {
            event_url,
            message_url,
            ..def
        });
        true
    }

    /// The current verify ticket of a component (what the last push carried).
    pub fn verify_ticket(&self, component_appid: &str) -> Option<String> {
        let w = self.inner.world.read();
        w.components
            .get(component_appid)
            .and_then(|c| c.current_ticket().map(str::to_owned))
    }

    /// Adds a fault (as `POST /__emulator/faults`).
    pub fn add_fault(&self, spec: FaultSpec) {
        self.inner.faults.add(spec);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.inner.faults.clear();
    }
}

/// A served emulator.
#[derive(Debug)]
pub struct RunningEmulator {
    emulator: Emulator,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
    schedule: JoinHandle<()>,
}

impl RunningEmulator {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (the loopback address when bound to 0.0.0.0): both the
    /// api.weixin.qq.com paths and the mp.weixin.qq.com pages.
    pub fn base_url(&self) -> String {
        let ip = if self.addr.ip().is_unspecified() {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            self.addr.ip()
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// The emulator behind it.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops the schedule and the server, waiting for open requests to finish.
    pub async fn shutdown(mut self) {
        self.schedule.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.server).await;
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.schedule.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
