//! The single-task adapter: an unmodified single-task Burn module, trained one copy per task
//! through the same plans, gives the same per-task test errors as the built-in task-batched
//! model it mirrors, on the same seeds.

mod common;

use std::fmt;

use cascade::train::batched::run_jobs;
use cascade::train::{SoftmaxCrossEntropy, SquaredError, StepSizes, TrainConfig};
use cascade_models::burn::module::Param;
use cascade_models::burn::prelude::*;
use cascade_models::burn::tensor::activation::relu;
use cascade_models::{
    Backend, ModelKind, PerTaskConfig, SingleTaskConfig, SingleTaskModel, TaskModel, to_host,
};
use common::{assert_close, jobs, plans, ragged_class_tasks, ragged_tasks};
use serde::{Deserialize, Serialize};

/// Errors of two executors agree to this relative tolerance (f32 sums in other orders).
const TOLERANCE: f64 = 1e-4;

/// A plain Burn linear layer, `[n, d] -> [n, k]`, written as a Burn user would.
#[derive(Module, Debug)]
struct Dense {
    weight: Param<Tensor<2>>,
    bias: Param<Tensor<1>>,
}

impl Dense {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        x.matmul(self.weight.val()) + self.bias.val().unsqueeze::<2>()
    }
}

/// Linear (`hidden == 0`) or one hidden ReLU layer.
#[derive(Module, Debug)]
struct UserNet {
    layers: Vec<Dense>,
}

impl SingleTaskModel for UserNet {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(x, |x, (i, layer)| {
            let y = layer.forward(x);
            if i < last { relu(y) } else { y }
        })
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct UserNetConfig {
    hidden: usize,
}

impl fmt::Display for UserNetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user-net:{}", self.hidden)
    }
}

/// The built-in model this network mirrors, so both draw the same initial values from a seed.
fn mirror(hidden: usize) -> ModelKind {
    if hidden == 0 {
        ModelKind::Linear
    } else {
        ModelKind::SimpleMlp { hidden }
    }
}

impl SingleTaskConfig for UserNetConfig {
    type Model = UserNet;

    /// Copies the initial values of the mirrored built-in model (`T = 1`) from the same seed.
    fn init(&self, d_in: usize, outputs: usize, seed: u64, device: &Device) -> UserNet {
        let layers = match mirror(self.hidden).init_with_outputs(d_in, outputs, &[seed], device) {
            TaskModel::Linear(m) => vec![m.linear],
            TaskModel::SimpleMlp(m) => vec![m.hidden, m.output],
            other => unreachable!("no mirror for {other:?}"),
        };
        let layers = layers
            .into_iter()
            .map(|layer| {
                let [_, d, k] = layer.weight.dims();
                Dense {
                    weight: Param::from_data(
                        TensorData::new(to_host(layer.weight.val()), [d, k]),
                        device,
                    ),
                    bias: Param::from_data(TensorData::new(to_host(layer.bias.val()), [k]), device),
                }
            })
            .collect();
        UserNet { layers }
    }
}

fn device() -> Device {
    Backend::Flex.device().unwrap().device
}

#[test]
fn adapter_matches_the_batched_models_on_the_same_seeds() {
    let dev = device();
    let data = ragged_tasks(8);
    let plans = plans(&data, 200);
    let etas = StepSizes::fixed(0.05, data.len());
    let jobs = jobs(&plans, &data, &etas, 13);
    for hidden in [0, 8] {
        // The batched linear model would take the sufficient-statistics path: compare the
        // adapter with both paths.
        for fast in [true, false] {
            let config = TrainConfig {
                linear_fast_path: fast,
                ..TrainConfig::with_eta(0.05)
            };
            let batched = run_jobs(&jobs, &mirror(hidden), &SquaredError, &config, &dev).unwrap();
            let adapted = PerTaskConfig(UserNetConfig { hidden });
            let per_task = run_jobs(&jobs, &adapted, &SquaredError, &config, &dev).unwrap();
            for ((plan, a), b) in plans.iter().zip(&batched).zip(&per_task) {
                let what = format!("hidden {hidden}, fast path {fast}, {}", plan.method);
                assert_close(a, b, TOLERANCE, &what);
            }
        }
    }
}

#[test]
fn adapter_matches_the_batched_softmax_model() {
    let dev = device();
    let data = ragged_class_tasks(4);
    let plans = plans(&data, 150);
    let etas = StepSizes::fixed(0.5, data.len());
    let jobs = jobs(&plans, &data, &etas, 17);
    let config = TrainConfig::with_eta(0.5);
    let objective = SoftmaxCrossEntropy { classes: 3 };
    let batched = run_jobs(&jobs, &ModelKind::Linear, &objective, &config, &dev).unwrap();
    let adapted = PerTaskConfig(UserNetConfig { hidden: 0 });
    let per_task = run_jobs(&jobs, &adapted, &objective, &config, &dev).unwrap();
    for ((plan, a), b) in plans.iter().zip(&batched).zip(&per_task) {
        assert_close(a, b, TOLERANCE, &format!("softmax {}", plan.method));
        // Accuracy may differ only where a row's logits tie to float rounding: one test row
        // in 20 at most.
        for (x, y) in a.tasks.iter().zip(&b.tasks) {
            let (x_acc, y_acc) = (x.test_accuracy.unwrap(), y.test_accuracy.unwrap());
            assert!((x_acc - y_acc).abs() <= 0.051, "{} {}", plan.method, x.task);
        }
    }
}

#[test]
fn adapter_matches_the_batched_models_under_momentum_and_adam_on_mini_batches() {
    use cascade::train::Optimizer;
    let dev = device();
    let data = ragged_tasks(5);
    let plans = plans(&data, 160);
    let etas = StepSizes::fixed(0.01, data.len());
    let jobs = jobs(&plans, &data, &etas, 19);
    for optimizer in [
        Optimizer::Momentum { beta: 0.9 },
        "adam".parse::<Optimizer>().unwrap(),
    ] {
        let config = TrainConfig {
            optimizer,
            batch_size: Some(8),
            ..TrainConfig::with_eta(0.01)
        };
        let batched = run_jobs(&jobs, &mirror(8), &SquaredError, &config, &dev).unwrap();
        let adapted = PerTaskConfig(UserNetConfig { hidden: 8 });
        let per_task = run_jobs(&jobs, &adapted, &SquaredError, &config, &dev).unwrap();
        for ((plan, a), b) in plans.iter().zip(&batched).zip(&per_task) {
            assert_close(a, b, 1e-3, &format!("{optimizer} {}", plan.method));
        }
    }
}
