//! The training and test date ranges: as given, or defaulted from each other and from the end of
//! the panel, each with a note saying which.

use super::config::{DEFAULT_TEST_DAYS, DEFAULT_TRAIN_DAYS, ElectricityConfig};
use super::time::{DateRange, SECONDS_PER_DAY, Timestamp};
use crate::DataError;

/// The training and test ranges, and a note on each; `panel_end` is one step after the panel's
/// last timestamp.
pub(super) fn ranges(
    config: &ElectricityConfig,
    panel_end: i64,
) -> Result<(DateRange, DateRange, Vec<String>), DataError> {
    let days = |n: i64| n * SECONDS_PER_DAY;
    let (test, test_how) = match (config.test, config.train) {
        (Some(test), _) => (test, "given"),
        (None, Some(train)) => (
            DateRange::new(train.end, Timestamp(train.end.0 + days(DEFAULT_TEST_DAYS)))?,
            "default: the 4 days after the training range",
        ),
        (None, None) => (
            DateRange::new(
                Timestamp(panel_end - days(DEFAULT_TEST_DAYS)),
                Timestamp(panel_end),
            )?,
            "default: the last 4 days of the panel",
        ),
    };
    let (train, train_how) = match config.train {
        Some(train) => (train, "given"),
        None => (
            DateRange::new(
                Timestamp(test.start.0 - days(DEFAULT_TRAIN_DAYS)),
                test.start,
            )?,
            "default: the 11 days before the test range",
        ),
    };
    let notes = vec![
        format!("training range {train} ({}, {train_how})", length(&train)),
        format!("test range {test} ({}, {test_how})", length(&test)),
    ];
    Ok((train, test, notes))
}

/// A range's length: "11 days", "1 day", or in hours ("2 hours", "1.5 hours").
fn length(range: &DateRange) -> String {
    let seconds = range.end.0 - range.start.0;
    let (value, unit) = if seconds % SECONDS_PER_DAY == 0 {
        ((seconds / SECONDS_PER_DAY) as f64, "day")
    } else {
        (seconds as f64 / 3600.0, "hour")
    };
    let plural = if value == 1.0 { "" } else { "s" };
    format!("{} {unit}{plural}", (value * 100.0).round() / 100.0)
}
