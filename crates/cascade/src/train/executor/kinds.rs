//! The built-in executors: [`DeviceBatched`], [`Reference`] and [`HostLinear`].

use cascade_models::TaskModelConfig;

use super::contract::{Executor, Training};
use crate::CascadeError;
use crate::train::batched::{LevelPath, run_jobs_with, run_part_with};
use crate::train::host_linear;
use crate::train::job::RunOptions;
use crate::train::job::{Job, JobOutcome, Part};
use crate::train::reference;

/// Level-synchronous training on the device: every depth of every job is one batch
/// ([`crate::train::batched`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct DeviceBatched;

impl<C: TaskModelConfig> Executor<C> for DeviceBatched {
    fn name(&self) -> &'static str {
        "batched"
    }

    fn run(
        &self,
        jobs: &[Job],
        training: Training<C>,
        options: RunOptions,
    ) -> Result<Vec<JobOutcome<C::Model>>, CascadeError> {
        run_jobs_with(jobs, training, options, LevelPath::Device)
    }

    fn run_part(
        &self,
        job: &Job,
        part: &Part<C::Model>,
        training: Training<C>,
        options: RunOptions,
    ) -> Result<JobOutcome<C::Model>, CascadeError> {
        run_part_with(job, part, training, options, LevelPath::Device)
    }
}

/// One task at a time, in each plan's BFS order ([`crate::train::reference`]); pooled and
/// federated jobs, which are one program by definition, take the batched paths.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reference;

impl<C: TaskModelConfig> Executor<C> for Reference {
    fn name(&self) -> &'static str {
        "reference"
    }

    fn run(
        &self,
        jobs: &[Job],
        training: Training<C>,
        options: RunOptions,
    ) -> Result<Vec<JobOutcome<C::Model>>, CascadeError> {
        jobs.iter()
            .map(|job| reference::run_job(job, training, options))
            .collect()
    }

    fn run_part(
        &self,
        job: &Job,
        part: &Part<C::Model>,
        training: Training<C>,
        options: RunOptions,
    ) -> Result<JobOutcome<C::Model>, CascadeError> {
        reference::run_part(job, part, training, options)
    }
}

/// Linear cascades under the squared error on the host, in f64 ([`crate::train::host_linear`]):
/// the levels of every cascade job; pooled and federated jobs train on the device.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostLinear;

impl HostLinear {
    /// Most features `d` a task may have (`d + 1` parameters) to train on the host.
    pub const MAX_FEATURES: usize = host_linear::HOST_MAX_PARAMS - 1;

    /// Whether the host path applies to `d`-feature tasks trained as `training` says: one
    /// affine layer with one output, the squared error, SGD on full batches, no L2, the linear
    /// fast path on, and at most [`Self::MAX_FEATURES`] features.
    pub fn applies<C: TaskModelConfig>(training: Training<C>, d: usize) -> bool {
        host_linear::applies(training, d)
    }
}

impl<C: TaskModelConfig> Executor<C> for HostLinear {
    fn name(&self) -> &'static str {
        "host-linear"
    }

    fn run(
        &self,
        jobs: &[Job],
        training: Training<C>,
        options: RunOptions,
    ) -> Result<Vec<JobOutcome<C::Model>>, CascadeError> {
        if let Some(job) = jobs.first() {
            check_host(job, training)?;
        }
        run_jobs_with(jobs, training, options, LevelPath::Host)
    }

    fn run_part(
        &self,
        job: &Job,
        part: &Part<C::Model>,
        training: Training<C>,
        options: RunOptions,
    ) -> Result<JobOutcome<C::Model>, CascadeError> {
        check_host(job, training)?;
        run_part_with(job, part, training, options, LevelPath::Host)
    }
}

/// An error unless the host path applies to `job`'s tasks trained as `training` says.
fn check_host<C: TaskModelConfig>(job: &Job, training: Training<C>) -> Result<(), CascadeError> {
    if HostLinear::applies(training, job.data.standardised.n_features()) {
        return Ok(());
    }
    Err(CascadeError::InvalidSetting {
        name: "executor",
        value: "host".into(),
        reason: format!(
            "the host-linear executor does not apply to model {} with objective {}",
            training.model,
            training.objective.name()
        ),
    })
}
