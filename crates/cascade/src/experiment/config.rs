//! What a comparison is configured with and what it gives back.

use cascade_data::TaskSet;
use cascade_models::{ModelKind, TaskModelConfig};
use serde::{Deserialize, Serialize};

use crate::method::Method;
use crate::plan::{Plan, PlanConfig};
use crate::train::{ExecutorChoice, MethodRun, TrainConfig};

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
    /// Whether `self` and `other` can train as one program (the one rule [`super::compare_grid`]
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
