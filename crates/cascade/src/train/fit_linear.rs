//! The exact fast path of [`super::fit`] for linear models under the mean squared error.
//!
//! With the bias folded into `theta = [w; b]` (shape `[T, d+1, 1]`) and `X~ = [X, 1]`, task
//! `t`'s mean squared error is `theta^T A theta - 2 theta^T c + s` with the statistics
//! `A = X~^T X~ / n_t` (`[T, d+1, d+1]`), `c = X~^T y / n_t` (`[T, d+1, 1]`) and
//! `s = y^T y / n_t`, and its gradient is `2 (A theta - c)`. The statistics are computed once,
//! on the host in f64 straight from the rows (ragged tasks need no padding); every step then
//! costs O(d^2) per task whatever the number of rows, needs no autodiff, and produces the same
//! iterates as the general path (same clipping, masking and divergence checks) up to float
//! rounding.

use burn::module::Param;
use burn::prelude::*;
use cascade_data::Split;
use cascade_models::{TaskLinear, TaskModule};

use super::step::{Schedule, Watch};
use super::{Objective, Optimizer, TaskBatch, TrainConfig};
use crate::CascadeError;
use crate::parallel::par_map;
use crate::progress::ActiveTasks;

/// Whether `model` trains from sufficient statistics under `objective` and `config`: one affine
/// layer with one output, the squared error, SGD on full batches, no L2, and the fast path on.
/// [`super::fit`] and the host path for whole cascades both decide with this.
pub(super) fn sufficient_statistics_apply<M: TaskModule>(
    model: &M,
    objective: &dyn Objective,
    config: &TrainConfig,
) -> bool {
    config.linear_fast_path
        && config.l2 == 0.0
        && config.batch_size.is_none()
        && config.optimizer == Optimizer::Sgd
        && objective.is_squared_error()
        && model.affine().is_some_and(|l| l.weight.dims()[2] == 1)
}

/// Trains one affine layer with a single output from sufficient statistics (see the module
/// documentation); returns the trained layer and each task's last loss.
pub(super) fn fit_linear(
    linear: TaskLinear,
    batch: &TaskBatch,
    schedule: Schedule,
    config: &TrainConfig,
    names: &[String],
) -> Result<(TaskLinear, Vec<Option<f64>>), CascadeError> {
    let t = batch.len();
    let device = batch.device().clone();
    let d = batch.splits().first().map_or(0, |s| s.x.ncols());
    let k = d + 1;
    let (a, c, s) = statistics(batch.splits());
    let a = Tensor::<3>::from_data(TensorData::new(a, [t, k, k]), &device).inner();
    let c = Tensor::<3>::from_data(TensorData::new(c, [t, k, 1]), &device).inner();
    let s = Tensor::<1>::from_data(TensorData::new(s, [t]), &device).inner();
    let weight = linear.weight.val().inner(); // [T, d, 1]
    let bias = linear.bias.val().inner(); // [T, 1, 1]
    let mut theta = Tensor::cat(vec![weight, bias], 1); // [T, d+1, 1]
    let c2 = c.clone().mul_scalar(2.0);
    let mut watch = Watch::new(schedule, config.clip, &device);
    let mut active = ActiveTasks::new(schedule.steps);
    for step in 0..schedule.max_steps() {
        active.count(step);
        // A theta as a broadcast product and row sum: [T, d+1, d+1] * [T, 1, d+1].
        let a_theta = (a.clone() * theta.clone().swap_dims(1, 2)).sum_dim(2);
        let loss = (theta.clone() * (a_theta.clone() - c2.clone()))
            .sum_dim(1)
            .reshape([t])
            + s.clone();
        let grad = (a_theta - c.clone()).mul_scalar(2.0); // [T, d+1, 1]
        let norm = grad.clone().square().sum_dim(1).reshape([t]).sqrt();
        let scale = watch.step(step, loss, norm, config);
        theta = theta - grad * scale.reshape([t, 1, 1]);
    }
    let last_loss = watch.finish(config, names)?;
    let new_weight = theta.clone().narrow(1, 0, d);
    let new_bias = theta.narrow(1, d, 1);
    let relink = |param: Param<Tensor<3>>, value: Tensor<3>| {
        param.map(|_| Tensor::from_inner(value).require_grad())
    };
    Ok((
        TaskLinear {
            weight: relink(linear.weight, new_weight),
            bias: relink(linear.bias, new_bias),
        },
        last_loss,
    ))
}

/// One task's row-weighted sufficient statistics in f64, row-major, with `X~ = [X, 1]`:
/// `A = X~^T X~ / n` (`[d+1, d+1]`), `c = X~^T y / n` (`[d+1]`) and `s = y^T y / n`.
pub(super) struct LinearStatistics {
    pub(super) a: Vec<f64>,
    pub(super) c: Vec<f64>,
    pub(super) s: f64,
}

impl LinearStatistics {
    /// The statistics of one training split.
    pub(super) fn of(split: &Split) -> Self {
        let d = split.x.ncols();
        let k = d + 1;
        let inv = 1.0 / split.n_rows() as f64;
        let xtx = split.x.tr_mul(&split.x); // [d, d]
        let xty = split.x.tr_mul(&split.y); // [d]
        let column_sums = split.x.row_sum(); // [1, d]
        let mut a = vec![0.0; k * k];
        for p in 0..d {
            for q in 0..d {
                a[p * k + q] = xtx[(p, q)] * inv;
            }
            a[p * k + d] = column_sums[p] * inv;
            a[d * k + p] = a[p * k + d];
        }
        a[d * k + d] = 1.0;
        let mut c: Vec<f64> = xty.iter().map(|v| v * inv).collect();
        c.push(split.y.sum() * inv);
        Self {
            a,
            c,
            s: split.y.norm_squared() * inv,
        }
    }
}

/// Every task's [`LinearStatistics`] as f32, concatenated: `A` (`[T, d+1, d+1]`), `c`
/// (`[T, d+1]`) and `s` (`[T]`). Tasks are independent, so they are spread over the cores.
fn statistics(splits: &[&Split]) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let per_task = par_map(splits, 64, |split| LinearStatistics::of(split));
    let f32s = |values: &[f64]| values.iter().map(|&v| v as f32).collect::<Vec<f32>>();
    let mut a_all = Vec::new();
    let mut c_all = Vec::new();
    let mut s_all = Vec::with_capacity(splits.len());
    for stats in per_task {
        a_all.extend(f32s(&stats.a));
        c_all.extend(f32s(&stats.c));
        s_all.push(stats.s as f32);
    }
    (a_all, c_all, s_all)
}
