use burn::prelude::*;
use cascade_models::TaskModule;

use super::batch::PaddedTensors;
use super::fit_linear::{fit_linear, sufficient_statistics_apply};
use super::minibatch::StepRows;
use super::optimizer::OptimizerState;
use super::step::{Schedule, Watch};
use super::{TaskBatch, TrainConfig};
use crate::CascadeError;
use crate::progress::ActiveTasks;

/// What [`fit`] returns: the trained models and each task's last training loss.
#[derive(Debug)]
pub struct FitOutcome<M> {
    /// The trained models, task order as in the batch.
    pub model: M,
    /// Each task's training loss (the objective's, standardised units) at its last step, before
    /// that step's update; `None` for a task trained for 0 steps.
    pub last_loss: Vec<Option<f64>>,
}

/// Trains the `T` tasks of `model` on `batch`, task `t` for exactly `steps[t]` gradient steps
/// (full-batch, or on mini-batches of `config.batch_size` rows) at its own learning rate `etas[t]` (resolved from `config.eta` by
/// [`super::step_sizes`]): `theta_t <- theta_t - eta_t * min(1, clip / (|g_t| + 1e-6)) * g_t`,
/// where `g_t` is the gradient of task `t`'s loss (the batch's [`super::Objective`] averaged
/// over the task's rows, plus `config.l2 / 2 * |theta_t|^2`) and `|g_t|` its norm over all the
/// task's parameters (PyTorch's `clip_grad_norm_` formula). One forward and one backward pass
/// per step serve every task; a task whose steps are spent is masked and stops moving.
///
/// Any [`TaskModule`] trains here. A model that is one affine layer with one output
/// ([`TaskModule::affine`]) trains under the squared error from sufficient statistics when
/// `config.linear_fast_path` is on (the default): the same iterates at a step cost independent
/// of the number of rows.
///
/// A NaN or infinite training loss, or one that grows past `config.divergence_factor` times the
/// larger of the task's first loss and 1, is an error naming the task (`names[t]`), the first
/// step (1-based) at which it happened and the loss there.
pub fn fit<M: TaskModule>(
    model: M,
    batch: &TaskBatch,
    steps: &[usize],
    etas: &[f64],
    config: &TrainConfig,
    names: &[String],
) -> Result<FitOutcome<M>, CascadeError> {
    let t = batch.len();
    if model.num_tasks() != t || steps.len() != t || etas.len() != t || names.len() != t {
        return Err(CascadeError::ShapeMismatch(format!(
            "fit got {} models, {} data tasks, {} budgets, {} learning rates and {} names",
            model.num_tasks(),
            t,
            steps.len(),
            etas.len(),
            names.len()
        )));
    }
    if let Some(k) = etas.iter().position(|e| !(e.is_finite() && *e > 0.0)) {
        return Err(CascadeError::InvalidSetting {
            name: "eta",
            value: etas[k].to_string(),
            reason: format!("task '{}' needs a finite learning rate > 0", names[k]),
        });
    }
    let schedule = Schedule { steps, etas };
    let fast = sufficient_statistics_apply(&model, batch.objective(), config);
    match model.affine() {
        Some(layer) if fast => {
            let (layer, last_loss) = fit_linear(layer.clone(), batch, schedule, config, names)?;
            Ok(FitOutcome {
                model: model.with_affine(layer),
                last_loss,
            })
        }
        _ => fit_autodiff(model, batch, schedule, config, names),
    }
}

/// The general path: autodiff through any model.
fn fit_autodiff<M: TaskModule>(
    mut model: M,
    batch: &TaskBatch,
    schedule: Schedule,
    config: &TrainConfig,
    names: &[String],
) -> Result<FitOutcome<M>, CascadeError> {
    let t = batch.len();
    let device = batch.device().clone();
    let mut rows = StepRows::new(batch, config.batch_size);
    let mut watch = Watch::new(schedule, config.clip, &device);
    let mut optimizer = OptimizerState::new(config.optimizer, schedule.etas, &device);
    let mut active = ActiveTasks::new(schedule.steps);
    for step in 0..schedule.max_steps() {
        active.count(step);
        let PaddedTensors { x, y, weight } = rows.next(batch);
        let outputs = model.forward(x);
        let per_row = batch.objective().loss(outputs, y);
        let mut per_task = per_row.mul(weight).sum_dim(1).reshape([t]);
        if config.l2 > 0.0
            && let Some(sum) = model.param_sq_norms()
        {
            per_task = per_task + sum.mul_scalar(config.l2 / 2.0);
        }
        let grads = per_task.clone().sum().backward();
        let norm = model
            .grad_sq_norms(&grads)
            .map_or_else(|| Tensor::zeros([t], &device).inner(), |n| n.sqrt());
        let scale = watch.step(step, per_task.inner(), norm, config);
        model = optimizer.step(model, &grads, scale, step);
    }
    let last_loss = watch.finish(config, names)?;
    Ok(FitOutcome { model, last_loss })
}
