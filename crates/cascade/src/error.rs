use thiserror::Error;

/// Everything that can go wrong in the method: bad settings, distances that cannot apply to the
/// data, and training that diverges. Every message names the task, step or setting at fault.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CascadeError {
    /// A distance needs every pair of tasks to have the same number of training rows.
    #[error(
        "distance '{distance}' needs equal training rows per task, but task '{task_a}' has {n_a} and task '{task_b}' has {n_b}"
    )]
    DistanceNeedsEqualRows {
        /// The distance.
        distance: &'static str,
        /// The first task.
        task_a: String,
        /// Its training rows.
        n_a: usize,
        /// The first task whose count differs.
        task_b: String,
        /// Its training rows.
        n_b: usize,
    },
    /// A distance needs more training rows than a task has.
    #[error("distance '{distance}' needs at least {need} training rows, but task '{task}' has {n}")]
    TooFewRows {
        /// The distance.
        distance: &'static str,
        /// The task.
        task: String,
        /// Its training rows.
        n: usize,
        /// Rows needed.
        need: usize,
    },
    /// A numerical step of a distance failed for a task (e.g. a singular system).
    #[error("distance '{distance}' failed on task '{task}': {reason}")]
    DistanceFailed {
        /// The distance.
        distance: &'static str,
        /// The task.
        task: String,
        /// What went wrong.
        reason: String,
    },
    /// A name (method, distance, allocation, root rule, model, ...) is not known.
    #[error("unknown {kind} '{name}'; expected one of: {expected}")]
    UnknownName {
        /// What kind of name.
        kind: &'static str,
        /// The name given.
        name: String,
        /// What was expected.
        expected: String,
    },
    /// A setting is out of its valid range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidSetting {
        /// The setting.
        name: &'static str,
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// The budget cannot give every task a step.
    #[error(
        "budget B = {budget} is smaller than the number of tasks T = {tasks}: every task needs at least one step"
    )]
    BudgetTooSmall {
        /// The budget B.
        budget: usize,
        /// Number of tasks.
        tasks: usize,
    },
    /// The method needs more tasks than given.
    #[error("{what} needs at least {need} tasks, got {got}")]
    TooFewTasks {
        /// What was being read.
        what: &'static str,
        /// Rows needed.
        need: usize,
        /// What was given.
        got: usize,
    },
    /// A task index is out of range.
    #[error("task index {index} is out of range: there are {tasks} tasks (0..{tasks})")]
    TaskOutOfRange {
        /// The index given.
        index: usize,
        /// Number of tasks.
        tasks: usize,
    },
    /// A parent array does not describe a tree (a cycle, or a node unreachable from a root).
    #[error("not a valid tree: {0}")]
    InvalidTree(String),
    /// Two values that must agree in size do not.
    #[error("shape mismatch: {0}")]
    ShapeMismatch(String),
    /// Training diverged: a NaN or infinite loss, or a loss far above where the task started.
    #[error(
        "training diverged: task '{task}' reached training loss {loss:.4e} at step {step} of {steps} (limit {limit:.4e}); lower the learning rate eta (now {eta})"
    )]
    Diverged {
        /// The task.
        task: String,
        /// The first bad step (1-based).
        step: usize,
        /// The task's budget of steps.
        steps: usize,
        /// The loss there.
        loss: f64,
        /// The divergence limit.
        limit: f64,
        /// The learning rate.
        eta: f64,
    },
    /// A task id that the trained cascade does not hold.
    #[error("unknown task '{task}': the cascade was trained on {known} tasks ({examples})")]
    UnknownTask {
        /// The id asked for.
        task: String,
        /// Tasks the cascade holds.
        known: usize,
        /// A few of their ids.
        examples: String,
    },
    /// Rows with the wrong number of features for a trained cascade.
    #[error("task '{task}': rows have {found} features, the cascade was trained on {expected}")]
    FeatureCount {
        /// The task.
        task: String,
        /// Features the model takes.
        expected: usize,
        /// Features the rows have.
        found: usize,
    },
    /// A saved cascade could not be written or read.
    #[error("{path}: {reason}")]
    Store {
        /// The file or directory.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// Data built along the way (embedded features, say) broke a task-set invariant.
    #[error("{0}")]
    Data(String),
    /// The model cannot apply to the data (a CNN on data that are not images, say).
    #[error("{0}")]
    Model(#[from] cascade_models::ModelError),
}

impl From<cascade_data::DataError> for CascadeError {
    fn from(error: cascade_data::DataError) -> Self {
        CascadeError::Data(error.to_string())
    }
}
