//! The exact fast path of [`super::fit`] for linear models under the mean squared error.
//!
//! With the bias folded into `theta = [w; b]` (shape `[T, d+1, 1]`) and `X~ = [X, 1]`, task
//! `t`'s loss is `theta^T A theta - 2 theta^T c + s` with the row-weighted statistics
//! `A = X~^T W X~` (`[T, d+1, d+1]`), `c = X~^T W y` (`[T, d+1, 1]`), `s = y^T W y`, where
//! `W` holds the batch's row weights (`1/n_t`, 0 on padding). Its gradient is
//! `2 (A theta - c)`. The statistics are computed once; every step then costs O(d^2) per task
//! whatever the number of rows, needs no autodiff, and produces the same iterates as the general
//! path (same clipping, masking and divergence checks), up to float rounding.

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
    let x = batch.x.clone().inner();
    let device = x.device();
    let [_, n, d] = x.dims();
    let ones = Tensor::<3>::ones([t, n, 1], &device);
    let x1 = Tensor::cat(vec![x, ones], 2); // [T, n, d+1]
    let w = batch.weight.clone().inner(); // [T, n, 1]
    let y = batch.y.clone().inner(); // [T, n, 1]
    let x1t = x1.clone().swap_dims(1, 2); // [T, d+1, n]
    let a = x1t.clone().matmul(x1 * w.clone()); // [T, d+1, d+1]
    let c = x1t.matmul(y.clone() * w.clone()); // [T, d+1, 1]
    let s = (y.square() * w).sum_dim(1).reshape([t]); // [T]

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
