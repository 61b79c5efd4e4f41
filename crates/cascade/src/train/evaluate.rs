use cascade_data::{Scaler, StandardisedTaskSet};
use cascade_models::{TaskModule, to_host};
use serde::{Deserialize, Serialize};

use super::{Objective, Prediction, TaskBatch, TestError};

/// One task's outcome in a run: cost and test error in the data's own units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    /// The task's id.
    pub task: String,
    /// Gradient steps this task took.
    pub steps: usize,
    /// The learning rate its steps used (standardised units); `None` for the Mean baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta: Option<f64>,
    /// Wall-clock seconds spent training this task.
    pub seconds: f64,
    /// Training loss (the objective's, standardised units) at the task's last step; `None`
    /// with 0 steps.
    pub train_loss: Option<f64>,
    /// Test mean squared error, in the target's own units (the Brier score for classifiers).
    pub test_mse: f64,
    /// Test root mean squared error, in the target's own units.
    pub test_rmse: f64,
    /// Test accuracy (fraction of rows whose most probable class is right), for classifiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
    /// Test mean absolute error, for regression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_mae: Option<f64>,
    /// Test mean absolute percentage error (percent, rows with a non-zero target), for
    /// regression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_mape: Option<f64>,
    /// Test log-loss, for classifiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_log_loss: Option<f64>,
}

impl TaskResult {
    /// A task's result from its cost, learning rate and [`TestError`].
    pub fn new(
        task: String,
        steps: usize,
        eta: Option<f64>,
        seconds: f64,
        train_loss: Option<f64>,
        error: TestError,
    ) -> Self {
        Self {
            task,
            steps,
            eta,
            seconds,
            train_loss,
            test_mse: error.mse,
            test_rmse: error.rmse,
            test_accuracy: error.accuracy,
            test_mae: error.mae,
            test_mape: error.mape,
            test_log_loss: error.log_loss,
        }
    }
}

impl TaskResult {
    /// The test metrics as a [`TestError`].
    pub fn test_error(&self) -> TestError {
        TestError {
            mse: self.test_mse,
            rmse: self.test_rmse,
            accuracy: self.test_accuracy,
            mae: self.test_mae,
            mape: self.test_mape,
            log_loss: self.test_log_loss,
        }
    }
}

/// Test errors of `model`'s tasks under `objective`: model task `k` is evaluated on data task
/// `tasks[k]`, its outputs turned into predictions in the data's units with that task's
/// training scaler. Returns one [`TestError`] per entry of `tasks`.
pub fn evaluate_tasks<M: TaskModule>(
    model: &M,
    data: &StandardisedTaskSet,
    tasks: &[usize],
    objective: &dyn Objective,
) -> Vec<TestError> {
    let rows: Vec<_> = tasks.iter().map(|&v| (data, v)).collect();
    evaluate_rows(model, &rows, objective)
}

/// Like [`evaluate_tasks`], with model task `k` evaluated on task `rows[k].1` of the task set
/// `rows[k].0`: one batched forward pass for tasks drawn from several task sets (stacked
/// repetitions).
pub fn evaluate_rows<M: TaskModule>(
    model: &M,
    rows: &[(&StandardisedTaskSet, usize)],
    objective: &dyn Objective,
) -> Vec<TestError> {
    let splits: Vec<_> = rows
        .iter()
        .map(|&(data, v)| &data.tasks()[v].test)
        .collect();
    let model = model.valid();
    let device = model.devices().into_iter().next().unwrap_or_default();
    let batch = TaskBatch::new(&splits, &device);
    let outputs = model.forward(batch.features());
    let [_, n_max, k] = outputs.dims();
    let outputs = to_host(outputs);
    rows.iter()
        .enumerate()
        .map(|(t, &(data, v))| {
            let n = data.raw_test_y[v].len();
            let task = &outputs[t * n_max * k..(t * n_max + n) * k];
            let predictions = predictions(objective, task, k, &data.scalers[v]);
            objective.metrics(&predictions, data.raw_test_y[v].as_slice())
        })
        .collect()
}

/// [`evaluate_rows`] when `evaluate` is set; otherwise no test row is read and every entry is
/// [`TestError::NOT_EVALUATED`].
pub fn evaluate_if<M: TaskModule>(
    evaluate: bool,
    model: &M,
    rows: &[(&StandardisedTaskSet, usize)],
    objective: &dyn Objective,
) -> Vec<TestError> {
    if evaluate {
        evaluate_rows(model, rows, objective)
    } else {
        vec![TestError::NOT_EVALUATED; rows.len()]
    }
}

/// Each row's prediction from a task's outputs, `k` per row in row order.
pub fn predictions(
    objective: &dyn Objective,
    outputs: &[f32],
    k: usize,
    scaler: &Scaler,
) -> Vec<Prediction> {
    outputs
        .chunks_exact(k)
        .map(|row| objective.predict(row, scaler))
        .collect()
}
