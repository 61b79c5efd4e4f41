//! Comparing methods: every method sees the same data and the same fresh initialisations
//! within a repetition, so differences between methods are paired. Repetitions can be stacked
//! along the task axis and trained as one batched program.
//!
//! The harness is generic over the model ([`TaskModelConfig`]: the built-in [`ModelKind`] or a
//! user's own) and takes the objective ([`compare_grid_with`]); [`compare_grid`] uses the data's
//! built-in objective. An [`ExecutorChoice`] in the settings picks the executor, and every
//! outcome records which executor and device trained it.

mod engine;
mod seeds;

use burn::prelude::Device;
use cascade_data::TaskSet;
use cascade_models::{ModelKind, TaskModelConfig};
use serde::{Deserialize, Serialize};

use crate::CascadeError;
use crate::method::Method;
use crate::plan::{Plan, PlanConfig};
use crate::train::{ExecutorChoice, MethodRun, TrainConfig};

pub use engine::{compare_grid, compare_grid_with};
pub use seeds::{init_seed, method_seed, plan_methods, rep_step_sizes, seeded_step_sizes};

/// Everything a comparison needs besides the data and the objective: the methods, how plans
/// are made, how tasks train, the model (`C`: [`ModelKind`] by default, or any
/// [`TaskModelConfig`]) and the executor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareConfig<C = ModelKind> {
    /// The methods, in report order.
    pub methods: Vec<Method>,
    /// Budget, root and allocation settings.
    pub plan: PlanConfig,
    /// Learning rate and clipping.
    pub train: TrainConfig,
    /// The model every task uses.
    pub model: C,
    /// Which executor trains.
    #[serde(default)]
    pub executor: ExecutorChoice,
}

impl<C: TaskModelConfig> CompareConfig<C> {
    /// Whether `self` and `other` can train as one program (the one rule [`compare_grid`]
    /// checks): the same model, training settings and executor. They may differ in methods
    /// and in how plans are made (budget, allocation, rounding, roots).
    pub fn shares_program(&self, other: &CompareConfig<C>) -> bool {
        // Models compare by their serialised settings: `TaskModelConfig` asks for serde, not
        // for `PartialEq`.
        let same_model = match (
            serde_json::to_value(&self.model),
            serde_json::to_value(&other.model),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => self.model.to_string() == other.model.to_string(),
        };
        same_model && self.train == other.train && self.executor == other.executor
    }
}

/// One method's plan and outcome on one task set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodOutcome {
    /// The plan that was executed.
    pub plan: Plan,
    /// What training it produced, with the executor and device that trained it
    /// ([`MethodRun::trained_by`]).
    pub run: MethodRun,
}

/// What a comparison is doing, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Distances and plans of repetition `rep` (index within the call).
    Planning {
        /// Repetition index.
        rep: usize,
    },
    /// Training `method` of repetition `rep` (reference executor).
    Training {
        /// Repetition index.
        rep: usize,
        /// The method.
        method: Method,
    },
    /// Training every plan of every repetition as one batched program.
    TrainingStacked {
        /// How many plans train together.
        plans: usize,
    },
}

/// One repetition's data and seed.
#[derive(Debug, Clone, Copy)]
pub struct Repetition<'a> {
    /// The tasks, in their own units (standardised here).
    pub set: &'a TaskSet,
    /// Fixes the initialisations (shared by all methods) and each method's random choices.
    pub seed: u64,
    /// A label for error messages, e.g. `rep 7`.
    pub label: &'a str,
}

/// Runs every method of `config` on every repetition; `result[r][m]` is method `m` on
/// repetition `r`. With the batched executor all repetitions train as one program.
pub fn compare_reps<C: TaskModelConfig>(
    reps: &[Repetition],
    config: &CompareConfig<C>,
    device: &Device,
    progress: impl FnMut(Progress),
) -> Result<Vec<Vec<MethodOutcome>>, CascadeError> {
    let grid = compare_grid(reps, std::slice::from_ref(config), device, progress)?;
    Ok(grid
        .into_iter()
        .map(|mut per_setting| per_setting.remove(0))
        .collect())
}

/// Runs every method of `config` on one task set (see [`compare_reps`]).
pub fn compare_on<C: TaskModelConfig>(
    set: &TaskSet,
    config: &CompareConfig<C>,
    seed: u64,
    device: &Device,
) -> Result<Vec<MethodOutcome>, CascadeError> {
    let rep = Repetition {
        set,
        seed,
        label: "",
    };
    Ok(compare_reps(&[rep], config, device, |_| {})?.remove(0))
}
