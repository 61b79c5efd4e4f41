//! The Euclidean distance of two vectors, which most task distances end in.

/// Euclidean norm of `a - b` for two slices of equal length, without allocating.
pub(super) fn diff_norm(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// How many pairs [`squared_diff_sums`] interleaves: independent running sums hide the latency
/// of each addition, which a single sum waits for at every term.
pub(super) const LANES: usize = 4;

/// `sum_t (a_l[t] - b[t])^2` for each of the `LANES` slices `a_l` (each at least as long as `b`),
/// every sum added in `t` order from the value `Iterator::sum` starts from: bit for bit the sums
/// [`diff_norm`] takes the root of, computed side by side.
pub(super) fn squared_diff_sums(a: [&[f64]; LANES], b: &[f64]) -> [f64; LANES] {
    let zero: f64 = std::iter::empty::<f64>().sum();
    let a = a.map(|x| &x[..b.len()]);
    let mut acc = [zero; LANES];
    for (t, &y) in b.iter().enumerate() {
        for (sum, x) in acc.iter_mut().zip(&a) {
            let diff = x[t] - y;
            *sum += diff * diff;
        }
    }
    acc
}
