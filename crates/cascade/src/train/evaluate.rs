use burn::module::Module;
use cascade_data::{Problem, StandardisedTaskSet};
use cascade_models::{TaskModel, to_host};
use serde::{Deserialize, Serialize};

use super::TaskBatch;

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
    /// Training MSE (standardised units) at the task's last step; `None` with 0 steps.
    pub train_loss: Option<f64>,
    /// Test mean squared error, in the target's own units.
    pub test_mse: f64,
    /// Test root mean squared error, in the target's own units.
    pub test_rmse: f64,
    /// Test accuracy (fraction correct at probability threshold 0.5) for binary labels;
    /// `test_mse` is then the Brier score of the predicted probabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
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
        }
    }
}

/// One task's test error. Regression: squared error of the predictions mapped back to the
/// target's units. Binary labels: `mse` is the Brier score `mean (p - y)^2` of the
/// probabilities `p = sigmoid(logit)`, and `accuracy` the fraction with `(p > 0.5) == y`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestError {
    /// Mean squared error.
    pub mse: f64,
    /// Its square root.
    pub rmse: f64,
    /// Accuracy, for binary labels only.
    pub accuracy: Option<f64>,
}

/// Test errors of `model`'s tasks: model task `k` is evaluated on data task `tasks[k]`, its
/// standardised predictions mapped back with that task's training scaler. Returns one
/// [`TestError`] per entry of `tasks`, in the target's own units.
pub fn evaluate_tasks(
    model: &TaskModel,
    data: &StandardisedTaskSet,
    tasks: &[usize],
) -> Vec<TestError> {
    let rows: Vec<_> = tasks.iter().map(|&v| (data, v)).collect();
    evaluate_rows(model, &rows)
}

/// Like [`evaluate_tasks`], with model task `k` evaluated on task `rows[k].1` of the task set
/// `rows[k].0`: one batched forward pass for tasks drawn from several task sets (stacked
/// repetitions).
pub fn evaluate_rows(model: &TaskModel, rows: &[(&StandardisedTaskSet, usize)]) -> Vec<TestError> {
    let splits: Vec<_> = rows
        .iter()
        .map(|&(data, v)| &data.tasks()[v].test)
        .collect();
    let model = model.valid();
    let device = model.devices().into_iter().next().unwrap_or_default();
    let batch = TaskBatch::new(&splits, &device);
    let pred = model.forward(batch.tensors().x);
    let n_max = pred.dims()[1];
    let pred = to_host(pred);
    rows.iter()
        .enumerate()
        .map(|(k, &(data, v))| {
            let n = data.raw_test_y[v].len();
            let out = &pred[k * n_max..k * n_max + n];
            task_error(data, v, out.iter().map(|&o| o as f64))
        })
        .collect()
}

/// Task `v`'s test error from its model outputs on its test rows, in row order: standardised
/// predictions (mapped back with the task's training scaler) for regression, logits for binary
/// labels.
pub(super) fn task_error(
    data: &StandardisedTaskSet,
    v: usize,
    outputs: impl Iterator<Item = f64>,
) -> TestError {
    let truth = &data.raw_test_y[v];
    let n = truth.len() as f64;
    match data.standardised.problem() {
        Problem::Regression => {
            let scaler = &data.scalers[v];
            let sse: f64 = outputs
                .zip(truth.iter())
                .map(|(p, &y)| (scaler.inverse_target(p) - y).powi(2))
                .sum();
            let mse = sse / n;
            TestError {
                mse,
                rmse: mse.sqrt(),
                accuracy: None,
            }
        }
        Problem::Binary => {
            let (mut brier, mut correct) = (0.0, 0usize);
            for (logit, &y) in outputs.zip(truth.iter()) {
                let p = 1.0 / (1.0 + (-logit.clamp(-500.0, 500.0)).exp());
                brier += (p - y).powi(2);
                correct += usize::from((p > 0.5) == (y == 1.0));
            }
            let mse = brier / n;
            TestError {
                mse,
                rmse: mse.sqrt(),
                accuracy: Some(correct as f64 / n),
            }
        }
    }
}
