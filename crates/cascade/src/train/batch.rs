use burn::prelude::*;
use cascade_data::Split;

/// Several tasks' data as padded tensors, ready for one batched forward pass.
///
/// - `x`: `[T, n_max, d]`, rows past a task's own count are zero;
/// - `y`: `[T, n_max, 1]`;
/// - `weight`: `[T, n_max, 1]`, `1/n_t` on a task's real rows and 0 on padding, so
///   `sum(weight * (pred - y)^2)` over rows is each task's mean squared error.
#[derive(Debug, Clone)]
pub struct TaskBatch {
    /// Features: `[T, n_max, d]`.
    pub x: Tensor<3>,
    /// Targets: `[T, n_max, 1]`.
    pub y: Tensor<3>,
    /// Row weights: `[T, n_max, 1]`.
    pub weight: Tensor<3>,
    /// Real row count of each task.
    pub rows: Vec<usize>,
}

impl TaskBatch {
    /// Stacks the given splits (all with `d` features) along a new task axis, padding to the
    /// longest. `splits` must not be empty.
    pub fn new(splits: &[&Split], device: &Device) -> Self {
        let t = splits.len();
        let d = splits.first().map_or(0, |s| s.x.ncols());
        let n_max = splits.iter().map(|s| s.n_rows()).max().unwrap_or(0);
        let mut x = vec![0f32; t * n_max * d];
        let mut y = vec![0f32; t * n_max];
        let mut w = vec![0f32; t * n_max];
        for (k, split) in splits.iter().enumerate() {
            let n = split.n_rows();
            for i in 0..n {
                let row = k * n_max + i;
                for j in 0..d {
                    x[row * d + j] = split.x[(i, j)] as f32;
                }
                y[row] = split.y[i] as f32;
                w[row] = 1.0 / n as f32;
            }
        }
        Self {
            x: Tensor::from_data(TensorData::new(x, [t, n_max, d]), device),
            y: Tensor::from_data(TensorData::new(y, [t, n_max, 1]), device),
            weight: Tensor::from_data(TensorData::new(w, [t, n_max, 1]), device),
            rows: splits.iter().map(|s| s.n_rows()).collect(),
        }
    }

    /// Number of tasks `T`.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the batch holds no task.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}
