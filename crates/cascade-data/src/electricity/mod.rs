//! Demand panels in long format (SPEC 6 "Electricity"): one task per node, forecasting the
//! consumption at `t` from the previous values and the calendar.
//!
//! The input is a CSV with a timestamp column, a node column and a value column (names set in
//! [`ElectricityConfig`]; defaults `timestamp`, `node`, `consumption`), one row per node and
//! time, e.g. `2016-01-01 00:00:00,BL-H,0.086572`. Timestamps are `YYYY-MM-DD HH:MM[:SS]` or
//! `YYYY-MM-DDTHH:MM[:SS][Z]`, read as civil times (no time zone). A value cell that is empty,
//! `NA` or `nan` is a missing reading; any other non-number is an error.
//!
//! Each task's rows are the instants `t` of the panel's time grid (steps of the resolution from
//! the first timestamp) in a date range: target `y = value(t)`, features (`d = lags + 6`, 54 by
//! default), in this order ([`feature_names`]):
//!
//! | columns | feature |
//! |---|---|
//! | `0 .. lags` | `value(t - 1 step)`, ..., `value(t - lags steps)` |
//! | `lags` | hour of day, fractional: `hour + minute / 60` |
//! | `lags + 1` | day of week, 0 = Monday .. 6 = Sunday |
//! | `lags + 2`, `lags + 3` | `sin`, `cos` of `2 pi hour / 24` |
//! | `lags + 4`, `lags + 5` | `sin`, `cos` of `2 pi dow / 7` |
//!
//! A row is usable when `t` and all its lags hold a value; lags may reach back before the range
//! (they come from the panel). A node with a gap inside the training or test range (a missing
//! timestamp or a missing value), a row off the grid, or fewer usable rows than the minimum is
//! left out and listed in [`LoadedTasks::skipped`] with the reason. On request
//! ([`ElectricityConfig::max_fill_steps`]) short runs of missing steps are first filled by linear
//! interpolation, e.g. the daylight-saving hour that a panel in local time lacks.

mod config;
mod panel;
mod ranges;
mod time;
mod window;

use std::io::Read;
use std::path::Path;

pub use config::{DEFAULT_TEST_DAYS, DEFAULT_TRAIN_DAYS, ElectricityConfig};
pub use time::{DateRange, SECONDS_PER_DAY, Timestamp};

use crate::{DataError, LoadedTasks, SkippedTask, Split, Task, TaskSet, csv_util};
use ranges::ranges;
use window::{Grid, Window};

/// Names of the `lags + 6` features, in column order: `lag1` .. `lag{lags}`, `hour`, `dow`,
/// `hour_sin`, `hour_cos`, `dow_sin`, `dow_cos`.
pub fn feature_names(lags: usize) -> Vec<String> {
    (1..=lags)
        .map(|k| format!("lag{k}"))
        .chain(["hour", "dow", "hour_sin", "hour_cos", "dow_sin", "dow_cos"].map(String::from))
        .collect()
}

/// Reads the panel at `path` into one task per node (see the module docs).
pub fn load_electricity(path: &Path, config: &ElectricityConfig) -> Result<LoadedTasks, DataError> {
    let file = csv_util::open(path)?;
    read_electricity(file, &path.display().to_string(), config)
}

/// [`load_electricity`] on any reader; `source_name` names it in errors and notes.
pub fn read_electricity<R: Read>(
    reader: R,
    source_name: &str,
    config: &ElectricityConfig,
) -> Result<LoadedTasks, DataError> {
    config.validate()?;
    let panel = panel::read_panel(reader, source_name, config)?;
    let no_tasks = |message: String| DataError::NoUsableTasks {
        path: source_name.to_string(),
        message,
    };
    let (first, last) = panel
        .span()
        .ok_or_else(|| no_tasks("the file has no data rows".into()))?;
    let (step, how) = match config.resolution_minutes {
        Some(m) => (i64::from(m) * 60, "given"),
        None => (
            panel.most_common_gap().ok_or_else(|| {
                no_tasks("cannot infer the resolution: no node has two timestamps".into())
            })?,
            "inferred: the most common gap between consecutive timestamps of a node",
        ),
    };
    let grid = Grid {
        origin: first,
        step,
    };
    let (train, test, ranges_note) = ranges(config, last + step)?;
    let unit = Unit(step);
    for (name, range) in [("train", &train), ("test", &test)] {
        check_size(name, range, grid, config.lags + 2 * config.max_fill_steps)?;
    }

    let mut tasks = Vec::new();
    let mut skipped = Vec::new();
    let mut filled_nodes = 0;
    for node in &panel.nodes {
        let tr = window::extract(node, &train, grid, config.lags, config.max_fill_steps);
        let te = window::extract(node, &test, grid, config.lags, config.max_fill_steps);
        let mut reasons = Vec::new();
        for (w, name, min) in [
            (&tr, "training", config.min_train_rows),
            (&te, "test", config.min_test_rows),
        ] {
            if let Some(reason) = problem(w, name, min, config.lags, unit) {
                reasons.push(reason);
            }
        }
        if reasons.is_empty() {
            filled_nodes += usize::from(tr.filled + te.filled > 0);
            tasks.push(Task {
                id: node.id.clone(),
                train: Split::new(tr.x, tr.y),
                test: Split::new(te.x, te.y),
                group: None,
            });
        } else {
            skipped.push(SkippedTask {
                id: node.id.clone(),
                reason: reasons.join("; "),
            });
        }
    }
    if tasks.is_empty() {
        let first = &skipped[0];
        return Err(no_tasks(format!(
            "all {} nodes were skipped (first, '{}': {})",
            skipped.len(),
            first.id,
            first.reason
        )));
    }

    let mut notes = vec![
        format!(
            "{} rows, {} nodes: {} kept, {} skipped",
            panel.rows,
            panel.nodes.len(),
            tasks.len(),
            skipped.len()
        ),
        format!("resolution: {} ({how})", unit.duration()),
    ];
    notes.extend(ranges_note);
    notes.push(format!(
        "features: {} lags + hour, day of week, sin/cos of hour, sin/cos of day of week = {}",
        config.lags,
        config.lags + 6
    ));
    if config.max_fill_steps > 0 {
        notes.push(format!(
            "missing runs of at most {} {} filled by linear interpolation in {filled_nodes} of \
             the kept nodes",
            config.max_fill_steps,
            unit.name(config.max_fill_steps)
        ));
    }
    notes.push(format!(
        "rows per node: train {}, test {}",
        spread(tasks.iter().map(|t| t.train.n_rows())),
        spread(tasks.iter().map(|t| t.test.n_rows()))
    ));
    Ok(LoadedTasks {
        tasks: TaskSet::new(tasks)?,
        skipped,
        notes,
    })
}

/// Most feature values one node's window in one range may need (`8 * 10^8` bytes).
const MAX_WINDOW_VALUES: usize = 100_000_000;

/// Refuses a range and lag count whose feature matrix would exceed [`MAX_WINDOW_VALUES`]
/// (`lags` here counts the interpolation look-ahead too).
fn check_size(
    name: &'static str,
    range: &DateRange,
    grid: Grid,
    lags: usize,
) -> Result<(), DataError> {
    let (_, points) = grid.points_in(range);
    let values = points
        .checked_add(lags)
        .and_then(|n| n.checked_mul(lags.saturating_add(6)));
    if values.is_none_or(|v| v > MAX_WINDOW_VALUES) {
        return Err(DataError::InvalidSetting {
            name,
            value: format!("{range} with {lags} lags"),
            reason: "the range and lags would need more than 100 million feature values a node",
        });
    }
    Ok(())
}

/// Why a node's window in the `split` range cannot be used, or `None` when it can.
fn problem(w: &Window, split: &str, min_rows: usize, lags: usize, unit: Unit) -> Option<String> {
    if w.points == 0 {
        return Some(format!(
            "the {split} range holds no {} of the grid",
            unit.name(1)
        ));
    }
    if w.absent == w.points {
        return Some(format!("no data in the {split} range"));
    }
    if let Some((t, line)) = w.off_grid {
        return Some(format!(
            "timestamp {t} (line {line}) in the {split} range is off the {} grid",
            unit.duration()
        ));
    }
    let gaps = w.absent + w.empty;
    if gaps > 0 {
        let empty = match w.empty {
            0 => String::new(),
            n => format!(" ({n} with an empty value)"),
        };
        let first = w.first_gap.map(|t| t.to_string()).unwrap_or_default();
        return Some(format!(
            "{gaps} missing {} in the {split} range{empty}, first at {first}",
            unit.name(gaps)
        ));
    }
    if w.y.len() < min_rows {
        return Some(format!(
            "{} usable rows in the {split} range, at least {min_rows} needed (a row needs its \
             {lags} previous values)",
            w.y.len()
        ));
    }
    None
}

/// A resolution in seconds, named for messages.
#[derive(Debug, Clone, Copy)]
struct Unit(i64);

impl Unit {
    /// "half-hour" / "half-hours" for `n` steps of 30 minutes, "hours", "15-minute steps", ...
    fn name(self, n: usize) -> String {
        let singular = match self.0 {
            1800 => "half-hour".to_string(),
            3600 => "hour".to_string(),
            86_400 => "day".to_string(),
            s if s % 60 == 0 => format!("{}-minute step", s / 60),
            s => format!("{s}-second step"),
        };
        if n == 1 { singular } else { singular + "s" }
    }

    /// "30 minutes", "1 hour", "45 seconds".
    fn duration(self) -> String {
        match self.0 {
            3600 => "1 hour".into(),
            60 => "1 minute".into(),
            1 => "1 second".into(),
            s if s % 3600 == 0 => format!("{} hours", s / 3600),
            s if s % 60 == 0 => format!("{} minutes", s / 60),
            s => format!("{s} seconds"),
        }
    }
}

/// `"528"` when every count is equal, else `"500 to 528"`.
fn spread(counts: impl Iterator<Item = usize>) -> String {
    let (lo, hi) = counts.fold((usize::MAX, 0), |(lo, hi), n| (lo.min(n), hi.max(n)));
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo} to {hi}")
    }
}

#[cfg(test)]
mod tests;
