//! The virtual clock: real time plus an offset that `POST /__emulator/clock/advance` moves
//! forward. Every expiry, monthly and daily quota, push schedule and audit reads this one clock.
//!
//! Calendar periods (monthly quotas, daily call quotas) are counted in China time (UTC+8), as
//! WeChat counts them: a month's quota resets at 00:00 on the 1st in Beijing.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds east of UTC of China Standard Time.
const CHINA_OFFSET_SECS: i64 = 8 * 3600;

/// The virtual clock. Lock-free: reading it is an atomic load and a system call.
#[derive(Debug)]
pub struct Clock {
    /// Added to the real time.
    offset: AtomicI64,
}

fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Clock {
    /// A clock that starts at `start` (unix seconds), or at the real time.
    pub fn new(start: Option<i64>) -> Self {
        let offset = start.map(|s| s - real_now()).unwrap_or(0);
        Clock {
            offset: AtomicI64::new(offset),
        }
    }

    /// Back to a fresh start (on reset).
    pub fn restart(&self, start: Option<i64>) {
        let offset = start.map(|s| s - real_now()).unwrap_or(0);
        self.offset.store(offset, Ordering::SeqCst);
    }

    /// The virtual time, unix seconds.
    pub fn now(&self) -> i64 {
        real_now() + self.offset.load(Ordering::SeqCst)
    }

    /// Moves the clock forward (a negative amount is refused by the caller).
    pub fn advance(&self, seconds: i64) -> i64 {
        self.offset.fetch_add(seconds, Ordering::SeqCst);
        self.now()
    }
}

/// The calendar month of a unix time in China time, as `year * 12 + month0`.
pub fn china_month(unix: i64) -> i64 {
    let (year, month, _) = china_date(unix);
    year * 12 + (month - 1)
}

/// The calendar day of a unix time in China time, as days since 1970-01-01.
pub fn china_day(unix: i64) -> i64 {
    (unix + CHINA_OFFSET_SECS).div_euclid(86_400)
}

/// The unix time at which the China-time month after the one containing `unix` starts.
pub fn next_china_month_start(unix: i64) -> i64 {
    let (year, month, _) = china_date(unix);
    let (y, m) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    days_from_civil(y, m, 1) * 86_400 - CHINA_OFFSET_SECS
}

/// (year, month 1–12, day) in China time.
pub fn china_date(unix: i64) -> (i64, i64, i64) {
    civil_from_days(china_day(unix))
}

// Howard Hinnant's civil-calendar algorithms: exact for the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_counted_in_china_time() {
        // 2024-01-31 16:00:00 UTC is 2024-02-01 00:00 in Beijing.
        let t = 1_706_716_800;
        assert_eq!(china_date(t), (2024, 2, 1));
        assert_eq!(china_date(t - 1), (2024, 1, 31));
        assert_eq!(china_month(t), china_month(t - 1) + 1);
        assert_eq!(next_china_month_start(t - 1), t);
        // 2023-12-31 08:00 Beijing → 2024-01-01 00:00 Beijing.
        assert_eq!(next_china_month_start(1_703_980_800), 1_704_038_400);
    }

    #[test]
    fn next_month_start_crosses_the_year() {
        // 2024-12-15 in Beijing → 2025-01-01 00:00 Beijing = 2024-12-31 16:00 UTC.
        let mid_december = days_from_civil(2024, 12, 15) * 86_400;
        assert_eq!(
            next_china_month_start(mid_december),
            days_from_civil(2025, 1, 1) * 86_400 - 8 * 3600
        );
    }
}
