//! Aggregating repetitions: per method, the metric of every repetition and its mean, standard
//! deviation and standard error.

use serde::{Deserialize, Serialize};

use crate::experiment::MethodOutcome;
use crate::method::Method;
use crate::plan::PlanNote;
use crate::train::{TaskResult, TrainedBy};

/// Mean, sample standard deviation (n - 1) and standard error of the mean of some values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (0 for a single value).
    pub std: f64,
    /// `std / sqrt(n)`.
    pub stderr: f64,
    /// Number of values.
    pub n: usize,
}

impl Stats {
    /// Statistics of `values`; all NaN for an empty slice.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = if n > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Self {
            mean,
            std,
            stderr: std / (n as f64).sqrt(),
            n,
        }
    }
}

/// One method's results over all repetitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodReport {
    /// The method.
    pub method: Method,
    /// Mean test MSE over tasks, one value per repetition.
    pub mse: Vec<f64>,
    /// Mean test RMSE over tasks, one value per repetition.
    pub rmse: Vec<f64>,
    /// Mean test accuracy over tasks, one value per repetition (binary labels only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accuracy: Vec<f64>,
    /// Gradient steps used, per repetition.
    pub steps: Vec<usize>,
    /// Wall-clock seconds, per repetition.
    pub seconds: Vec<f64>,
    /// Per-task results of the last repetition.
    pub last_tasks: Vec<TaskResult>,
    /// Notes of the last repetition's plan (degenerate distances, 0-step tasks).
    pub notes: Vec<PlanNote>,
    /// The executor and device that trained the last repetition.
    #[serde(default)]
    pub trained_by: TrainedBy,
}

impl MethodReport {
    /// An empty report for `method`.
    pub fn new(method: Method) -> Self {
        Self {
            method,
            mse: Vec::new(),
            rmse: Vec::new(),
            accuracy: Vec::new(),
            steps: Vec::new(),
            seconds: Vec::new(),
            last_tasks: Vec::new(),
            notes: Vec::new(),
            trained_by: TrainedBy::default(),
        }
    }

    /// Adds one repetition's outcome.
    pub fn push(&mut self, outcome: &MethodOutcome) {
        self.mse.push(outcome.run.mean_mse());
        self.rmse.push(outcome.run.mean_rmse());
        if let Some(accuracy) = outcome.run.mean_accuracy() {
            self.accuracy.push(accuracy);
        }
        self.steps.push(outcome.run.steps_used);
        self.seconds.push(outcome.run.seconds);
        self.last_tasks = outcome.run.tasks.clone();
        self.notes = outcome.plan.notes.clone();
        self.trained_by = outcome.run.trained_by.clone();
    }

    /// Statistics of the per-repetition mean MSE.
    pub fn mse_stats(&self) -> Stats {
        Stats::of(&self.mse)
    }

    /// Statistics of the per-repetition mean RMSE.
    pub fn rmse_stats(&self) -> Stats {
        Stats::of(&self.rmse)
    }

    /// Statistics of the per-repetition mean accuracy; `None` for regression.
    pub fn accuracy_stats(&self) -> Option<Stats> {
        (!self.accuracy.is_empty()).then(|| Stats::of(&self.accuracy))
    }

    /// Total seconds over repetitions.
    pub fn total_seconds(&self) -> f64 {
        self.seconds.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn stats_match_a_hand_calculation() {
        // values 1, 2, 3, 4: mean 2.5, sample variance (2.25+0.25+0.25+2.25)/3 = 5/3.
        let s = Stats::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_abs_diff_eq!(s.mean, 2.5, epsilon = 1e-12);
        assert_abs_diff_eq!(s.std, (5.0f64 / 3.0).sqrt(), epsilon = 1e-12);
        assert_abs_diff_eq!(s.stderr, (5.0f64 / 3.0).sqrt() / 2.0, epsilon = 1e-12);
        assert_eq!(Stats::of(&[7.0]).std, 0.0);
    }
}
