//! The exact median of a pair's pool of squared distances for `mmd`'s bandwidth: the union of
//! two tasks' sorted within-task lists and the pair's unsorted cross distances, found by
//! selection instead of sorting the union: a value bracket around the middle ranks (probed
//! values, or Floyd-Rivest samples when probing stalls), then quickselect on the unsorted values
//! inside it with the sorted parts counted by binary search.
//!
//! Values must be `>= 0` and not NaN (squared distances): the bracket sample sorts by bit
//! pattern.

use std::ops::RangeInclusive;

use super::mmd_kernels::{count_around, count_below, max_value, split_bracket};

/// The median (numpy's: the mean of the two middle values for an even count) of the union of
/// two ascending lists and one unordered one, leaving out the union's `skip` smallest values;
/// `None` when nothing is left. `work` holds buffers.
///
/// Probes narrow `c` to a few dozen values around the middle ([`probe`]; when they stall, two
/// sampled brackets, [`bracket`], each keeping about a quarter), then one selection finds the
/// upper middle value; the lower one, for an even count, is the largest value below it unless a
/// tie spans both ranks.
pub(super) fn union_median(
    a: &[f64],
    b: &[f64],
    c: &[f64],
    skip: usize,
    work: &mut [Vec<f64>; 4],
) -> Option<f64> {
    let len = (a.len() + b.len() + c.len()).saturating_sub(skip);
    if len == 0 {
        return None;
    }
    let upper_rank = skip + len / 2;
    let lower_rank = if len.is_multiple_of(2) {
        upper_rank - 1
    } else {
        upper_rank
    };
    let [inside, narrower, first, second] = work;
    let (mut a, mut b, mut below) = (a, b, 0);
    if let Some(narrowed) = probe(a, b, c, lower_rank..=upper_rank, inside, narrower) {
        (a, b, below) = narrowed;
    } else {
        match bracket(a, b, c, lower_rank..=upper_rank, inside) {
            Some((a1, b1, below1)) => {
                (a, b, below) = (a1, b1, below1);
                let ranks = lower_rank - below..=upper_rank - below;
                if let Some((a2, b2, below2)) = bracket(a, b, inside, ranks, narrower) {
                    (a, b, below) = (a2, b2, below + below2);
                    std::mem::swap(inside, narrower);
                }
            }
            None => {
                inside.clear();
                inside.extend_from_slice(c);
            }
        }
    }
    first.clear();
    first.extend_from_slice(inside);
    second.resize(inside.len(), 0.0);
    let upper = union_select(a, b, first, second, upper_rank - below);
    if lower_rank == upper_rank {
        return Some(upper);
    }
    // The value at lower_rank: `upper` again when fewer than upper_rank values lie below it,
    // else the largest value below it (all inside the bracket, which holds lower_rank).
    let (a_less, b_less) = (
        a.partition_point(|&x| x < upper),
        b.partition_point(|&x| x < upper),
    );
    let (mut less, mut largest) = (below + a_less + b_less, f64::NEG_INFINITY);
    for &x in inside.iter() {
        if x < upper {
            less += 1;
            largest = largest.max(x);
        }
    }
    let lower = if less <= lower_rank {
        upper
    } else {
        let before = |s: &[f64], k: usize| if k > 0 { s[k - 1] } else { f64::NEG_INFINITY };
        largest.max(before(a, a_less)).max(before(b, b_less))
    };
    Some(0.5 * (lower + upper))
}

/// Values of `c` a probed bracket may keep for the final selection.
const PROBE_KEEP: usize = 96;
/// Most probes before [`probe`] gives up (and the sampled bracket takes over).
const PROBES: usize = 24;
/// [`probe`] moves the values of `c` inside its bracket to a shorter list once the bracket
/// holds at most `1 / NARROW` of them, so that later probes count only those (a half: the
/// fastest of 2, 3, 4 and 8, measured on `cascade plan --method mst-mmd --dim 5`).
const NARROW: usize = 2;

/// Narrows the union of ascending `a`, ascending `b` and unordered `c` (values `>= 0`) to a
/// value bracket `[lo, hi]` holding every rank in `ranks` and at most [`PROBE_KEEP`] values of
/// `c`, by probing values: a probe counts the union below a value (`c` in one vectorised pass,
/// [`count_below`]; `a` and `b` by binary search) and moves one end of the bracket. The first
/// probe is the median of `a` and `b`, the second a step from it scaled by their local
/// [`density`], the next secant steps through the last two probes (aimed a little to one side
/// of the middle, so that both ends close in); the bracket is halved instead when the last probe
/// did not halve the values of `c` inside. Once the bracket holds half of `c` or less, its
/// values move to `narrower` (one pass, [`within_bracket`]) and the probes go on over them.
/// Returns like [`bracket`]; `None` when `c` is small or [`PROBES`] probes did not narrow it.
fn probe<'a>(
    a: &'a [f64],
    b: &'a [f64],
    c: &[f64],
    ranks: RangeInclusive<usize>,
    inside: &mut Vec<f64>,
    narrower: &mut Vec<f64>,
) -> Option<(&'a [f64], &'a [f64], usize)> {
    if c.len() <= 2 * PROBE_KEEP {
        return None;
    }
    // The lists still in play and how many union values lie below them.
    let (mut a, mut b, mut c, mut below) = (a, b, c, 0);
    let mut narrower = Some(narrower);
    // Invariants, counted in the lists in play: (union < lo) = lo_lt <= first and
    // (union <= hi) = hi_le > last; c holds at most hi_c - lo_c values in [lo, hi]. An infinite
    // `hi` stands for the largest value (found only if a halving step needs it).
    let (mut lo, mut lo_lt, mut lo_c) = (0.0, 0, 0);
    let (mut hi, mut hi_le, mut hi_c) = (f64::INFINITY, a.len() + b.len() + c.len(), c.len());
    // Probes aim a third of PROBE_KEEP to the side of the middle whose end is farther, so that
    // both ends close in; each aim is found by a secant step through the last two probes' ranks,
    // the first from the median of `a` and `b` and the local density there.
    let aside = (PROBE_KEEP / 3) as f64;
    let mut last_two: [Option<(f64, f64)>; 2] = [None, None];
    let mut previous_width = usize::MAX;
    for _ in 0..PROBES {
        let mut width = hi_c - lo_c;
        if width <= PROBE_KEEP {
            break;
        }
        if let Some(buffer) = narrower.take_if(|_| NARROW * width <= c.len()) {
            let ranks = ranks.start() - below..=ranks.end() - below;
            let (a1, b1, below1) = within_bracket(a, b, c, lo, hi, ranks, buffer)?;
            let buffer: &Vec<f64> = buffer;
            (a, b, c, below) = (a1, b1, buffer.as_slice(), below + below1);
            (lo_lt, lo_c, hi_le, hi_c) = (0, 0, a.len() + b.len() + c.len(), c.len());
            for (_, rank) in last_two.iter_mut().flatten() {
                *rank -= below1 as f64;
            }
            (width, previous_width) = (c.len(), usize::MAX);
            if width <= PROBE_KEEP {
                break;
            }
        }
        let (first, last) = (ranks.start() - below, ranks.end() - below);
        let middle = 0.5 * (first + last) as f64 + 0.5;
        let aim = if middle - lo_lt as f64 > hi_le as f64 - middle {
            middle - aside
        } else {
            middle + aside
        };
        let halve = 2 * width > previous_width && previous_width != usize::MAX;
        let mut x = match last_two {
            _ if halve => f64::NAN,
            [Some((x0, r0)), Some((x1, r1))] if r1 != r0 => x1 + (aim - r1) * (x1 - x0) / (r1 - r0),
            [_, Some((x1, r1))] => x1 + (aim - r1) / density(a, b, c.len(), x1).unwrap_or(f64::NAN),
            _ if !a.is_empty() && !b.is_empty() => {
                sorted_pair_select(a, b, (a.len() + b.len()) / 2)
            }
            _ => f64::NAN,
        };
        previous_width = width;
        if !(x > lo && x < hi) {
            if hi == f64::INFINITY {
                hi = max_value(c)
                    .max(a.last().copied().unwrap_or(0.0))
                    .max(b.last().copied().unwrap_or(0.0));
            }
            x = 0.5 * (lo + hi);
        }
        if !(x > lo && x < hi) {
            break; // no value strictly between the ends: ties fill the bracket
        }
        let c_lt = count_below(c, x);
        let lt = a.partition_point(|&y| y < x) + b.partition_point(|&y| y < x) + c_lt;
        last_two = [last_two[1], Some((x, lt as f64))];
        if lt <= first {
            (lo, lo_lt, lo_c) = (x, lt, c_lt);
        } else if lt > last {
            (hi, hi_le, hi_c) = (x, lt, c_lt);
        } else {
            // x lies between the two middle values: it closes the top end only if ties at x
            // reach past them (rare, so counted in a second pass).
            let c_le = count_around(c, x).1;
            let le = a.partition_point(|&y| y <= x) + b.partition_point(|&y| y <= x) + c_le;
            if le > last {
                (hi, hi_le, hi_c) = (x, le, c_le);
            }
        }
    }
    if hi_c - lo_c > PROBE_KEEP {
        return None;
    }
    let (first, last) = (ranks.start() - below, ranks.end() - below);
    let (a, b, below1) = within_bracket(a, b, c, lo, hi, first..=last, inside)?;
    Some((a, b, below + below1))
}

/// The union's density of values (ranks per unit) near `x`, estimated from `a` and `b` alone
/// (64 ranks on either side of `x` in them) and scaled up to the union's size; `None` where
/// they cannot tell.
fn density(a: &[f64], b: &[f64], c_len: usize, x: f64) -> Option<f64> {
    const SPAN: usize = 64;
    let n = a.len() + b.len();
    let at = a.partition_point(|&y| y < x) + b.partition_point(|&y| y < x);
    if n < 2 * SPAN + 2 {
        return None;
    }
    let (low, high) = (at.saturating_sub(SPAN), (at + SPAN).min(n - 1));
    let spread = sorted_pair_select(a, b, high) - sorted_pair_select(a, b, low);
    (spread > 0.0).then(|| (high - low) as f64 / spread * (n + c_len) as f64 / n as f64)
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
pub(super) fn bracket<'a>(
    a: &'a [f64],
    b: &'a [f64],
    c: &[f64],
    ranks: RangeInclusive<usize>,
    inside: &mut Vec<f64>,
) -> Option<(&'a [f64], &'a [f64], usize)> {
    if c.len() < 4 * BRACKET_SAMPLE {
        return None;
    }
    let step = c.len() / BRACKET_SAMPLE;
    let mut sample: Vec<f64> = (0..BRACKET_SAMPLE).map(|i| c[i * step]).collect();
    // Squared distances are >= 0, where the bit patterns sort as the values do.
    sample.sort_unstable_by_key(|x| x.to_bits());
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
    within_bracket(a, b, c, lo, hi, ranks, inside)
}

/// The union's values in `[lo, hi]`, checked exactly: one pass over `c` counts what lies below
/// and writes what lies inside to `inside`, binary searches cut `a` and `b`. Returns the parts of
/// `a` and `b` inside and the count of union values below `lo`; `None` unless every rank in
/// `ranks` lies inside.
fn within_bracket<'a>(
    a: &'a [f64],
    b: &'a [f64],
    c: &[f64],
    lo: f64,
    hi: f64,
    ranks: RangeInclusive<usize>,
    inside: &mut Vec<f64>,
) -> Option<(&'a [f64], &'a [f64], usize)> {
    let (below_c, kept) = split_bracket(c, lo, hi, inside);
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
pub(super) mod tests {
    use super::*;

    /// numpy's median by sorting, the reference for the selection.
    pub(in crate::distance) fn sorted_median(mut all: Vec<f64>) -> Option<f64> {
        all.sort_by(f64::total_cmp);
        let len = all.len();
        (len > 0).then(|| match len % 2 {
            1 => all[len / 2],
            _ => 0.5 * (all[len / 2 - 1] + all[len / 2]),
        })
    }

    #[test]
    fn union_median_is_numpys() {
        assert_eq!(
            union_median(&[], &[], &[], 0, &mut Default::default()),
            None
        );
        assert_eq!(
            union_median(&[1.0], &[3.0], &[2.0], 0, &mut Default::default()),
            Some(2.0)
        );
        assert_eq!(
            union_median(&[1.0, 4.0], &[], &[3.0, 2.0], 0, &mut Default::default()),
            Some(2.5)
        );
        assert_eq!(
            union_median(&[5.0], &[5.0, 9.0], &[1.0], 0, &mut Default::default()),
            Some(5.0)
        );
        assert_eq!(
            union_median(&[1.0, 2.0], &[3.0], &[], 0, &mut Default::default()),
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
            proptest::prop_assert_eq!(union_median(&a, &b, &c, 0, &mut Default::default()), want);
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
            proptest::prop_assert_eq!(union_median(&a, &b, &c, 0, &mut Default::default()), want);
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
            union_median(&[], &[], &c, 0, &mut Default::default()),
            sorted_median(c.clone())
        );
    }

    proptest::proptest! {
        /// Zeros in `c`, skipped: the median of the positive values alone.
        #[test]
        fn skipping_the_zeros_gives_the_median_of_the_positive_values(
            a in proptest::collection::vec(1u8..20, 0..30),
            b in proptest::collection::vec(1u8..20, 0..30),
            c in proptest::collection::vec(0u8..20, 0..2000),
        ) {
            let f = |v: &[u8]| v.iter().map(|&x| x as f64 * 0.5).collect::<Vec<f64>>();
            let (mut a, mut b, c) = (f(&a), f(&b), f(&c));
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let zeros = c.iter().filter(|&&x| x == 0.0).count();
            let positive: Vec<f64> = c.iter().copied().filter(|&x| x > 0.0).collect();
            let want = sorted_median([a.clone(), b.clone(), positive].concat());
            proptest::prop_assert_eq!(
                union_median(&a, &b, &c, zeros, &mut Default::default()),
                want
            );
        }
    }
}
