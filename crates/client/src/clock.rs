//! The time the client judges token expiry by.
//!
//! Production uses [`SystemClock`]. Tests against the emulator, whose clock is virtual, use an
//! [`OffsetClock`] and advance it in step with the emulator's (`POST /__emulator/clock/advance`),
//! so that "two hours later" means the same thing on both sides of the wire.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// A source of wall-clock time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// The system's wall clock plus an offset that only grows: for tests that move a virtual clock
/// forward (the emulator's) and need the client to see the same jump.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_millis: AtomicU64,
}

impl OffsetClock {
    /// A clock with no offset yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let millis = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.offset_millis.fetch_add(millis, Ordering::SeqCst);
    }

    /// How far ahead of the system clock this clock is.
    pub fn offset(&self) -> Duration {
        Duration::from_millis(self.offset_millis.load(Ordering::SeqCst))
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + self.offset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_clock_moves_forward() {
        let c = OffsetClock::new();
        let before = c.now();
        c.advance(Duration::from_secs(7300));
        assert!(c.now() >= before + Duration::from_secs(7300));
        assert_eq!(c.offset(), Duration::from_secs(7300));
    }
}
