//! The Euclidean distance of two vectors, which most task distances end in.

/// Euclidean norm of `a - b` for two slices of equal length, without allocating.
pub(super) fn diff_norm(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}
