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
use cascade_models::{LinearModel, TaskLinear, TaskModel};

use super::fit::{FitOutcome, Watch};
use super::{TaskBatch, TrainConfig};
use crate::CascadeError;

/// Trains a linear model from sufficient statistics; see the module documentation.
pub(super) fn fit_linear(
    model: LinearModel,
    batch: &TaskBatch,
    steps: &[usize],
    config: &TrainConfig,
    names: &[String],
) -> Result<FitOutcome, CascadeError> {
    let t = batch.len();
    let device = batch.device().clone();
    let d = batch.splits().first().map_or(0, |s| s.x.ncols());
    let k = d + 1;
    let (a, c, s) = statistics(batch.splits());
    let a = Tensor::<3>::from_data(TensorData::new(a, [t, k, k]), &device).inner();
    let c = Tensor::<3>::from_data(TensorData::new(c, [t, k, 1]), &device).inner();
    let s = Tensor::<1>::from_data(TensorData::new(s, [t]), &device).inner();
    let weight = model.linear.weight.val().inner(); // [T, d, 1]
    let bias = model.linear.bias.val().inner(); // [T, 1, 1]
    let mut theta = Tensor::cat(vec![weight, bias], 1); // [T, d+1, 1]
    let mut watch = Watch::new(steps, &device);
    let max_steps = steps.iter().copied().max().unwrap_or(0);
    for step in 0..max_steps {
        // A theta as a broadcast product and row sum: [T, d+1, d+1] * [T, 1, d+1].
        let a_theta = (a.clone() * theta.clone().swap_dims(1, 2)).sum_dim(2);
        let loss = (theta.clone() * (a_theta.clone() - c.clone().mul_scalar(2.0)))
            .sum_dim(1)
            .reshape([t])
            + s.clone();
        let grad = (a_theta - c.clone()).mul_scalar(2.0); // [T, d+1, 1]
        let norm = grad.clone().square().sum_dim(1).reshape([t]).sqrt();
        let scale = watch.step(step, loss, norm, config);
        theta = theta - grad * scale.reshape([t, 1, 1]);
    }
    watch.finish(config, steps, names)?;
    let last_loss = watch.last_loss(steps);
    let new_weight = theta.clone().narrow(1, 0, d);
    let new_bias = theta.narrow(1, d, 1);
    let relink = |param: Param<Tensor<3>>, value: Tensor<3>| {
        param.map(|_| Tensor::from_inner(value).require_grad())
    };
    Ok(FitOutcome {
        model: TaskModel::Linear(LinearModel {
            linear: TaskLinear {
                weight: relink(model.linear.weight, new_weight),
                bias: relink(model.linear.bias, new_bias),
            },
        }),
        last_loss,
    })
}

/// The row-weighted sufficient statistics of every task, computed on the host in f64 and
/// returned as f32, row-major: `A = X~^T X~ / n` (`[T, d+1, d+1]`), `c = X~^T y / n`
/// (`[T, d+1]`) and `s = y^T y / n` (`[T]`), with `X~ = [X, 1]`.
fn statistics(splits: &[&cascade_data::Split]) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let d = splits.first().map_or(0, |s| s.x.ncols());
    let k = d + 1;
    let mut a_all = Vec::with_capacity(splits.len() * k * k);
    let mut c_all = Vec::with_capacity(splits.len() * k);
    let mut s_all = Vec::with_capacity(splits.len());
    let mut a = vec![0f64; k * k];
    let mut c = vec![0f64; k];
    let mut row = vec![1f64; k];
    for split in splits {
        a.fill(0.0);
        c.fill(0.0);
        let mut s = 0.0;
        let n = split.n_rows();
        for i in 0..n {
            for (j, value) in row.iter_mut().take(d).enumerate() {
                *value = split.x[(i, j)];
            }
            let y = split.y[i];
            for p in 0..k {
                c[p] += row[p] * y;
                for q in p..k {
                    a[p * k + q] += row[p] * row[q];
                }
            }
            s += y * y;
        }
        let inv = 1.0 / n as f64;
        for p in 0..k {
            for q in 0..p {
                a[p * k + q] = a[q * k + p];
            }
        }
        a_all.extend(a.iter().map(|v| (v * inv) as f32));
        c_all.extend(c.iter().map(|v| (v * inv) as f32));
        s_all.push((s * inv) as f32);
    }
    (a_all, c_all, s_all)
}
