//! How a model is described and built: the configuration half of the open model interface,
//! as Burn's examples pair a `Config` with its `Module` (`config.init(device)`).

use std::fmt::{Debug, Display};

use burn::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::memory::{model_step_bytes, step_bytes};
use crate::{ModelError, ModelKind, TaskModel, TaskModule};

/// A serialisable description of one architecture that builds [`TaskModule`]s of `T` tasks.
///
/// A trained cascade saves its configuration as JSON in its manifest and rebuilds the module
/// from it before loading the parameters, so the configuration must hold everything the shapes
/// depend on (except `d_in` and the number of outputs, which come from the data).
pub trait TaskModelConfig:
    Clone + Debug + Display + Serialize + DeserializeOwned + Send + Sync
{
    /// The module this configuration builds.
    type Model: TaskModule;

    /// The configuration adapted to data with `d_in` features whose rows are images of shape
    /// `image` (`[channels, height, width]`) when given: a convolutional model takes the image
    /// shape from there. The default keeps the configuration as it is.
    fn for_data(&self, d_in: usize, image: Option<[usize; 3]>) -> Result<Self, ModelError> {
        let _ = (d_in, image);
        Ok(self.clone())
    }

    /// Initialises one model per task, `T = task_seeds.len()`, for `d_in` inputs and `outputs`
    /// outputs. Task `t`'s initial parameters must depend only on `task_seeds[t]`, so that a
    /// task starts the same whichever tasks share its batch.
    fn init_tasks(
        &self,
        d_in: usize,
        outputs: usize,
        task_seeds: &[u64],
        device: &Device,
    ) -> Self::Model;

    /// About how many bytes one task takes on `device` during a training step on `rows` rows
    /// of `d_in` features with `outputs` outputs: parameters, gradients, optimiser state and
    /// activations. A level whose tasks would not fit the device's memory trains in chunks of
    /// tasks sized by this estimate. The default counts a one-task model's parameters and
    /// assumes activations of `d_in + outputs` floats a row; override it when the model's
    /// activations are larger (as the built-in CNNs do).
    fn task_step_bytes(&self, d_in: usize, outputs: usize, rows: usize, device: &Device) -> u64 {
        let params = self.init_tasks(d_in, outputs, &[0], device).num_params();
        step_bytes(params, d_in + outputs, rows)
    }

    /// `Some(bias)` when the model is one affine map of its inputs (`x W`, plus `b` when `bias`):
    /// the automatic learning rate then follows from the data's curvature. `None` (the default)
    /// finds a rate by backtracking on the root task.
    fn affine_bias(&self) -> Option<bool> {
        None
    }
}

impl TaskModelConfig for ModelKind {
    type Model = TaskModel;

    fn for_data(&self, d_in: usize, image: Option<[usize; 3]>) -> Result<Self, ModelError> {
        ModelKind::for_data(*self, d_in, image)
    }

    fn init_tasks(
        &self,
        d_in: usize,
        outputs: usize,
        task_seeds: &[u64],
        device: &Device,
    ) -> TaskModel {
        self.init_with_outputs(d_in, outputs, task_seeds, device)
    }

    fn task_step_bytes(&self, d_in: usize, outputs: usize, rows: usize, device: &Device) -> u64 {
        model_step_bytes(self, d_in, outputs, rows, device)
    }

    fn affine_bias(&self) -> Option<bool> {
        match self {
            ModelKind::Linear => Some(true),
            ModelKind::Logistic => Some(false),
            _ => None,
        }
    }
}
