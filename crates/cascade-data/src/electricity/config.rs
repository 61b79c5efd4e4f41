//! The settings of the demand-panel reader: column names, lags, the resolution, the training and
//! test ranges, minimum rows and gap filling.

use serde::{Deserialize, Serialize};

use super::time::DateRange;
use crate::DataError;

/// Days in the default test range: the panel's last 4 days (the paper tested on 4 days).
pub const DEFAULT_TEST_DAYS: i64 = 4;
/// Days in the default training range: the 11 days before the test range (the paper's 528
/// half-hourly rows a node).
pub const DEFAULT_TRAIN_DAYS: i64 = 11;

/// How to read a demand panel and cut it into training and test rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElectricityConfig {
    /// Column of the timestamps (default `timestamp`).
    pub timestamp_column: String,
    /// Column of the node ids, one task per node (default `node`).
    pub node_column: String,
    /// Column of the readings, the target (default `consumption`).
    pub value_column: String,
    /// Number of previous values used as features (default 48: one day of half-hours).
    pub lags: usize,
    /// Step between rows in minutes; `None` (default) infers it as the most common positive gap
    /// between consecutive timestamps of a node, over all nodes.
    pub resolution_minutes: Option<u32>,
    /// Training range; `None` (default): the 11 days before the test range.
    pub train: Option<DateRange>,
    /// Test range; `None` (default): the 4 days after the training range when that is given,
    /// else the panel's last 4 days (ending one step after its last timestamp).
    pub test: Option<DateRange>,
    /// A node with fewer usable training rows is skipped (default 1).
    pub min_train_rows: usize,
    /// A node with fewer usable test rows is skipped (default 1).
    pub min_test_rows: usize,
    /// Runs of at most this many consecutive missing steps (absent rows or missing values) with
    /// a reading on each side are filled by linear interpolation before gaps are counted, and
    /// a note counts them (default 0: nothing is filled, and any gap in a range skips its node).
    /// 2 bridges the daylight-saving hour of a half-hourly local-time panel. A fill may use a
    /// reading up to this many steps past the range's end (in the next range).
    #[serde(default)]
    pub max_fill_steps: usize,
}

impl Default for ElectricityConfig {
    fn default() -> Self {
        Self {
            timestamp_column: "timestamp".into(),
            node_column: "node".into(),
            value_column: "consumption".into(),
            lags: 48,
            resolution_minutes: None,
            train: None,
            test: None,
            min_train_rows: 1,
            min_test_rows: 1,
            max_fill_steps: 0,
        }
    }
}

impl ElectricityConfig {
    /// Checks the settings' ranges; the error names the setting.
    pub fn validate(&self) -> Result<(), DataError> {
        let at_least_one = |name, value: usize| {
            if value == 0 {
                Err(DataError::InvalidSetting {
                    name,
                    value: "0".into(),
                    reason: "must be at least 1",
                })
            } else {
                Ok(())
            }
        };
        at_least_one("lags", self.lags)?;
        at_least_one("min_train_rows", self.min_train_rows)?;
        at_least_one("min_test_rows", self.min_test_rows)?;
        if self.resolution_minutes == Some(0) {
            return Err(DataError::InvalidSetting {
                name: "resolution_minutes",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        if let (Some(train), Some(test)) = (&self.train, &self.test)
            && train.overlaps(test)
        {
            return Err(DataError::InvalidSetting {
                name: "test",
                value: format!("{test} (training {train})"),
                reason: "the training and test ranges must not overlap",
            });
        }
        Ok(())
    }
}
