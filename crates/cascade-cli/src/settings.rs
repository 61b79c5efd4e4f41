//! The run settings: how plans are made and models trained, as typed values. clap reads them
//! from the command line of run, train, plan, tune and bench, and serde from a grid file, both
//! through each value's `FromStr`; results files write them back as text (`Display`).
//! `checked.rs` checks them against the data, once.

use cascade::budget::{Allocation, BudgetConfig, Rounding};
use cascade::distance::Distance;
use cascade::experiment::CompareConfig;
use cascade::method::Method;
use cascade::plan::PlanConfig;
use cascade::root::RootRule;
use cascade::train::{Eta, ExecutorChoice, Optimizer, TrainConfig};
use cascade_models::{Backend, ConvLayout, DeviceChoice, ModelKind};

use crate::device_memory::DeviceMemory;
use clap::Args;
use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::headings::{DEVICE, PLAN, RUN, TRAINING};

/// Steps a task gets when `--budget` is not given.
pub const DEFAULT_STEPS_PER_TASK: usize = 5;

/// Budget, tree and training settings shared by `run`, `train`, `plan`, `tune`, `bench` and the
/// settings of a grid.
#[derive(Debug, Clone, PartialEq, Args, Serialize, Deserialize)]
pub struct RunSettings {
    /// Total budget B of gradient steps over all tasks (default 5 steps a task: B = 5 T, which
    /// is 1000 for the 200 synthetic tasks).
    #[arg(long = "budget", short = 'B', help_heading = PLAN)]
    pub budget: Option<usize>,
    /// Learning rate eta: a number, or auto (from the training data's curvature: 1/L with L the
    /// smoothness of the training loss, per task for least squares and pooled for the logistic
    /// loss; for non-linear models, backtracking on the root's training loss). The research
    /// code used 0.01.
    #[arg(long, default_value = "auto", help_heading = TRAINING)]
    #[serde(with = "crate::text")]
    pub eta: Eta,
    /// Gradient-norm clip per task and step.
    #[arg(long, default_value_t = 1.0, help_heading = TRAINING)]
    pub clip: f64,
    /// Stop with an error when a task's training loss exceeds this factor times the larger of
    /// its first loss and 1 (divergence); `inf` keeps only the NaN/infinity check.
    #[arg(long, default_value_t = 10.0, help_heading = TRAINING)]
    #[serde(deserialize_with = "crate::text::float::deserialize")]
    pub divergence_factor: f64,
    /// Train linear models through autodiff instead of their sufficient statistics (same
    /// iterates, slower; for comparisons).
    #[arg(long, help_heading = TRAINING)]
    pub no_linear_fast_path: bool,
    /// Fraction f of the budget the root gets: b_s = max(1, floor(f B)).
    #[arg(long, default_value_t = 0.1, help_heading = PLAN)]
    pub seed_fraction: f64,
    /// Budget allocation: uniform, depth-increasing[:a], depth-decreasing[:a], edge-length[:b],
    /// hybrid[:a,b], subtree[:g].
    #[arg(long, default_value = "uniform", help_heading = PLAN)]
    #[serde(with = "crate::text")]
    pub allocation: Allocation,
    /// Budget integerisation: largest-remainder (sums to B) or floor-division (the research
    /// code's, which drops the remainder).
    #[arg(long, default_value = "largest-remainder", help_heading = PLAN)]
    #[serde(with = "crate::text")]
    pub rounding: Rounding,
    /// Root rule: medoid, feature-medoid, random, or a task index.
    #[arg(long, default_value = "medoid", help_heading = PLAN)]
    #[serde(with = "crate::text")]
    pub root: RootRule,
    /// Distance whose medoid roots Star and RandTree (MST trees use their own distance).
    #[arg(long, default_value = "gradient", help_heading = PLAN)]
    #[serde(with = "crate::text")]
    pub root_distance: Distance,
    /// Model: linear, simple-mlp[:hidden], residual-mlp[:hidden[,eps]], logistic (binary
    /// labels), small-cnn[:width] or resnet8[:width] (raw images). Default: linear for
    /// regression data, logistic for image-pair tasks.
    #[arg(long, help_heading = TRAINING)]
    #[serde(with = "crate::text::option")]
    pub model: Option<ModelKind>,
    /// How CNNs convolve (small-cnn, resnet8; other models have no convolutions): auto (patches
    /// and batched matmuls on GPUs, grouped convolutions on the CPU backends), grouped (one
    /// grouped convolution per layer, a group per task) or matmul (patches and one batched
    /// matmul per layer, no per-task loop). Every layout computes the same numbers.
    #[arg(long, default_value = "auto", help_heading = DEVICE)]
    #[serde(with = "crate::text", default)]
    pub conv: ConvLayout,
    /// L2 penalty reg: every task's loss gains reg/2 |theta|^2 (SPEC 5's logistic regression).
    #[arg(long, default_value_t = 0.0, help_heading = TRAINING)]
    pub l2: f64,
    /// Mini-batch size: each step of a task uses this many of its training rows, drawn without
    /// replacement within an epoch, seeded per task (default: full-batch steps).
    #[arg(long, help_heading = TRAINING)]
    pub batch_size: Option<usize>,
    /// Per-task optimiser: sgd, momentum[:beta] (0.9) or adam[:beta1,beta2] (0.9, 0.999); each
    /// task keeps its own state.
    #[arg(long, default_value = "sgd", help_heading = TRAINING)]
    #[serde(with = "crate::text")]
    pub optimizer: Optimizer,
    /// Compute device: flex, ndarray, wgpu (or cuda), where compiled in.
    #[arg(long, default_value = "flex", help_heading = DEVICE)]
    #[serde(with = "crate::text")]
    pub device: Backend,
    /// Memory a level of a cascade may take on the device, in GB: a level whose tasks would
    /// take more (by the model's estimate) trains in chunks of tasks that fit, with the same
    /// numbers. Default: three quarters of the memory available at start on flex and ndarray,
    /// 8 GB on wgpu and cuda (Burn reports no GPU's total memory: name a larger GPU's here).
    #[arg(long, value_name = "GB", help_heading = DEVICE)]
    #[serde(
        with = "crate::text::option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub device_memory: Option<DeviceMemory>,
    /// Go ahead even when the tasks' data or the distance matrices would need more memory than
    /// the machine has available (by default such work is refused before it starts, with the
    /// estimate).
    #[arg(long, help_heading = DEVICE)]
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_memory_check: bool,
    /// Executor: auto (the default: host-linear for linear cascades under the squared error on a
    /// CPU device, batched otherwise; never the host in place of a GPU), batched (a whole tree
    /// level, of every method and stacked repetition, per batch, on the device), reference (one
    /// task at a time, as the research code) or host (linear cascades under the squared error
    /// on the host, in f64, on any device). Tables and JSON name what trained each method.
    #[arg(long, default_value = "auto", help_heading = DEVICE)]
    #[serde(with = "crate::text")]
    pub executor: ExecutorChoice,
    /// Master seed: data, initialisations and random trees all derive from it.
    #[arg(long, default_value_t = 0, help_heading = RUN)]
    pub seed: u64,
}

impl RunSettings {
    /// The total budget B for `tasks` tasks: `--budget`, or [`DEFAULT_STEPS_PER_TASK`] a task.
    pub fn budget_for(&self, tasks: usize) -> usize {
        self.budget.unwrap_or(DEFAULT_STEPS_PER_TASK * tasks)
    }

    /// The model: `--model`, or `default` (the data's).
    pub fn model_or(&self, default: ModelKind) -> ModelKind {
        self.model.unwrap_or(default).with_conv(self.conv)
    }

    /// The training settings as the library takes them (unchecked).
    pub fn train(&self) -> TrainConfig {
        TrainConfig {
            eta: self.eta,
            clip: self.clip,
            divergence_factor: self.divergence_factor,
            linear_fast_path: !self.no_linear_fast_path,
            l2: self.l2,
            batch_size: self.batch_size,
            optimizer: self.optimizer,
            level_memory: Some(DeviceMemory::for_backend(self.device_memory, self.device).0),
        }
    }

    /// The comparison settings as the library takes them, UNCHECKED: `methods` under a budget
    /// of `total` steps, `default_model` unless `--model` names one. Only
    /// `Checked` (checked.rs) hands such a value to the engine, after its checks;
    /// [`CompareConfig::shares_program`] may look at an unchecked one (it reads only the model,
    /// training settings and executor).
    pub fn compare_config(
        &self,
        methods: Vec<Method>,
        total: usize,
        default_model: ModelKind,
    ) -> CompareConfig {
        CompareConfig {
            methods,
            plan: PlanConfig {
                budget: BudgetConfig {
                    total,
                    seed_fraction: self.seed_fraction,
                    allocation: self.allocation,
                    rounding: self.rounding,
                },
                root_rule: self.root.clone(),
                root_distance: self.root_distance,
            },
            train: self.train(),
            model: self.model_or(default_model),
            executor: self.executor,
        }
    }

    /// The device `--device` names, autodiff on.
    pub fn device(&self) -> Result<DeviceChoice, CliError> {
        Ok(self.device.device()?)
    }
}

/// The device named `name` (predict and evaluate's `--device`), autodiff on.
pub fn device(name: &str) -> Result<DeviceChoice, CliError> {
    Ok(name.parse::<Backend>()?.device()?)
}

/// The seed of repetition `rep`'s data, and of its initialisations and random trees.
pub fn rep_seeds(seed: u64, rep: usize) -> (u64, u64) {
    let data = cascade::train::task_init_seed(seed, rep);
    (data, cascade::train::task_init_seed(data, usize::MAX - 1))
}
