use burn::prelude::*;
use cascade_models::{TaskModule, to_host};

use super::batch::PaddedTensors;
use super::fit_linear::{fit_linear, sufficient_statistics_apply};
use super::minibatch::StepRows;
use super::optimizer::OptimizerState;
use super::{TaskBatch, TrainConfig};
use crate::CascadeError;

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
    for step in 0..schedule.max_steps() {
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

/// Each task's budget and learning rate, as [`fit`] takes them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Schedule<'a> {
    pub(super) steps: &'a [usize],
    pub(super) etas: &'a [f64],
}

impl Schedule<'_> {
    pub(super) fn max_steps(&self) -> usize {
        self.steps.iter().copied().max().unwrap_or(0)
    }
}

/// Steps whose losses [`Watch`] holds before checking them in one batch.
const WATCH_CHUNK: usize = 32;

/// The per-task bookkeeping both paths share, on the device with no host sync per step: the
/// step mask, the clipped step size, the divergence checks and the last loss.
///
/// A step costs four small tensor operations here: the losses are kept and checked
/// [`WATCH_CHUNK`] steps at a time as one `[K, T]` batch, and the per-task factor
/// `clip * eta * active` changes only at steps where some task's budget runs out.
pub(super) struct Watch {
    /// Each task's budget b_t, `[T]`.
    budget: Tensor<1>,
    /// The budgets as given.
    steps: Vec<usize>,
    /// The distinct budgets not yet reached, largest first: the steps where the mask changes.
    changes: Vec<usize>,
    /// Each task's learning rate.
    etas: Vec<f64>,
    /// `clip * eta_t`, `[T]`.
    clip_eta: Tensor<1>,
    /// `clip * eta_t` where the task is still active, 0 where its budget is spent.
    clip_eta_active: Tensor<1>,
    /// Losses of the steps from `pending_from` on, not yet checked.
    pending: Vec<Tensor<1>>,
    pending_from: usize,
    /// First step (1-based) whose loss diverged (+inf while none), and that loss.
    first_bad: Tensor<1>,
    bad_loss: Tensor<1>,
    /// `divergence_factor * max(first loss, 1)`.
    ceiling: Tensor<1>,
    /// The loss at each task's last step (0 with no step).
    last: Tensor<1>,
}

impl Watch {
    pub(super) fn new(schedule: Schedule, clip: f64, device: &Device) -> Self {
        let steps = schedule.steps;
        let t = steps.len();
        let plain = |tensor: Tensor<1>| tensor.inner();
        Self {
            budget: plain(Tensor::from_data(
                TensorData::new(steps.iter().map(|&s| s as f32).collect(), [t]),
                device,
            )),
            steps: steps.to_vec(),
            changes: {
                let mut changes = steps.to_vec();
                changes.sort_unstable_by(|a, b| b.cmp(a));
                changes.dedup();
                changes
            },
            etas: schedule.etas.to_vec(),
            clip_eta: plain(Tensor::from_data(
                TensorData::new(
                    schedule.etas.iter().map(|&e| (clip * e) as f32).collect(),
                    [t],
                ),
                device,
            )),
            clip_eta_active: plain(Tensor::zeros([t], device)),
            pending: Vec::with_capacity(WATCH_CHUNK),
            pending_from: 0,
            first_bad: plain(Tensor::full([t], f32::INFINITY, device)),
            bad_loss: plain(Tensor::zeros([t], device)),
            ceiling: plain(Tensor::full([t], f32::INFINITY, device)),
            last: plain(Tensor::zeros([t], device)),
        }
    }

    /// Records step `step`'s per-task `loss` (`[T]`) and gradient `norm` (`[T]`) and returns
    /// each task's step size `eta_t * min(1, clip / (norm + 1e-6))`, 0 once its budget is spent.
    /// Steps come in order from 0.
    pub(super) fn step(
        &mut self,
        step: usize,
        loss: Tensor<1>,
        norm: Tensor<1>,
        config: &TrainConfig,
    ) -> Tensor<1> {
        let mut changed = step == 0;
        while self.changes.last().is_some_and(|&c| c <= step) {
            changed |= self.changes.pop() == Some(step);
        }
        if changed {
            self.clip_eta_active = self
                .budget
                .clone()
                .greater_elem(step as f32)
                .float()
                .mul(self.clip_eta.clone());
        }
        if self.pending.is_empty() {
            self.pending_from = step;
        }
        self.pending.push(loss);
        if self.pending.len() == WATCH_CHUNK {
            self.check_pending(config);
        }
        // min(1, clip / x) * eta = clip * eta / max(x, clip) for x, clip > 0.
        norm.add_scalar(1e-6)
            .clamp_min(config.clip)
            .recip()
            .mul(self.clip_eta_active.clone())
    }

    /// Checks the pending losses as one `[K, T]` batch: divergence, first bad step, last loss.
    fn check_pending(&mut self, config: &TrainConfig) {
        if self.pending.is_empty() {
            return;
        }
        let k = self.pending.len();
        let t = self.steps.len();
        let device = self.budget.device();
        let from = self.pending_from;
        let losses: Tensor<2> = Tensor::stack(std::mem::take(&mut self.pending), 0); // [K, T]
        if from == 0 && config.divergence_factor.is_finite() {
            self.ceiling = losses
                .clone()
                .narrow(0, 0, 1)
                .reshape([t])
                .clamp_min(1.0)
                .mul_scalar(config.divergence_factor);
        }
        // Each row's step number (0-based) and each column's budget, both [K, T].
        let step_of: Tensor<2> = Tensor::<2>::from_data(
            TensorData::new((from..from + k).map(|s| s as f32).collect(), [k, 1]),
            &device,
        )
        .inner()
        .expand([k, t]);
        let budget = self.budget.clone().reshape([1, t]).expand([k, t]);
        let active = step_of.clone().lower(budget.clone());
        let bad = losses
            .clone()
            .is_finite()
            .bool_not()
            .bool_or(
                losses
                    .clone()
                    .greater(self.ceiling.clone().reshape([1, t]).expand([k, t])),
            )
            .bool_and(active);
        let zeros = Tensor::<2>::zeros([k, t], &device).inner();
        let first_here = Tensor::<2>::full([k, t], f32::INFINITY, &device)
            .inner()
            .mask_where(bad, step_of.clone())
            .min_dim(0); // [1, T]
        let at_first = step_of.clone().equal(first_here.clone().expand([k, t]));
        let loss_there = zeros
            .clone()
            .mask_where(at_first, losses.clone())
            .sum_dim(0);
        let new = first_here
            .clone()
            .is_finite()
            .bool_and(
                self.first_bad
                    .clone()
                    .is_finite()
                    .bool_not()
                    .reshape([1, t]),
            )
            .reshape([t]);
        self.first_bad = self
            .first_bad
            .clone()
            .mask_where(new.clone(), first_here.add_scalar(1.0).reshape([t]));
        self.bad_loss = self
            .bad_loss
            .clone()
            .mask_where(new, loss_there.reshape([t]));
        let is_last = step_of.equal(budget.sub_scalar(1.0)); // [K, T]
        let has_last = is_last.clone().any_dim(0).reshape([t]);
        let last_here = zeros.mask_where(is_last, losses).sum_dim(0).reshape([t]);
        self.last = self.last.clone().mask_where(has_last, last_here);
    }

    /// The divergence error of the task that diverged first, if any; and each task's loss at
    /// its last step (`None` with 0 steps).
    pub(super) fn finish(
        mut self,
        config: &TrainConfig,
        names: &[String],
    ) -> Result<Vec<Option<f64>>, CascadeError> {
        self.check_pending(config);
        let first_bad = to_host(self.first_bad.clone());
        if let Some((task, &step)) = first_bad
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_finite())
            .min_by(|a, b| a.1.total_cmp(b.1))
        {
            return Err(CascadeError::Diverged {
                task: names[task].clone(),
                step: step as usize,
                steps: self.steps[task],
                loss: to_host(self.bad_loss)[task] as f64,
                limit: to_host(self.ceiling)[task] as f64,
                eta: self.etas[task],
            });
        }
        Ok(to_host(self.last)
            .iter()
            .zip(&self.steps)
            .map(|(&l, &s)| (s > 0).then_some(l as f64))
            .collect())
    }
}
