use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::Gradients;
use cascade_models::{TaskModel, to_host};

use super::batch::PaddedTensors;
use super::fit_linear::fit_linear;
use super::{TaskBatch, TrainConfig};
use crate::CascadeError;

/// What [`fit`] returns: the trained models and each task's last training loss.
#[derive(Debug)]
pub struct FitOutcome {
    /// The trained models, task order as in the batch.
    pub model: TaskModel,
    /// Each task's training MSE (standardised units) at its last step, before that step's update;
    /// `None` for a task trained for 0 steps.
    pub last_loss: Vec<Option<f64>>,
}

/// Trains the `T` tasks of `model` on `batch`, task `t` for exactly `steps[t]` full-batch
/// gradient steps: `theta_t <- theta_t - eta * min(1, clip / (|g_t| + 1e-6)) * g_t`, where `g_t`
/// is the gradient of task `t`'s mean squared error and `|g_t|` its norm over all the task's
/// parameters (PyTorch's `clip_grad_norm_` formula). One forward and one backward pass per step
/// serve every task; a task whose steps are spent is masked and stops moving.
///
/// Linear models train from sufficient statistics when `config.linear_fast_path` is on (the
/// default): the same iterates at a step cost independent of the number of rows.
///
/// A NaN or infinite training loss, or one that grows past `config.divergence_factor` times the
/// larger of the task's first loss and 1, is an error naming the task (`names[t]`), the first
/// step (1-based) at which it happened and the loss there.
pub fn fit(
    model: TaskModel,
    batch: &TaskBatch,
    steps: &[usize],
    config: &TrainConfig,
    names: &[String],
) -> Result<FitOutcome, CascadeError> {
    let t = batch.len();
    if model.num_tasks() != t || steps.len() != t || names.len() != t {
        return Err(CascadeError::ShapeMismatch(format!(
            "fit got {} models, {} data tasks, {} budgets and {} names",
            model.num_tasks(),
            t,
            steps.len(),
            names.len()
        )));
    }
    match model {
        TaskModel::Linear(linear) if config.linear_fast_path => {
            fit_linear(linear, batch, steps, config, names)
        }
        model => fit_autodiff(model, batch, steps, config, names),
    }
}

/// The general path: autodiff through any model.
fn fit_autodiff(
    mut model: TaskModel,
    batch: &TaskBatch,
    steps: &[usize],
    config: &TrainConfig,
    names: &[String],
) -> Result<FitOutcome, CascadeError> {
    let t = batch.len();
    let device = batch.device().clone();
    let PaddedTensors { x, y, weight } = batch.tensors();
    let mut watch = Watch::new(steps, &device);
    let max_steps = steps.iter().copied().max().unwrap_or(0);
    for step in 0..max_steps {
        let pred = model.forward(x.clone());
        let per_task = (pred - y.clone())
            .square()
            .mul(weight.clone())
            .sum_dim(1)
            .reshape([t]);
        let grads = per_task.clone().sum().backward();
        let mut norm = SquaredNorm::new(&grads);
        model.visit(&mut norm);
        let norm = norm
            .total
            .map_or_else(|| Tensor::zeros([t], &device).inner(), |n| n.sqrt());
        let scale = watch.step(step, per_task.inner(), norm, config);
        model = model.map(&mut Update {
            grads: &grads,
            scale,
        });
    }
    watch.finish(config, steps, names)?;
    Ok(FitOutcome {
        model,
        last_loss: watch.last_loss(steps),
    })
}

/// The per-task bookkeeping both paths share, on the device (no host sync per step): the step
/// mask, the clipped step size, the divergence checks and the last loss.
pub(super) struct Watch {
    budget: Tensor<1>,
    /// First step whose loss diverged (+inf while none), and that loss.
    first_bad: Tensor<1>,
    bad_loss: Tensor<1>,
    /// `divergence_factor * max(first loss, 1)`.
    ceiling: Tensor<1>,
    /// The loss at each task's last active step.
    last: Tensor<1>,
}

impl Watch {
    pub(super) fn new(steps: &[usize], device: &Device) -> Self {
        let t = steps.len();
        let plain = |tensor: Tensor<1>| tensor.inner();
        Self {
            budget: plain(Tensor::from_data(
                TensorData::new(steps.iter().map(|&s| s as f32).collect(), [t]),
                device,
            )),
            first_bad: plain(Tensor::full([t], f32::INFINITY, device)),
            bad_loss: plain(Tensor::zeros([t], device)),
            ceiling: plain(Tensor::full([t], f32::INFINITY, device)),
            last: plain(Tensor::zeros([t], device)),
        }
    }

    /// Records step `step`'s per-task `loss` (`[T]`) and gradient `norm` (`[T]`) and returns
    /// each task's step size `eta * min(1, clip / (norm + 1e-6))`, 0 once its budget is spent.
    pub(super) fn step(
        &mut self,
        step: usize,
        loss: Tensor<1>,
        norm: Tensor<1>,
        config: &TrainConfig,
    ) -> Tensor<1> {
        let active = self.budget.clone().greater_elem(step as f32);
        if step == 0 && config.divergence_factor.is_finite() {
            self.ceiling = loss
                .clone()
                .clamp_min(1.0)
                .mul_scalar(config.divergence_factor);
        }
        let bad = loss
            .clone()
            .is_finite()
            .bool_not()
            .bool_or(loss.clone().greater(self.ceiling.clone()))
            .bool_and(active.clone());
        let new = bad.bool_and(self.first_bad.clone().is_finite().bool_not());
        self.bad_loss = self.bad_loss.clone().mask_where(new.clone(), loss.clone());
        self.first_bad = self.first_bad.clone().mask_fill(new, (step + 1) as f32);
        self.last = self.last.clone().mask_where(active.clone(), loss);
        norm.add_scalar(1e-6)
            .recip()
            .mul_scalar(config.clip)
            .clamp_max(1.0)
            .mul_scalar(config.eta)
            .mul(active.float())
    }

    /// The divergence error of the task that diverged first, if any.
    pub(super) fn finish(
        &self,
        config: &TrainConfig,
        steps: &[usize],
        names: &[String],
    ) -> Result<(), CascadeError> {
        let first_bad = to_host(self.first_bad.clone());
        let Some((task, &step)) = first_bad
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_finite())
            .min_by(|a, b| a.1.total_cmp(b.1))
        else {
            return Ok(());
        };
        Err(CascadeError::Diverged {
            task: names[task].clone(),
            step: step as usize,
            steps: steps[task],
            loss: to_host(self.bad_loss.clone())[task] as f64,
            limit: to_host(self.ceiling.clone())[task] as f64,
            eta: config.eta,
        })
    }

    /// Each task's loss at its last step (`None` with 0 steps).
    pub(super) fn last_loss(&self, steps: &[usize]) -> Vec<Option<f64>> {
        to_host(self.last.clone())
            .iter()
            .zip(steps)
            .map(|(&l, &s)| (s > 0).then_some(l as f64))
            .collect()
    }
}

/// Sums every parameter's squared gradient per task: `[T]`.
struct SquaredNorm<'a> {
    grads: &'a Gradients,
    total: Option<Tensor<1>>,
}

impl<'a> SquaredNorm<'a> {
    fn new(grads: &'a Gradients) -> Self {
        Self { grads, total: None }
    }
}

impl ModuleVisitor for SquaredNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let Some(grad) = param.val().grad(self.grads) else {
            return;
        };
        let t = grad.dims()[0];
        let per_task: Tensor<1> = grad
            .square()
            .reshape([t as i32, -1])
            .sum_dim(1)
            .reshape([t]);
        self.total = Some(match self.total.take() {
            Some(total) => total + per_task,
            None => per_task,
        });
    }
}

/// `theta <- theta - scale_t * g` for every parameter, `scale: [T]` broadcast over the rest.
struct Update<'a> {
    grads: &'a Gradients,
    scale: Tensor<1>,
}

impl ModuleMapper for Update<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|tensor| {
            let Some(grad) = tensor.grad(self.grads) else {
                return tensor;
            };
            let mut dims = [1usize; D];
            dims[0] = grad.dims()[0];
            let scale: Tensor<D> = self.scale.clone().reshape(dims);
            let updated = tensor.inner() - grad.mul(scale);
            Tensor::from_inner(updated).require_grad()
        })
    }
}
