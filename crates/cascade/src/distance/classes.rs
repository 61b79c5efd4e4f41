//! Target distances for class labels (`k` classes): the target family of SPEC 3 is defined on
//! real-valued targets, so for classes it compares each task's class histogram
//! `h_v[c] = |{i : y_i = c}| / n_v` instead. Label skew (clients that see different mixes of
//! classes) is exactly what these distances measure.
//!
//! - `target`: `|h_u - h_v|_2` (no longer needs equal row counts);
//! - `kl`: `0.5 (KL(p || q) + KL(q || p))` of the histograms with `1e-8` added per class and
//!   renormalised, as SPEC 3's `kl` smooths its bins;
//! - `js`: the Jensen-Shannon distance `sqrt(JS(h_u, h_v))`, natural log;
//! - `wasserstein`: the Wasserstein-1 distance under the 0/1 metric between classes, which is
//!   the total variation `0.5 |h_u - h_v|_1` (class indices have no order, so the 1-D
//!   distance on the index line would be arbitrary).

use cascade_data::Task;

use super::DistanceMatrix;
use super::histogram::{Smoothed, js_distance, smoothed, symmetric_kl};
use super::norm::diff_norm;

/// Each task's class frequencies `[k]`.
fn histograms(tasks: &[Task], k: usize) -> Vec<Vec<f64>> {
    tasks
        .iter()
        .map(|t| {
            let mut h = vec![0.0; k];
            for &y in t.train.y.iter() {
                if let Some(slot) = h.get_mut(y as usize) {
                    *slot += 1.0;
                }
            }
            let n = t.train.y.len() as f64;
            h.iter_mut().for_each(|c| *c /= n);
            h
        })
        .collect()
}

/// `|h_u - h_v|_2`.
pub(crate) fn target(tasks: &[Task], k: usize) -> DistanceMatrix {
    let h = histograms(tasks, k);
    DistanceMatrix::par_from_pairs(tasks.len(), |u, v| diff_norm(&h[u], &h[v]))
}

/// Symmetrised KL of the smoothed class histograms.
pub(crate) fn kl(tasks: &[Task], k: usize) -> DistanceMatrix {
    let smoothed: Vec<Smoothed> = histograms(tasks, k).into_iter().map(smoothed).collect();
    DistanceMatrix::par_from_pairs(tasks.len(), |u, v| symmetric_kl(&smoothed[u], &smoothed[v]))
}

/// Jensen-Shannon distance of the class histograms.
pub(crate) fn js(tasks: &[Task], k: usize) -> DistanceMatrix {
    let h = histograms(tasks, k);
    DistanceMatrix::par_from_pairs(tasks.len(), |u, v| {
        js_distance(h[u].iter().copied(), h[v].iter().copied())
    })
}

/// Total variation `0.5 |h_u - h_v|_1`.
pub(crate) fn total_variation(tasks: &[Task], k: usize) -> DistanceMatrix {
    let h = histograms(tasks, k);
    DistanceMatrix::par_from_pairs(tasks.len(), |u, v| {
        0.5 * h[u]
            .iter()
            .zip(&h[v])
            .map(|(p, q)| (p - q).abs())
            .sum::<f64>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_data::{DMatrix, DVector, Split};

    fn task(id: &str, y: &[f64]) -> Task {
        let split = Split::new(DMatrix::zeros(y.len(), 1), DVector::from_column_slice(y));
        Task {
            id: id.into(),
            train: split.clone(),
            test: split,
            group: None,
        }
    }

    #[test]
    fn class_histogram_distances_by_hand() {
        // h_a = [1/2, 1/2, 0], h_b = [0, 1/4, 3/4] (ragged: 2 and 4 rows), k = 3.
        let tasks = [task("a", &[0.0, 1.0]), task("b", &[1.0, 2.0, 2.0, 2.0])];
        let d = |m: DistanceMatrix| m.get(0, 1);
        // |h_a - h_b|_2 = sqrt(1/4 + 1/16 + 9/16) = sqrt(14)/4.
        approx::assert_relative_eq!(
            d(target(&tasks, 3)),
            14f64.sqrt() / 4.0,
            max_relative = 1e-12
        );
        // TV = (1/2 + 1/4 + 3/4) / 2 = 3/4.
        approx::assert_relative_eq!(d(total_variation(&tasks, 3)), 0.75, max_relative = 1e-12);
        // JS by hand: m = [1/4, 3/8, 3/8]; KL(h_a||m) = 1/2 ln 2 + 1/2 ln(4/3),
        // KL(h_b||m) = 1/4 ln(2/3) + 3/4 ln 2.
        let js_div = 0.5
            * (0.5 * 2f64.ln()
                + 0.5 * (4.0f64 / 3.0).ln()
                + 0.25 * (2.0f64 / 3.0).ln()
                + 0.75 * 2f64.ln());
        approx::assert_relative_eq!(d(js(&tasks, 3)), js_div.sqrt(), max_relative = 1e-12);
        // Identical histograms are at distance 0 under all four.
        let same = [task("a", &[0.0, 1.0]), task("c", &[1.0, 0.0, 1.0, 0.0])];
        for m in [
            target(&same, 2),
            kl(&same, 2),
            js(&same, 2),
            total_variation(&same, 2),
        ] {
            approx::assert_abs_diff_eq!(m.get(0, 1), 0.0, epsilon = 1e-12);
        }
        // kl grows with skew: disjoint supports reach about 0.5 ln(1e8) per side.
        assert!(d(kl(&tasks, 3)) > 5.0);
    }
}
