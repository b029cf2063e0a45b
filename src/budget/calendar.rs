//! Budget periods in UTC: the first day of the day or month a time falls in.

use std::time::{SystemTime, UNIX_EPOCH};

/// How long a customer's limit lasts before spending starts again from nothing.
///
/// Periods are calendar periods in UTC: a daily budget resets at 00:00 UTC, a
/// monthly one at 00:00 UTC on the first of the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Period {
    /// From 00:00 UTC to the next.
    Daily,
    /// From the first of the month, 00:00 UTC, to the next first.
    Monthly,
}

impl Period {
    /// The name stored with a limit: `daily` or `monthly`.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Monthly => "monthly",
        }
    }

    /// The period named `name` (`daily` or `monthly`), as stored.
    pub fn parse(name: &str) -> Option<Period> {
        match name {
            "daily" => Some(Period::Daily),
            "monthly" => Some(Period::Monthly),
            _ => None,
        }
    }

    /// The first day of the period `at` falls in, as `YYYY-MM-DD` (UTC): what a
    /// period's spending is stored under.
    ///
    /// ```
    /// use pluck::budget::Period;
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// // 2026-11-30T23:59:59Z
    /// let at = UNIX_EPOCH + Duration::from_secs(1_796_083_199);
    /// assert_eq!(Period::Daily.start(at), "2026-11-30");
    /// assert_eq!(Period::Monthly.start(at), "2026-11-01");
    /// assert_eq!(Period::Monthly.start(at + Duration::from_secs(1)), "2026-12-01");
    /// ```
    pub fn start(self, at: SystemTime) -> String {
        let secs = match at.duration_since(UNIX_EPOCH) {
            Ok(since) => since.as_secs() as i64,
            Err(before) => -(before.duration().as_secs() as i64) - 1,
        };
        let (year, month, day) = civil(secs.div_euclid(86_400));
        let day = match self {
            Period::Daily => day,
            Period::Monthly => 1,
        };
        format!("{year:04}-{month:02}-{day:02}")
    }
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn days_and_months_start_at_midnight_utc() {
        let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
        assert_eq!(Period::Daily.start(at(0)), "1970-01-01");
        // 2024-02-29T12:00:00Z, a leap day.
        assert_eq!(Period::Daily.start(at(1_709_208_000)), "2024-02-29");
        assert_eq!(Period::Monthly.start(at(1_709_208_000)), "2024-02-01");
        // 2024-03-01T00:00:00Z and one second before.
        assert_eq!(Period::Monthly.start(at(1_709_251_200)), "2024-03-01");
        assert_eq!(Period::Monthly.start(at(1_709_251_199)), "2024-02-01");
        assert_eq!(Period::Daily.start(at(1_709_251_199)), "2024-02-29");
        // 2000-12-31T00:00:00Z.
        assert_eq!(Period::Daily.start(at(978_220_800)), "2000-12-31");
    }

    #[test]
    fn names_round_trip() {
        for period in [Period::Daily, Period::Monthly] {
            assert_eq!(Period::parse(period.as_str()), Some(period));
        }
        assert_eq!(Period::parse("weekly"), None);
    }
}
