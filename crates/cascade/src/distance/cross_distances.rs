//! The squared distances between every row of one task and every row of another, for `mmd`.
//!
//! Most are computed in the Gram form `|a|^2 + |b|^2 - 2 a.b`: one multiply-add a feature
//! instead of a subtraction and a multiply-add. That form loses accuracy where the distance is
//! small against the norms: with `u = 2^-53` and `s = |a|^2 + |b|^2`, its error is at most
//! `(2d + 1) u s` to first order (`d u s` from the two norms together, `d u s` from twice the
//! dot product, as `2 |a.b| <= s`, and `u s` from the sum). So a value is kept only when it is above
//! [`gram_floor`]` s`, which makes its relative error at most `2^-44` (`5.7e-14`); a block of
//! outputs with any value at or below that is recomputed as the plain `sum_k (a_k - b_k)^2`,
//! which also gives repeated rows their exact 0. The tasks `mmd` sees are standardised
//! (centred), so the norms are of the order of the distances and recomputed blocks are rare.
//!
//! Through `mmd`, a relative error `e` in each cross distance moves `MMD^2` by at most
//! `2 e max_x x exp(-x) = 0.74 e`, so by at most `4.2e-14`.

#[cfg(target_arch = "x86_64")]
use super::simd::{Tier, tier};

/// Output columns a block accumulates in registers (4 AVX-512 registers of f64).
const BLOCK: usize = 32;

/// The Gram form is kept above this share of `|a|^2 + |b|^2`: `(2d + 1) / 512`, so that
/// `(2d + 1) u / floor = 2^-44` (module docs). From `d = 256` on it is 1 or more and every value
/// is computed plainly.
fn gram_floor(d: usize) -> f64 {
    (2 * d + 1) as f64 / 512.0
}

/// `sum_k x_k^2` for each row of `rows` (row-major, `d` values a row): the norms that
/// [`cross_distances`] takes.
pub(super) fn squared_norms(rows: &[f64], d: usize) -> Vec<f64> {
    if d == 0 {
        return Vec::new();
    }
    rows.chunks_exact(d)
        .map(|row| row.iter().map(|x| x * x).sum())
        .collect()
}

/// `out[i * n_b + j] = |a_i - b_j|^2` for the rows of `a` (row-major `[n_a, d]`, squared norms
/// `a_norms: [n_a]`) against the rows of `b` given column-major (`[d, n_b]`, a feature's values
/// contiguous; squared norms `b_norms: [n_b]`), to `2^-44` relative (module docs). `out` must
/// hold `n_a * n_b` values. Returns how many of them are 0 (repeated rows).
pub(super) fn cross_distances(
    a: &[f64],
    a_norms: &[f64],
    b_cols: &[f64],
    b_norms: &[f64],
    d: usize,
    out: &mut [f64],
) -> usize {
    #[cfg(target_arch = "x86_64")]
    match tier() {
        // SAFETY: the CPU has AVX-512F (checked at run time).
        Tier::Avx512 => {
            return unsafe { cross_distances_avx512(a, a_norms, b_cols, b_norms, d, out) };
        }
        // SAFETY: the CPU has AVX2 and FMA (checked at run time).
        Tier::Avx2 => return unsafe { cross_distances_avx2(a, a_norms, b_cols, b_norms, d, out) },
        Tier::Baseline => {}
    }
    cross_distances_body(a, a_norms, b_cols, b_norms, d, out, gram_rows::<false>)
}

/// [`cross_distances`] compiled for AVX2 with FMA: the portable blocks, with fused
/// multiply-adds.
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn cross_distances_avx2(
    a: &[f64],
    a_norms: &[f64],
    b_cols: &[f64],
    b_norms: &[f64],
    d: usize,
    out: &mut [f64],
) -> usize {
    cross_distances_body(a, a_norms, b_cols, b_norms, d, out, gram_rows::<true>)
}

/// [`cross_distances`] compiled for AVX-512, so that [`gram_rows_avx512`] inlines.
///
/// # Safety
/// The CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn cross_distances_avx512(
    a: &[f64],
    a_norms: &[f64],
    b_cols: &[f64],
    b_norms: &[f64],
    d: usize,
    out: &mut [f64],
) -> usize {
    // SAFETY: the CPU has AVX-512F (the caller's promise), and the pass hands each call
    // blocks of 32 values.
    let gram = |block: &Block, out0: &mut [f64], out1: Option<&mut [f64]>| unsafe {
        gram_rows_avx512(block, out0, out1)
    };
    cross_distances_body(a, a_norms, b_cols, b_norms, d, out, gram)
}

/// One step of the pass: one or two rows of `a` (`rows.1` empty when alone) with their squared
/// norms, against the [`BLOCK`] columns of `b` (column-major, with their squared norms) from
/// `start`, and the Gram floor.
struct Block<'a> {
    rows: (&'a [f64], &'a [f64]),
    norms: &'a [f64],
    b_cols: &'a [f64],
    b_norms: &'a [f64],
    start: usize,
    floor: f64,
}

/// The Gram-form values of a [`Block`], written to `out0` (and `out1` for a second row); for
/// each row, whether any value is at or below the floor. Portable code: one [`gram_block`] a
/// row.
#[inline(always)]
fn gram_rows<const FMA: bool>(
    block: &Block,
    out0: &mut [f64],
    out1: Option<&mut [f64]>,
) -> (bool, bool) {
    let low0 = gram_block::<FMA>(block.rows.0, block.norms[0], block, out0);
    let low1 = out1.is_some_and(|out| gram_block::<FMA>(block.rows.1, block.norms[1], block, out));
    (low0, low1)
}

/// One row's [`BLOCK`] Gram-form values (`row`, squared norm `norm_a`, against the columns of
/// `block`), written to `out`; true when any of them is at or below the floor. Portable code,
/// with fused multiply-adds when `FMA`.
#[inline(always)]
fn gram_block<const FMA: bool>(row: &[f64], norm_a: f64, block: &Block, out: &mut [f64]) -> bool {
    let madd = |x: f64, y: f64, z: f64| if FMA { x.mul_add(y, z) } else { x * y + z };
    let (n_b, start) = (block.b_norms.len(), block.start);
    let mut dots = [0.0f64; BLOCK];
    for (k, &x) in row.iter().enumerate() {
        let column = &block.b_cols[k * n_b + start..k * n_b + start + BLOCK];
        for (o, &y) in dots.iter_mut().zip(column) {
            *o = madd(x, y, *o);
        }
    }
    let mut suspect = false;
    for ((o, &dot), &norm_b) in out.iter_mut().zip(&dots).zip(&block.b_norms[start..]) {
        let sum = norm_a + norm_b;
        *o = madd(-2.0, dot, sum);
        suspect |= *o <= block.floor * sum;
    }
    suspect
}

/// [`gram_rows`] with AVX-512 intrinsics: each row's 32 dot products in four registers, the
/// two rows sharing each column's loads.
///
/// # Safety
/// The CPU must have AVX-512F; the outputs and the slices from `block.start` hold [`BLOCK`]
/// values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn gram_rows_avx512(
    block: &Block,
    out0: &mut [f64],
    out1: Option<&mut [f64]>,
) -> (bool, bool) {
    use std::arch::x86_64::{
        __m512d, _CMP_LE_OQ, _mm512_add_pd, _mm512_cmp_pd_mask, _mm512_fmadd_pd, _mm512_fnmadd_pd,
        _mm512_loadu_pd, _mm512_mul_pd, _mm512_set1_pd, _mm512_setzero_pd, _mm512_storeu_pd,
    };
    let (n_b, start) = (block.b_norms.len(), block.start);
    let column = |k: usize, i: usize| {
        let column = &block.b_cols[k * n_b + start..k * n_b + start + BLOCK];
        // SAFETY: `column` holds 32 values.
        unsafe { _mm512_loadu_pd(column.as_ptr().add(8 * i)) }
    };
    let (row0, row1) = block.rows;
    let mut dots = [[_mm512_setzero_pd(); 4]; 2];
    match out1 {
        Some(_) => {
            for (k, (&x0, &x1)) in row0.iter().zip(row1).enumerate() {
                let (x0, x1) = (_mm512_set1_pd(x0), _mm512_set1_pd(x1));
                let [first, second] = &mut dots;
                for (i, (d0, d1)) in first.iter_mut().zip(second.iter_mut()).enumerate() {
                    let c = column(k, i);
                    *d0 = _mm512_fmadd_pd(x0, c, *d0);
                    *d1 = _mm512_fmadd_pd(x1, c, *d1);
                }
            }
        }
        None => {
            for (k, &x0) in row0.iter().enumerate() {
                let x0 = _mm512_set1_pd(x0);
                for (i, dot) in dots[0].iter_mut().enumerate() {
                    *dot = _mm512_fmadd_pd(x0, column(k, i), *dot);
                }
            }
        }
    }
    let (two, floor) = (_mm512_set1_pd(2.0), _mm512_set1_pd(block.floor));
    let b_norms = &block.b_norms[start..start + BLOCK];
    // The Gram form of one row's block, stored; whether any value is at or below the floor.
    let finish = |dots: [__m512d; 4], norm: f64, out: &mut [f64]| {
        let (norm, out) = (_mm512_set1_pd(norm), &mut out[..BLOCK]);
        let mut low = 0u8;
        for (i, dot) in dots.into_iter().enumerate() {
            // SAFETY: `b_norms` and `out` hold 32 values.
            unsafe {
                let sum = _mm512_add_pd(norm, _mm512_loadu_pd(b_norms.as_ptr().add(8 * i)));
                let value = _mm512_fnmadd_pd(two, dot, sum);
                low |= _mm512_cmp_pd_mask::<_CMP_LE_OQ>(value, _mm512_mul_pd(floor, sum));
                _mm512_storeu_pd(out.as_mut_ptr().add(8 * i), value);
            }
        }
        low != 0
    };
    let low0 = finish(dots[0], block.norms[0], out0);
    let low1 = out1.is_some_and(|out| finish(dots[1], block.norms[1], out));
    (low0, low1)
}

/// The pass over `a`'s rows, two at a time (they share each column's loads), and blocks of
/// `b`'s columns, with `gram` for the full blocks (and the plain sums for a block with a value
/// at or below the floor, and for the last, partial, block of a row). `gram(block, out0,
/// out1)` writes a [`Block`]'s Gram-form values for its one or two rows and says for each row
/// whether any value is at or below the floor.
#[inline(always)]
fn cross_distances_body(
    a: &[f64],
    a_norms: &[f64],
    b_cols: &[f64],
    b_norms: &[f64],
    d: usize,
    out: &mut [f64],
    gram: impl Fn(&Block, &mut [f64], Option<&mut [f64]>) -> (bool, bool),
) -> usize {
    if d == 0 {
        out.fill(0.0);
        return out.len();
    }
    let n_b = b_norms.len();
    let floor = gram_floor(d);
    let mut zeros = 0;
    for ((rows, norms), out_rows) in a
        .chunks(2 * d)
        .zip(a_norms.chunks(2))
        .zip(out.chunks_mut(2 * n_b))
    {
        let (row0, row1) = rows.split_at(d);
        let (out0, out1) = out_rows.split_at_mut(n_b);
        let mut start = 0;
        while start < n_b {
            let width = BLOCK.min(n_b - start);
            let block0 = &mut out0[start..start + width];
            let mut block1 = (!row1.is_empty()).then(|| &mut out1[start..start + width]);
            let (low0, low1) = if width == BLOCK && floor < 1.0 {
                let block = Block {
                    rows: (row0, row1),
                    norms,
                    b_cols,
                    b_norms,
                    start,
                    floor,
                };
                gram(&block, block0, block1.as_deref_mut())
            } else {
                (true, true)
            };
            for (row, block, low) in [(row0, Some(block0), low0), (row1, block1, low1)] {
                if let (true, Some(block)) = (low, block) {
                    plain_block(row, b_cols, n_b, start, block);
                    zeros += block.iter().filter(|&&v| v == 0.0).count();
                }
            }
            start += width;
        }
    }
    zeros
}

/// `block[j] = sum_k (row_k - b_cols[k * n_b + start + j])^2`, each output adding its features
/// in order from 0.
#[inline(always)]
fn plain_block(row: &[f64], b_cols: &[f64], n_b: usize, start: usize, block: &mut [f64]) {
    block.fill(0.0);
    for (k, &x) in row.iter().enumerate() {
        let column = &b_cols[k * n_b + start..k * n_b + start + block.len()];
        for (o, &y) in block.iter_mut().zip(column) {
            let diff = x - y;
            *o += diff * diff;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain sums, the reference.
    fn plain(a: &[f64], b_rows: &[f64], d: usize, i: usize, j: usize) -> f64 {
        (0..d)
            .map(|k| (a[i * d + k] - b_rows[j * d + k]).powi(2))
            .sum()
    }

    fn columns(b_rows: &[f64], d: usize) -> Vec<f64> {
        let n_b = b_rows.len() / d;
        (0..d)
            .flat_map(|k| (0..n_b).map(move |j| b_rows[j * d + k]))
            .collect()
    }

    /// Both passes (this CPU's and the baseline one) against the plain sums: within `2^-44`
    /// relative (the bound in the module docs) plus a few ulp for the plain blocks.
    fn check(a: &[f64], b_rows: &[f64], d: usize) -> usize {
        let (n_a, n_b) = (a.len() / d, b_rows.len() / d);
        let (a_norms, b_norms) = (squared_norms(a, d), squared_norms(b_rows, d));
        let b_cols = columns(b_rows, d);
        let mut out = vec![f64::NAN; n_a * n_b];
        let mut base = vec![f64::NAN; n_a * n_b];
        let zeros = cross_distances(a, &a_norms, &b_cols, &b_norms, d, &mut out);
        let base_zeros = cross_distances_body(
            a,
            &a_norms,
            &b_cols,
            &b_norms,
            d,
            &mut base,
            gram_rows::<false>,
        );
        assert_eq!(zeros, base_zeros);
        for i in 0..n_a {
            for j in 0..n_b {
                let want = plain(a, b_rows, d, i, j);
                for got in [out[i * n_b + j], base[i * n_b + j]] {
                    let tolerance = (2f64.powi(-44) + 4.0 * f64::EPSILON) * want;
                    assert!(
                        (got - want).abs() <= tolerance,
                        "({i}, {j}): {got} vs {want}"
                    );
                }
            }
        }
        assert_eq!(out.iter().filter(|&&v| v == 0.0).count(), zeros);
        zeros
    }

    #[test]
    fn gram_values_are_within_the_bound_of_the_plain_sums() {
        // 75 columns: two blocks of 32 and a plain tail of 11; centred values like mmd's.
        let d = 3;
        let a: Vec<f64> = (0..5 * d).map(|i| (i as f64 * 0.731).sin()).collect();
        let b: Vec<f64> = (0..75 * d).map(|i| (i as f64 * 1.37).cos()).collect();
        assert_eq!(check(&a, &b, d), 0);
    }

    #[test]
    fn close_and_repeated_rows_are_recomputed_plainly() {
        // Rows 1 and 3 of `a` reappear in `b` at columns 5 and 40 (blocks) and 70 (the tail):
        // three exact zeros. Column 20 is a hair from row 2 (a distance far below the Gram
        // floor), which the Gram form would get wrong; rows shifted far off (norms 1e4 times
        // the distances) are recomputed too.
        let d = 2;
        let a: Vec<f64> = (0..4 * d).map(|i| i as f64 * 0.5 - 1.0).collect();
        let mut b: Vec<f64> = (0..75 * d).map(|i| (i as f64 * 0.3).sin()).collect();
        for (j, i) in [(5, 1), (40, 3), (70, 1)] {
            b[j * d..(j + 1) * d].copy_from_slice(&a[i * d..(i + 1) * d]);
        }
        b[20 * d] = a[2 * d] + 1e-7;
        b[20 * d + 1] = a[2 * d + 1];
        b[50 * d] = 100.0;
        assert_eq!(check(&a, &b, d), 3);
        let far: Vec<f64> = a.iter().map(|x| x + 100.0).collect();
        let far_b: Vec<f64> = b.iter().map(|x| x + 100.0).collect();
        assert_eq!(check(&far, &far_b, d), 3);
    }

    #[test]
    fn zero_rows_give_zero_and_wide_rows_are_plain() {
        // All-zero rows: norms 0, so the Gram form's 0 is at its floor and recomputed.
        assert_eq!(check(&[0.0; 4], &[0.0; 64], 2), 64);
        // d = 256: the floor is above 1, every value plain.
        let d = 256;
        let a: Vec<f64> = (0..2 * d).map(|i| (i as f64 * 0.1).sin()).collect();
        let b: Vec<f64> = (0..40 * d).map(|i| (i as f64 * 0.7).cos()).collect();
        assert_eq!(check(&a, &b, d), 0);
    }

    #[test]
    fn gram_floor_by_hand() {
        // (2d + 1) u / floor = 2^-44 with u = 2^-53: floor = (2d + 1) / 2^9.
        assert_eq!(gram_floor(5), 11.0 / 512.0);
        assert!(gram_floor(255) < 1.0 && gram_floor(256) >= 1.0);
    }
}
