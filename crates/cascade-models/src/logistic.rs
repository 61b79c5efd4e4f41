//! Logistic regression per task, without bias (SPEC 5): `x: [T, n, d] -> logits [T, n, k]`
//! (`k = 1` for binary labels, the number of classes for softmax regression).

use burn::module::Param;
use burn::prelude::*;
use rand::rngs::StdRng;

use crate::layer::uniform;

/// Per-task weights `[T, d, k]` and no bias; the output is the logit `x . theta`.
#[derive(Module, Debug)]
pub struct LogisticModel {
    /// Per-task weights: `[T, d, k]`.
    pub weight: Param<Tensor<3>>,
}

impl LogisticModel {
    /// Initialises `T = rngs.len()` tasks like PyTorch's `nn.Linear(d, k, bias=False)`:
    /// entries from `U(-1/sqrt(d), 1/sqrt(d))`, row-major, from each task's own generator.
    pub fn init(d_in: usize, k: usize, rngs: &mut [StdRng], device: &Device) -> Self {
        let t = rngs.len();
        let bound = 1.0 / (d_in as f64).sqrt();
        let w: Vec<f32> = rngs
            .iter_mut()
            .flat_map(|rng| {
                (0..d_in * k)
                    .map(|_| uniform(rng, bound))
                    .collect::<Vec<_>>()
            })
            .collect();
        Self {
            weight: Param::from_data(TensorData::new(w, [t, d_in, k]), device),
        }
    }

    /// `x: [T, n, d]` -> logits `[T, n, k]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        x.matmul(self.weight.val())
    }
}
