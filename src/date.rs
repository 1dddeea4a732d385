//! Calendar dates (proleptic Gregorian), enough for effective ranges,
//! yearly windows and validity periods. No time zones: permits and
//! standards are dated by day.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parse strict ISO 8601 `YYYY-MM-DD`.
    ///
    /// ```
    /// use permitlint::date::Date;
    /// assert_eq!(Date::parse("2024-02-29").map(|d| d.add_years(1).to_string()), Some("2025-02-28".into()));
    /// assert!(Date::parse("2023-02-29").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        Date::new(num(0..4)? as i32, num(5..7)? as u8, num(8..10)? as u8)
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days(&self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }

    pub fn from_days(z: i64) -> Date {
        let z = z + 719468;
        let era = if z >= 0 { z } else { z - 146096 } / 146097;
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        Date {
            year: (y + i64::from(m <= 2)) as i32,
            month: m,
            day: d,
        }
    }

    pub fn add_days(&self, n: i64) -> Date {
        Date::from_days(self.days() + n)
    }

    /// Latest year date arithmetic yields; beyond it (or before year 1) the
    /// result is `None`, which the evaluator treats as unknown.
    pub const MAX_YEAR: i32 = 9999;

    /// `self + n` days, or `None` outside years 1..=[`Date::MAX_YEAR`].
    pub fn checked_add_days(&self, n: f64) -> Option<Date> {
        // 3,652,059 days span years 1 to 9999: anything larger overflows.
        if !n.is_finite() || n.abs() > 3_700_000.0 {
            return None;
        }
        let d = Date::from_days(self.days() + n.round() as i64);
        (1..=Date::MAX_YEAR).contains(&d.year).then_some(d)
    }

    /// `self + n` years, or `None` outside years 1..=[`Date::MAX_YEAR`].
    pub fn checked_add_years(&self, n: f64) -> Option<Date> {
        if !n.is_finite() || n.abs() > f64::from(Date::MAX_YEAR) {
            return None;
        }
        let year = self.year.checked_add(n.round() as i32)?;
        (1..=Date::MAX_YEAR)
            .contains(&year)
            .then(|| self.add_years(year - self.year))
    }

    /// Same month and day `n` years later; 02-29 becomes 02-28 in a common year.
    pub fn add_years(&self, n: i32) -> Date {
        let year = self.year + n;
        let day = self.day.min(days_in_month(year, self.month));
        Date {
            year,
            month: self.month,
            day,
        }
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }

    /// Month-day pair used by yearly windows.
    pub fn month_day(&self) -> (u8, u8) {
        (self.month, self.day)
    }
}

pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A recurring yearly window such as `10-01..03-31` (wraps over new year).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YearlyWindow {
    pub from: (u8, u8),
    pub to: (u8, u8),
}

impl YearlyWindow {
    pub fn contains(&self, d: Date) -> bool {
        let md = d.month_day();
        if self.from <= self.to {
            self.from <= md && md <= self.to
        } else {
            md >= self.from || md <= self.to
        }
    }

    /// True when `d` is inside the window or at most `ahead_days` before it starts.
    pub fn active(&self, d: Date, ahead_days: i64) -> bool {
        (0..=ahead_days).any(|k| self.contains(d.add_days(k)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_days() {
        for s in ["1970-01-01", "2000-02-29", "2024-12-31", "1996-03-01"] {
            let d = Date::parse(s).unwrap();
            assert_eq!(Date::from_days(d.days()), d);
            assert_eq!(d.to_string(), s);
        }
        assert_eq!(Date::parse("1970-01-02").unwrap().days(), 1);
    }

    #[test]
    fn rejects_bad_dates() {
        for s in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "20240101",
            "2024-00-10",
            "２０２４-01-01",
        ] {
            assert!(Date::parse(s).is_none(), "{s}");
        }
    }

    #[test]
    fn yearly_window_wraps_new_year() {
        let w = YearlyWindow {
            from: (10, 1),
            to: (3, 31),
        };
        assert!(w.contains(Date::parse("2026-12-01").unwrap()));
        assert!(w.contains(Date::parse("2026-03-31").unwrap()));
        assert!(!w.contains(Date::parse("2026-04-01").unwrap()));
        assert!(w.active(Date::parse("2026-09-15").unwrap(), 30));
        assert!(!w.active(Date::parse("2026-08-15").unwrap(), 30));
    }
}
