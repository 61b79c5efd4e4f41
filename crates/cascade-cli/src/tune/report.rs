//! What `cascade tune` shows: the tuning summary table and the `--json` file.

use cascade::report::MethodReport;
use cascade::tune::Dim;
use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::{CellAlignment, Table};
use serde::Serialize;

use super::progress::shown;
use super::search::MethodTuning;
use super::trial::TrialRecord;
use crate::args::TuneArgs;
use crate::run_json::{JsonHeader, MethodJson};

/// What `--json` writes: the configuration, per method every trial, the best, and the test
/// results of the tuned method (as `cascade run` writes them).
#[derive(Serialize)]
pub struct TuneJson<'a> {
    /// Version, configuration, device, and the data of test repetition 0.
    #[serde(flatten)]
    pub header: JsonHeader<'a, TuneArgs>,
    /// What a trial's value is.
    pub objective: &'static str,
    /// The data seeds of the tuning repetitions, and of the test repetitions (never equal).
    pub tuning_data_seeds: Vec<u64>,
    pub test_data_seeds: Vec<u64>,
    pub wall_seconds: f64,
    /// Test repetitions finished by the last method tested (fewer than asked on failure).
    pub completed_reps: usize,
    /// Why the run stopped early, if it did.
    pub error: Option<String>,
    pub methods: Vec<MethodTuneJson<'a>>,
}

/// One method: what was searched, every trial, the best, the cost, and the test results.
#[derive(Serialize)]
pub struct MethodTuneJson<'a> {
    pub method: String,
    pub searched: &'a [Dim],
    pub trials: &'a [TrialRecord],
    pub best: &'a TrialRecord,
    /// Wall-clock seconds of all trials.
    pub tuning_seconds: f64,
    /// The most gradient steps one repetition used, over trials and test repetitions (<= B).
    pub max_steps_per_rep: usize,
    /// The test comparison with the best setting; absent if the run stopped before it.
    pub test: Option<MethodJson<'a>>,
}

impl<'a> MethodTuneJson<'a> {
    /// The JSON of `tuning` and, if it got that far, its test `report`.
    pub fn new(tuning: &'a MethodTuning, report: Option<&'a MethodReport>) -> Self {
        Self {
            method: tuning.method.to_string(),
            searched: &tuning.dims,
            trials: &tuning.trials,
            best: tuning.best(),
            tuning_seconds: tuning.seconds,
            max_steps_per_rep: max_steps(tuning, report),
            test: report.map(MethodJson::new),
        }
    }
}

/// The most steps one repetition used, in tuning or testing.
pub fn max_steps(tuning: &MethodTuning, report: Option<&MethodReport>) -> usize {
    let test = report.and_then(|r| r.steps.iter().copied().max());
    tuning.max_steps().max(test.unwrap_or(0))
}

/// One row per method: the best eta and seed fraction, their validation error, the trials
/// (and how many diverged), then the cost: the most steps one repetition used (never above
/// B), seconds tuning and testing, and milliseconds per task (both together, over T tasks).
pub fn summary(
    tunings: &[MethodTuning],
    reports: &[MethodReport],
    binary: bool,
    tasks: usize,
) -> Table {
    let mut table = Table::new();
    let error = if binary {
        "validation 1 - accuracy"
    } else {
        "validation MSE"
    };
    table.load_preset(ASCII_MARKDOWN).set_header(vec![
        "method",
        "best eta",
        "best f",
        error,
        "trials (diverged)",
        "steps / rep",
        "tuning s",
        "test s",
        "ms / task",
    ]);
    for (tuning, report) in tunings.iter().zip(reports) {
        let best = tuning.best();
        let test = report.total_seconds();
        table.add_row(vec![
            tuning.method.to_string(),
            format!("{:.3e}", best.eta),
            best.seed_fraction.map_or("-".into(), |f| format!("{f:.3}")),
            best.value.map_or("-".into(), shown),
            format!("{} ({})", tuning.trials.len(), tuning.failed()),
            max_steps(tuning, Some(report)).to_string(),
            format!("{:.2}", tuning.seconds),
            format!("{test:.2}"),
            format!("{:.2}", 1000.0 * (tuning.seconds + test) / tasks as f64),
        ]);
    }
    for column in 1..9 {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}
