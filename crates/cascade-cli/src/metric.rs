//! Which number a comparison reports and ranks by: the grid's `metric`, and the verdict's.

use serde::{Deserialize, Serialize};

/// Which number a grid reports and compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Mean test MSE over tasks (lower is better).
    Mse,
    /// Mean test RMSE over tasks (lower is better).
    Rmse,
    /// Mean test accuracy over tasks (higher is better; binary labels only).
    Accuracy,
}

impl Metric {
    /// Whether a larger value is better.
    pub fn higher_is_better(self) -> bool {
        self == Metric::Accuracy
    }

    /// Orders means so that the best sorts first: the error itself, or minus the accuracy;
    /// NaN sorts last.
    pub fn rank_key(self, mean: f64) -> f64 {
        let key = if self.higher_is_better() { -mean } else { mean };
        if key.is_nan() { f64::INFINITY } else { key }
    }

    /// A label for tables and axes.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Mse => "test MSE",
            Metric::Rmse => "test RMSE",
            Metric::Accuracy => "test accuracy %",
        }
    }
}
