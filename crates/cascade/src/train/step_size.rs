//! Learning rates from the data (`eta = auto`).
//!
//! Gradient descent on an `L`-smooth loss decreases it at every step when `eta <= 2/L`, and
//! `eta = 1/L` is the textbook step that needs no tuning. For the models whose loss is a
//! quadratic, or bounded by one, `L` is known in closed form from the training rows:
//! - mean squared error of a linear model, `mean (theta^T x~ - y)^2` with `x~ = [x, 1]`: its
//!   Hessian is `2 X~^T X~ / n`, so `L = 2 lambda_max(X~^T X~ / n)`;
//! - mean logistic loss of a linear model: its Hessian is `X^T S X / n` with
//!   `S = diag(p (1 - p)) <= 1/4`, so `L = lambda_max(X^T X / n) / 4` (the step is `4/lambda`);
//! - mean softmax cross-entropy of a linear model over `k` classes: the Hessian of the loss in
//!   the logits is `diag(p) - p p^T`, whose eigenvalues are at most 1/2, so
//!   `L = lambda_max(X~^T X~ / n) / 2` (the step is `2/lambda`);
//! - the L2 penalty `reg/2 |theta|^2` adds `reg` to `L`.
//!
//! Under the squared error each task gets the step of its own curvature (`eta_v = 1/L_v`), since
//! ragged tasks differ: a task with few rows and many features has a much larger `lambda_max`
//! than the pooled data (a sample of `n` rows in `d` dimensions has `lambda_max` near
//! `(1 + sqrt(d/n))^2` even when the features are independent), and the pooled step would make
//! it diverge along its top direction (`eta L_v > 2`). Under the classification losses every task takes
//! the pooled curvature's step instead: its gradient is bounded (`|x|` a row), so a step above
//! a task's own `2/L_v` cannot diverge; `p (1 - p) = 1/4` holds only at the start, and with
//! `d >= n` the classes separate and the loss flattens; and the per-task bound, inflated by
//! that sampling, is 3-5 times too cautious (Fashion-MNIST pairs, 100 PCA features of 64
//! images: per-task steps 0.35-0.69, pooled 2.6; two steps a task at the per-task steps cost
//! Indiv 2 points of accuracy against eta = 2, at the pooled step none). The pooled (Global)
//! model uses the curvature of the pooled rows. Other models (MLPs, CNNs) have no closed form:
//! one step size is chosen for every task by backtracking on the root task's training loss,
//! with a margin of 2 ([`backtrack`]).

use burn::prelude::Device;
use cascade_data::{Problem, Split, StandardisedTaskSet, pooled_train};
use cascade_models::TaskModelConfig;
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::{Eta, TaskBatch, TrainConfig, fit, objective_for, task_init_seed};
use crate::CascadeError;
use crate::parallel::par_map;

/// How a run's learning rates were chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepRule {
    /// One fixed eta for every task.
    Fixed,
    /// `1/L` from each task's curvature (linear and logistic models).
    Curvature,
    /// Backtracking on the root's training loss (other models).
    Backtracking,
}

/// The learning rate of every task of a task set, and of the pooled model over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepSizes {
    /// How they were chosen.
    pub rule: StepRule,
    /// Task `v`'s learning rate (standardised units), `[T]`.
    pub per_task: Vec<f64>,
    /// The pooled (Global) model's learning rate.
    pub pooled: f64,
}

impl StepSizes {
    /// The same learning rate `eta` for `tasks` tasks and the pooled model.
    pub fn fixed(eta: f64, tasks: usize) -> Self {
        Self {
            rule: StepRule::Fixed,
            per_task: vec![eta; tasks],
            pooled: eta,
        }
    }
}

/// Training steps per trial of the backtracking search.
const SEARCH_STEPS: usize = 8;
/// The first (largest) learning rate the backtracking search tries.
const SEARCH_START: f64 = 2.0;
/// Halvings the search tries before it settles for the smallest rate.
const SEARCH_HALVINGS: i32 = 16;

/// The learning rates `config.eta` gives on `data` for `model`: the fixed value everywhere, or
/// for `auto` the curvature rule (linear and logistic models) or backtracking on task `root`'s
/// training loss (other models; its fresh parameters drawn as an executor draws them from
/// `init_seed`, on `device`).
pub fn step_sizes<C: TaskModelConfig>(
    data: &StandardisedTaskSet,
    model: &C,
    config: &TrainConfig,
    root: usize,
    init_seed: u64,
    device: &Device,
) -> Result<StepSizes, CascadeError> {
    let t = data.len();
    match (step_rule(config.eta, model), config.eta) {
        (_, Eta::Fixed(eta)) => Ok(StepSizes::fixed(eta, t)),
        (StepRule::Curvature, _) => Ok(curvature_sizes(
            data,
            model.affine_bias().unwrap_or(true),
            config.l2,
        )),
        _ => {
            let eta = backtrack(data, model, config, root, init_seed, device)?;
            Ok(StepSizes {
                rule: StepRule::Backtracking,
                per_task: vec![eta; t],
                pooled: eta,
            })
        }
    }
}

/// The curvature rule on `data` for a linear model (with a bias column when `bias`): `1/L_v` per
/// task under the squared error, the pooled `1/L` for every task under the logistic loss.
fn curvature_sizes(data: &StandardisedTaskSet, bias: bool, l2: f64) -> StepSizes {
    let problem = data.standardised.problem();
    let curvature = |split: &Split| curvature_step(split, bias, problem, l2);
    let pooled = curvature(&pooled_train(&data.standardised));
    let pooled = if pooled.is_finite() { pooled } else { 1.0 };
    let per_task = match problem {
        Problem::Binary | Problem::Multiclass { .. } => vec![pooled; data.len()],
        Problem::Regression => {
            let tasks: Vec<&Split> = data.tasks().iter().map(|t| &t.train).collect();
            par_map(&tasks, 16, |split| curvature(split))
                .into_iter()
                // A task whose rows are all zero has no curvature and no gradient: any rate is
                // the same to it, and the pooled one keeps the printed range meaningful.
                .map(|eta| if eta.is_finite() { eta } else { pooled })
                .collect()
        }
    };
    StepSizes {
        rule: StepRule::Curvature,
        per_task,
        pooled,
    }
}

/// The rule [`step_sizes`] follows for `eta` and `model`: curvature for affine models
/// ([`TaskModelConfig::affine_bias`]), backtracking for the others.
pub fn step_rule<C: TaskModelConfig>(eta: Eta, model: &C) -> StepRule {
    match eta {
        Eta::Fixed(_) => StepRule::Fixed,
        Eta::Auto if model.affine_bias().is_some() => StepRule::Curvature,
        Eta::Auto => StepRule::Backtracking,
    }
}

/// `1/L` for a linear model (with a bias column when `bias`) on `split`'s rows, infinite when the
/// loss has no curvature (all-zero features, no bias, no penalty).
fn curvature_step(split: &Split, bias: bool, problem: Problem, l2: f64) -> f64 {
    let lambda = gram_lambda_max(&split.x, bias);
    let smoothness = match problem {
        Problem::Regression => 2.0 * lambda,
        Problem::Binary => lambda / 4.0,
        Problem::Multiclass { .. } => lambda / 2.0,
    } + l2;
    if smoothness > 0.0 {
        1.0 / smoothness
    } else {
        f64::INFINITY
    }
}

/// Widest `X~` whose Gram matrix [`gram_lambda_max`] forms and diagonalises.
const DENSE_GRAM_MAX: usize = 256;

/// The largest eigenvalue of `X~^T X~ / n`, with `X~ = [X, 1]` when `bias`.
///
/// Up to [`DENSE_GRAM_MAX`] columns the `k x k` matrix is formed and all its eigenvalues taken
/// (nalgebra's symmetric QR, `O(n k^2 + k^3)`, exact to rounding). Wider (raw pixels, d = 3072)
/// it runs power iteration on the rows (`v <- X~^T (X~ v) / n`), never forming the matrix:
/// `O(n d)` a sweep. Power iteration written by hand: no maintained crate offers a matrix-free
/// largest eigenvalue; it is also slow where the top two eigenvalues are close (per-task
/// standardised features), which is why small widths avoid it.
pub fn gram_lambda_max(x: &DMatrix<f64>, bias: bool) -> f64 {
    let (n, d) = x.shape();
    let k = d + usize::from(bias);
    if n == 0 || k == 0 {
        return 0.0;
    }
    if k <= DENSE_GRAM_MAX {
        let mut gram = DMatrix::zeros(k, k);
        gram.view_mut((0, 0), (d, d)).copy_from(&x.tr_mul(x));
        if bias {
            let sums = x.row_sum();
            for j in 0..d {
                gram[(j, d)] = sums[j];
                gram[(d, j)] = sums[j];
            }
            gram[(d, d)] = n as f64;
        }
        gram /= n as f64;
        return gram.symmetric_eigenvalues().max().max(0.0);
    }
    let apply = |v: &DVector<f64>| -> DVector<f64> {
        let mut xv = x * v.rows(0, d);
        if bias {
            xv.add_scalar_mut(v[d]);
        }
        let mut out = DVector::zeros(k);
        out.rows_mut(0, d).copy_from(&(x.transpose() * &xv));
        if bias {
            out[d] = xv.sum();
        }
        out / n as f64
    };
    // A fixed start with no symmetry that could leave it orthogonal to the top eigenvector of
    // ordinary data (a golden-ratio sequence).
    let mut v = DVector::from_fn(k, |j, _| {
        0.5 + ((j as f64 + 1.0) * 0.618_033_988_75).fract()
    });
    v /= v.norm();
    let mut lambda = 0.0;
    for _ in 0..1000 {
        let w = apply(&v);
        let next = v.dot(&w);
        let norm = w.norm();
        if norm == 0.0 {
            return 0.0;
        }
        v = w / norm;
        if (next - lambda).abs() <= 1e-10 * next.abs() {
            return next;
        }
        lambda = next;
    }
    lambda
}

/// Half the largest learning rate among `2, 1, 1/2, ...` (at most [`SEARCH_HALVINGS`] halvings)
/// under which [`SEARCH_STEPS`] steps from task `root`'s fresh initialisation lower its training
/// loss at every step (the smallest one tried when none does). The factor 2 is a margin for the
/// other tasks: the root's largest stable rate made other SmallCnn tasks of Fashion-MNIST pairs
/// diverge within 5 steps.
fn backtrack<C: TaskModelConfig>(
    data: &StandardisedTaskSet,
    model: &C,
    config: &TrainConfig,
    root: usize,
    init_seed: u64,
    device: &Device,
) -> Result<f64, CascadeError> {
    let task = data.tasks().get(root).ok_or(CascadeError::TaskOutOfRange {
        index: root,
        tasks: data.len(),
    })?;
    let d = data.standardised.n_features();
    let model = model
        .for_data(d, data.standardised.image_shape())
        .map_err(CascadeError::Model)?;
    let objective = objective_for(data.standardised.problem());
    let batch = TaskBatch::new(&[&task.train], device).with_objective(objective.as_ref());
    // Divergence is what the search looks for, not an error.
    let trial = TrainConfig {
        divergence_factor: f64::INFINITY,
        ..*config
    };
    let names = [task.id.clone()];
    let mut eta = SEARCH_START;
    for _ in 0..SEARCH_HALVINGS {
        let mut current = model.init_tasks(
            d,
            objective.outputs(),
            &[task_init_seed(init_seed, root)],
            device,
        );
        let mut losses = Vec::with_capacity(SEARCH_STEPS + 1);
        let mut failed = false;
        // Step k's `last_loss` is the loss before its update: SEARCH_STEPS + 1 calls see the
        // loss after SEARCH_STEPS updates.
        for _ in 0..=SEARCH_STEPS {
            match fit(current, &batch, &[1], &[eta], &trial, &names) {
                Ok(out) => {
                    losses.push(out.last_loss[0].unwrap_or(f64::NAN));
                    current = out.model;
                }
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        let decreasing = losses
            .windows(2)
            .all(|w| w[1].is_finite() && w[1] <= w[0] * (1.0 + 1e-6));
        if !failed && decreasing && losses[SEARCH_STEPS] < losses[0] {
            return Ok(eta / 2.0);
        }
        eta /= 2.0;
    }
    Ok(eta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use nalgebra::dmatrix;

    #[test]
    fn power_iteration_matches_a_hand_computed_eigenvalue() {
        // X = [[1, 0], [0, 2], [1, 2]] (n = 3): X^T X / 3 = [[2, 2], [2, 8]] / 3, whose largest
        // eigenvalue is (10 + sqrt(36 + 16)) / 6 = (10 + 2 sqrt(13)) / 6 by the quadratic
        // formula.
        let x = dmatrix![1.0, 0.0; 0.0, 2.0; 1.0, 2.0];
        let expected = (10.0 + 2.0 * 13f64.sqrt()) / 6.0;
        assert_relative_eq!(gram_lambda_max(&x, false), expected, max_relative = 1e-9);
        // With the bias column, X~^T X~ / 3 = [[2, 2, 2], [2, 8, 4], [2, 4, 3]] / 3; its largest
        // eigenvalue, 3.6800..., was computed with numpy:
        // np.linalg.eigvalsh(np.array([[2,2,2],[2,8,4],[2,4,3]]) / 3).max()
        assert_relative_eq!(
            gram_lambda_max(&x, true),
            3.680_026_293_890_572,
            max_relative = 1e-8
        );
    }

    #[test]
    fn curvature_steps_follow_the_loss() {
        // Standardised columns of the identity-like design [[1, -1], [-1, 1]] have X^T X / n =
        // [[1, -1], [-1, 1]] (eigenvalues 0 and 2); with the bias column the top one stays 2.
        let split = Split::new(
            dmatrix![1.0, -1.0; -1.0, 1.0],
            nalgebra::dvector![1.0, -1.0],
        );
        let mse = curvature_step(&split, true, Problem::Regression, 0.0);
        assert_relative_eq!(mse, 1.0 / (2.0 * 2.0), max_relative = 1e-9);
        let logistic = curvature_step(&split, false, Problem::Binary, 0.5);
        assert_relative_eq!(logistic, 1.0 / (2.0 / 4.0 + 0.5), max_relative = 1e-9);
        assert_eq!(
            step_rule(Eta::Auto, &cascade_models::ModelKind::SIMPLE_MLP),
            StepRule::Backtracking
        );
    }

    #[test]
    fn dense_and_power_iteration_agree_on_the_top_eigenvalue() {
        // The same data in both branches: 300 columns (power iteration), and its first 200
        // (dense) against the dense value of the same 200 columns padded with zero columns,
        // which add only zero eigenvalues. A rank-one spike 5 u u^T keeps the gap wide.
        let (n, d) = (400, 300);
        let x = DMatrix::from_fn(n, d, |i, j| {
            let spike = if j < 200 {
                2.0 * ((i % 7) as f64 - 3.0)
            } else {
                0.0
            };
            spike + ((i * 31 + j * 17) % 23) as f64 / 23.0 - 0.5
        });
        let wide = gram_lambda_max(&x, true);
        let dense = gram_lambda_max(&x.columns(0, 200).into_owned(), true);
        let mut padded = x.columns(0, 200).into_owned().resize_horizontally(300, 0.0);
        padded.fill_column(299, 0.0);
        let power = gram_lambda_max(&padded, true);
        assert_relative_eq!(power, dense, max_relative = 1e-8);
        assert!(wide >= dense - 1e-9, "{wide} < {dense}");
    }
}
