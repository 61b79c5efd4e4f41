//! The per-task reference executor: trains one task at a time in the plan's BFS order, as the
//! research code does. It is the simplest thing to read and the yardstick the batched executor
//! must match.

use std::time::Instant;

use burn::prelude::Device;
use cascade_data::{StandardisedTaskSet, pooled_train};
use cascade_models::{ModelKind, TaskModel, gather_tasks};
use serde::{Deserialize, Serialize};

use super::{TaskBatch, TaskResult, TrainConfig, evaluate_tasks, fit, task_init_seed};
use crate::CascadeError;
use crate::plan::{Plan, Schedule};

/// The outcome of one method on one task set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodRun {
    /// Per task, in task order.
    pub tasks: Vec<TaskResult>,
    /// Gradient steps taken in total (never more than B).
    pub steps_used: usize,
    /// Wall-clock seconds of training and evaluation.
    pub seconds: f64,
}

impl MethodRun {
    /// Seconds spent training (the sum of the tasks' `seconds`; evaluation excluded).
    pub fn training_seconds(&self) -> f64 {
        self.tasks.iter().map(|t| t.seconds).sum()
    }
}

impl MethodRun {
    /// Mean over tasks of the test MSE.
    pub fn mean_mse(&self) -> f64 {
        mean(self.tasks.iter().map(|t| t.test_mse))
    }

    /// Mean over tasks of the per-task test RMSE.
    pub fn mean_rmse(&self) -> f64 {
        mean(self.tasks.iter().map(|t| t.test_rmse))
    }
}

fn mean(values: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = values.len() as f64;
    values.sum::<f64>() / n
}

/// Executes `plan` on `data` one task at a time. Fresh models draw their parameters from
/// [`task_init_seed`]`(init_seed, v)` (task `v`), or `(init_seed, T)` for the pooled model.
pub fn run(
    plan: &Plan,
    data: &StandardisedTaskSet,
    model: ModelKind,
    config: &TrainConfig,
    init_seed: u64,
    device: &Device,
) -> Result<MethodRun, CascadeError> {
    config.validate()?;
    model.validate().map_err(|e| CascadeError::InvalidSetting {
        name: "model",
        value: model.to_string(),
        reason: e.to_string(),
    })?;
    let start = Instant::now();
    let tasks = data.tasks();
    let t = tasks.len();
    let d = data.standardised.n_features();
    let results = match &plan.schedule {
        Schedule::Cascade { tree, budget, .. } => {
            let mut trained: Vec<Option<TaskModel>> = (0..t).map(|_| None).collect();
            let mut results: Vec<Option<TaskResult>> = vec![None; t];
            for &v in tree.order() {
                let task_start = Instant::now();
                let init = match tree.parent(v) {
                    None => model.init(d, &[task_init_seed(init_seed, v)], device),
                    Some(p) => trained[p].clone().expect("BFS order trains parents first"),
                };
                let batch = TaskBatch::new(&[&tasks[v].train], device);
                let steps = budget.steps[v];
                let out = fit(init, &batch, &[steps], config, &[tasks[v].id.clone()])?;
                let seconds = task_start.elapsed().as_secs_f64();
                let (test_mse, test_rmse) = evaluate_tasks(&out.model, data, &[v])[0];
                results[v] = Some(TaskResult {
                    task: tasks[v].id.clone(),
                    steps,
                    seconds,
                    train_loss: out.last_loss[0],
                    test_mse,
                    test_rmse,
                });
                trained[v] = Some(out.model);
            }
            results
                .into_iter()
                .map(|r| r.expect("the BFS order visits every task"))
                .collect()
        }
        Schedule::Pooled { steps } => {
            let pooled = pooled_train(&data.standardised);
            let batch = TaskBatch::new(&[&pooled], device);
            let init = model.init(d, &[task_init_seed(init_seed, t)], device);
            let out = fit(init, &batch, &[*steps], config, &["global (pooled)".into()])?;
            let seconds = start.elapsed().as_secs_f64();
            let every: Vec<usize> = (0..t).collect();
            let replicated =
                gather_tasks(&out.model, &vec![0; t]).expect("task 0 exists in a 1-task model");
            evaluate_tasks(&replicated, data, &every)
                .into_iter()
                .enumerate()
                .map(|(v, (test_mse, test_rmse))| TaskResult {
                    task: tasks[v].id.clone(),
                    // The pooled model's cost is shared: every task is charged an equal part.
                    steps: if v == 0 { *steps } else { 0 },
                    seconds: seconds / t as f64,
                    train_loss: out.last_loss[0],
                    test_mse,
                    test_rmse,
                })
                .collect()
        }
    };
    Ok(MethodRun {
        steps_used: plan.total_steps(),
        tasks: results,
        seconds: start.elapsed().as_secs_f64(),
    })
}
