//! The [`Executor`] trait: what every executor implements.

use burn::prelude::Device;
use cascade_models::TaskModelConfig;

use crate::CascadeError;
use crate::train::job::{Job, JobOutcome, Part, RunOptions};
use crate::train::{Objective, TrainConfig};

/// How every job of a run trains: the model configuration, the loss, the step settings and the
/// device. One value, so that executors and their callers pass it along whole.
#[derive(Debug)]
pub struct Training<'a, C> {
    /// Builds each task's model (adapted to the data by the executor).
    pub model: &'a C,
    /// The loss and its metrics.
    pub objective: &'a dyn Objective,
    /// Learning-rate rule, clipping, divergence watch, optimiser, mini-batches.
    pub config: &'a TrainConfig,
    /// Where the steps run (an autodiff device).
    pub device: &'a Device,
}

// By hand: a derived `Copy` would ask `C: Copy`, and every field is a reference.
impl<C> Clone for Training<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Training<'_, C> {}

/// Trains jobs: the one interface the comparison harness and the trainer call.
///
/// `run` trains every job of `jobs` (each a plan over its own data) as `training` says and
/// returns one [`JobOutcome`] per job in order: the per-task results (each run's
/// [`TrainedBy`](crate::train::TrainedBy) set) and, with [`RunOptions::keep_models`], every
/// task's trained model (`T = 1` modules in task order; `None` for the Mean baseline). Jobs
/// must share the target kind and feature count.
pub trait Executor<C: TaskModelConfig>: Send + Sync {
    /// The executor's name in tables and JSON (`batched`, `reference`, `host-linear`).
    fn name(&self) -> &'static str;

    /// Trains `jobs`; see the trait documentation.
    fn run(
        &self,
        jobs: &[Job],
        training: Training<C>,
        options: RunOptions,
    ) -> Result<Vec<JobOutcome<C::Model>>, CascadeError>;

    /// Trains only `part` of `job`'s cascade plan, its top task from `part.start` (its
    /// parent's trained model) or a fresh initialisation, exactly as [`Executor::run`] would
    /// train those tasks with the rest of the plan. Returns the part's results and, with
    /// [`RunOptions::keep_models`], its models, both in `part.tasks` order. The default refuses:
    /// an executor that can train parts says so by overriding it.
    fn run_part(
        &self,
        job: &Job,
        part: &Part<C::Model>,
        training: Training<C>,
        options: RunOptions,
    ) -> Result<JobOutcome<C::Model>, CascadeError> {
        let _ = (job, part, training, options);
        Err(CascadeError::InvalidSetting {
            name: "executor",
            value: self.name().to_string(),
            reason: "this executor cannot train part of a plan on its own".into(),
        })
    }
}
