//! The settings of the grouped-CSV reader: columns, categories, the test share and the minimum
//! rows a task keeps.

use serde::{Deserialize, Serialize};

use crate::DataError;

/// How to read a grouped CSV into tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TasksCsvConfig {
    /// Column of the task ids.
    pub task_column: String,
    /// Column of the numeric target.
    pub target_column: String,
    /// Feature columns, in this order; `None` (default): every column but the task and target
    /// columns, in file order.
    pub features: Option<Vec<String>>,
    /// Feature columns to read as categories whatever they hold (default none).
    pub categorical: Vec<String>,
    /// Share of each task's rows held out for test, in `(0, 1)` (default 0.25).
    pub test_fraction: f64,
    /// A task left with fewer training rows is skipped (default 1).
    pub min_train_rows: usize,
    /// A task left with fewer test rows is skipped (default 1).
    pub min_test_rows: usize,
    /// Read the target as class labels (any text; classes sorted by value when all are
    /// numbers, else as text) instead of numbers (default false).
    #[serde(default)]
    pub classification: bool,
}

impl TasksCsvConfig {
    /// Settings with the given task and target columns and every other setting at its default.
    pub fn new(task_column: &str, target_column: &str) -> Self {
        Self {
            task_column: task_column.into(),
            target_column: target_column.into(),
            features: None,
            categorical: Vec::new(),
            test_fraction: 0.25,
            min_train_rows: 1,
            min_test_rows: 1,
            classification: false,
        }
    }

    /// Checks the settings' ranges; the error names the setting.
    pub fn validate(&self) -> Result<(), DataError> {
        if !(self.test_fraction > 0.0 && self.test_fraction < 1.0) {
            return Err(DataError::InvalidSetting {
                name: "test_fraction",
                value: self.test_fraction.to_string(),
                reason: "must lie strictly between 0 and 1",
            });
        }
        for (name, value) in [
            ("min_train_rows", self.min_train_rows),
            ("min_test_rows", self.min_test_rows),
        ] {
            if value == 0 {
                return Err(DataError::InvalidSetting {
                    name,
                    value: "0".into(),
                    reason: "must be at least 1",
                });
            }
        }
        Ok(())
    }
}
