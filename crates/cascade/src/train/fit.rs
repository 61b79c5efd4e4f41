use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::Gradients;
use cascade_models::{TaskModel, to_host};

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
    let device = batch.x.device();
    let max_steps = steps.iter().copied().max().unwrap_or(0);
    let budget = Tensor::<1>::from_data(
        TensorData::new(steps.iter().map(|&s| s as f32).collect(), [t]),
        &device,
    )
    .inner();
    // Per task: the first step whose loss diverged (+inf while none) and that loss; the loss
    // ceiling (factor x max(first loss, 1)); and the loss at the last active step.
    let mut first_bad = Tensor::<1>::full([t], f32::INFINITY, &device).inner();
    let mut bad_loss = Tensor::<1>::zeros([t], &device).inner();
    let mut ceiling = Tensor::<1>::full([t], f32::INFINITY, &device).inner();
    let mut last_loss = Tensor::<1>::zeros([t], &device).inner();
    let mut model = model;
    for step in 0..max_steps {
        let pred = model.forward(batch.x.clone());
        let per_task = (pred - batch.y.clone())
            .square()
            .mul(batch.weight.clone())
            .sum_dim(1)
            .reshape([t]);
        let grads = per_task.clone().sum().backward();
        let loss = per_task.inner();
        let active = budget.clone().greater_elem(step as f32);

        if step == 0 && config.divergence_factor.is_finite() {
            ceiling = loss
                .clone()
                .clamp_min(1.0)
                .mul_scalar(config.divergence_factor);
        }
        let bad = loss
            .clone()
            .is_finite()
            .bool_not()
            .bool_or(loss.clone().greater(ceiling.clone()))
            .bool_and(active.clone());
        let new = bad.bool_and(first_bad.clone().is_finite().bool_not());
        bad_loss = bad_loss.mask_where(new.clone(), loss.clone());
        first_bad = first_bad.mask_fill(new, (step + 1) as f32);
        last_loss = last_loss.mask_where(active.clone(), loss);

        let mut norm = SquaredNorm::new(&grads);
        model.visit(&mut norm);
        let norm = norm
            .total
            .map_or_else(|| Tensor::zeros([t], &device).inner(), |n| n.sqrt());
        let scale = norm
            .add_scalar(1e-6)
            .recip()
            .mul_scalar(config.clip)
            .clamp_max(1.0)
            .mul_scalar(config.eta)
            .mul(active.float());
        model = model.map(&mut Update {
            grads: &grads,
            scale,
        });
    }

    let first_bad = to_host(first_bad);
    if let Some((task, &step)) = first_bad
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_finite())
        .min_by(|a, b| a.1.total_cmp(b.1))
    {
        let loss = to_host(bad_loss)[task] as f64;
        let first = to_host(ceiling)[task] as f64 / config.divergence_factor;
        return Err(CascadeError::Diverged {
            task: names[task].clone(),
            step: step as usize,
            steps: steps[task],
            loss,
            limit: first * config.divergence_factor,
            eta: config.eta,
        });
    }
    let last = to_host(last_loss);
    Ok(FitOutcome {
        model,
        last_loss: last
            .iter()
            .zip(steps)
            .map(|(&l, &s)| (s > 0).then_some(l as f64))
            .collect(),
    })
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
