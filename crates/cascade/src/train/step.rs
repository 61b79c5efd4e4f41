//! The step rule every executor shares: per-task gradient clipping, the budget mask and the
//! divergence watch (SPEC 5).
//!
//! A task's step is `theta <- theta - s * g` with `s = eta * min(1, clip / (|g| + 1e-6))`, written
//! `clip * eta / max(|g| + 1e-6, clip)` (the same value for `clip > 0`), and `s = 0` once the task
//! has taken its budget. A training loss that is NaN or infinite, or that exceeds
//! `divergence_factor * max(first loss, 1)`, stops training with an error naming the task and the
//! first (1-based) step where it happened.
//!
//! [`Watch`] applies the rule to a batch of tasks on the device (used by [`super::fit`] and its
//! linear fast path); [`HostWatch`] applies it to one task in f64 (used by the host-linear
//! executor). Both are written from [`step_size`] and [`ceiling`], so the rule lives here once.

use burn::prelude::*;
use cascade_models::to_host;

use super::TrainConfig;
use crate::CascadeError;

/// The rule's step size for a gradient of norm `norm`: `clip * eta / max(norm + 1e-6, clip)`.
pub(super) fn step_size(norm: f64, eta: f64, clip: f64) -> f64 {
    clip * eta / (norm + 1e-6).max(clip)
}

/// The divergence ceiling after a first loss `first`: `factor * max(first, 1)`.
pub(super) fn ceiling(first: f64, factor: f64) -> f64 {
    first.max(1.0) * factor
}

/// One task's divergence watch on the host, in f64: the same checks as [`Watch`].
#[derive(Debug, Clone)]
pub(super) struct HostWatch {
    ceiling: f64,
    last: Option<f64>,
    diverged: Option<Divergence>,
}

/// Where a task's loss first went wrong: its 1-based step, the loss and the limit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Divergence {
    pub(super) step: usize,
    pub(super) loss: f64,
    pub(super) limit: f64,
}

impl HostWatch {
    /// A watch before the first step.
    pub(super) fn new() -> Self {
        Self {
            ceiling: f64::INFINITY,
            last: None,
            diverged: None,
        }
    }

    /// Records step `step`'s (0-based) loss and returns the step size for a gradient of norm
    /// `norm` at learning rate `eta`.
    pub(super) fn step(
        &mut self,
        step: usize,
        loss: f64,
        norm: f64,
        eta: f64,
        config: &TrainConfig,
    ) -> f64 {
        if step == 0 && config.divergence_factor.is_finite() {
            self.ceiling = ceiling(loss, config.divergence_factor);
        }
        if self.diverged.is_none() && (!loss.is_finite() || loss > self.ceiling) {
            self.diverged = Some(Divergence {
                step: step + 1,
                loss,
                limit: self.ceiling,
            });
        }
        self.last = Some(loss);
        step_size(norm, eta, config.clip)
    }

    /// The loss at the last step (`None` with no step) and the first divergence, if any.
    pub(super) fn finish(self) -> (Option<f64>, Option<Divergence>) {
        (self.last, self.diverged)
    }
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
        // step_size(norm, eta, clip) for every task at once.
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
                .mul_scalar(config.divergence_factor); // ceiling(first, factor)
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
