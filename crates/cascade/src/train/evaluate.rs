use burn::module::Module;
use cascade_data::StandardisedTaskSet;
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
    /// Wall-clock seconds spent training this task.
    pub seconds: f64,
    /// Training MSE (standardised units) at the task's last step; `None` with 0 steps.
    pub train_loss: Option<f64>,
    /// Test mean squared error, in the target's own units.
    pub test_mse: f64,
    /// Test root mean squared error, in the target's own units.
    pub test_rmse: f64,
}

/// Test errors of `model`'s tasks: model task `k` is evaluated on data task `tasks[k]`, its
/// standardised predictions mapped back with that task's training scaler. Returns
/// `(mse, rmse)` per entry of `tasks`, in the target's own units.
pub fn evaluate_tasks(
    model: &TaskModel,
    data: &StandardisedTaskSet,
    tasks: &[usize],
) -> Vec<(f64, f64)> {
    let rows: Vec<_> = tasks.iter().map(|&v| (data, v)).collect();
    evaluate_rows(model, &rows)
}

/// Like [`evaluate_tasks`], with model task `k` evaluated on task `rows[k].1` of the task set
/// `rows[k].0`: one batched forward pass for tasks drawn from several task sets (stacked
/// repetitions).
pub fn evaluate_rows(model: &TaskModel, rows: &[(&StandardisedTaskSet, usize)]) -> Vec<(f64, f64)> {
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
            let scaler = &data.scalers[v];
            let truth = &data.raw_test_y[v];
            let n = truth.len();
            let sse: f64 = (0..n)
                .map(|i| {
                    let p = scaler.inverse_target(pred[k * n_max + i] as f64);
                    (p - truth[i]).powi(2)
                })
                .sum();
            let mse = sse / n as f64;
            (mse, mse.sqrt())
        })
        .collect()
}
