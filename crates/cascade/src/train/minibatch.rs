//! Mini-batches on the task axis: each task draws its rows without replacement within an
//! epoch, from its own seeded generator, and only the rows of the current step go to the
//! device.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::batch::{PaddedTensors, TaskBatch};

/// Where each step's rows come from: the whole batch, built once, or mini-batches.
pub(super) enum StepRows {
    /// Every row of every task, each step.
    Full(Box<PaddedTensors>),
    /// Mini-batches of [`TrainConfig::batch_size`](super::TrainConfig::batch_size) rows.
    Mini(MiniBatches),
}

impl StepRows {
    /// Full batches, or mini-batches of `size` rows when given.
    pub(super) fn new(batch: &TaskBatch, size: Option<usize>) -> Self {
        match size {
            Some(size) => StepRows::Mini(MiniBatches::new(batch, size)),
            None => StepRows::Full(Box::new(batch.tensors())),
        }
    }

    /// The next step's tensors.
    pub(super) fn next(&mut self, batch: &TaskBatch) -> PaddedTensors {
        match self {
            StepRows::Full(full) => (**full).clone(),
            StepRows::Mini(batches) => batches.next(batch),
        }
    }
}

/// Each task's place in its current epoch.
pub(super) struct MiniBatches {
    size: usize,
    order: Vec<Vec<usize>>,
    next: Vec<usize>,
    rngs: Vec<StdRng>,
}

impl MiniBatches {
    /// Batches of `size` rows for every task of `batch`, each task's order from
    /// [`TaskBatch::batch_seed`].
    pub(super) fn new(batch: &TaskBatch, size: usize) -> Self {
        let t = batch.len();
        Self {
            size,
            order: batch
                .splits()
                .iter()
                .map(|s| (0..s.n_rows()).collect())
                .collect(),
            // Start each task "at the end of an epoch": its first draw shuffles.
            next: batch.splits().iter().map(|s| s.n_rows()).collect(),
            rngs: (0..t)
                .map(|k| StdRng::seed_from_u64(batch.batch_seed(k)))
                .collect(),
        }
    }

    /// The next step's rows of every task: `m` rows, or all of a task's rows when it has at
    /// most `m`; the last batch of an epoch holds what is left (possibly fewer than `m`).
    pub(super) fn next(&mut self, batch: &TaskBatch) -> PaddedTensors {
        let rows: Vec<Vec<usize>> = (0..self.order.len())
            .map(|k| {
                let n = self.order[k].len();
                if n <= self.size {
                    return self.order[k].clone();
                }
                if self.next[k] >= n {
                    self.order[k].shuffle(&mut self.rngs[k]);
                    self.next[k] = 0;
                }
                let start = self.next[k];
                let end = (start + self.size).min(n);
                self.next[k] = end;
                self.order[k][start..end].to_vec()
            })
            .collect();
        batch.rows_tensors(&rows)
    }
}

#[cfg(test)]
mod tests {
    use cascade_data::{DMatrix, DVector, Split};

    use super::*;

    #[test]
    fn every_row_once_per_epoch_and_small_tasks_whole() {
        let split = |n: usize| {
            Split::new(
                DMatrix::from_fn(n, 1, |i, _| i as f64),
                DVector::from_fn(n, |i, _| i as f64),
            )
        };
        let (big, small) = (split(10), split(3));
        let device = burn::prelude::Device::default();
        let batch = TaskBatch::new(&[&big, &small], &device).with_batch_seeds(vec![7, 8]);
        let mut batches = MiniBatches::new(&batch, 4);
        // 10 rows in batches of 4: 4 + 4 + 2 make one epoch.
        let mut seen = Vec::new();
        for expected in [4, 4, 2] {
            let t = batches.next(&batch);
            let y = cascade_models::to_host(t.y);
            let w = cascade_models::to_host(t.weight);
            let n_max = w.len() / 2;
            let taken: Vec<f32> = (0..n_max).filter(|&i| w[i] > 0.0).map(|i| y[i]).collect();
            assert_eq!(taken.len(), expected);
            approx::assert_relative_eq!(w[0], 1.0 / expected as f32);
            seen.extend(taken);
            // The small task gives all of its 3 rows every step.
            let small_rows = (n_max..2 * n_max).filter(|&i| w[i] > 0.0).count();
            assert_eq!(small_rows, 3);
        }
        seen.sort_by(f32::total_cmp);
        assert_eq!(seen, (0..10).map(|i| i as f32).collect::<Vec<_>>());
    }
}
