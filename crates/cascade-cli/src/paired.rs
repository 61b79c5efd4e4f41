//! Paired comparisons over repetitions: within a repetition every method sees the same data and
//! the same initialisations, so the per-repetition differences are what is tested.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Significance level of the marks in tables.
pub const ALPHA: f64 = 0.05;

/// A two-sided paired t-test of one method against another over repetitions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paired {
    /// The method compared against.
    pub against: String,
    /// Mean over repetitions of (this method - the other), in the metric's units.
    pub mean_difference: f64,
    /// Standard error of that mean.
    pub stderr: f64,
    /// The t statistic (`mean_difference / stderr`; infinite when every difference is equal
    /// and non-zero).
    pub t: f64,
    /// Two-sided p-value under Student's t with n - 1 degrees of freedom.
    pub p_value: f64,
    /// Repetitions compared.
    pub n: usize,
}

impl Paired {
    /// Whether the difference is significant at [`ALPHA`].
    pub fn significant(&self) -> bool {
        self.p_value < ALPHA
    }
}

/// The paired t-test of `a` against `b` (the same repetitions, in the same order), or `None`
/// with fewer than 2 pairs or a non-finite value.
pub fn paired_t_test(a: &[f64], b: &[f64], against: &str) -> Option<Paired> {
    let n = a.len().min(b.len());
    if n < 2 || a.len() != b.len() {
        return None;
    }
    let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    if diffs.iter().any(|d| !d.is_finite()) {
        return None;
    }
    let mean = diffs.iter().sum::<f64>() / n as f64;
    let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let stderr = (var / n as f64).sqrt();
    let (t, p_value) = if stderr > 0.0 {
        let t = mean / stderr;
        let dist = StudentsT::new(0.0, 1.0, (n - 1) as f64).ok()?;
        (t, (2.0 * dist.sf(t.abs())).min(1.0))
    } else if mean == 0.0 {
        // Identical in every repetition (e.g. a method against itself).
        (0.0, 1.0)
    } else {
        (mean.signum() * f64::INFINITY, 0.0)
    };
    Some(Paired {
        against: against.to_string(),
        mean_difference: mean,
        stderr,
        t,
        p_value,
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from SciPy 1.x:
    //   from scipy import stats
    //   stats.ttest_rel([10, 12.5, 9, 11, 14], [9, 10.5, 6, 7, 8])
    //     -> statistic=3.7199244398022175, pvalue=0.020475874420910672
    //   stats.ttest_rel([1, 2, 3, 4], [1.5, 2.1, 2.9, 4.6])
    //     -> statistic=-1.6646297986075504, pvalue=0.19457549662216694
    fn close(actual: f64, expected: f64, relative: f64) {
        assert!(
            (actual - expected).abs() <= relative * expected.abs(),
            "{actual} vs {expected}"
        );
    }

    #[test]
    fn matches_scipy_ttest_rel() {
        let p = paired_t_test(
            &[10.0, 12.5, 9.0, 11.0, 14.0],
            &[9.0, 10.5, 6.0, 7.0, 8.0],
            "b",
        )
        .unwrap();
        close(p.t, 3.7199244398022175, 1e-12);
        close(p.p_value, 0.020475874420910672, 1e-9);
        close(p.mean_difference, 3.2, 1e-12);
        assert!(p.significant());
        let q = paired_t_test(&[1.0, 2.0, 3.0, 4.0], &[1.5, 2.1, 2.9, 4.6], "b").unwrap();
        close(q.t, -1.6646297986075504, 1e-12);
        close(q.p_value, 0.19457549662216694, 1e-9);
        assert!(!q.significant());
    }

    #[test]
    fn degenerate_inputs() {
        let same = paired_t_test(&[1.0, 2.0], &[1.0, 2.0], "b").unwrap();
        assert_eq!((same.t, same.p_value), (0.0, 1.0));
        let shifted = paired_t_test(&[2.0, 3.0], &[1.0, 2.0], "b").unwrap();
        assert_eq!((shifted.t, shifted.p_value), (f64::INFINITY, 0.0));
        assert!(paired_t_test(&[1.0], &[2.0], "b").is_none());
        assert!(paired_t_test(&[1.0, 2.0], &[2.0], "b").is_none());
        assert!(paired_t_test(&[1.0, f64::NAN], &[2.0, 1.0], "b").is_none());
    }
}
