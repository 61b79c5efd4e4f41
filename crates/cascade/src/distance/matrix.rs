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
