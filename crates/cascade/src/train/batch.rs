use burn::prelude::*;
use cascade_data::Split;

use super::{Objective, SquaredError};

/// Several tasks' data, ready to train together: the splits themselves, and on demand the padded
/// tensors of one batched forward pass ([`TaskBatch::tensors`]). Cheap to build: the linear fast
/// path never needs the padded tensors, only statistics of the rows.
#[derive(Debug, Clone)]
pub struct TaskBatch<'a> {
    splits: Vec<&'a Split>,
    device: Device,
    objective: &'a dyn Objective,
    seeds: Option<Vec<u64>>,
}

/// The padded tensors of a [`TaskBatch`].
///
/// - `x`: `[T, n_max, d]`, rows past a task's own count are zero;
/// - `y`: `[T, n_max, 1]`;
/// - `weight`: `[T, n_max, 1]`, `1/n_t` on a task's real rows and 0 on padding, so
///   `sum(weight * (pred - y)^2)` over rows is each task's mean squared error.
#[derive(Debug, Clone)]
pub struct PaddedTensors {
    /// Features: `[T, n_max, d]`.
    pub x: Tensor<3>,
    /// Targets: `[T, n_max, 1]`.
    pub y: Tensor<3>,
    /// Row weights: `[T, n_max, 1]`.
    pub weight: Tensor<3>,
}

impl<'a> TaskBatch<'a> {
    /// The given splits (all with `d` features) as one batch on `device`.
    pub fn new(splits: &[&'a Split], device: &Device) -> Self {
        Self {
            splits: splits.to_vec(),
            device: device.clone(),
            objective: &SquaredError,
            seeds: None,
        }
    }

    /// The same batch with each task's mini-batch order drawn from its own seed (`seeds[t]`;
    /// by default task `t` draws from seed `t`). Used only with mini-batches
    /// ([`super::TrainConfig::batch_size`]).
    pub fn with_batch_seeds(mut self, seeds: Vec<u64>) -> Self {
        self.seeds = Some(seeds);
        self
    }

    /// The seed of task `t`'s mini-batch order.
    pub fn batch_seed(&self, t: usize) -> u64 {
        self.seeds
            .as_ref()
            .and_then(|s| s.get(t).copied())
            .unwrap_or(t as u64)
    }

    /// The same batch trained on `objective` (the squared error by default).
    pub fn with_objective(mut self, objective: &'a dyn Objective) -> Self {
        self.objective = objective;
        self
    }

    /// The training loss.
    pub fn objective(&self) -> &'a dyn Objective {
        self.objective
    }

    /// The splits, in task order.
    pub fn splits(&self) -> &[&'a Split] {
        &self.splits
    }

    /// The device the batch trains on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Number of tasks `T`.
    pub fn len(&self) -> usize {
        self.splits.len()
    }

    /// True when the batch holds no task.
    pub fn is_empty(&self) -> bool {
        self.splits.is_empty()
    }

    /// Stacks the splits along a new task axis, padding to the longest.
    pub fn tensors(&self) -> PaddedTensors {
        let rows: Vec<Vec<usize>> = self
            .splits
            .iter()
            .map(|s| (0..s.n_rows()).collect())
            .collect();
        self.rows_tensors(&rows)
    }

    /// The features of [`TaskBatch::tensors`] alone, `[T, n_max, d]` padded with zeros (what an
    /// evaluation's forward pass needs, without the targets and weights).
    pub fn features(&self) -> Tensor<3> {
        let t = self.splits.len();
        let d = self.splits.first().map_or(0, |s| s.x.ncols());
        let n_max = self.splits.iter().map(|s| s.n_rows()).max().unwrap_or(0);
        let mut x = vec![0f32; t * n_max * d];
        for (k, split) in self.splits.iter().enumerate() {
            write_features(split, 0..split.n_rows(), &mut x[k * n_max * d..]);
        }
        Tensor::from_data(TensorData::new(x, [t, n_max, d]), &self.device)
    }

    /// Like [`TaskBatch::tensors`] with only the rows `rows[t]` of task `t`, in that order:
    /// `[T, max_t |rows[t]|, d]`, each task's rows weighted `1 / |rows[t]|`.
    pub fn rows_tensors(&self, rows: &[Vec<usize>]) -> PaddedTensors {
        let t = self.splits.len();
        let d = self.splits.first().map_or(0, |s| s.x.ncols());
        let n_max = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut x = vec![0f32; t * n_max * d];
        let mut y = vec![0f32; t * n_max];
        let mut w = vec![0f32; t * n_max];
        for (k, (split, picked)) in self.splits.iter().zip(rows).enumerate() {
            let n = picked.len();
            write_features(split, picked.iter().copied(), &mut x[k * n_max * d..]);
            for (i, &r) in picked.iter().enumerate() {
                y[k * n_max + i] = split.y[r] as f32;
                w[k * n_max + i] = 1.0 / n as f32;
            }
        }
        let device = &self.device;
        PaddedTensors {
            x: Tensor::from_data(TensorData::new(x, [t, n_max, d]), device),
            y: Tensor::from_data(TensorData::new(y, [t, n_max, 1]), device),
            weight: Tensor::from_data(TensorData::new(w, [t, n_max, 1]), device),
        }
    }
}

/// Rows `picked` of `split`'s features, in that order, as f32 at the start of `x` (row-major,
/// `d` values a row).
fn write_features(split: &Split, picked: impl Iterator<Item = usize> + Clone, x: &mut [f32]) {
    let d = split.x.ncols();
    // nalgebra is column-major: walk columns so reads are contiguous.
    for (j, column) in split.x.column_iter().enumerate() {
        for (i, r) in picked.clone().enumerate() {
            x[i * d + j] = column[r] as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use cascade_data::{DMatrix, DVector, Split};

    use super::*;

    #[test]
    fn features_are_the_padded_tensors_features() {
        // Ragged tasks (3 and 5 rows, 2 features): the shorter one padded with zeros.
        let split = |n: usize, shift: f64| {
            Split::new(
                DMatrix::from_fn(n, 2, |i, j| shift + (i * 2 + j) as f64),
                DVector::from_fn(n, |i, _| i as f64),
            )
        };
        let (a, b) = (split(3, 0.5), split(5, 10.0));
        let device = Device::default();
        let batch = TaskBatch::new(&[&a, &b], &device);
        let features = batch.features();
        assert_eq!(features.dims(), [2, 5, 2]);
        let features = features.into_data();
        assert_eq!(features, batch.tensors().x.into_data());
        let values = features.try_to_vec::<f32>().unwrap();
        assert_eq!(&values[..8], &[0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 0.0, 0.0]);
        assert_eq!(values[10], 10.0);
    }
}
