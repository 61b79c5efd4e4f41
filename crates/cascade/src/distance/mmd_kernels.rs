//! The loops that decide `mmd`'s speed, written so the compiler vectorises them, and compiled
//! for each tier of vector instructions ([`simd_tiers`]: AVX-512, AVX2 with FMA, the baseline
//! target). The choice is made once, at run time, by the CPU.
//!
//! - [`kernel_sum`]: `sum_i exp(-gamma d2_i)` with the branch-free `exp` of `exp.rs` (Cody-Waite
//!   reduction and a degree-13 Taylor polynomial on `|r| <= ln 2 / 2`, truncation error below
//!   4e-18 relative; on AVX-512 a 16-entry table and a degree-7 polynomial instead, in
//!   `kernel_sum_avx512.rs`), within a few units in the last place of libm's `exp`.
//! - [`count_around`], [`max_value`] and [`split_bracket`]: the passes of the median's
//!   selection (the last with explicit AVX-512 intrinsics, packing the kept values).
//!
//! Written by hand because no maintained crate offers a vectorised f64 `exp` (`wide`'s was
//! no faster than libm on baseline x86-64, measured in an earlier version) and the per-lane
//! layout is what lets LLVM use full-width registers.

use std::mem::MaybeUninit;

use super::exp::exp_nonpositive;
#[cfg(target_arch = "x86_64")]
use super::kernel_sum_avx512::kernel_sum_table;
use super::simd::{has_avx512, simd_tiers};

/// Lanes of the independent accumulators: one AVX-512 register of f64.
pub(super) const LANES: usize = 8;

/// Counts the values of `c` below `lo` and moves those in `[lo, hi]`, in order, to `inside`
/// (cleared first): returns `(below, inside.len())`. With AVX-512 a pass compares 8 values at
/// once, packs the kept ones into the front of a register and stores all 8 lanes (so `inside`
/// reserves 8 past `c`; the packing store to memory is microcoded and several times slower).
/// The values are written into `inside`'s spare capacity, which is never zeroed first.
pub(super) fn split_bracket(c: &[f64], lo: f64, hi: f64, inside: &mut Vec<f64>) -> (usize, usize) {
    inside.clear();
    inside.reserve(c.len() + LANES);
    let spare = &mut inside.spare_capacity_mut()[..c.len() + LANES];
    #[cfg(target_arch = "x86_64")]
    let (below, kept) = if has_avx512() {
        // SAFETY: the CPU has AVX-512F and POPCNT (checked at run time above); `spare` holds c.len() + 8
        // slots, as the full-register stores need.
        unsafe { split_bracket_avx512(c, lo, hi, spare) }
    } else {
        split_bracket_body(c, lo, hi, spare)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let (below, kept) = split_bracket_body(c, lo, hi, spare);
    // SAFETY: both passes write each kept value to its final slot, so slots 0..kept hold
    // values (a later write only ever lands at or past the count kept so far).
    unsafe { inside.set_len(kept) };
    (below, kept)
}

/// The portable pass, each value written to the next free slot without a branch.
fn split_bracket_body(
    c: &[f64],
    lo: f64,
    hi: f64,
    inside: &mut [MaybeUninit<f64>],
) -> (usize, usize) {
    let (mut below, mut kept) = (0, 0);
    for &x in c {
        below += (x < lo) as usize;
        inside[kept].write(x);
        kept += (x >= lo && x <= hi) as usize;
    }
    (below, kept)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,popcnt")]
fn split_bracket_avx512(
    c: &[f64],
    lo: f64,
    hi: f64,
    inside: &mut [MaybeUninit<f64>],
) -> (usize, usize) {
    use std::arch::x86_64::{
        _CMP_LE_OQ, _CMP_LT_OQ, _mm512_cmp_pd_mask, _mm512_loadu_pd, _mm512_maskz_compress_pd,
        _mm512_set1_pd, _mm512_storeu_pd,
    };
    let (vlo, vhi) = (_mm512_set1_pd(lo), _mm512_set1_pd(hi));
    let (mut below, mut kept) = (0, 0);
    let mut chunks = c.chunks_exact(LANES);
    for chunk in chunks.by_ref() {
        // SAFETY: `chunk` holds 8 values; the store writes `inside[kept..kept + 8]`, in bounds
        // because kept <= (values seen so far) <= c.len() - 8 and inside.len() = c.len() + 8.
        unsafe {
            let v = _mm512_loadu_pd(chunk.as_ptr());
            let lt = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(v, vlo);
            // Not below lo and not above hi (the values are never NaN).
            let keep = !lt & _mm512_cmp_pd_mask::<_CMP_LE_OQ>(v, vhi);
            _mm512_storeu_pd(
                inside.as_mut_ptr().add(kept).cast::<f64>(),
                _mm512_maskz_compress_pd(keep, v),
            );
            below += lt.count_ones() as usize;
            kept += keep.count_ones() as usize;
        }
    }
    let (tail_below, tail_kept) =
        split_bracket_body(chunks.remainder(), lo, hi, &mut inside[kept..]);
    (below + tail_below, kept + tail_kept)
}

simd_tiers! {
    /// `#{x in c : x < t}`: one pass of comparisons whose count the compiler keeps in vector
    /// registers (the probes' pass, one comparison a value).
    fn count_below / count_below_avx512 / count_below_avx2(c: &[f64], t: f64) -> usize {
        avx512: count_below_body(c, t),
        avx2: count_below_body(c, t),
        portable: count_below_body(c, t),
    }
}

#[inline(always)]
fn count_below_body(c: &[f64], t: f64) -> usize {
    // u32 counters (a pair has far fewer than 2^32 values) vectorise at twice the width.
    c.iter().map(|&x| (x < t) as u32).sum::<u32>() as usize
}

simd_tiers! {
    /// `(#{x in c : x < t}, #{x in c : x <= t})`: one pass of comparisons whose counts the
    /// compiler keeps in vector registers.
    fn count_around / count_around_avx512 / count_around_avx2(c: &[f64], t: f64) -> (usize, usize) {
        avx512: count_around_body(c, t),
        avx2: count_around_body(c, t),
        portable: count_around_body(c, t),
    }
}

#[inline(always)]
fn count_around_body(c: &[f64], t: f64) -> (usize, usize) {
    // u32 counters (a pair has far fewer than 2^32 values) vectorise at twice the width.
    let (mut less, mut at_most) = (0u32, 0u32);
    for &x in c {
        less += (x < t) as u32;
        at_most += (x <= t) as u32;
    }
    (less as usize, at_most as usize)
}

simd_tiers! {
    /// The largest value of `c` (0 for an empty `c`; the values are `>= 0`).
    fn max_value / max_value_avx512 / max_value_avx2(c: &[f64]) -> f64 {
        avx512: max_value_body(c),
        avx2: max_value_body(c),
        portable: max_value_body(c),
    }
}

#[inline(always)]
fn max_value_body(c: &[f64]) -> f64 {
    // Four registers of lanes (independent chains), compared without NaN handling (the values
    // are squared distances), which compiles to one max instruction a register.
    let mut lanes = [0.0f64; 4 * LANES];
    let mut chunks = c.chunks_exact(4 * LANES);
    for chunk in chunks.by_ref() {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane = if x > *lane { x } else { *lane };
        }
    }
    chunks
        .remainder()
        .iter()
        .chain(&lanes)
        .fold(0.0f64, |m, &x| if x > m { x } else { m })
}

simd_tiers! {
    /// `sum_i a[i] b[i]` over the common length, in [`LANES`] independent partial sums (so
    /// vectorised), added up at the end.
    fn dot / dot_avx512 / dot_avx2(a: &[f64], b: &[f64]) -> f64 {
        avx512: dot_body::<true>(a, b),
        avx2: dot_body::<true>(a, b),
        portable: dot_body::<false>(a, b),
    }
}

#[inline(always)]
fn dot_body<const FMA: bool>(a: &[f64], b: &[f64]) -> f64 {
    let madd = |x: f64, y: f64, z: f64| if FMA { x.mul_add(y, z) } else { x * y + z };
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut lanes = [0.0f64; 4 * LANES];
    let (mut left, mut right) = (a.chunks_exact(4 * LANES), b.chunks_exact(4 * LANES));
    for (x, y) in left.by_ref().zip(right.by_ref()) {
        for ((lane, &x), &y) in lanes.iter_mut().zip(x).zip(y) {
            *lane = madd(x, y, *lane);
        }
    }
    let tail: f64 = left
        .remainder()
        .iter()
        .zip(right.remainder())
        .map(|(x, y)| x * y)
        .sum();
    lanes.iter().sum::<f64>() + tail
}

simd_tiers! {
    /// `sum_i exp(-gamma d2s[i])` for `gamma >= 0` and `d2s[i] >= 0` (fused multiply-adds
    /// where AVX-512 has them).
    fn kernel_sum / kernel_sum_avx512 / kernel_sum_avx2(d2s: &[f64], gamma: f64) -> f64 {
        // SAFETY: this body runs only where the CPU has AVX-512F.
        avx512: unsafe {
            kernel_sum_table(d2s, gamma, |rest| kernel_sum_body::<true>(rest, gamma))
        },
        avx2: kernel_sum_body::<true>(d2s, gamma),
        portable: kernel_sum_body::<false>(d2s, gamma),
    }
}

#[inline(always)]
fn kernel_sum_body<const FMA: bool>(d2s: &[f64], gamma: f64) -> f64 {
    let mut lanes = [0.0f64; LANES];
    let mut chunks = d2s.chunks_exact(LANES);
    for chunk in chunks.by_ref() {
        for (lane, &d2) in lanes.iter_mut().zip(chunk) {
            *lane += exp_nonpositive::<FMA>(-gamma * d2);
        }
    }
    let tail: f64 = chunks
        .remainder()
        .iter()
        .map(|&d2| exp_nonpositive::<FMA>(-gamma * d2))
        .sum();
    lanes.iter().sum::<f64>() + tail
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// libm's `exp` and the plain loop, the reference for the kernel sums (here and in
    /// `within_sums.rs`).
    pub(in crate::distance) fn plain_sum(d2s: &[f64], gamma: f64) -> f64 {
        d2s.iter().map(|&d2| (-gamma * d2).exp()).sum()
    }

    #[test]
    fn kernel_sum_matches_the_plain_sum() {
        // Lengths with and without a tail, on both code paths (whichever this CPU takes, and
        // the baseline one).
        for n in [0, 3, 8, 11, 64, 2016] {
            let d2s: Vec<f64> = (0..n).map(|i| 0.37 * (i % 97) as f64 + 1e-3).collect();
            let want = plain_sum(&d2s, 0.8);
            for got in [kernel_sum(&d2s, 0.8), kernel_sum_body::<false>(&d2s, 0.8)] {
                assert!(
                    (got - want).abs() <= 1e-14 * want.max(1.0),
                    "n = {n}: {got} against {want}"
                );
            }
        }
    }

    #[test]
    fn split_bracket_counts_below_and_keeps_the_inside_in_order() {
        // 21 values (two chunks of 8 and a tail of 5), on both paths.
        let c: Vec<f64> = (0..21).map(|i| ((i * 8) % 21) as f64).collect();
        let want_inside: Vec<f64> = c
            .iter()
            .copied()
            .filter(|&x| (5.0..=12.0).contains(&x))
            .collect();
        let mut inside = Vec::new();
        assert_eq!(split_bracket(&c, 5.0, 12.0, &mut inside), (5, 8));
        assert_eq!(inside, want_inside);
        let mut plain = vec![MaybeUninit::new(0.0); c.len()];
        assert_eq!(split_bracket_body(&c, 5.0, 12.0, &mut plain), (5, 8));
        // SAFETY: the slots were initialised above.
        let plain: Vec<f64> = plain.iter().map(|x| unsafe { x.assume_init() }).collect();
        assert_eq!(plain[..8], want_inside[..]);
        assert_eq!(
            split_bracket(&c, f64::NEG_INFINITY, f64::INFINITY, &mut inside),
            (0, 21)
        );
    }

    #[test]
    fn counts_and_maximum_by_hand() {
        let c: Vec<f64> = (0..21).map(|i| ((i * 8) % 21) as f64 * 0.5).collect();
        // Values 0, 0.5, ..., 10: six below 3, seven at most 3.
        assert_eq!(count_around(&c, 3.0), (6, 7));
        assert_eq!(count_around_body(&c, 3.0), (6, 7));
        assert_eq!(count_around(&c, -1.0), (0, 0));
        assert_eq!(count_below(&c, 3.0), 6);
        assert_eq!(count_below_body(&c, 3.0), 6);
        assert_eq!(count_below(&c, 10.5), 21);
        assert_eq!(max_value(&c), 10.0);
        assert_eq!(
            max_value_body(&c[..5]),
            c[..5].iter().copied().fold(0.0, f64::max)
        );
        assert_eq!(max_value(&[]), 0.0);
        // 1 * 2 + 2 * 3 + ... + 40 * 41 = sum i^2 + i = 22140 + 820 (exact in f64).
        let (x, y): (Vec<f64>, Vec<f64>) = (1..=40).map(|i| (i as f64, i as f64 + 1.0)).unzip();
        assert_eq!(dot(&x, &y), 22960.0);
        assert_eq!(dot_body::<false>(&x, &y), 22960.0);
        assert_eq!(dot(&x[..3], &y), 20.0);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn table_exp_is_within_a_few_ulp_of_libm() {
        if !has_avx512() {
            return;
        }
        // Eight equal lanes sum exactly to 8 exp(x) (each addition doubles), so the sum over 8
        // is the kernel's exp(x).
        let mut worst: f64 = 0.0;
        for i in 0..200_000 {
            let x = -(i as f64) * 0.003_541_7; // 0 down to -708.3
            // SAFETY: the CPU has AVX-512F (checked above).
            let got = unsafe { kernel_sum_table(&[-x; 8], 1.0, |_| 0.0) } / 8.0;
            if x >= -708.0 {
                worst = worst.max(((got - x.exp()) / x.exp()).abs());
            } else {
                assert_eq!(got, 0.0);
            }
        }
        // 4 ulp = 8.9e-16.
        assert!(worst < 8.9e-16, "worst relative error {worst:e}");
        // SAFETY: as above.
        let tail = unsafe { kernel_sum_table(&[0.0; 11], 0.5, |rest| rest.len() as f64) };
        assert_eq!(tail, 8.0 + 3.0, "8 lanes of exp(0) and a tail of 3");
    }
}
