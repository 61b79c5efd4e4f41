//! The [`Executor`] trait: what every executor implements.

use burn::prelude::Device;
use cascade_models::TaskModelConfig;

use crate::CascadeError;
use crate::train::job::{Job, JobOutcome, RunOptions};
use crate::train::{Objective, TrainConfig};

/// Trains jobs: the one interface the comparison harness and the trainer call.
///
/// `run` trains every job of `jobs` (each a plan over its own data) with models built from
/// `model` on `objective` under `config`, on `device`, and returns one [`JobOutcome`] per job in
/// order: the per-task results (each run's [`TrainedBy`](crate::train::TrainedBy) set) and, with
/// [`RunOptions::keep_models`], every task's trained model (`T = 1` modules in task order;
/// `None` for the Mean baseline). Jobs must share the target kind and feature count.
pub trait Executor<C: TaskModelConfig>: Send + Sync {
    /// The executor's name in tables and JSON (`batched`, `reference`, `host-linear`).
    fn name(&self) -> &'static str;

    /// Trains `jobs`; see the trait documentation.
    fn run(
        &self,
        jobs: &[Job],
        model: &C,
        objective: &dyn Objective,
        config: &TrainConfig,
        device: &Device,
        options: RunOptions,
    ) -> Result<Vec<JobOutcome<C::Model>>, CascadeError>;
}
