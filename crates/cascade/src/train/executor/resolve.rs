//! Turning a user's [`ExecutorChoice`] into an executor for a model, a loss and a device.

use cascade_models::{Backend, TaskModelConfig};

use super::{DeviceBatched, Executor, ExecutorChoice, HostLinear, Reference, Training};
use crate::CascadeError;

/// The executor `choice` names, for jobs of `d`-feature tasks trained as `training` says (its
/// model adapted to the data). [`ExecutorChoice::Auto`] takes [`HostLinear`] only
/// on a CPU device (flex, ndarray) and only where it applies, and [`DeviceBatched`] otherwise;
/// [`ExecutorChoice::Host`] where the host path does not apply is an error saying why.
pub fn resolve<C: TaskModelConfig>(
    choice: ExecutorChoice,
    training: Training<C>,
    d: usize,
) -> Result<Box<dyn Executor<C>>, CascadeError> {
    let host_applies = || HostLinear::applies(training, d);
    Ok(match choice {
        ExecutorChoice::Batched => Box::new(DeviceBatched),
        ExecutorChoice::Reference => Box::new(Reference),
        ExecutorChoice::Auto => {
            let on_cpu = Backend::of(training.device).is_some_and(Backend::is_cpu);
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
                     and at most {} features (model {}, objective {}); use batched or auto",
                    HostLinear::MAX_FEATURES,
                    training.model,
                    training.objective.name()
                ),
            });
        }
    })
}
