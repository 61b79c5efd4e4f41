//! The JSON that `run --json` writes, and the parts `tune --json` shares with it: the header
//! (version, configuration, device, data) and each method's results over repetitions.

use cascade::report::{MethodReport, Stats};
use serde::Serialize;

use crate::eta::EtaSummary;
use crate::session::Session;

/// What every results JSON of `run` and `tune` starts with: the version, the full
/// configuration, the device, and what the data are with what reading them skipped or noted
/// (repetition 0).
#[derive(Serialize)]
pub struct JsonHeader<'a, C: Serialize> {
    cascade_version: &'static str,
    config: &'a C,
    device: String,
    data: String,
    data_notes: &'a [String],
    skipped_tasks: &'a [cascade_data::SkippedTask],
}

impl<'a, C: Serialize> JsonHeader<'a, C> {
    /// The header of a command configured by `config`, on `session`'s device and data.
    pub fn new(config: &'a C, session: &'a Session) -> Self {
        Self {
            cascade_version: env!("CARGO_PKG_VERSION"),
            config,
            device: session.device.backend.to_string(),
            data: session.describe(),
            data_notes: &session.loaded.notes,
            skipped_tasks: &session.loaded.skipped,
        }
    }
}

/// What `run --json` writes: the full configuration, then per method every repetition's
/// results.
#[derive(Serialize)]
pub struct RunJson<'a, C: Serialize> {
    #[serde(flatten)]
    pub header: JsonHeader<'a, C>,
    pub wall_seconds: f64,
    /// The learning rates repetition 1 used (chosen from the data with `--eta auto`).
    pub eta: Option<EtaSummary>,
    /// The default methods left out because their distances cannot apply to the data.
    pub methods_note: Option<String>,
    /// Repetitions whose results are below (fewer than asked when the run failed).
    pub completed_reps: usize,
    /// Why the run stopped early, if it did.
    pub error: Option<String>,
    /// One entry per budget (one unless `--budgets` lists several).
    pub settings: Vec<SettingJson<'a>>,
}

/// The results of one budget.
#[derive(Serialize)]
pub struct SettingJson<'a> {
    pub budget: usize,
    pub methods: Vec<MethodJson<'a>>,
}

/// One method: each metric's statistics over repetitions with the per-repetition values, the
/// cost per repetition, and the per-task results of the last repetition.
#[derive(Serialize)]
pub struct MethodJson<'a> {
    method: String,
    /// The executor that trained it (`batched`, `reference`, `host-linear`; `none` for Mean).
    executor: &'a str,
    /// The device that ran its steps (`flex`, `ndarray`, `wgpu`, `cuda`, or `host`).
    device: &'a str,
    mse: MetricJson<'a>,
    rmse: MetricJson<'a>,
    /// Binary labels only: accuracy (fraction correct) over repetitions.
    #[serde(skip_serializing_if = "Option::is_none")]
    accuracy: Option<MetricJson<'a>>,
    steps: &'a [usize],
    seconds: &'a [f64],
    last_rep_tasks: &'a [cascade::train::TaskResult],
    notes: &'a [cascade::plan::PlanNote],
}

/// A metric's statistics over repetitions, and its value in each.
#[derive(Serialize)]
pub struct MetricJson<'a> {
    #[serde(flatten)]
    stats: Stats,
    per_rep: &'a [f64],
}

impl<'a> MethodJson<'a> {
    /// The JSON view of `report`.
    pub fn new(report: &'a MethodReport) -> Self {
        Self {
            method: report.method.to_string(),
            executor: &report.trained_by.executor,
            device: &report.trained_by.device,
            mse: MetricJson {
                stats: report.mse_stats(),
                per_rep: &report.mse,
            },
            rmse: MetricJson {
                stats: report.rmse_stats(),
                per_rep: &report.rmse,
            },
            accuracy: report.accuracy_stats().map(|stats| MetricJson {
                stats,
                per_rep: &report.accuracy,
            }),
            steps: &report.steps,
            seconds: &report.seconds,
            last_rep_tasks: &report.last_tasks,
            notes: &report.notes,
        }
    }
}
