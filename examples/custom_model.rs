//! Your own Burn model, trained as a cascade.
//!
//! `FashionNet` below is an ordinary single-task Burn module (two `burn::nn::Linear` layers
//! and a ReLU), written without anything from cascade-models. Two small impls make it a
//! cascade model: its forward (`SingleTaskModel`) and its seeded construction
//! (`SingleTaskConfig`). `PerTaskConfig` then trains one copy per task through any plan.
//!
//! The tasks are 100 Fashion-MNIST clients, each with 64 training and 128 test images of all
//! 10 classes (50 PCA features). An MST cascade over the gradient distance trains them under a
//! budget of 20 steps a task; the trained cascade is saved, loaded back and used to predict
//! every client's test images. Training every task alone (Indiv) is shown for comparison.
//!
//! Run with `cargo run --release --example custom_model [-- FASHION_MNIST_DIR]` (default
//! `/usr/share/datasets/fashion-mnist`, which `scripts/setup` installs).

use std::fmt;

use cascade::distance::Distance;
use cascade::method::Method;
use cascade::train::Prediction;
use cascade::trained::{CascadeTrainer, TrainedCascade};
use cascade_data::images::{ClassTasksConfig, PairFeatures, class_tasks, load_fashion_mnist};
use cascade_models::burn::module::Param;
use cascade_models::burn::nn::{Linear, Relu};
use cascade_models::burn::prelude::*;
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/usr/share/datasets/fashion-mnist".into());
    let images = load_fashion_mnist(std::path::Path::new(&dir))?;
    let config = ClassTasksConfig {
        n_tasks: 100,
        n_train: 64,
        n_test: 128,
        features: PairFeatures::Pca {
            k: 50,
            fit_rows: 10_000,
        },
        ..ClassTasksConfig::default()
    };
    let tasks = class_tasks(&images, &config, &mut StdRng::seed_from_u64(1))?.tasks;
    let device = Backend::Flex.device()?.device;
    let model = PerTaskConfig(FashionNetConfig { hidden: 32 });

    for method in [Method::Indiv, Method::Mst(Distance::Gradient)] {
        let trainer = CascadeTrainer {
            method,
            ..CascadeTrainer::new(20 * tasks.len())
        };
        let (trained, report) = trainer.fit(&tasks, &model, &device)?;
        let dir = std::env::temp_dir().join(format!("cascade-custom-model-{method}"));
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
            "{method}: accuracy {:.2}% over {total} test images of {} clients (mean over \
             clients {:.2}%), {} steps in {:.1} s; saved to {}",
            100.0 * correct as f64 / total as f64,
            loaded.len(),
            100.0 * report.mean_accuracy().unwrap_or(f64::NAN),
            report.steps_used,
            report.training_seconds(),
            dir.display()
        );
    }
    Ok(())
}
