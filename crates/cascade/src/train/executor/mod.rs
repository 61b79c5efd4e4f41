//! Executors: what trains a set of jobs (plans with their data, learning rates and seeds) on a
//! device, behind one trait.
//!
//! - [`DeviceBatched`]: level-synchronous on the device; every depth of every job (methods and
//!   stacked repetitions) is one batched program. Any model, any objective, any device.
//! - [`Reference`]: one task at a time in each plan's BFS order, as the research code does; the
//!   yardstick the batched executor must match.
//! - [`HostLinear`]: linear cascades under the squared error (one affine layer, one output, SGD
//!   on full batches, no L2) trained on the host in f64 from sufficient statistics; pooled and
//!   federated jobs still train on the device. It never runs unless chosen ([`resolve`] takes
//!   it for [`ExecutorChoice::Auto`] only on CPU devices).
//!
//! All three step through one rule ([`super::step`]: clipping, budget mask, divergence watch),
//! and each [`MethodRun`](super::MethodRun) they return names the executor and device that
//! trained it ([`TrainedBy`]). Implement [`Executor`] to train jobs some other way.

mod choice;
mod kinds;

use burn::prelude::Device;
use cascade_models::{Backend, TaskModelConfig};

pub use super::job::{RunOptions, TrainedBy, device_name};
pub use choice::ExecutorChoice;
pub use kinds::{DeviceBatched, HostLinear, Reference};

use super::job::{Job, JobOutcome};
use super::{Objective, TrainConfig};
use crate::CascadeError;

/// Trains jobs: the one interface the comparison harness and the trainer call.
///
/// `run` trains every job of `jobs` (each a plan over its own data) with models built from
/// `model` on `objective` under `config`, on `device`, and returns one [`JobOutcome`] per job in
/// order: the per-task results (each run's [`TrainedBy`] set) and, with
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

/// The executor `choice` names, for jobs of `d`-feature tasks trained with `model` on
/// `objective` under `config` on `device`. [`ExecutorChoice::Auto`] takes [`HostLinear`] only
/// on a CPU device (flex, ndarray) and only where it applies, and [`DeviceBatched`] otherwise;
/// [`ExecutorChoice::Host`] where the host path does not apply is an error saying why.
pub fn resolve<C: TaskModelConfig>(
    choice: ExecutorChoice,
    model: &C,
    objective: &dyn Objective,
    config: &TrainConfig,
    d: usize,
    device: &Device,
) -> Result<Box<dyn Executor<C>>, CascadeError> {
    let host_applies = || HostLinear::applies(model, objective, config, d, device);
    Ok(match choice {
        ExecutorChoice::Batched => Box::new(DeviceBatched),
        ExecutorChoice::Reference => Box::new(Reference),
        ExecutorChoice::Auto => {
            let on_cpu = Backend::of(device).is_some_and(Backend::is_cpu);
            if on_cpu && host_applies() {
                Box::new(HostLinear)
            } else {
                Box::new(DeviceBatched)
            }
        }
        ExecutorChoice::Host if host_applies() => Box::new(HostLinear),
        ExecutorChoice::Host => {
            return Err(CascadeError::InvalidSetting {
                name: "executor",
                value: "host".into(),
                reason: format!(
                    "the host-linear executor trains only linear models with one output under \
                     the squared error, with SGD on full batches, no L2, the linear fast path on \
                     and at most {} features (model {model}, objective {}); use batched or auto",
                    HostLinear::MAX_FEATURES,
                    objective.name()
                ),
            });
        }
    })
}
