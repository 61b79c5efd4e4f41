//! Civil timestamps and date ranges for demand panels, parsed by hand (no date crate).
//!
//! Times carry no time zone: `2016-03-12 04:30` is read as written (a trailing `Z` is accepted
//! and ignored). Calendar dates become day numbers with Howard Hinnant's `days_from_civil`
//! algorithm (<https://howardhinnant.github.io/date_algorithms.html>), exact for every proleptic
//! Gregorian date.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DataError;

/// Seconds in one day.
pub const SECONDS_PER_DAY: i64 = 86_400;

/// A civil instant: seconds since 1970-01-01 00:00:00 (no time zone, no leap seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The instant `year-month-day hour:minute:second`, or `None` when a field is out of range
    /// (month 1-12, day within the month, hour 0-23, minute and second 0-59).
    pub fn from_civil(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let days = days_from_civil(year, month, day);
        // A day past the month's end (2016-02-30) comes back as another date.
        if civil_from_days(days) != (year, month, day) {
            return None;
        }
        let seconds = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        Some(Self(days * SECONDS_PER_DAY + seconds))
    }

    /// Parses `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM[:SS][Z]` or a bare `YYYY-MM-DD`
    /// (midnight); surrounding spaces are ignored. `None` when the text is anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_suffix('Z').unwrap_or(text);
        let b = text.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        let (hour, minute, second) = match b.len() {
            10 => (0, 0, 0),
            16 | 19 if (b[10] == b' ' || b[10] == b'T') && b[13] == b':' => {
                let second = if b.len() == 19 {
                    if b[16] != b':' {
                        return None;
                    }
                    digits(&b[17..19])?
                } else {
                    0
                };
                (digits(&b[11..13])?, digits(&b[14..16])?, second)
            }
            _ => return None,
        };
        Self::from_civil(i64::from(year), month, day, hour, minute, second)
    }

    /// Whole days since 1970-01-01 (rounded down).
    pub fn day_number(self) -> i64 {
        self.0.div_euclid(SECONDS_PER_DAY)
    }

    /// Seconds since the day's midnight, `0..86400`.
    pub fn second_of_day(self) -> i64 {
        self.0.rem_euclid(SECONDS_PER_DAY)
    }

    /// Hour of the day as a fraction: `hour + minute / 60 + second / 3600`, in `[0, 24)`.
    pub fn hour_of_day(self) -> f64 {
        self.second_of_day() as f64 / 3600.0
    }

    /// Day of the week, 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday, 3).
    pub fn day_of_week(self) -> u32 {
        (self.day_number() + 3).rem_euclid(7) as u32
    }

    /// Midnight at the start of this instant's day.
    pub fn midnight(self) -> Self {
        Self(self.day_number() * SECONDS_PER_DAY)
    }

    /// The date alone, `YYYY-MM-DD`.
    pub fn date_string(self) -> String {
        let (y, m, d) = civil_from_days(self.day_number());
        format!("{y:04}-{m:02}-{d:02}")
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DD HH:MM`, with `:SS` added when the seconds are not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.second_of_day();
        write!(
            f,
            "{} {:02}:{:02}",
            self.date_string(),
            s / 3600,
            (s % 3600) / 60
        )?;
        if s % 60 != 0 {
            write!(f, ":{:02}", s % 60)?;
        }
        Ok(())
    }
}

/// A half-open time range `[start, end)`.
///
/// Its text form (for command lines) is `START..END`. Each end is a date `YYYY-MM-DD` or a
/// timestamp (`YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM[:SS]`). A start date means its midnight;
/// an end DATE is inclusive, so the range runs to the midnight after it
/// (`2016-03-10..2016-03-20` is the 11 days 10 to 20 March), while an end TIMESTAMP is exclusive
/// (`2016-03-10 00:00..2016-03-21 00:00` is the same range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    /// First instant in the range.
    pub start: Timestamp,
    /// First instant after the range.
    pub end: Timestamp,
}

impl DateRange {
    /// The range `[start, end)`; `start` must come before `end`.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self, DataError> {
        if start >= end {
            return Err(DataError::InvalidSetting {
                name: "date range",
                value: format!("{start}..{end}"),
                reason: "the start must come before the end",
            });
        }
        Ok(Self { start, end })
    }

    /// Whether `t` lies in `[start, end)`.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }

    /// Whether the two ranges share an instant.
    pub fn overlaps(&self, other: &DateRange) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Length in days (fractional when the ends are not midnights).
    pub fn days(&self) -> f64 {
        (self.end.0 - self.start.0) as f64 / SECONDS_PER_DAY as f64
    }
}

impl fmt::Display for DateRange {
    /// The text form [`DateRange::from_str`] reads back: dates when both ends are midnights.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let midnights = self.start.second_of_day() == 0 && self.end.second_of_day() == 0;
        if midnights {
            let last_day = Timestamp(self.end.0 - SECONDS_PER_DAY);
            write!(
                f,
                "{}..{}",
                self.start.date_string(),
                last_day.date_string()
            )
        } else {
            write!(f, "{}..{}", self.start, self.end)
        }
    }
}

impl FromStr for DateRange {
    type Err = DataError;

    /// Reads `START..END` (see [`DateRange`] for the forms of each end).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |reason| DataError::InvalidSetting {
            name: "date range",
            value: text.to_string(),
            reason,
        };
        let form = "expected START..END with dates YYYY-MM-DD or timestamps YYYY-MM-DD HH:MM";
        let (start, end) = text.split_once("..").ok_or_else(|| bad(form))?;
        let start = Timestamp::parse(start).ok_or_else(|| bad(form))?;
        let end_text = end.trim();
        let mut end = Timestamp::parse(end_text).ok_or_else(|| bad(form))?;
        if end_text.len() == 10 {
            end = Timestamp(end.0 + SECONDS_PER_DAY);
        }
        if start >= end {
            return Err(bad("the start must come before the end"));
        }
        Ok(Self { start, end })
    }
}

/// The value of 1 to 4 ASCII digits, or `None`.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d` (Hinnant's `days_from_civil`:
/// shift the year to start in March so the leap day ends it, then count 400-year eras).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400; // [0, 399]
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`] (Hinnant's `civil_from_days`): `(year, month, day)`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_and_weekdays_match_the_calendar() {
        // 1970-01-01 is day 0, a Thursday (3); 2000-03-01 is day 11017 (30 years of 365 days
        // plus 7 leap days 1972..1996 = 10957, plus Jan 31 + Feb 29 = 60); 2016-01-01 was a
        // Friday (4) and 2016-03-28 a Monday (0).
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(Timestamp::parse("1970-01-01").unwrap().day_of_week(), 3);
        assert_eq!(Timestamp::parse("2016-01-01").unwrap().day_of_week(), 4);
        assert_eq!(Timestamp::parse("2016-03-28").unwrap().day_of_week(), 0);
        for z in -800_000..800_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn parses_both_timestamp_forms_and_rejects_the_rest() {
        let t = Timestamp::parse("2016-03-12 04:30").unwrap();
        assert_eq!(Timestamp::parse("2016-03-12 04:30:00"), Some(t));
        assert_eq!(Timestamp::parse("2016-03-12T04:30:00Z"), Some(t));
        assert_eq!(Timestamp::parse(" 2016-03-12T04:30 "), Some(t));
        assert_eq!(t.to_string(), "2016-03-12 04:30");
        assert_eq!(t.hour_of_day(), 4.5);
        let s = Timestamp::parse("2016-03-12 04:30:15").unwrap();
        assert_eq!(s.to_string(), "2016-03-12 04:30:15");
        assert_eq!(
            Timestamp::parse("2016-02-29").unwrap().date_string(),
            "2016-02-29"
        );
        for bad in [
            "2015-02-29",
            "2016-13-01",
            "2016-03-12 24:00",
            "2016-03-12 04:60",
            "2016/03/12 04:30",
            "2016-03-12 4:30",
            "2016-03-12 04:30+01:00",
            "yesterday",
            "",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_without_panicking(text in "\\PC{0,25}") {
            let _ = Timestamp::parse(&text);
            let _ = text.parse::<DateRange>();
        }

        #[test]
        fn display_round_trips(seconds in -62_000_000_000i64..253_000_000_000) {
            // Years 0005 to 9987: four-digit years, as the parser reads them.
            let t = Timestamp(seconds);
            proptest::prop_assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
        }
    }

    #[test]
    fn date_ranges_read_inclusive_end_days() {
        let r: DateRange = "2016-03-10..2016-03-20".parse().unwrap();
        assert_eq!(r.start, Timestamp::parse("2016-03-10").unwrap());
        assert_eq!(r.end, Timestamp::parse("2016-03-21").unwrap());
        assert_eq!(r.days(), 11.0);
        assert_eq!(r.to_string(), "2016-03-10..2016-03-20");
        let same: DateRange = "2016-03-10 00:00..2016-03-21 00:00".parse().unwrap();
        assert_eq!(same, r);
        let odd: DateRange = "2016-03-10 12:00..2016-03-11T06:30".parse().unwrap();
        assert_eq!(odd.to_string(), "2016-03-10 12:00..2016-03-11 06:30");
        assert_eq!(odd.to_string().parse::<DateRange>().unwrap(), odd);
        assert!(r.contains(Timestamp::parse("2016-03-20 23:30").unwrap()));
        assert!(!r.contains(r.end));
        let err = "2016-03-10".parse::<DateRange>().unwrap_err().to_string();
        assert!(err.contains("expected START..END"), "{err}");
        let err = "2016-03-10..2016-03-09".parse::<DateRange>().unwrap_err();
        assert!(err.to_string().contains("start must come before"), "{err}");
    }
}
