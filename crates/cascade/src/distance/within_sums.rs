//! A task's within-task kernel sum `S(gamma) = sum_k exp(-gamma d2_k)` at every bandwidth its
//! pairs chose for `mmd`: directly when there are few, otherwise by Chebyshev interpolation in
//! `gamma`, which needs `S` at a couple of dozen nodes instead of at every pair's bandwidth.
//!
//! The bandwidths are cut into pieces `[alpha, beta]` with `beta <= 2 alpha`. On such a piece the
//! interpolant through `N + 1` Chebyshev points (first kind) misses each term `exp(-gamma d2)`
//! by at most
//!
//! ```text
//! (beta - alpha)^(N+1) / (2^(2N+1) (N+1)!) * max_d2 d2^(N+1) exp(-alpha d2)
//!   <= 2 (r / 4)^(N+1) / sqrt(2 pi (N+1)),    r = (beta - alpha) / alpha <= 1
//! ```
//!
//! (the interpolation remainder at Chebyshev points, the largest of `d2^(N+1) exp(-alpha d2)`
//! over `d2 >= 0`, and Stirling's bound on `(N+1)!`). `N` is the smallest degree that makes this
//! at most [`TERM_ERROR`], so a kernel *mean* is off by no more than that, below the rounding of
//! the direct sum (about 1e-16 of the mean). The interpolant is evaluated in the barycentric
//! form, which is stable at Chebyshev points.

use super::mmd_kernels::kernel_sum;

/// Bound on the interpolation error of each term `exp(-gamma d2) <= 1`.
const TERM_ERROR: f64 = 1e-17;
/// Largest interpolation degree (reached only for `r` near 1: `N = 26` there).
const MAX_DEGREE: usize = 30;

/// `S(gamma)` for every `gamma` of `gammas` (all `> 0` and finite), in their order, for the
/// squared distances `d2s` (each `>= 0`).
pub(super) fn kernel_sums_at(d2s: &[f64], gammas: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..gammas.len()).collect();
    order.sort_unstable_by(|&i, &j| gammas[i].total_cmp(&gammas[j]));
    let mut sums = vec![0.0; gammas.len()];
    let mut start = 0;
    while start < order.len() {
        let alpha = gammas[order[start]];
        let end = start + order[start..].partition_point(|&i| gammas[i] <= 2.0 * alpha);
        let piece = &order[start..end];
        let beta = gammas[order[end - 1]];
        let degree = degree_for((beta - alpha) / alpha);
        if beta == alpha || piece.len() <= degree + 1 {
            // As few evaluations as the interpolant would need (or one, for equal bandwidths).
            let mut last: Option<(f64, f64)> = None;
            for &i in piece {
                let value = match last {
                    Some((gamma, value)) if gamma == gammas[i] => value,
                    _ => kernel_sum(d2s, gammas[i]),
                };
                sums[i] = value;
                last = Some((gammas[i], value));
            }
        } else {
            let interpolant = Chebyshev::fit(alpha, beta, degree, |g| kernel_sum(d2s, g));
            for &i in piece {
                sums[i] = interpolant.at(gammas[i]);
            }
        }
        start = end;
    }
    sums
}

/// The smallest degree `N` whose error bound (module docs) is at most [`TERM_ERROR`] for
/// `r = (beta - alpha) / alpha` in `(0, 1]`.
fn degree_for(r: f64) -> usize {
    (1..MAX_DEGREE)
        .find(|&n| {
            let m = (n + 1) as f64;
            2.0 * (r / 4.0).powf(m) / (2.0 * std::f64::consts::PI * m).sqrt() <= TERM_ERROR
        })
        .unwrap_or(MAX_DEGREE)
}

/// The polynomial of degree `N` through `f` at the `N + 1` Chebyshev points of the first kind
/// on `[lo, hi]`.
struct Chebyshev {
    lo: f64,
    hi: f64,
    /// Nodes on `[-1, 1]`, with their barycentric weights and the values of `f` there.
    nodes: Vec<(f64, f64, f64)>,
}

impl Chebyshev {
    fn fit(lo: f64, hi: f64, degree: usize, f: impl Fn(f64) -> f64) -> Self {
        let count = degree + 1;
        let nodes = (0..count)
            .map(|k| {
                let angle = (2 * k + 1) as f64 * std::f64::consts::PI / (2 * count) as f64;
                let t = angle.cos();
                let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
                let gamma = 0.5 * (lo + hi) + 0.5 * (hi - lo) * t;
                (t, sign * angle.sin(), f(gamma))
            })
            .collect();
        Self { lo, hi, nodes }
    }

    /// The interpolant at `gamma` in `[lo, hi]` (barycentric formula of the second kind).
    fn at(&self, gamma: f64) -> f64 {
        let t = (2.0 * gamma - (self.lo + self.hi)) / (self.hi - self.lo);
        let (mut numerator, mut denominator) = (0.0, 0.0);
        for &(node, weight, value) in &self.nodes {
            if t == node {
                return value;
            }
            let w = weight / (t - node);
            numerator += w * value;
            denominator += w;
        }
        numerator / denominator
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::mmd_kernels::tests::plain_sum;

    #[test]
    fn interpolated_sums_match_the_direct_ones() {
        // 2016 squared distances spread like a 64-row task's (0 to about 40, a few zeros), and
        // bandwidths over a factor of 50 (several pieces), some repeated, some at piece ends.
        let d2s: Vec<f64> = (0..2016)
            .map(|i| {
                if i < 3 {
                    0.0
                } else {
                    40.0 * ((i as f64) * 0.618).fract().powi(2)
                }
            })
            .collect();
        let mut gammas: Vec<f64> = (0..300).map(|i| 0.02 * 1.0133f64.powi(i)).collect();
        gammas.extend([0.02, 0.04, 0.04, 0.7, 0.7]);
        let sums = kernel_sums_at(&d2s, &gammas);
        for (&gamma, &got) in gammas.iter().zip(&sums) {
            let want = plain_sum(&d2s, gamma);
            // The bound: 1e-17 a term (2016 terms), plus the rounding of sums near 2016.
            assert!(
                (got - want).abs() <= 1e-13 * want.max(1.0),
                "gamma {gamma}: {got} against {want}"
            );
        }
    }

    #[test]
    fn few_or_equal_bandwidths_are_evaluated_directly() {
        let d2s = [0.5, 1.5, 4.0];
        let gammas = [0.3, 0.3, 0.3, 0.9];
        let sums = kernel_sums_at(&d2s, &gammas);
        for (&gamma, &got) in gammas.iter().zip(&sums) {
            assert_eq!(got, kernel_sum(&d2s, gamma));
        }
        assert!(kernel_sums_at(&d2s, &[]).is_empty());
    }

    #[test]
    fn degree_follows_the_bound() {
        // 2 (r/4)^(N+1) / sqrt(2 pi (N+1)) <= 1e-17 (evaluated in Python): r = 1 needs
        // N + 1 = 27, which gives 8.5e-18, while N + 1 = 26 gives 3.5e-17.
        assert_eq!(degree_for(1.0), 26);
        // r = 0.01: N + 1 = 7 gives 1.8e-19, N + 1 = 6 gives 8.0e-17.
        assert_eq!(degree_for(0.01), 6);
    }

    #[test]
    fn the_interpolant_reproduces_a_polynomial_of_its_degree() {
        let p = |x: f64| 3.0 - 2.0 * x + 0.5 * x * x * x;
        let c = Chebyshev::fit(1.0, 2.0, 3, p);
        for x in [1.0, 1.1, 1.5, 1.99, 2.0] {
            assert!((c.at(x) - p(x)).abs() < 1e-14, "{x}");
        }
    }
}
