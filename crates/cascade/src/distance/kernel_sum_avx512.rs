//! `sum_i exp(-gamma d2_i)` on AVX-512 with a table-driven `exp`: `exp(x) = 2^(k/16) exp(r)`,
//! `k = round(16 x / ln 2)`, `|r| <= ln 2 / 32`, with `2^(j/16)` for the 16 values of `j = k mod 16`
//! held in two registers (one permute picks each lane's) and `exp(r)` a degree-7 Taylor
//! polynomial (truncation below `0.0217^8 / 8! = 1.2e-18` relative). That is 7 multiply-adds
//! where [`exp_nonpositive`](super::exp::exp_nonpositive) needs 13 over `|r| <= ln 2 / 2`, a
//! fifth of the work of each value.

#![cfg(target_arch = "x86_64")]

use super::exp::INVERSE_FACTORIALS;
use std::arch::x86_64::{
    __m512d, _CMP_GE_OQ, _mm512_add_epi64, _mm512_castpd_si512, _mm512_castsi512_pd,
    _mm512_cmp_pd_mask, _mm512_fmadd_pd, _mm512_fnmadd_pd, _mm512_loadu_pd, _mm512_mask_add_pd,
    _mm512_max_pd, _mm512_mul_pd, _mm512_permutex2var_pd, _mm512_reduce_add_pd, _mm512_set1_pd,
    _mm512_setr_pd, _mm512_setzero_pd, _mm512_slli_epi64, _mm512_srai_epi64, _mm512_sub_epi64,
    _mm512_sub_pd,
};

/// `2^(j/16)` for `j = 0..16`, each the double nearest the exact value (computed with Python's
/// `decimal` at 60 digits: `float((Decimal(2).ln() * j / 16).exp())`).
const POWERS: [f64; 16] = [
    f64::from_bits(0x3ff0000000000000),
    f64::from_bits(0x3ff0b5586cf9890f),
    f64::from_bits(0x3ff172b83c7d517b),
    f64::from_bits(0x3ff2387a6e756238),
    f64::from_bits(0x3ff306fe0a31b715),
    f64::from_bits(0x3ff3dea64c123422),
    f64::from_bits(0x3ff4bfdad5362a27),
    f64::from_bits(0x3ff5ab07dd485429),
    f64::from_bits(0x3ff6a09e667f3bcd),
    f64::from_bits(0x3ff7a11473eb0187),
    f64::from_bits(0x3ff8ace5422aa0db),
    f64::from_bits(0x3ff9c49182a3f090),
    f64::from_bits(0x3ffae89f995ad3ad),
    f64::from_bits(0x3ffc199bdd85529c),
    f64::from_bits(0x3ffd5818dcfba487),
    f64::from_bits(0x3ffea4afa2a490da),
];

/// `sum_i exp(-gamma d2s[i])` for `gamma >= 0`, `d2s[i] >= 0`; terms below `exp(-708)` count
/// as 0, as in the portable kernel. The last `d2s.len() % 8` values go through `tail`.
///
/// # Safety
/// The CPU must have AVX-512F.
#[target_feature(enable = "avx512f,popcnt")]
pub(super) unsafe fn kernel_sum_table(
    d2s: &[f64],
    gamma: f64,
    tail: impl Fn(&[f64]) -> f64,
) -> f64 {
    // ln 2 / 16 split so that k * HI is exact for |k| < 2^15 (fdlibm's ln 2 split, over 16).
    const LN2_16_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000) / 16.0;
    const LN2_16_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76) / 16.0;
    // Adding 1.5 * 2^52 rounds to an integer held in the low mantissa bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let p = POWERS;
    let low = _mm512_setr_pd(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
    let high = _mm512_setr_pd(p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
    let neg_gamma = _mm512_set1_pd(-gamma);
    let floor = _mm512_set1_pd(-708.0);
    let to_k = _mm512_set1_pd(16.0 * std::f64::consts::LOG2_E);
    let shift = _mm512_set1_pd(SHIFT);
    let (hi, lo) = (_mm512_set1_pd(LN2_16_HI), _mm512_set1_pd(LN2_16_LO));
    // Taylor coefficients 1/i! for i = 7 down to 0.
    let c: [__m512d; 8] = std::array::from_fn(|i| _mm512_set1_pd(INVERSE_FACTORIALS[6 + i]));
    let mut acc = _mm512_setzero_pd();
    let mut chunks = d2s.chunks_exact(8);
    for chunk in chunks.by_ref() {
        // SAFETY: `chunk` holds 8 values.
        let d2 = unsafe { _mm512_loadu_pd(chunk.as_ptr()) };
        let x = _mm512_mul_pd(neg_gamma, d2);
        let keep = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(x, floor);
        let x = _mm512_max_pd(x, floor);
        let shifted = _mm512_fmadd_pd(x, to_k, shift);
        let k = _mm512_sub_pd(shifted, shift);
        let r = _mm512_fnmadd_pd(k, lo, _mm512_fnmadd_pd(k, hi, x));
        let mut poly = c[0];
        for &ci in &c[1..] {
            poly = _mm512_fmadd_pd(poly, r, ci);
        }
        // The low 4 bits of the shifted value are k mod 16 (the permute reads only those);
        // k div 16 goes into the exponent field, which stays normal for x >= -708.
        let bits = _mm512_castpd_si512(shifted);
        let power = _mm512_permutex2var_pd(low, bits, high);
        let k_int = _mm512_sub_epi64(bits, _mm512_castpd_si512(shift));
        let exponent = _mm512_slli_epi64::<52>(_mm512_srai_epi64::<4>(k_int));
        let value = _mm512_castsi512_pd(_mm512_add_epi64(
            _mm512_castpd_si512(_mm512_mul_pd(poly, power)),
            exponent,
        ));
        acc = _mm512_mask_add_pd(acc, keep, acc, value);
    }
    _mm512_reduce_add_pd(acc) + tail(chunks.remainder())
}
