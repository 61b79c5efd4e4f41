//! One evaluated setting of a search.

use serde::Serialize;

/// One evaluated setting.
#[derive(Debug, Clone, Serialize)]
pub struct TrialRecord {
    /// 1-based trial number.
    pub trial: usize,
    /// The learning rate tried.
    pub eta: f64,
    /// The seed fraction tried; `None` for methods without a root seed phase.
    pub seed_fraction: Option<f64>,
    /// The objective (mean over tuning repetitions of the mean validation error over tasks);
    /// `None` when training diverged.
    pub value: Option<f64>,
    /// Wall-clock seconds of the trial (all tuning repetitions).
    pub seconds: f64,
    /// Gradient steps used in each tuning repetition.
    pub steps: Vec<usize>,
    /// Why the trial failed, if it did (it then counts as the worst value).
    pub error: Option<String>,
}
