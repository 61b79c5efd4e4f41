//! Your own Burn model and your own loss, compared across methods and trained as a cascade.
//!
//! `FashionNet` below is an ordinary single-task Burn module (two `burn::nn::Linear` layers
//! and a ReLU), written without anything from cascade-models. Two small impls make it a
//! cascade model: its forward (`SingleTaskModel`) and its seeded construction
//! (`SingleTaskConfig`). `PerTaskConfig` then trains one copy per task through any plan.
//! `SmoothedCrossEntropy` is the user's loss: softmax cross-entropy with label smoothing, an
//! `Objective` of a few lines.
//!
//! The tasks are 50 Fashion-MNIST clients, each with 64 training and 128 test images of all
//! 10 classes (50 PCA features). The library's comparison harness (`compare_grid_with`) runs
//! Indiv, Global and MST-gradient on this model and loss under a budget of 20 steps a client,
//! over 3 repetitions of fresh clients, with the same seeds for every method; then one MST
//! cascade is fitted on the training images only (`CascadeTrainer::fit_with`), saved, loaded
//! back and scored on every client's test images.
//!
//! Run with `cargo run --release --example custom_model [-- FASHION_MNIST_DIR]` (default
//! `/usr/share/datasets/fashion-mnist`, which `scripts/setup` installs).

use std::fmt;
use std::sync::Arc;

use cascade::distance::Distance;
use cascade::experiment::{CompareConfig, Repetition, compare_grid_with};
use cascade::method::Method;
use cascade::plan::PlanConfig;
use cascade::report::MethodReport;
use cascade::train::{
    ExecutorChoice, Objective, Prediction, SoftmaxCrossEntropy, TestError, TrainConfig,
};
use cascade::trained::{CascadeTrainer, TrainedCascade};
use cascade_data::Scaler;
use cascade_data::images::{ClassTasksConfig, PairFeatures, class_tasks, load_fashion_mnist};
use cascade_models::burn::module::Param;
use cascade_models::burn::nn::{Linear, Relu};
use cascade_models::burn::prelude::*;
use cascade_models::burn::tensor::activation::log_softmax;
use cascade_models::{Backend, PerTaskConfig, SingleTaskConfig, SingleTaskModel};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

// ---- The user's model: plain Burn. ----

/// `[n, d] -> Linear -> ReLU -> Linear -> [n, k]` logits.
#[derive(Module, Debug)]
pub struct FashionNet {
    hidden: Linear,
    output: Linear,
    relu: Relu,
}

impl FashionNet {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.output
            .forward(self.relu.forward(self.hidden.forward(x)))
    }
}

/// The network's one hyper-parameter; saved as JSON with the trained cascade.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FashionNetConfig {
    hidden: usize,
}

impl fmt::Display for FashionNetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fashion-net:{}", self.hidden)
    }
}

/// A `Linear` layer drawn from `rng` as PyTorch draws one: `U(-1/sqrt(d_in), 1/sqrt(d_in))`.
/// (Burn's initialisers draw from a device-wide generator, lazily; a cascade needs each task's
/// parameters to follow from its own seed.)
fn seeded_linear(d_in: usize, d_out: usize, rng: &mut StdRng, device: &Device) -> Linear {
    let bound = 1.0 / (d_in as f32).sqrt();
    let mut draw =
        |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-bound..bound)).collect() };
    Linear {
        weight: Param::from_data(TensorData::new(draw(d_in * d_out), [d_in, d_out]), device),
        bias: Some(Param::from_data(
            TensorData::new(draw(d_out), [d_out]),
            device,
        )),
    }
}

// ---- The two impls that make it a cascade model. ----

impl SingleTaskModel for FashionNet {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        FashionNet::forward(self, x)
    }
}

impl SingleTaskConfig for FashionNetConfig {
    type Model = FashionNet;

    fn init(&self, d_in: usize, outputs: usize, seed: u64, device: &Device) -> FashionNet {
        let mut rng = StdRng::seed_from_u64(seed);
        FashionNet {
            hidden: seeded_linear(d_in, self.hidden, &mut rng, device),
            output: seeded_linear(self.hidden, outputs, &mut rng, device),
            relu: Relu::new(),
        }
    }
}

// ---- The user's loss. ----

/// Softmax cross-entropy with label smoothing `smoothing`: each row's loss is
/// `(1 - s) * -log p_y + s * mean_c(-log p_c)`. Predictions and metrics are the plain softmax
/// ones (accuracy, log-loss, Brier score).
#[derive(Debug, Clone, Copy)]
struct SmoothedCrossEntropy {
    classes: usize,
    smoothing: f64,
}

impl Objective for SmoothedCrossEntropy {
    fn name(&self) -> &str {
        "smoothed-cross-entropy"
    }

    fn outputs(&self) -> usize {
        self.classes
    }

    fn loss(&self, outputs: Tensor<3>, targets: Tensor<3>) -> Tensor<3> {
        let log_p = log_softmax(outputs, 2); // [T, n, k]
        let nll = log_p.clone().gather(2, targets.int()).neg(); // [T, n, 1]
        let uniform = log_p.mean_dim(2).neg(); // [T, n, 1]
        nll.mul_scalar(1.0 - self.smoothing) + uniform.mul_scalar(self.smoothing)
    }

    fn predict(&self, outputs: &[f32], scaler: &Scaler) -> Prediction {
        self.plain().predict(outputs, scaler)
    }

    fn metrics(&self, predictions: &[Prediction], truth: &[f64]) -> TestError {
        self.plain().metrics(predictions, truth)
    }
}

impl SmoothedCrossEntropy {
    fn plain(&self) -> SoftmaxCrossEntropy {
        SoftmaxCrossEntropy {
            classes: self.classes,
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/usr/share/datasets/fashion-mnist".into());
    let images = load_fashion_mnist(std::path::Path::new(&dir))?;
    let clients = ClassTasksConfig {
        n_tasks: 50,
        n_train: 64,
        n_test: 128,
        features: PairFeatures::Pca {
            k: 50,
            fit_rows: 10_000,
        },
        ..ClassTasksConfig::default()
    };
    let device = Backend::Flex.device()?.device;
    let model = PerTaskConfig(FashionNetConfig { hidden: 32 });
    let objective = SmoothedCrossEntropy {
        classes: 10,
        smoothing: 0.1,
    };
    let budget = 20 * clients.n_tasks;

    // 1. Compare methods on the user's model and loss: 3 repetitions of fresh clients.
    let sets = (0..3)
        .map(|r| Ok(class_tasks(&images, &clients, &mut StdRng::seed_from_u64(r))?.tasks))
        .collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;
    let labels: Vec<String> = (1..=sets.len()).map(|r| format!("rep {r}")).collect();
    let reps: Vec<Repetition> = sets
        .iter()
        .zip(&labels)
        .enumerate()
        .map(|(r, (set, label))| Repetition {
            set,
            seed: 100 + r as u64,
            label,
        })
        .collect();
    let config = CompareConfig {
        methods: vec![
            Method::Indiv,
            Method::Global,
            Method::Mst(Distance::Gradient),
        ],
        plan: PlanConfig::new(budget),
        train: TrainConfig::default(),
        model: model.clone(),
        executor: ExecutorChoice::Auto,
    };
    let outcomes = compare_grid_with(&reps, &[config], &objective, &device, |_| {})?;
    println!(
        "{} clients, {model}, loss {}, B = {budget}, {} repetitions:",
        clients.n_tasks,
        objective.name(),
        reps.len()
    );
    for (m, method) in [
        Method::Indiv,
        Method::Global,
        Method::Mst(Distance::Gradient),
    ]
    .into_iter()
    .enumerate()
    {
        let mut report = MethodReport::new(method);
        for rep in &outcomes {
            report.push(&rep[0][m]);
        }
        let brier = report.mse_stats();
        let accuracy = report.accuracy_stats().map_or(f64::NAN, |a| 100.0 * a.mean);
        println!(
            "  {:<13} mean client accuracy {accuracy:.2}%, Brier score {:.4} +- {:.4}, \
             trained by {}",
            method.to_string(),
            brier.mean,
            brier.std,
            report.trained_by
        );
    }

    // 2. Fit one MST cascade on the training images only, save it, load it and score it.
    let tasks = &sets[0];
    let trainer = CascadeTrainer::new(budget);
    let (trained, report) = trainer.fit_with(tasks, &model, Arc::new(objective), &device)?;
    let dir = std::env::temp_dir().join("cascade-custom-model");
    trained.save(&dir)?;
    // Later, elsewhere: load the cascade and predict each client's test images.
    let loaded = TrainedCascade::<PerTaskConfig<FashionNetConfig>>::load(&dir, &device)?;
    let (mut correct, mut total) = (0, 0);
    for task in tasks.tasks() {
        for (prediction, &label) in loaded
            .predict(&task.id, &task.test.x)?
            .iter()
            .zip(task.test.y.iter())
        {
            if let Prediction::Class { class, .. } = prediction {
                correct += usize::from(*class == label as usize);
            }
            total += 1;
        }
    }
    println!(
        "fitted {} on the training images ({} steps, trained by {}), saved to {}: accuracy \
         {:.2}% over {total} test images of {} clients after loading",
        trainer.method,
        report.steps_used,
        report.trained_by,
        dir.display(),
        100.0 * correct as f64 / total as f64,
        loaded.len(),
    );
    Ok(())
}
