//! Logistic regression per task, without bias (SPEC 5): `x: [T, n, d] -> logits [T, n, 1]`.

use burn::module::Param;
use burn::prelude::*;
use rand::rngs::StdRng;

use crate::layer::uniform;

/// Per-task weights `[T, d, 1]` and no bias; the output is the logit `x . theta`.
#[derive(Module, Debug)]
pub struct LogisticModel {
    /// Per-task weights: `[T, d, 1]`.
    pub weight: Param<Tensor<3>>,
}

impl LogisticModel {
    /// Initialises `T = rngs.len()` tasks like PyTorch's `nn.Linear(d, 1, bias=False)`:
    /// entries from `U(-1/sqrt(d), 1/sqrt(d))`, from each task's own generator.
    pub fn init(d_in: usize, rngs: &mut [StdRng], device: &Device) -> Self {
        let t = rngs.len();
        let bound = 1.0 / (d_in as f64).sqrt();
        let w: Vec<f32> = rngs
            .iter_mut()
            .flat_map(|rng| (0..d_in).map(|_| uniform(rng, bound)).collect::<Vec<_>>())
            .collect();
        Self {
            weight: Param::from_data(TensorData::new(w, [t, d_in, 1]), device),
        }
    }

    /// `x: [T, n, d]` -> logits `[T, n, 1]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        x.matmul(self.weight.val())
    }
}
