use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

/// A symmetric `T x T` matrix of task distances with a zero diagonal, stored row-major.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistanceMatrix {
    n: usize,
    values: Vec<f64>,
}

impl DistanceMatrix {
    /// An all-zero matrix over `n` tasks.
    pub fn zeros(n: usize) -> Self {
        Self {
            n,
            values: vec![0.0; n * n],
        }
    }

    /// Builds the matrix from a pairwise function evaluated once per unordered pair `i < j`.
    pub fn from_pairs(n: usize, mut f: impl FnMut(usize, usize) -> f64) -> Self {
        let mut m = Self::zeros(n);
        for i in 0..n {
            for j in (i + 1)..n {
                m.set(i, j, f(i, j));
            }
        }
        m
    }

    /// [`from_pairs`](Self::from_pairs) spread over the machine's cores (scoped std threads, rows
    /// `i` handed out one at a time). Every entry is computed independently, so the result is
    /// identical to the sequential one.
    pub fn par_from_pairs(n: usize, f: impl Fn(usize, usize) -> f64 + Sync) -> Self {
        Self::par_from_pairs_with(n, || (), |_, i, j| f(i, j))
    }

    /// [`par_from_pairs`](Self::par_from_pairs) where each thread first builds its own scratch
    /// `state` with `init` (buffers reused across that thread's pairs) and `f` may mutate it.
    pub fn par_from_pairs_with<S>(
        n: usize,
        init: impl Fn() -> S + Sync,
        f: impl Fn(&mut S, usize, usize) -> f64 + Sync,
    ) -> Self {
        let rows = par_pair_rows(n, init, f);
        Self::from_pairs(n, |i, j| rows[i][j - i - 1])
    }

    /// The matrix of the row-major `values` (`n * n` of them, symmetric with a zero diagonal:
    /// the caller's promise), without copying them.
    pub(crate) fn from_symmetric_values(n: usize, values: Vec<f64>) -> Self {
        debug_assert_eq!(values.len(), n * n);
        Self { n, values }
    }

    /// Builds the matrix from full rows; returns `None` unless `rows` is square.
    /// Symmetry is the caller's promise (the upper triangle wins).
    pub fn from_rows(rows: &[Vec<f64>]) -> Option<Self> {
        let n = rows.len();
        if rows.iter().any(|r| r.len() != n) {
            return None;
        }
        Some(Self::from_pairs(n, |i, j| rows[i][j]))
    }

    /// Number of tasks `T`.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True for a matrix over zero tasks.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// `D[i][j]`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.n + j]
    }

    /// Sets `D[i][j] = D[j][i] = value` (the diagonal stays zero).
    pub fn set(&mut self, i: usize, j: usize, value: f64) {
        if i != j {
            self.values[i * self.n + j] = value;
            self.values[j * self.n + i] = value;
        }
    }

    /// Row `i`: distances from task `i` to every task.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.n..(i + 1) * self.n]
    }

    /// True when every off-diagonal entry equals the first one within `tol` (relative to the
    /// largest entry): the tree built from such a matrix is decided by tie-breaking alone.
    pub fn is_constant(&self, tol: f64) -> bool {
        if self.n < 3 {
            return false;
        }
        let first = self.get(0, 1);
        let scale = self.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        (0..self.n)
            .all(|i| ((i + 1)..self.n).all(|j| (self.get(i, j) - first).abs() <= tol * scale))
    }
}

/// `f(state, i, j)` for every pair `i < j`, spread over the machine's cores (scoped std
/// threads, rows `i` handed out one at a time, each thread with its own `state` from `init`):
/// row `i` of the result holds the values for `j = i + 1, ..., n - 1`. Every value is computed
/// independently, so the result does not depend on the threads.
pub(crate) fn par_pair_rows<S, R: Send>(
    n: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize, usize) -> R + Sync,
) -> Vec<Vec<R>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .min(n.saturating_sub(1));
    if threads <= 1 {
        let mut state = init();
        return (0..n)
            .map(|i| ((i + 1)..n).map(|j| f(&mut state, i, j)).collect())
            .collect();
    }
    let next_row = AtomicUsize::new(0);
    let work = || {
        let mut state = init();
        let mut rows = Vec::new();
        loop {
            let i = next_row.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                return rows;
            }
            let row: Vec<R> = ((i + 1)..n).map(|j| f(&mut state, i, j)).collect();
            rows.push((i, row));
        }
    };
    let mut rows: Vec<(usize, Vec<R>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        handles
            .into_iter()
            // A panic inside `f` is re-raised here, as in the sequential version.
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    rows.sort_unstable_by_key(|(i, _)| *i);
    rows.into_iter().map(|(_, row)| row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_construction_equals_sequential() {
        let f = |i: usize, j: usize| ((i * 31 + j * 17) as f64).sin() + (i * j) as f64;
        for n in [0, 1, 2, 3, 57] {
            let sequential = DistanceMatrix::from_pairs(n, f);
            assert_eq!(DistanceMatrix::par_from_pairs(n, f), sequential, "n = {n}");
            let with_state = DistanceMatrix::par_from_pairs_with(
                n,
                || vec![0.0; 4],
                |buffer, i, j| {
                    buffer[0] = f(i, j);
                    buffer[0]
                },
            );
            assert_eq!(with_state, sequential, "n = {n}");
        }
    }
}
