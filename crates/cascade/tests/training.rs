//! The step loop against independent calculations: one clipped gradient step in closed form,
//! masked and padded batches against tasks trained alone, convergence to least squares, and
//! divergence reported with task and step.

use approx::assert_abs_diff_eq;
use cascade::CascadeError;
use cascade::train::{BinaryLogistic, FitOutcome, TaskBatch, TrainConfig};
use cascade_data::{DMatrix, DVector, Split};
use cascade_models::burn::prelude::*;
use cascade_models::{
    Backend, LinearModel, ModelKind, TaskLinear, TaskModel, TaskModule, gather_tasks, to_host,
};

fn device() -> Device {
    Backend::Flex.device().unwrap().device
}

fn linear(w: &[f32], b: &[f32], d: usize, dev: &Device) -> TaskModel {
    let t = b.len();
    TaskModel::Linear(LinearModel {
        linear: TaskLinear::from_values(
            TensorData::new(w.to_vec(), [t, d, 1]),
            TensorData::new(b.to_vec(), [t, 1, 1]),
            dev,
        ),
    })
}

fn params(model: &TaskModel) -> Vec<f32> {
    let TaskModel::Linear(m) = model else {
        panic!("linear expected")
    };
    let mut out = to_host(m.linear.weight.val());
    out.extend(to_host(m.linear.bias.val()));
    out
}

/// `cascade::train::fit` with every task at the config's fixed eta (0.01 when it is `auto`).
fn fit(
    model: TaskModel,
    batch: &TaskBatch,
    steps: &[usize],
    config: &TrainConfig,
    names: &[String],
) -> Result<FitOutcome<TaskModel>, CascadeError> {
    let eta = config.eta.fixed().unwrap_or(0.01);
    cascade::train::fit(model, batch, steps, &vec![eta; steps.len()], config, names)
}

fn names(t: usize) -> Vec<String> {
    (0..t).map(|i| format!("task-{i}")).collect()
}

/// One step by hand in f64: r = X w + b - y; g_w = 2/n X^T r; g_b = 2/n sum r;
/// scale = min(1, clip / (|(g_w, g_b)| + 1e-6)); w' = w - eta scale g_w; b' = b - eta scale g_b.
fn one_step_by_hand(x: &DMatrix<f64>, y: &DVector<f64>, w: &[f64], b: f64, eta: f64) -> Vec<f64> {
    let n = x.nrows() as f64;
    let wv = DVector::from_column_slice(w);
    let r = x * &wv + DVector::repeat(x.nrows(), b) - y;
    let gw = x.transpose() * &r * (2.0 / n);
    let gb = r.sum() * 2.0 / n;
    let norm = (gw.norm_squared() + gb * gb).sqrt();
    let scale = (1.0 / (norm + 1e-6)).min(1.0);
    let mut out: Vec<f64> = (0..w.len()).map(|j| w[j] - eta * scale * gw[j]).collect();
    out.push(b - eta * scale * gb);
    out
}

#[test]
fn one_step_matches_the_closed_form_with_and_without_clipping() {
    for fast in [true, false] {
        one_step_matches_the_closed_form(fast);
    }
}

fn one_step_matches_the_closed_form(linear_fast_path: bool) {
    let dev = device();
    // Task 0 has a large gradient (clipped), task 1 a small one (not clipped: |g| < 1).
    let x0 = DMatrix::from_row_slice(3, 2, &[1.0, 2.0, -1.0, 0.5, 3.0, -2.0]);
    let y0 = DVector::from_vec(vec![4.0, -3.0, 6.0]);
    let x1 = DMatrix::from_row_slice(3, 2, &[0.1, 0.2, -0.1, 0.05, 0.3, -0.2]);
    let y1 = DVector::from_vec(vec![0.11, 0.02, 0.13]);
    let (w, b) = ([0.5, -0.25, 0.1, 0.2], [0.3, 0.05]);
    let model = linear(&w.map(|v| v as f32), &b.map(|v| v as f32), 2, &dev);
    let s0 = Split::new(x0.clone(), y0.clone());
    let s1 = Split::new(x1.clone(), y1.clone());
    let batch = TaskBatch::new(&[&s0, &s1], &dev);
    let eta = 0.1;
    let config = TrainConfig {
        clip: 1.0,
        linear_fast_path,
        ..TrainConfig::with_eta(eta)
    };
    let out = fit(model, &batch, &[1, 1], &config, &names(2)).unwrap();
    let got = params(&out.model);
    let want0 = one_step_by_hand(&x0, &y0, &w[..2], b[0], eta);
    let want1 = one_step_by_hand(&x1, &y1, &w[2..], b[1], eta);
    // Layout: weights [w00, w01, w10, w11], then biases [b0, b1].
    let got0 = [got[0], got[1], got[4]];
    let got1 = [got[2], got[3], got[5]];
    for (g, w) in got0.iter().zip(&want0).chain(got1.iter().zip(&want1)) {
        assert_abs_diff_eq!(*g as f64, *w, epsilon = 1e-5);
    }
    // The clipped step has length exactly eta * clip.
    let step0 = ((got0[0] as f64 - w[0]).powi(2)
        + (got0[1] as f64 - w[1]).powi(2)
        + (got0[2] as f64 - b[0]).powi(2))
    .sqrt();
    assert_abs_diff_eq!(step0, eta, epsilon = 1e-5);
    // The last loss is each task's MSE before the step: mean((X w + b - y)^2).
    let r0 = &x0 * DVector::from_column_slice(&w[..2]) + DVector::repeat(3, b[0]) - &y0;
    assert_abs_diff_eq!(
        out.last_loss[0].unwrap(),
        r0.norm_squared() / 3.0,
        epsilon = 1e-4
    );
}

fn split(n: usize, d: usize, seed: u64) -> Split {
    // A deterministic pseudo-random split without an RNG dependency: a sine hash.
    let v = |i: usize| ((i as f64 + seed as f64 * 7.31) * 12.9898).sin() * 2.0;
    let x = DMatrix::from_fn(n, d, |i, j| v(i * d + j));
    let y = DVector::from_fn(n, |i, _| v(1000 + i));
    Split::new(x, y)
}

#[test]
fn masked_padded_batches_equal_tasks_trained_alone() {
    let dev = device();
    let config = TrainConfig::default();
    for kind in [
        ModelKind::Linear,
        ModelKind::SIMPLE_MLP,
        ModelKind::RESIDUAL_MLP,
    ] {
        // Ragged tasks (4, 9 and 6 rows) with budgets 0, 5 and 12 steps.
        let splits = [split(4, 3, 1), split(9, 3, 2), split(6, 3, 3)];
        let steps = [0usize, 5, 12];
        let model = kind.init(3, &[7, 8, 9], &dev);
        let refs: Vec<&Split> = splits.iter().collect();
        let batched = fit(
            model.clone(),
            &TaskBatch::new(&refs, &dev),
            &steps,
            &config,
            &names(3),
        )
        .unwrap();
        let x = Tensor::<3>::ones([3, 2, 3], &dev);
        let together = to_host(batched.model.forward(x));
        for t in 0..3 {
            let alone_model = gather_tasks(&model, &[t]).unwrap();
            let batch = TaskBatch::new(&[&splits[t]], &dev);
            let alone = fit(alone_model, &batch, &[steps[t]], &config, &names(1)).unwrap();
            let y = to_host(alone.model.forward(Tensor::ones([1, 2, 3], &dev)));
            for i in 0..2 {
                assert_abs_diff_eq!(together[2 * t + i], y[i], epsilon = 1e-5);
            }
            assert_eq!(batched.last_loss[t].is_none(), steps[t] == 0, "{kind}");
        }
    }
}

#[test]
fn converges_to_the_least_squares_fit() {
    // Noise-free data y = X [1.5, -2] + 0.7: gradient descent with a large clip converges to
    // the exact least-squares solution, computed here in closed form by nalgebra.
    let dev = device();
    let x = DMatrix::from_fn(20, 2, |i, j| ((i * 2 + j) as f64 * 0.37).sin());
    let y = &x * DVector::from_vec(vec![1.5, -2.0]) + DVector::repeat(20, 0.7);
    let mut design = DMatrix::from_element(20, 3, 1.0);
    design.view_mut((0, 0), (20, 2)).copy_from(&x);
    let theta = (design.transpose() * &design)
        .cholesky()
        .unwrap()
        .solve(&(design.transpose() * &y));
    let model = linear(&[0.0, 0.0], &[0.0], 2, &dev);
    let s = Split::new(x, y);
    let config = TrainConfig {
        clip: 100.0,
        ..TrainConfig::with_eta(0.3)
    };
    let out = fit(
        model,
        &TaskBatch::new(&[&s], &dev),
        &[3000],
        &config,
        &names(1),
    )
    .unwrap();
    let p = params(&out.model);
    for (got, want) in p.iter().zip(theta.iter()) {
        assert_abs_diff_eq!(*got as f64, *want, epsilon = 1e-3);
    }
}

#[test]
fn a_non_finite_loss_names_the_task_and_step() {
    let dev = device();
    // Features of 1e20 overflow f32 when squared: the loss is infinite from the first step.
    let good = split(5, 2, 1);
    let bad = Split::new(
        DMatrix::from_element(5, 2, 1e20),
        DVector::from_element(5, 1.0),
    );
    let model = ModelKind::Linear.init(2, &[1, 2], &dev);
    let err = fit(
        model,
        &TaskBatch::new(&[&good, &bad], &dev),
        &[10, 10],
        &TrainConfig::default(),
        &["fine".into(), "substation-7".into()],
    )
    .unwrap_err();
    match err {
        CascadeError::Diverged { task, step, .. } => {
            assert_eq!(task, "substation-7");
            assert_eq!(step, 1);
        }
        other => panic!("expected divergence, got {other}"),
    }
}

#[test]
fn a_learning_rate_far_too_large_is_reported_as_divergence() {
    // With clipping the loss of eta = 10 never turns NaN; it jumps to hundreds of times its
    // start (steps of length 10 in standardised units) and is caught by the growth check.
    let dev = device();
    let s = split(30, 3, 4);
    let run = |eta: f64| {
        let model = ModelKind::Linear.init(3, &[3], &dev);
        fit(
            model,
            &TaskBatch::new(&[&s], &dev),
            &[50],
            &TrainConfig::with_eta(eta),
            &names(1),
        )
    };
    match run(10.0).unwrap_err() {
        CascadeError::Diverged {
            step, loss, limit, ..
        } => {
            assert!((2..=50).contains(&step), "step {step}");
            assert!(loss > limit, "{loss} <= {limit}");
        }
        other => panic!("expected divergence, got {other}"),
    }
    assert!(run(0.01).is_ok());
}

#[test]
fn the_linear_fast_path_gives_the_general_paths_iterates() {
    // Ragged tasks (5, 17 and 11 rows), budgets 0, 9 and 40, a large eta so that some steps are
    // clipped and some are not: sufficient statistics and autodiff must agree.
    let dev = device();
    let splits = [split(5, 4, 7), split(17, 4, 8), split(11, 4, 9)];
    let refs: Vec<&Split> = splits.iter().collect();
    let batch = TaskBatch::new(&refs, &dev);
    let steps = [0usize, 9, 40];
    let model = ModelKind::Linear.init(4, &[1, 2, 3], &dev);
    let run = |fast: bool| {
        let config = TrainConfig {
            linear_fast_path: fast,
            ..TrainConfig::with_eta(0.2)
        };
        fit(model.clone(), &batch, &steps, &config, &names(3)).unwrap()
    };
    let (fast, general) = (run(true), run(false));
    for (a, b) in params(&fast.model).iter().zip(params(&general.model)) {
        assert_abs_diff_eq!(*a, b, epsilon = 1e-4);
    }
    for (a, b) in fast.last_loss.iter().zip(&general.last_loss) {
        match (a, b) {
            (Some(a), Some(b)) => assert_abs_diff_eq!(*a, *b, epsilon = 1e-4 * b.max(1.0)),
            (a, b) => assert_eq!(a, b),
        }
    }
    // Task 0 had no steps: its parameters are its initial ones.
    assert_eq!(params(&fast.model)[0..4], params(&model)[0..4]);
}

/// One feature alternating +1/-1 and targets 0: with the bias folded in, `X~^T X~ / n = I` and
/// `X~^T y = 0`, so the loss is `w^2 + b^2`, the gradient `2 theta`, and an unclipped step maps
/// `theta -> (1 - 2 eta) theta`: the loss before step k (0-based) is `loss_0 (1 - 2 eta)^(2k)`.
fn unit_problem() -> Split {
    let x = DMatrix::from_fn(8, 1, |i, _| if i % 2 == 0 { 1.0 } else { -1.0 });
    Split::new(x, DVector::zeros(8))
}

#[test]
fn losses_are_checked_past_the_first_chunk_of_steps() {
    // Closed form: with w_0 = 0.1, b_0 = 0 (loss_0 = 0.01) and eta = 1.05 the loss grows by
    // 1.21 a step. The ceiling is 10 * max(0.01, 1) = 10; 0.01 * 1.21^36 = 9.56 < 10 and
    // 0.01 * 1.21^37 = 11.57 > 10, so the first bad step is step 37 (0-based), reported as 38.
    // Task 0 follows the same path but stops after 30 steps, so it never diverges.
    let dev = device();
    let s = unit_problem();
    for fast in [true, false] {
        let config = TrainConfig {
            clip: 1e6,
            linear_fast_path: fast,
            ..TrainConfig::with_eta(1.05)
        };
        let model = linear(&[0.1, 0.1], &[0.0, 0.0], 1, &dev);
        let err = fit(
            model,
            &TaskBatch::new(&[&s, &s], &dev),
            &[30, 100],
            &config,
            &names(2),
        )
        .unwrap_err();
        match err {
            CascadeError::Diverged {
                task, step, loss, ..
            } => {
                assert_eq!((task.as_str(), step), ("task-1", 38), "fast path {fast}");
                assert_abs_diff_eq!(loss, 0.01 * 1.21f64.powi(37), epsilon = 1e-3);
            }
            other => panic!("expected divergence, got {other}"),
        }
    }
}

#[test]
fn the_last_loss_is_taken_at_each_tasks_own_last_step() {
    // Closed form: eta = 0.05 shrinks theta by 0.9 a step, so the loss before step k is
    // 0.01 * 0.81^k; budgets of 40 and 70 steps end at k = 39 and k = 69 (in later chunks).
    let dev = device();
    let s = unit_problem();
    for fast in [true, false] {
        let config = TrainConfig {
            linear_fast_path: fast,
            ..TrainConfig::with_eta(0.05)
        };
        let model = linear(&[0.1, 0.1], &[0.0, 0.0], 1, &dev);
        let out = fit(
            model,
            &TaskBatch::new(&[&s, &s], &dev),
            &[40, 70],
            &config,
            &names(2),
        )
        .unwrap();
        for (t, k) in [(0, 39), (1, 69)] {
            let want = 0.01 * 0.81f64.powi(k);
            let got = out.last_loss[t].unwrap();
            assert!(
                (got - want).abs() <= 1e-4 * want,
                "task {t}: {got} vs {want}"
            );
        }
    }
}

/// One logistic step by hand in f64 (SPEC 5): z = X w; g = X^T (sigmoid(z) - y) / n + reg w;
/// scale = min(1, clip / (|g| + 1e-6)); w' = w - eta scale g. The loss before the step is
/// mean(ln(1 + e^z) - y z) + reg/2 |w|^2.
fn logistic_step_by_hand(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    w: &[f64],
    reg: f64,
    eta: f64,
) -> (Vec<f64>, f64) {
    let n = x.nrows() as f64;
    let wv = DVector::from_column_slice(w);
    let z = x * &wv;
    let p = z.map(|v| 1.0 / (1.0 + (-v).exp()));
    let g = x.transpose() * (p - y) / n + &wv * reg;
    let scale = (1.0 / (g.norm() + 1e-6)).min(1.0);
    let loss = z
        .iter()
        .zip(y.iter())
        .map(|(&z, &y)| (1.0 + z.exp()).ln() - y * z)
        .sum::<f64>()
        / n
        + reg / 2.0 * wv.norm_squared();
    (
        (0..w.len()).map(|j| w[j] - eta * scale * g[j]).collect(),
        loss,
    )
}

#[test]
fn one_logistic_step_matches_the_closed_form() {
    let dev = device();
    // Task 0: logits 9, -0.375 and exactly 0 (where the loss's gradient must be 1/2 - y, a
    // point where a relu/abs formulation gets it wrong); task 1: small logits.
    let x0 = DMatrix::from_row_slice(3, 2, &[3.0, 2.0, -1.0, 0.5, 3.0, -2.0]);
    let x1 = DMatrix::from_row_slice(4, 2, &[0.1, 0.2, -0.1, 0.05, 0.3, -0.2, 0.0, 0.4]);
    let y0 = DVector::from_vec(vec![1.0, 0.0, 0.0]);
    let y1 = DVector::from_vec(vec![1.0, 0.0, 1.0, 1.0]);
    let w = [1.5, 2.25, -0.5, 0.75];
    let model = TaskModel::Logistic(cascade_models::LogisticModel {
        weight: cascade_models::burn::module::Param::from_data(
            TensorData::new(w.map(|v| v as f32).to_vec(), [2, 2, 1]),
            &dev,
        ),
    });
    let s0 = Split::new(x0.clone(), y0.clone());
    let s1 = Split::new(x1.clone(), y1.clone());
    let batch = TaskBatch::new(&[&s0, &s1], &dev).with_objective(&BinaryLogistic);
    let (eta, reg) = (0.5, 0.1);
    let config = TrainConfig {
        l2: reg,
        ..TrainConfig::with_eta(eta)
    };
    let out = fit(model, &batch, &[1, 1], &config, &names(2)).unwrap();
    let TaskModel::Logistic(m) = &out.model else {
        panic!("logistic expected")
    };
    let got = to_host(m.weight.val());
    let (want0, loss0) = logistic_step_by_hand(&x0, &y0, &w[..2], reg, eta);
    let (want1, loss1) = logistic_step_by_hand(&x1, &y1, &w[2..], reg, eta);
    for (g, w) in got.iter().zip(want0.iter().chain(&want1)) {
        assert_abs_diff_eq!(*g as f64, *w, epsilon = 1e-5);
    }
    assert_abs_diff_eq!(out.last_loss[0].unwrap(), loss0, epsilon = 1e-4);
    assert_abs_diff_eq!(out.last_loss[1].unwrap(), loss1, epsilon = 1e-4);
}

/// Two tasks of a one-feature linear model, by hand in f64: momentum and Adam for two steps,
/// task 1 stopping after one (its parameters and moments freeze).
#[test]
fn momentum_and_adam_follow_their_update_rules_per_task() {
    use cascade::train::Optimizer;
    let dev = device();
    let x = [[1.0, 2.0, -1.0], [0.5, -1.5, 2.0]];
    let y = [[1.0, 3.0, 0.0], [2.0, -1.0, 1.0]];
    let splits: Vec<Split> = (0..2)
        .map(|t| {
            Split::new(
                DMatrix::from_column_slice(3, 1, &x[t]),
                DVector::from_column_slice(&y[t]),
            )
        })
        .collect();
    let (w0, b0) = ([0.3, -0.2], [0.1, 0.4]);
    // Gradient of mean (w x + b - y)^2 at (w, b).
    let grad = |t: usize, w: f64, b: f64| -> [f64; 2] {
        let (mut gw, mut gb) = (0.0, 0.0);
        for i in 0..3 {
            let r = w * x[t][i] + b - y[t][i];
            gw += 2.0 * r * x[t][i] / 3.0;
            gb += 2.0 * r / 3.0;
        }
        [gw, gb]
    };
    let eta = 0.1;
    for optimizer in [
        Optimizer::Momentum { beta: 0.9 },
        Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        },
    ] {
        let config = TrainConfig {
            clip: 1e6,
            linear_fast_path: false,
            optimizer,
            ..TrainConfig::with_eta(eta)
        };
        let model = TaskModel::Linear(LinearModel {
            linear: TaskLinear::from_values(
                TensorData::new(w0.map(|v| v as f32).to_vec(), [2, 1, 1]),
                TensorData::new(b0.map(|v| v as f32).to_vec(), [2, 1, 1]),
                &dev,
            ),
        });
        let refs: Vec<&Split> = splits.iter().collect();
        let batch = TaskBatch::new(&refs, &dev);
        let out =
            cascade::train::fit(model, &batch, &[2, 1], &[eta, eta], &config, &names(2)).unwrap();
        let TaskModel::Linear(m) = &out.model else {
            panic!("linear expected")
        };
        let (w, b) = (to_host(m.linear.weight.val()), to_host(m.linear.bias.val()));
        for (t, steps) in [(0usize, 2usize), (1, 1)] {
            let mut p = [w0[t], b0[t]];
            let (mut m1, mut m2) = ([0.0; 2], [0.0; 2]);
            for k in 1..=steps {
                let g = grad(t, p[0], p[1]);
                for j in 0..2 {
                    match optimizer {
                        Optimizer::Momentum { beta } => {
                            m1[j] = beta * m1[j] + g[j];
                            p[j] -= eta * m1[j];
                        }
                        Optimizer::Adam {
                            beta1,
                            beta2,
                            epsilon,
                        } => {
                            m1[j] = beta1 * m1[j] + (1.0 - beta1) * g[j];
                            m2[j] = beta2 * m2[j] + (1.0 - beta2) * g[j] * g[j];
                            let m_hat = m1[j] / (1.0 - beta1.powi(k as i32));
                            let v_hat = m2[j] / (1.0 - beta2.powi(k as i32));
                            p[j] -= eta * m_hat / (v_hat.sqrt() + epsilon);
                        }
                        Optimizer::Sgd => unreachable!(),
                    }
                }
            }
            assert_abs_diff_eq!(w[t] as f64, p[0], epsilon = 1e-5);
            assert_abs_diff_eq!(b[t] as f64, p[1], epsilon = 1e-5);
        }
    }
    assert_eq!(
        "adam".parse::<Optimizer>().unwrap().to_string(),
        "adam:0.9,0.999"
    );
    assert!("momentum:1.5".parse::<Optimizer>().is_err());
    assert!("rmsprop".parse::<Optimizer>().is_err());
}
