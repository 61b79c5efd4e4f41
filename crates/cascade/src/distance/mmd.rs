//! `mmd` (SPEC 3): RBF-kernel maximum mean discrepancy between two tasks' training rows, with
//! the median heuristic for the bandwidth.

use cascade_data::Task;

use super::{DistanceMatrix, require_rows};
use crate::CascadeError;

/// Rows of each task that enter the median heuristic: the first ones, at most this many.
const MEDIAN_SUBSAMPLE: usize = 1000;

/// `mmd`: `sqrt(max(0, MMD^2))` between the rows of `Xb_u: [n_u, d]` and `Xb_v: [n_v, d]`, with
/// `k(a, b) = exp(-gamma |a - b|^2)`.
///
/// - Bandwidth: `gamma = 1 / (2 s^2)`, `s^2 = median / 2`, where `median` is the median (numpy's:
///   the mean of the two middle values for an even count) of the positive squared distances among
///   all pairs of rows of the union, each task taking its first 1000 rows only (deterministic).
///   When no squared distance is positive (every row identical) `s^2 = 1`.
/// - `MMD^2 = mean_{i != j} k(u_i, u_j) + mean_{i != j} k(v_i, v_j) - 2 mean_{i, j} k(u_i, v_j)`
///   (unbiased within-set terms). Needs `n >= 2` per task.
///
/// The bandwidth depends on the pair, so each pair evaluates its own kernels. What does not
/// depend on the pair is done once per task: the squared distances within the task, kept sorted,
/// so a pair's median is a selection among its `n_u n_v` cross distances only, with the two
/// sorted within-task lists counted by binary search. Cost a pair: `n_u n_v` squared distances,
/// one selection over them and `(n_u + n_v)^2 / 2` exponentials (4 at a time); memory:
/// `n (n - 1) / 2` values a task (16 KB at `n = 64`, 1.1 MB at `n = 528`).
pub(crate) fn mmd(tasks: &[Task]) -> Result<DistanceMatrix, CascadeError> {
    require_rows(tasks, "mmd", 2)?;
    let rows: Vec<TaskRows> = tasks.iter().map(TaskRows::new).collect();
    Ok(DistanceMatrix::par_from_pairs_with(
        tasks.len(),
        Scratch::default,
        |scratch, u, v| scratch.mmd(&rows[u], &rows[v]),
    ))
}

/// Buffers reused across one thread's pairs: the cross squared distances `[n_u * n_v]` and the
/// positive ones among the subsampled rows, for the median.
#[derive(Default)]
struct Scratch {
    cross: Vec<f64>,
    pool: Vec<f64>,
    work: [Vec<f64>; 3],
}

impl Scratch {
    /// The pair's distance.
    fn mmd(&mut self, a: &TaskRows, b: &TaskRows) -> f64 {
        let (sub_a, sub_b) = (a.n.min(MEDIAN_SUBSAMPLE), b.n.min(MEDIAN_SUBSAMPLE));
        self.pool.clear();
        self.cross.clear();
        for i in 0..a.n {
            let row_a = a.row(i);
            for j in 0..b.n {
                let d2 = squared_distance(row_a, b.row(j));
                self.cross.push(d2);
                if i < sub_a && j < sub_b && d2 > 0.0 {
                    self.pool.push(d2);
                }
            }
        }
        let median = union_median(a.median_pool(), b.median_pool(), &self.pool, &mut self.work)
            .unwrap_or(2.0);
        let gamma = 1.0 / median; // = 1 / (2 s^2) with s^2 = median / 2
        let (na, nb) = (a.n as f64, b.n as f64);
        // Each unordered within pair stands for both (i, j) and (j, i).
        let mean_a = 2.0 * kernel_sum(&a.within, gamma) / (na * (na - 1.0));
        let mean_b = 2.0 * kernel_sum(&b.within, gamma) / (nb * (nb - 1.0));
        let mean_ab = kernel_sum(&self.cross, gamma) / (na * nb);
        (mean_a + mean_b - 2.0 * mean_ab).max(0.0).sqrt()
    }
}

/// `sum_i exp(-gamma d2s[i])` with four independent partial sums, so consecutive exponentials
/// overlap in the pipeline (about twice as fast as one running sum, measured; `wide`'s
/// vectorised `exp` was no faster than libm's on baseline x86-64).
fn kernel_sum(d2s: &[f64], gamma: f64) -> f64 {
    let mut lanes = [0.0f64; 4];
    let mut chunks = d2s.chunks_exact(4);
    for chunk in chunks.by_ref() {
        for (lane, &d2) in lanes.iter_mut().zip(chunk) {
            *lane += (-gamma * d2).exp();
        }
    }
    let tail: f64 = chunks
        .remainder()
        .iter()
        .map(|&d2| (-gamma * d2).exp())
        .sum();
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

/// A task's training rows copied row-major (`[n * d]`, a row is one contiguous slice), with
/// the squared distances of all its pairs of rows, sorted.
struct TaskRows {
    n: usize,
    d: usize,
    values: Vec<f64>,
    /// Squared distances of all pairs `i < j`, ascending: `[n (n - 1) / 2]`.
    within: Vec<f64>,
    /// The positive squared distances among the first [`MEDIAN_SUBSAMPLE`] rows, ascending, when
    /// there are more rows than that (otherwise the positive part of `within`).
    subsample: Option<Vec<f64>>,
}

impl TaskRows {
    fn new(task: &Task) -> Self {
        let x = &task.train.x;
        let (n, d) = (x.nrows(), x.ncols());
        let values = x.transpose().as_slice().to_vec();
        let row = |i: usize| &values[i * d..(i + 1) * d];
        // Ordered by `j`, then `i`: the pairs among the first m rows are the first m (m-1)/2.
        let mut within = Vec::with_capacity(n * n.saturating_sub(1) / 2);
        for j in 1..n {
            for i in 0..j {
                within.push(squared_distance(row(i), row(j)));
            }
        }
        let subsample = (n > MEDIAN_SUBSAMPLE).then(|| {
            let m = MEDIAN_SUBSAMPLE;
            let mut first: Vec<f64> = within[..m * (m - 1) / 2]
                .iter()
                .copied()
                .filter(|&d2| d2 > 0.0)
                .collect();
            first.sort_unstable_by(f64::total_cmp);
            first
        });
        within.sort_unstable_by(f64::total_cmp);
        Self {
            n,
            d,
            values,
            within,
            subsample,
        }
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.d..(i + 1) * self.d]
    }

    /// This task's share of every pair's median pool, ascending.
    fn median_pool(&self) -> &[f64] {
        match &self.subsample {
            Some(first) => first,
            None => {
                let zeros = self.within.partition_point(|&d2| d2 <= 0.0);
                &self.within[zeros..]
            }
        }
    }
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The median (numpy's: the mean of the two middle values for an even count) of the union of
/// two ascending lists and one unordered one; `None` when all are empty. `work` holds buffers.
fn union_median(a: &[f64], b: &[f64], c: &[f64], work: &mut [Vec<f64>; 3]) -> Option<f64> {
    let len = a.len() + b.len() + c.len();
    if len == 0 {
        return None;
    }
    let upper_rank = len / 2;
    let lower_rank = if len.is_multiple_of(2) {
        upper_rank - 1
    } else {
        upper_rank
    };
    let [inside, first, second] = work;
    // Both middle ranks lie in a value bracket found from a sample, so the selections below
    // run on the few elements inside it; without a bracket, on everything.
    let (a, b, below) = match bracket(a, b, c, lower_rank..=upper_rank, inside) {
        Some(narrowed) => narrowed,
        None => {
            inside.clear();
            inside.extend_from_slice(c);
            (a, b, 0)
        }
    };
    let mut select = |rank: usize| {
        first.clear();
        first.extend_from_slice(inside);
        second.resize(inside.len(), 0.0);
        union_select(a, b, first, second, rank - below)
    };
    let upper = select(upper_rank);
    if lower_rank == upper_rank {
        return Some(upper);
    }
    Some(0.5 * (select(lower_rank) + upper))
}

/// Elements of `c` drawn evenly to locate a bracket (Floyd-Rivest selection).
const BRACKET_SAMPLE: usize = 128;
/// Sample positions added on each side of the estimate: the estimate of a rank from 128 samples
/// is off by about 6 positions (binomial standard deviation), so 16 misses rarely.
const BRACKET_GUARD: usize = 16;

/// Narrows the union of ascending `a`, ascending `b` and unordered `c` to a value bracket
/// `[lo, hi]` holding every rank in `ranks`, picked from a sample of `c` and checked exactly by
/// one counting pass. Returns the parts of `a` and `b` inside the bracket and the count of union
/// elements below it, with the elements of `c` inside written to `inside`; `None` when `c` is
/// too small to gain from it or the bracket missed (rare).
fn bracket<'a>(
    a: &'a [f64],
    b: &'a [f64],
    c: &[f64],
    ranks: std::ops::RangeInclusive<usize>,
    inside: &mut Vec<f64>,
) -> Option<(&'a [f64], &'a [f64], usize)> {
    if c.len() < 8 * BRACKET_SAMPLE {
        return None;
    }
    let step = c.len() / BRACKET_SAMPLE;
    let mut sample: Vec<f64> = (0..BRACKET_SAMPLE).map(|i| c[i * step]).collect();
    sample.sort_unstable_by(f64::total_cmp);
    // Estimated union rank of sample[j]: exact in a and b, j * step in c. Monotone in j.
    let estimate = |j: usize| {
        let x = sample[j];
        a.partition_point(|&y| y < x) + b.partition_point(|&y| y < x) + j * step
    };
    let first_above = |rank: usize| {
        let (mut lo, mut hi) = (0, BRACKET_SAMPLE);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if estimate(mid) <= rank {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    let lo = (first_above(*ranks.start()) as isize - BRACKET_GUARD as isize - 1)
        .try_into()
        .map_or(f64::NEG_INFINITY, |j: usize| sample[j]);
    let hi = sample
        .get(first_above(*ranks.end()) + BRACKET_GUARD)
        .copied()
        .unwrap_or(f64::INFINITY);
    // One pass: count what lies below, keep what lies inside (written without a branch).
    inside.resize(c.len(), 0.0);
    let (mut below_c, mut kept) = (0, 0);
    for &x in c {
        below_c += (x < lo) as usize;
        inside[kept] = x;
        kept += (x >= lo && x <= hi) as usize;
    }
    inside.truncate(kept);
    let (a_lo, a_hi) = (
        a.partition_point(|&y| y < lo),
        a.partition_point(|&y| y <= hi),
    );
    let (b_lo, b_hi) = (
        b.partition_point(|&y| y < lo),
        b.partition_point(|&y| y <= hi),
    );
    let below = below_c + a_lo + b_lo;
    let within = kept + (a_hi - a_lo) + (b_hi - b_lo);
    (below <= *ranks.start() && *ranks.end() < below + within)
        .then(|| (&a[a_lo..a_hi], &b[b_lo..b_hi], below))
}

/// The `rank`-th smallest (0-based) of the union of ascending `a`, ascending `b` and unordered
/// `c`: quickselect on `c` alone, with the elements of `a` and `b` on either side of each pivot
/// counted by binary search. Expected O(|c| + log) instead of O(|a| + |b| + |c|). `c` and
/// `spare` (at least as long) are both overwritten. `rank < a.len() + b.len() + c.len()`.
fn union_select<'s>(
    mut a: &[f64],
    mut b: &[f64],
    mut c: &'s mut [f64],
    mut spare: &'s mut [f64],
    mut rank: usize,
) -> f64 {
    loop {
        let n = c.len();
        if n == 0 {
            return sorted_pair_select(a, b, rank);
        }
        let pivot = median_of_three(c[0], c[n / 2], c[n - 1]);
        // spare[..below] < pivot <= spare[below..n]
        let below = partition_into(c, &mut spare[..n], |x| x < pivot);
        let (a_lt, b_lt) = (
            a.partition_point(|&x| x < pivot),
            b.partition_point(|&x| x < pivot),
        );
        let less = a_lt + b_lt + below;
        let (old_c, old_spare) = (std::mem::take(&mut c), std::mem::take(&mut spare));
        if rank < less {
            (a, b, c, spare) = (&a[..a_lt], &b[..b_lt], &mut old_spare[..below], old_c);
            continue;
        }
        // old_c[below..not_above] == pivot < old_c[not_above..n]
        let not_above =
            below + partition_into(&old_spare[below..n], &mut old_c[below..n], |x| x <= pivot);
        let (a_le, b_le) = (
            a.partition_point(|&x| x <= pivot),
            b.partition_point(|&x| x <= pivot),
        );
        let equal = (a_le - a_lt) + (b_le - b_lt) + (not_above - below);
        if rank < less + equal {
            return pivot;
        }
        rank -= less + equal;
        (a, b, c, spare) = (&a[a_le..], &b[b_le..], &mut old_c[not_above..n], old_spare);
    }
}

/// Copies `src` into `dst` (same length) with the elements that satisfy `keep` first, returning
/// how many there are. Every element is written once to a slot chosen without a branch (kept
/// ones from the front, the others from the back), which beats a branching partition on
/// unpredictable data.
fn partition_into(src: &[f64], dst: &mut [f64], keep: impl Fn(f64) -> bool) -> usize {
    let (mut front, mut back) = (0, dst.len());
    for &x in src {
        let k = keep(x);
        let slot = if k { front } else { back - 1 };
        dst[slot] = x;
        front += k as usize;
        back -= !k as usize;
    }
    front
}

/// The `rank`-th smallest (0-based) of the union of two ascending lists, by binary search on
/// how many of the `rank + 1` smallest come from `a`.
fn sorted_pair_select(a: &[f64], b: &[f64], rank: usize) -> f64 {
    let take = rank + 1;
    let (mut lo, mut hi) = (take.saturating_sub(b.len()), take.min(a.len()));
    while lo < hi {
        let i = (lo + hi) / 2;
        if a[i] < b[take - i - 1] {
            lo = i + 1;
        } else {
            hi = i;
        }
    }
    let from_a = (lo > 0).then(|| a[lo - 1]);
    let from_b = (take > lo).then(|| b[take - lo - 1]);
    match (from_a, from_b) {
        (Some(x), Some(y)) => x.max(y),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => unreachable!("rank is below the total length"),
    }
}

fn median_of_three(x: f64, y: f64, z: f64) -> f64 {
    x.max(y).min(x.min(y).max(z))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::test_support::{assert_close, fixture_set, task, upper3};
    use crate::distance::{Distance, compute};
    use cascade_data::TaskSet;
    use nalgebra::{DMatrix, DVector, dmatrix};

    // Expected values: the reference script in test_support.rs (scipy pdist/cdist, np.median).
    // Tolerance 1e-12 on O(1) values (sums of at most a few thousand exponentials).

    fn x_only(id: &str, x: DMatrix<f64>) -> Task {
        let n = x.nrows();
        task(id, x, DVector::zeros(n))
    }

    #[test]
    fn mmd_matches_reference() {
        let set = TaskSet::new(vec![
            x_only("p", dmatrix![0.0, 0.0; 0.0, 1.0; 1.0, 0.0]),
            x_only("q", dmatrix![3.0, 3.0; 4.0, 3.0; 3.0, 5.0; 4.0, 4.0]),
            x_only("r", dmatrix![0.0, 0.0; 0.5, 0.5; 0.0, 0.0; 1.0, 1.0]),
        ])
        .unwrap();
        let m = compute(&set, Distance::Mmd).unwrap();
        // (p, r): the unbiased MMD^2 is negative there, so the distance is clipped to 0.
        assert_close(
            &upper3(&m),
            &[1.1618527256787687, 0.0, 1.1577666101304582],
            1e-12,
        );
        // The script's small fixtures all have a negative unbiased MMD^2.
        let m = compute(&fixture_set("abc"), Distance::Mmd).unwrap();
        assert_close(&upper3(&m), &[0.0, 0.0, 0.0], 0.0);
    }

    #[test]
    fn median_heuristic_uses_only_the_first_1000_rows() {
        // u: 1000 rows near the origin, then 300 far-away rows that would move the median
        // (to 0.4969461 without the subsample); the kernel sums still use all 1300 rows.
        let u = DMatrix::from_fn(1300, 2, |i, j| match (i < 1000, j) {
            (true, 0) => (i as f64).sin(),
            (true, _) => (0.5 * i as f64).cos(),
            (false, 0) => 50.0 + 0.1 * (i - 1000) as f64,
            (false, _) => 50.0,
        });
        let v = DMatrix::from_fn(20, 2, |i, j| {
            if j == 0 {
                1.0 + 0.5 * (0.3 * i as f64).sin()
            } else {
                (i as f64).cos()
            }
        });
        let set = TaskSet::new(vec![x_only("u", u), x_only("v", v)]).unwrap();
        let m = compute(&set, Distance::Mmd).unwrap();
        assert_close(&[m.get(0, 1)], &[0.5034623552931942], 1e-10);
    }

    #[test]
    fn identical_rows_give_zero_not_nan() {
        // No positive squared distance anywhere: s^2 = 1, every kernel value is 1, MMD^2 = 0.
        let set = TaskSet::new(vec![
            x_only("p", DMatrix::from_element(2, 2, 1.0)),
            x_only("q", DMatrix::from_element(3, 2, 1.0)),
        ])
        .unwrap();
        assert_eq!(compute(&set, Distance::Mmd).unwrap().get(0, 1), 0.0);
    }

    /// numpy's median by sorting, the reference for the selection.
    fn sorted_median(mut all: Vec<f64>) -> Option<f64> {
        all.sort_by(f64::total_cmp);
        let len = all.len();
        (len > 0).then(|| match len % 2 {
            1 => all[len / 2],
            _ => 0.5 * (all[len / 2 - 1] + all[len / 2]),
        })
    }

    #[test]
    fn union_median_is_numpys() {
        assert_eq!(union_median(&[], &[], &[], &mut Default::default()), None);
        assert_eq!(
            union_median(&[1.0], &[3.0], &[2.0], &mut Default::default()),
            Some(2.0)
        );
        assert_eq!(
            union_median(&[1.0, 4.0], &[], &[3.0, 2.0], &mut Default::default()),
            Some(2.5)
        );
        assert_eq!(
            union_median(&[5.0], &[5.0, 9.0], &[1.0], &mut Default::default()),
            Some(5.0)
        );
        assert_eq!(
            union_median(&[1.0, 2.0], &[3.0], &[], &mut Default::default()),
            Some(2.0)
        );
    }

    proptest::proptest! {
        /// Any split of a multiset (with repeats) into two sorted lists and an unordered one
        /// has the sorted union's median.
        #[test]
        fn union_median_equals_the_sorted_median(
            a in proptest::collection::vec(0u8..20, 0..30),
            b in proptest::collection::vec(0u8..20, 0..30),
            c in proptest::collection::vec(0u8..20, 0..60),
        ) {
            let f = |v: &[u8]| v.iter().map(|&x| x as f64 * 0.5).collect::<Vec<f64>>();
            let (mut a, mut b, c) = (f(&a), f(&b), f(&c));
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let want = sorted_median([a.clone(), b.clone(), c.clone()].concat());
            proptest::prop_assert_eq!(union_median(&a, &b, &c, &mut Default::default()), want);
        }
    }

    proptest::proptest! {
        /// Large enough for the sampled bracket (`c` of 1024 or more), with many ties.
        #[test]
        fn bracketed_union_median_equals_the_sorted_median(
            a in proptest::collection::vec(0u16..300, 0..400),
            b in proptest::collection::vec(0u16..300, 0..400),
            c in proptest::collection::vec(0u16..300, 1024..3000),
        ) {
            let f = |v: &[u16]| v.iter().map(|&x| x as f64 * 0.25).collect::<Vec<f64>>();
            let (mut a, mut b, c) = (f(&a), f(&b), f(&c));
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let want = sorted_median([a.clone(), b.clone(), c.clone()].concat());
            proptest::prop_assert_eq!(union_median(&a, &b, &c, &mut Default::default()), want);
        }
    }

    #[test]
    fn a_misleading_sample_falls_back_to_the_full_selection() {
        // The sampled positions (every step-th element) hold the largest values, so the bracket
        // estimated from them misses the median and the plain selection must take over.
        let n = 2048;
        let step = n / BRACKET_SAMPLE;
        let c: Vec<f64> = (0..n)
            .map(|i| {
                if i % step == 0 {
                    1e6 + i as f64
                } else {
                    i as f64 * 1e-3
                }
            })
            .collect();
        let mut inside = Vec::new();
        let middle = n / 2;
        assert!(bracket(&[], &[], &c, middle - 1..=middle, &mut inside).is_none());
        assert_eq!(
            union_median(&[], &[], &c, &mut Default::default()),
            sorted_median(c.clone())
        );
    }

    #[test]
    fn kernel_sum_matches_the_scalar_sum() {
        // 4 lanes plus a tail of 3, against f64::exp one at a time.
        let d2s: Vec<f64> = (0..11).map(|i| 0.37 * i as f64).collect();
        let want: f64 = d2s.iter().map(|&d2| (-0.8 * d2).exp()).sum();
        assert!((kernel_sum(&d2s, 0.8) - want).abs() < 1e-14);
    }
}
