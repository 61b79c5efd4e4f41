//! Task-batched models for cascaded transfer learning, as Burn modules.
//!
//! Every model holds the parameters of `T` tasks at once: each parameter tensor has a leading
//! task axis (a linear layer's weight is `[T, d_in, d_out]`, its bias `[T, 1, d_out]`), and
//! `forward` maps `x: [T, n, d_in]` to outputs `[T, n, k]` with batched matmuls. One backward
//! pass of the summed per-task losses yields every task's own gradient, so a whole level of a
//! cascade trains as one program on CPU or GPU.
//!
//! Initialisation follows PyTorch's `nn.Linear` (weights and biases `U(-1/sqrt(d_in), 1/sqrt(d_in))`)
//! and draws each task's values from its own seed, so a task's initial parameters do not depend
//! on which other tasks share its batch.
//!
//! The interface is open: [`TaskModule`] is what training sees and [`TaskModelConfig`] builds
//! it. The built-in models ([`ModelKind`] / [`TaskModel`]) implement both; [`PerTaskConfig`]
//! adapts any single-task Burn module ([`SingleTaskModel`]) into one model per task.
#![warn(missing_docs)]

mod cnn;
mod config;
mod conv;
mod device;
mod error;
mod host;
mod layer;
mod logistic;
mod maps;
mod memory;
mod model;
mod module;
mod per_task;
mod resnet;
mod tasks;

pub use cnn::SmallCnn;
pub use config::TaskModelConfig;
pub use conv::{ConvLayout, TaskConv};
pub use device::{Backend, DeviceChoice};
pub use error::ModelError;
pub use host::to_host;
pub use layer::TaskLinear;
pub use logistic::LogisticModel;
pub use memory::{model_step_bytes, step_bytes};
pub use model::{LinearModel, ModelKind, ResidualMlp, SimpleMlp, TaskModel};
pub use module::{ParamSlot, ParamUpdate, TaskModule};
pub use per_task::{PerTask, PerTaskConfig, SingleTaskConfig, SingleTaskModel};
pub use resnet::{ResNet8, ResidualBlock};
pub use tasks::{concat_tasks, gather_tasks, task_count};

/// Re-exported so dependants name the same Burn types as this crate.
pub use burn;
