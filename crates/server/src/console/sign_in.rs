//! What keeps sign-in from being a way in or a way to hurt: hashing that cannot exhaust memory,
//! and throttling per client address so that guessing from one address never locks the real
//! user out from another.
//!
//! - Each argon2 hash takes about 19 MiB and a core for tens of milliseconds. Without a bound,
//!   32 concurrent sign-ins for unknown users raised the service's RSS by over 1 GiB (and the
//!   allocator kept it). [`PasswordHashing`] runs at most [`HASHING_PERMITS`] at once; an attempt
//!   that cannot start within [`HASHING_WAIT`] is answered 429 with `Retry-After`.
//! - Wrong passwords are counted per (user name, client address) in the database, so every
//!   instance sees them: [`MAX_FAILURES_PER_USER`] in a row lock that name *from that address*
//!   for [`LOCK_MS`]; [`MAX_FAILURES_PER_ADDRESS`] within [`ADDRESS_WINDOW_MS`], whatever the
//!   names, lock the address. An IPv6 client is counted by its /64, which one host usually has
//!   whole.
//!
//! The address is the TCP peer's. Behind a reverse proxy every client has the proxy's address,
//! so the per-address limits then apply to all clients together (docs/operations.md says so).

use crate::startup::AppState;
use crate::store::operators;
use anyhow::Context;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Hashes running at once, at most (about 19 MiB each).
pub const HASHING_PERMITS: usize = 2;
/// How long a sign-in waits for a hashing slot before it is answered 429.
pub const HASHING_WAIT: Duration = Duration::from_secs(3);
/// Wrong passwords in a row for one name from one address before that pair is locked.
pub const MAX_FAILURES_PER_USER: i64 = 5;
/// Wrong passwords from one address, whatever the names, within [`ADDRESS_WINDOW_MS`].
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// The window of [`MAX_FAILURES_PER_ADDRESS`].
pub const ADDRESS_WINDOW_MS: i64 = 15 * 60 * 1000;
/// How long a lock lasts.
pub const LOCK_MS: i64 = 5 * 60 * 1000;
/// Failure rows older than this are deleted.
const FORGET_MS: i64 = 24 * 3600 * 1000;
/// The longest user name stored with a failure (what is typed may be anything).
const MAX_NAME_CHARS: usize = 64;

/// The bound on concurrent password hashing, shared by every sign-in and password change of one
/// process.
#[derive(Debug)]
pub struct PasswordHashing {
    permits: Semaphore,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

impl Default for PasswordHashing {
    fn default() -> Self {
        PasswordHashing {
            permits: Semaphore::new(HASHING_PERMITS),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }
}

/// Why a hash did not run or failed.
#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    /// Every slot stayed busy for [`HASHING_WAIT`].
    #[error("too many sign-ins at once")]
    Busy,
    /// The hash itself failed.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl PasswordHashing {
    /// Runs `work` (a hash) on the blocking pool once a slot is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, HashingError> {
        let _permit = tokio::time::timeout(HASHING_WAIT, self.permits.acquire())
            .await
            .map_err(|_| HashingError::Busy)?
            .map_err(|_| HashingError::Busy)?;
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let result = tokio::task::spawn_blocking(work).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(result.context("the password hashing task failed")??)
    }

    /// The most hashes that ever ran at once (tests and the benchmark pin the bound with it).
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

/// The client's address as throttling counts it: the IPv4 address, or the IPv6 /64.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl ClientAddress {
    /// The key of `ip`.
    pub fn of(ip: IpAddr) -> Self {
        let ip = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    return ClientAddress(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]));
                }
            },
            v4 => v4,
        };
        ClientAddress(ip.to_string())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| ClientAddress::of(c.0.ip()))
            .unwrap_or_else(|| ClientAddress("unknown".to_owned())))
    }
}

/// Why a sign-in is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// This name had too many wrong passwords from this address.
    User,
    /// This address had too many wrong passwords.
    Address,
}

fn stored_name(username: &str) -> String {
    username.chars().take(MAX_NAME_CHARS).collect()
}

/// Whether a sign-in as `username` from `address` is refused for now.
pub async fn throttled(
    state: &AppState,
    username: &str,
    address: &ClientAddress,
    now: i64,
) -> anyhow::Result<Option<Throttled>> {
    let locked_until = operators::sign_in_locked_until(&state.db, &stored_name(username), &address.0).await?;
    if locked_until.is_some_and(|t| t > now) {
        return Ok(Some(Throttled::User));
    }
    let failures = operators::sign_in_failures_since(&state.db, &address.0, now - ADDRESS_WINDOW_MS).await?;
    Ok((failures >= MAX_FAILURES_PER_ADDRESS).then_some(Throttled::Address))
}

/// Counts a wrong password (or an unknown name) from `address`; locks the pair at the limit.
pub async fn record_failure(state: &AppState, username: &str, address: &ClientAddress, now: i64) -> anyhow::Result<()> {
    operators::count_sign_in_failure(
        &state.db,
        &stored_name(username),
        &address.0,
        now,
        MAX_FAILURES_PER_USER,
        now + LOCK_MS,
    )
    .await?;
    operators::forget_sign_in_failures(&state.db, now - FORGET_MS).await?;
    Ok(())
}

/// Forgets `username`'s failures from `address` (a good password).
pub async fn clear(state: &AppState, username: &str, address: &ClientAddress) -> anyhow::Result<()> {
    operators::clear_sign_in_failures(&state.db, &stored_name(username), &address.0).await?;
    Ok(())
}

/// Forgets every failure of `username` (a password reset unlocks it everywhere).
pub async fn clear_user(db: &crate::store::Db, username: &str) -> anyhow::Result<()> {
    operators::clear_all_sign_in_failures(db, &stored_name(username)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a = ClientAddress::of("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ClientAddress::of("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(a.0, "2001:db8:1:2::/64");
        assert_eq!(ClientAddress::of("::ffff:10.0.0.1".parse().unwrap()).0, "10.0.0.1");
        assert_eq!(ClientAddress::of("127.0.0.2".parse().unwrap()).0, "127.0.0.2");
    }

    #[tokio::test]
    async fn hashing_never_runs_more_than_its_permits() {
        let gate = std::sync::Arc::new(PasswordHashing::default());
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move {
                    gate.run(|| {
                        std::thread::sleep(Duration::from_millis(20));
                        Ok(())
                    })
                    .await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert!(gate.peak() <= HASHING_PERMITS, "peak {}", gate.peak());
        assert_eq!(gate.peak(), HASHING_PERMITS);
    }
}
