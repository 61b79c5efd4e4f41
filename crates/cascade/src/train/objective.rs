//! Training losses and the metrics that go with them, behind one small trait.
//!
//! An [`Objective`] says how a model's outputs (`[T, n, k]`) are scored against targets during
//! training, and how one task's test outputs become predictions and metrics in the data's own
//! units. The built-ins cover the three target kinds of [`Problem`]: [`SquaredError`] for real
//! values, [`BinaryLogistic`] for 0/1 labels and [`SoftmaxCrossEntropy`] for `k` classes.

use std::fmt::Debug;

use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use cascade_data::{Problem, Scaler};
use serde::{Deserialize, Serialize};

/// One row's prediction in the data's units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Prediction {
    /// A real value (regression).
    Value(f64),
    /// The most probable class and every class's probability.
    Class {
        /// Index of the most probable class (the lowest on a tie).
        class: usize,
        /// Probability of each class; two entries for binary labels (`1 - p`, `p`).
        probabilities: Vec<f64>,
    },
}

/// One task's test metrics, in the data's own units.
///
/// Regression fills `mse`, `rmse`, `mae` and `mape`. Classification fills `accuracy`, `log_loss`
/// and the Brier score as `mse` (`rmse` its root): `mean_i sum_c (p_ic - [y_i = c])^2` over
/// classes, or `mean (p - y)^2` for binary labels.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TestError {
    /// Mean squared error (Brier score for classifiers).
    pub mse: f64,
    /// Its square root.
    pub rmse: f64,
    /// Fraction of rows whose most probable class is right (classifiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Mean absolute error (regression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mae: Option<f64>,
    /// Mean absolute percentage error, `mean |p - y| / |y|` in percent, over rows with `y != 0`
    /// (regression; `None` when every target is 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mape: Option<f64>,
    /// Mean negative log-likelihood of the true class, probabilities clamped to `[1e-15, 1]`
    /// (classifiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_loss: Option<f64>,
}

impl TestError {
    /// What a run that read no test row reports: NaN errors, no other metric.
    pub const NOT_EVALUATED: TestError = TestError {
        mse: f64::NAN,
        rmse: f64::NAN,
        accuracy: None,
        mae: None,
        mape: None,
        log_loss: None,
    };
}

/// A training loss with its predictions and metrics.
///
/// Implement it to train on another loss: [`Objective::loss`] runs on the device inside the
/// training loop, [`Objective::predict`] and [`Objective::metrics`] on the host.
pub trait Objective: Debug + Send + Sync {
    /// A short name for reports and saved manifests.
    fn name(&self) -> &str;

    /// Outputs the model needs per row (`k`).
    fn outputs(&self) -> usize;

    /// Each row's loss: `outputs: [T, n, k]`, `targets: [T, n, 1]` (standardised values, 0/1
    /// labels or class indices as floats) -> `[T, n, 1]`. Padding rows are weighted out later.
    fn loss(&self, outputs: Tensor<3>, targets: Tensor<3>) -> Tensor<3>;

    /// One row's prediction in data units from its `k` outputs, undoing the task's `scaler`.
    fn predict(&self, outputs: &[f32], scaler: &Scaler) -> Prediction;

    /// One task's metrics from its predictions and targets (data units), row for row.
    fn metrics(&self, predictions: &[Prediction], truth: &[f64]) -> TestError;

    /// True when the loss is the plain mean squared error of one output: linear models then
    /// train from sufficient statistics.
    fn is_squared_error(&self) -> bool {
        false
    }
}

/// The built-in objective for a target kind.
pub fn objective_for(problem: Problem) -> Box<dyn Objective> {
    match problem {
        Problem::Regression => Box::new(SquaredError),
        Problem::Binary => Box::new(BinaryLogistic),
        Problem::Multiclass { classes } => Box::new(SoftmaxCrossEntropy { classes }),
    }
}

/// Mean squared error on standardised targets; metrics MSE, RMSE, MAE, MAPE.
#[derive(Debug, Clone, Copy, Default)]
pub struct SquaredError;

impl Objective for SquaredError {
    fn name(&self) -> &str {
        "squared-error"
    }

    fn outputs(&self) -> usize {
        1
    }

    fn loss(&self, outputs: Tensor<3>, targets: Tensor<3>) -> Tensor<3> {
        (outputs - targets).square()
    }

    fn predict(&self, outputs: &[f32], scaler: &Scaler) -> Prediction {
        Prediction::Value(scaler.inverse_target(f64::from(outputs[0])))
    }

    fn metrics(&self, predictions: &[Prediction], truth: &[f64]) -> TestError {
        let n = truth.len() as f64;
        let (mut sse, mut sae, mut ape, mut nonzero) = (0.0, 0.0, 0.0, 0usize);
        for (p, &y) in predictions.iter().zip(truth) {
            let Prediction::Value(p) = *p else { continue };
            sse += (p - y).powi(2);
            sae += (p - y).abs();
            if y != 0.0 {
                ape += ((p - y) / y).abs();
                nonzero += 1;
            }
        }
        let mse = sse / n;
        TestError {
            mse,
            rmse: mse.sqrt(),
            mae: Some(sae / n),
            mape: (nonzero > 0).then(|| 100.0 * ape / nonzero as f64),
            ..TestError::default()
        }
    }

    fn is_squared_error(&self) -> bool {
        true
    }
}

/// Logistic loss on one logit per row for 0/1 labels (SPEC 5); metrics accuracy at
/// probability 0.5, log-loss and Brier score.
#[derive(Debug, Clone, Copy, Default)]
pub struct BinaryLogistic;

impl Objective for BinaryLogistic {
    fn name(&self) -> &str {
        "logistic"
    }

    fn outputs(&self) -> usize {
        1
    }

    /// `softplus(z) - y z` on the logits `z` clamped to +-500 (SPEC 5), as
    /// `m + ln(e^(z-m) + e^(-m)) - y z` with `m = max(z, 0)` held constant: no exponent is
    /// positive, so nothing overflows, and the gradient is exactly `sigmoid(z) - y` everywhere
    /// (`relu(z) + ln(1 + e^-|z|)` would give 0 instead of 1/2 at `z = 0`, where `relu` and
    /// `|.|` have kinks).
    fn loss(&self, outputs: Tensor<3>, targets: Tensor<3>) -> Tensor<3> {
        let z = outputs.clamp(-500.0, 500.0);
        let m = z.clone().clamp_min(0.0).detach();
        let log_sum = ((z.clone() - m.clone()).exp() + m.clone().neg().exp()).log();
        m + log_sum - targets * z
    }

    fn predict(&self, outputs: &[f32], _scaler: &Scaler) -> Prediction {
        let z = f64::from(outputs[0]).clamp(-500.0, 500.0);
        let p = 1.0 / (1.0 + (-z).exp());
        Prediction::Class {
            class: usize::from(p > 0.5),
            probabilities: vec![1.0 - p, p],
        }
    }

    fn metrics(&self, predictions: &[Prediction], truth: &[f64]) -> TestError {
        class_metrics(predictions, truth, true)
    }
}

/// Softmax cross-entropy over `classes` logits per row; metrics accuracy, log-loss and the
/// multi-class Brier score.
#[derive(Debug, Clone, Copy)]
pub struct SoftmaxCrossEntropy {
    /// Number of classes `k`.
    pub classes: usize,
}

impl Objective for SoftmaxCrossEntropy {
    fn name(&self) -> &str {
        "softmax-cross-entropy"
    }

    fn outputs(&self) -> usize {
        self.classes
    }

    /// `-log_softmax(z)[y]` per row: `[T, n, k]` logits, `[T, n, 1]` class indices.
    fn loss(&self, outputs: Tensor<3>, targets: Tensor<3>) -> Tensor<3> {
        let log_p = log_softmax(outputs, 2);
        log_p.gather(2, targets.int()).neg()
    }

    fn predict(&self, outputs: &[f32], _scaler: &Scaler) -> Prediction {
        let max = outputs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f64> = outputs.iter().map(|&z| f64::from(z - max).exp()).collect();
        let total: f64 = exp.iter().sum();
        let probabilities: Vec<f64> = exp.iter().map(|e| e / total).collect();
        let class = probabilities
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (c, &p)| {
                if p > best.1 { (c, p) } else { best }
            })
            .0;
        Prediction::Class {
            class,
            probabilities,
        }
    }

    fn metrics(&self, predictions: &[Prediction], truth: &[f64]) -> TestError {
        class_metrics(predictions, truth, false)
    }
}

/// Accuracy, log-loss and Brier score of class predictions. The Brier score sums over classes,
/// except for `binary` labels, where it is `mean (p - y)^2` on the probability of class 1 (half
/// the two-class sum; SPEC 5's figure).
fn class_metrics(predictions: &[Prediction], truth: &[f64], binary: bool) -> TestError {
    let n = truth.len() as f64;
    let (mut correct, mut log_loss, mut brier) = (0usize, 0.0, 0.0);
    for (p, &y) in predictions.iter().zip(truth) {
        let Prediction::Class {
            class,
            probabilities,
        } = p
        else {
            continue;
        };
        let y = y as usize;
        correct += usize::from(*class == y);
        log_loss -= probabilities
            .get(y)
            .copied()
            .unwrap_or(0.0)
            .clamp(1e-15, 1.0)
            .ln();
        brier += if binary {
            (probabilities[1] - y as f64).powi(2)
        } else {
            probabilities
                .iter()
                .enumerate()
                .map(|(c, &q)| (q - f64::from(u8::from(c == y))).powi(2))
                .sum::<f64>()
        };
    }
    let mse = brier / n;
    TestError {
        mse,
        rmse: mse.sqrt(),
        accuracy: Some(correct as f64 / n),
        log_loss: Some(log_loss / n),
        ..TestError::default()
    }
}
