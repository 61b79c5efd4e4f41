//! Training: full-batch gradient descent with per-task clipping over a batch of tasks (SPEC 5),
//! and the executors that walk a plan's tree. Models are any [`cascade_models::TaskModule`]
//! built from a [`cascade_models::TaskModelConfig`]; losses and metrics are an [`Objective`].
//!
//! [`fit`] is the one step loop every executor uses: it trains `T` tasks at once on a padded
//! [`TaskBatch`], each task for exactly its own number of steps. The per-task reference executor
//! ([`reference`]) calls it with one task at a time.

mod batch;
pub mod batched;
mod config;
mod evaluate;
pub mod executor;
mod federated;
mod fit;
mod fit_linear;
mod host_linear;
mod job;
mod levels;
mod mean;
mod minibatch;
mod objective;
mod optimizer;
pub mod reference;
mod seeds;
mod step;
mod step_size;

pub use batch::{PaddedTensors, TaskBatch};
pub use config::{Eta, TrainConfig};
pub use evaluate::{TaskResult, evaluate_if, evaluate_rows, evaluate_tasks, predictions};
pub use executor::{
    DeviceBatched, Executor, ExecutorChoice, HostLinear, Reference, RunOptions, TrainedBy, Training,
};
pub use fit::{FitOutcome, fit};
pub use job::{Job, JobOutcome, MethodRun, Part};
pub use levels::tasks_per_chunk;
pub use mean::mean_run;
pub use objective::{
    BinaryLogistic, Objective, Prediction, SoftmaxCrossEntropy, SquaredError, TestError,
    objective_for,
};
pub use optimizer::Optimizer;
pub use seeds::{batch_seed, task_init_seed};
pub use step_size::{StepRule, StepSizes, gram_lambda_max, step_rule, step_sizes};
