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
mod step;
mod step_size;

pub use batch::{PaddedTensors, TaskBatch};
pub use config::{Eta, TrainConfig};
pub use evaluate::{TaskResult, evaluate_if, evaluate_rows, evaluate_tasks, predictions};
pub use executor::{
    DeviceBatched, Executor, ExecutorChoice, HostLinear, Reference, RunOptions, TrainedBy,
};
pub use fit::{FitOutcome, fit};
pub use job::{Job, JobOutcome, MethodRun};
pub use mean::mean_run;
pub use objective::{
    BinaryLogistic, Objective, Prediction, SoftmaxCrossEntropy, SquaredError, TestError,
    objective_for,
};
pub use optimizer::Optimizer;
pub use step_size::{StepRule, StepSizes, gram_lambda_max, step_rule, step_sizes};

/// The seed of task `task`'s fresh initialisation in a run seeded by `run_seed`
/// (SplitMix64 of the pair), so a task's initial parameters never depend on batching.
pub fn task_init_seed(run_seed: u64, task: usize) -> u64 {
    let mut z = run_seed
        ^ (task as u64)
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of task `task`'s mini-batch order in a run seeded by `run_seed` (apart from its
/// initialisation seed, so that mini-batches and initial values are independent draws).
pub fn batch_seed(run_seed: u64, task: usize) -> u64 {
    task_init_seed(run_seed ^ 0x6D69_6E69_6261_7463, task)
}
