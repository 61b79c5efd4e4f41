//! Comparing methods: every method sees the same data and the same fresh initialisations
//! within a repetition, so differences between methods are paired. Repetitions can be stacked
//! along the task axis and trained as one batched program.
//!
//! The harness is generic over the model ([`TaskModelConfig`]: the built-in [`ModelKind`] or a
//! user's own) and takes the objective ([`compare_grid_with`]); [`compare_grid`] uses the data's
//! built-in objective. An [`ExecutorChoice`] in the settings picks the executor, and every
//! outcome records which executor and device trained it.

mod config;
mod engine;
mod seeds;

use burn::prelude::Device;
use cascade_data::TaskSet;
use cascade_models::TaskModelConfig;

use crate::CascadeError;

pub use config::{CompareConfig, MethodOutcome, Progress, Repetition};
pub use engine::{compare_grid, compare_grid_with};
pub use seeds::{init_seed, method_seed, plan_methods, rep_step_sizes, seeded_step_sizes};

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
