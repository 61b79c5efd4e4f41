use burn::module::Param;
use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A linear layer for `T` tasks at once: `y_t = x_t W_t + b_t`.
///
/// - `weight`: `[T, d_in, d_out]`
/// - `bias`: `[T, 1, d_out]`
#[derive(Module, Debug)]
pub struct TaskLinear {
    /// Per-task weights: `[T, d_in, d_out]`.
    pub weight: Param<Tensor<3>>,
    /// Per-task biases: `[T, 1, d_out]`.
    pub bias: Param<Tensor<3>>,
}

impl TaskLinear {
    /// Initialises `T = rngs.len()` tasks like PyTorch's `nn.Linear`: every weight and bias entry
    /// from `U(-k, k)` with `k = 1/sqrt(d_in)`, drawn from that task's own generator (weights
    /// row-major, then the bias).
    pub fn init(d_in: usize, d_out: usize, rngs: &mut [StdRng], device: &Device) -> Self {
        let t = rngs.len();
        let bound = 1.0 / (d_in as f64).sqrt();
        let mut w = Vec::with_capacity(t * d_in * d_out);
        let mut b = Vec::with_capacity(t * d_out);
        for rng in rngs.iter_mut() {
            w.extend((0..d_in * d_out).map(|_| uniform(rng, bound)));
            b.extend((0..d_out).map(|_| uniform(rng, bound)));
        }
        Self {
            weight: Param::from_data(TensorData::new(w, [t, d_in, d_out]), device),
            bias: Param::from_data(TensorData::new(b, [t, 1, d_out]), device),
        }
    }

    /// A layer with given parameters: `weight` row-major `[T, d_in, d_out]`, `bias` `[T, 1, d_out]`
    /// (for warm starts and tests).
    pub fn from_values(weight: TensorData, bias: TensorData, device: &Device) -> Self {
        Self {
            weight: Param::from_data(weight, device),
            bias: Param::from_data(bias, device),
        }
    }

    /// `x: [T, n, d_in]` -> `[T, n, d_out]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        x.matmul(self.weight.val()) + self.bias.val()
    }
}

pub(crate) fn uniform(rng: &mut StdRng, bound: f64) -> f32 {
    rng.random_range(-bound..bound) as f32
}

/// One generator per task, seeded from that task's seed.
pub(crate) fn task_rngs(seeds: &[u64]) -> Vec<StdRng> {
    seeds.iter().map(|&s| StdRng::seed_from_u64(s)).collect()
}
