//! WeChat's calendar: monthly limits (5 fast registrations a month, the modify quotas) count by
//! calendar month in China's time zone (UTC+8), whatever the server's own zone.

/// China's time zone.
pub const UTC8: time::UtcOffset = match time::UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => time::UtcOffset::UTC,
};

/// The first instant of the month that contains `now_ms`, China time, in unix ms.
pub fn month_start_of(now_ms: i64) -> i64 {
    let now = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(UTC8);
    let start = now
        .replace_day(1)
        .map(|d| d.replace_time(time::Time::MIDNIGHT))
        .unwrap_or(now);
    i64::try_from(start.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// The first instant of the current month, China time, in unix ms.
pub fn month_start_ms() -> i64 {
    month_start_of(crate::store::now_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-05-31 16:30 UTC is already June 1st in Beijing: its month starts at 2026-05-31 16:00 UTC.
    #[test]
    fn the_month_turns_at_midnight_beijing_time() {
        let just_after = 1_780_245_000_000; // 2026-05-31T16:30:00Z
        assert_eq!(month_start_of(just_after), 1_780_243_200_000); // 2026-05-31T16:00:00Z
        let just_before = 1_780_241_400_000; // 2026-05-31T15:30:00Z = May 31st 23:30 Beijing
        assert_eq!(month_start_of(just_before), 1_777_564_800_000); // 2026-04-30T16:00:00Z
    }
}
