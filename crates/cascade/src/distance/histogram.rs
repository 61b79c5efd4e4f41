//! Histogram distances on the standardised training targets `yb` (SPEC 3): `kl` over 19 bins
//! shared by all tasks, `js` over bins shared by each pair. Binning follows `numpy.histogram`
//! exactly, so results match the research code's numpy/scipy values.

use cascade_data::Task;

use super::DistanceMatrix;

/// Number of equal-width bins of `kl`, shared by every task (SPEC 3).
const KL_BINS: usize = 19;
/// Mass added to every `kl` bin before renormalising, so no bin is empty (SPEC 3).
const KL_SMOOTHING: f64 = 1e-8;
/// Bounds on the number of `js` bins, `clamp(floor(sqrt(n_u + n_v)), 10, 50)` (SPEC 3).
const JS_MIN_BINS: usize = 10;
const JS_MAX_BINS: usize = 50;

/// `kl`: `0.5 (KL(p || q) + KL(q || p))`, natural log, of the histograms `p, q: [19]` of `yb` over
/// equal-width bins spanning the global min..max of every task's training targets, each histogram
/// made a distribution, `+1e-8` per bin and renormalised. All zero when every target is equal.
pub(crate) fn kl(tasks: &[Task]) -> DistanceMatrix {
    let all = tasks.iter().flat_map(|t| t.train.y.iter().copied());
    let lo = all.clone().fold(f64::INFINITY, f64::min);
    let hi = all.fold(f64::NEG_INFINITY, f64::max);
    if lo >= hi {
        return DistanceMatrix::zeros(tasks.len());
    }
    // Per task: the smoothed distribution p and ln p, so a pair costs 19 multiply-adds through
    // KL(p||q) + KL(q||p) = sum (p - q)(ln p - ln q).
    let distributions: Vec<Smoothed> = tasks
        .iter()
        .map(|t| {
            let mut p = vec![0.0; KL_BINS];
            histogram_into(t.train.y.as_slice(), lo, hi, &mut p);
            let n = t.train.y.len() as f64;
            p.iter_mut().for_each(|c| *c /= n);
            smoothed(p)
        })
        .collect();
    DistanceMatrix::par_from_pairs(tasks.len(), |u, v| {
        symmetric_kl(&distributions[u], &distributions[v])
    })
}

/// A distribution `+1e-8` per bin and renormalised (SPEC 3's `kl`), with its logarithms.
pub(super) type Smoothed = (Vec<f64>, Vec<f64>);

/// `p` (a distribution over bins) smoothed as `kl` smooths it, with `ln p`.
pub(super) fn smoothed(mut p: Vec<f64>) -> Smoothed {
    p.iter_mut().for_each(|c| *c += KL_SMOOTHING);
    let total: f64 = p.iter().sum();
    p.iter_mut().for_each(|c| *c /= total);
    let log_p = p.iter().map(|c| c.ln()).collect();
    (p, log_p)
}

/// `0.5 (KL(p || q) + KL(q || p)) = 0.5 sum (p - q)(ln p - ln q)`: a few multiply-adds a pair.
pub(super) fn symmetric_kl((p, log_p): &Smoothed, (q, log_q): &Smoothed) -> f64 {
    let sum: f64 = p
        .iter()
        .zip(q)
        .zip(log_p.iter().zip(log_q))
        .map(|((p, q), (lp, lq))| (p - q) * (lp - lq))
        .sum();
    0.5 * sum
}

/// The Jensen-Shannon distance `sqrt(JS(p, q))`, natural log, of two distributions over the
/// same bins (`0 ln 0 = 0`).
pub(super) fn js_distance(p: impl Iterator<Item = f64>, q: impl Iterator<Item = f64>) -> f64 {
    let mut divergence = 0.0;
    for (pk, qk) in p.zip(q) {
        let m = 0.5 * (pk + qk);
        if pk > 0.0 {
            divergence += pk * (pk / m).ln();
        }
        if qk > 0.0 {
            divergence += qk * (qk / m).ln();
        }
    }
    (0.5 * divergence).max(0.0).sqrt()
}

/// `js`: the Jensen-Shannon distance `sqrt(JS(p, q))`, natural log, so in `[0, sqrt(ln 2)]`,
/// of the histograms of `yb_u` and `yb_v` over `clamp(floor(sqrt(n_u + n_v)), 10, 50)`
/// equal-width bins spanning the pair's min..max; no smoothing (`0 ln 0 = 0`). Matches
/// `scipy.spatial.distance.jensenshannon` on `numpy.histogram` counts. Zero when all of the
/// pair's targets are equal.
pub(crate) fn js(tasks: &[Task]) -> DistanceMatrix {
    let ranges: Vec<(f64, f64)> = tasks
        .iter()
        .map(|t| {
            let y = t.train.y.iter().copied();
            (
                y.clone().fold(f64::INFINITY, f64::min),
                y.fold(f64::NEG_INFINITY, f64::max),
            )
        })
        .collect();
    let scratch = || ([0.0; JS_MAX_BINS], [0.0; JS_MAX_BINS]);
    DistanceMatrix::par_from_pairs_with(tasks.len(), scratch, |(counts_u, counts_v), u, v| {
        let (yu, yv) = (tasks[u].train.y.as_slice(), tasks[v].train.y.as_slice());
        let lo = ranges[u].0.min(ranges[v].0);
        let hi = ranges[u].1.max(ranges[v].1);
        if lo >= hi {
            return 0.0;
        }
        let bins = ((yu.len() + yv.len()) as f64)
            .sqrt()
            .floor()
            .clamp(JS_MIN_BINS as f64, JS_MAX_BINS as f64) as usize;
        let (p, q) = (&mut counts_u[..bins], &mut counts_v[..bins]);
        histogram_into(yu, lo, hi, p);
        histogram_into(yv, lo, hi, q);
        let (nu, nv) = (yu.len() as f64, yv.len() as f64);
        js_distance(p.iter().map(|c| c / nu), q.iter().map(|c| c / nv))
    })
}

/// Counts of `values` in `counts.len()` equal-width bins over `[lo, hi]` (`lo < hi`), written into
/// `counts`; values outside are ignored.
///
/// Re-implements `numpy.histogram`'s uniform-bin path (an index from the scaled offset, then a
/// one-bin correction against the `linspace` edges; the last bin holds `hi`) so that a value on a
/// bin edge lands in the same bin as in numpy.
fn histogram_into(values: &[f64], lo: f64, hi: f64, counts: &mut [f64]) {
    let bins = counts.len();
    counts.fill(0.0);
    let step = (hi - lo) / bins as f64;
    let edge = |k: usize| if k == bins { hi } else { k as f64 * step + lo };
    for &x in values {
        if x < lo || x > hi {
            continue;
        }
        let mut k = ((((x - lo) / (hi - lo)) * bins as f64) as usize).min(bins - 1);
        if x < edge(k) {
            k = k.saturating_sub(1);
        }
        if x >= edge(k + 1) && k != bins - 1 {
            k += 1;
        }
        counts[k] += 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::test_support::{assert_close, fixture_set, task, upper3};
    use crate::distance::{Distance, compute};
    use cascade_data::TaskSet;
    use nalgebra::{DMatrix, DVector, dvector};

    // Expected values: the reference script in test_support.rs (numpy.histogram,
    // scipy.spatial.distance.jensenshannon). kl reaches ~17 through ln(1e-8)-sized terms, so its
    // tolerance is 1e-9; js and the bin counts are exact up to 1e-12.

    fn y_only(id: &str, y: DVector<f64>) -> Task {
        let n = y.len();
        task(id, DMatrix::zeros(n, 1), y)
    }

    #[test]
    fn bins_match_numpy_on_bin_edges() {
        // numpy: np.histogram(np.round(np.arange(0, 1.0001, 0.1), 10), 10, (0, 1)) puts 0.3 in
        // bin 2, 0.6 in bin 5 and 0.8 in bin 8 (floating-point edges), and 1.0 in the last bin.
        let values: Vec<f64> = (0..=10)
            .map(|k| (k as f64 * 0.1 * 1e10).round() / 1e10)
            .collect();
        let mut counts = [0.0; 10];
        histogram_into(&values, 0.0, 1.0, &mut counts);
        assert_eq!(counts, [1.0, 1.0, 2.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0]);
        let mut counts = [0.0; 19];
        histogram_into(&[-1.0, -0.7, -0.4, 0.2, 1.7, 2.0], -1.0, 2.0, &mut counts);
        let mut want = [0.0; 19];
        for k in [0, 1, 3, 7, 17, 18] {
            want[k] = 1.0;
        }
        assert_eq!(counts, want);
    }

    #[test]
    fn kl_matches_reference_with_global_bins() {
        let m = compute(&fixture_set("abd"), Distance::Kl).unwrap();
        assert_close(
            &upper3(&m),
            &[12.775787389724755, 4.4318825537904205, 17.380956700730678],
            1e-9,
        );
        let m = compute(&fixture_set("abc"), Distance::Kl).unwrap();
        assert_close(
            &upper3(&m),
            &[12.775787389724755, 7.169580162906247, 7.169580162906246],
            1e-9,
        );
    }

    #[test]
    fn kl_is_zero_when_every_target_is_equal() {
        let set = TaskSet::new(vec![
            y_only("p", dvector![2.0, 2.0]),
            y_only("q", dvector![2.0, 2.0, 2.0]),
        ])
        .unwrap();
        assert_eq!(compute(&set, Distance::Kl).unwrap().get(0, 1), 0.0);
    }

    #[test]
    fn js_matches_reference_with_pair_bins() {
        let m = compute(&fixture_set("abd"), Distance::Js).unwrap();
        assert_close(
            &upper3(&m),
            &[0.7210134433004415, 0.464501404022459, 0.8325546111576977],
            1e-12,
        );
        let m = compute(&fixture_set("abc"), Distance::Js).unwrap();
        assert_close(
            &upper3(&m),
            &[0.7210134433004415, 0.5429402540654636, 0.5429402540654636],
            1e-12,
        );
    }

    #[test]
    fn js_reaches_sqrt_ln2_on_disjoint_supports_and_zero_on_equal_ones() {
        // Disjoint histograms: JS = 0.5 (ln 2 + ln 2) = ln 2. Equal constant targets: 0.
        let set = TaskSet::new(vec![
            y_only("low", dvector![0.0, 0.1, 0.2]),
            y_only("high", dvector![5.0, 5.5]),
            y_only("flat", dvector![5.0, 5.0]),
            y_only("flat-too", dvector![5.0]),
        ])
        .unwrap();
        let m = compute(&set, Distance::Js).unwrap();
        assert_close(&[m.get(0, 1)], &[2f64.ln().sqrt()], 1e-12);
        assert_eq!(m.get(2, 3), 0.0);
    }
}
