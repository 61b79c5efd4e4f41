//! A branch-free `exp` for non-positive arguments, the core of `mmd`'s kernel sums: the Taylor
//! coefficients that the portable and the AVX-512 kernels share ([`INVERSE_FACTORIALS`]), and
//! the portable [`exp_nonpositive`] (Cody-Waite reduction and a degree-13 Taylor polynomial on
//! `|r| <= ln 2 / 2`, truncation error below 4e-18 relative), within a few units in the last
//! place of libm's `exp`.

/// The Taylor coefficients of `exp`, `1/i!` for `i = 13` down to 0 (the last `m + 1` are those
/// of a degree-`m` polynomial).
pub(super) const INVERSE_FACTORIALS: [f64; 14] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    0.5,
    1.0,
    1.0,
];

/// `exp(x)` for `x <= 0` without branches (so a loop of them vectorises): `0` below -708,
/// where `exp` is under 3.3e-308 and adds nothing a kernel sum could see.
#[inline(always)]
pub(super) fn exp_nonpositive<const FMA: bool>(x: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (fdlibm's constants).
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // Adding 1.5 * 2^52 rounds to an integer held in the low mantissa bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let madd = |a: f64, b: f64, c: f64| if FMA { a.mul_add(b, c) } else { a * b + c };
    let clamped = x.max(-708.0);
    let shifted = madd(clamped, LOG2_E, SHIFT);
    let k = shifted - SHIFT;
    let r = madd(-k, LN2_LO, madd(-k, LN2_HI, clamped));
    let mut p = INVERSE_FACTORIALS[0];
    for &c in &INVERSE_FACTORIALS[1..] {
        p = madd(p, r, c);
    }
    // 2^k from the integer in the shifted value's low bits (k >= -1022 after the clamp).
    let k_int = shifted.to_bits().wrapping_sub(SHIFT.to_bits());
    let scale = f64::from_bits(k_int.wrapping_add(1023) << 52);
    if x < -708.0 { 0.0 } else { p * scale }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_within_a_few_ulp_of_libm() {
        let mut worst: f64 = 0.0;
        for i in 0..200_000 {
            let x = -(i as f64) * 0.003_541_7; // 0 down to -708.3
            for fma in [false, true] {
                let got = if fma {
                    exp_nonpositive::<true>(x)
                } else {
                    exp_nonpositive::<false>(x)
                };
                let want = x.exp();
                if x >= -708.0 {
                    worst = worst.max(((got - want) / want).abs());
                } else {
                    assert_eq!(got, 0.0);
                }
            }
        }
        // 4 ulp = 8.9e-16.
        assert!(worst < 8.9e-16, "worst relative error {worst:e}");
        assert_eq!(exp_nonpositive::<false>(0.0), 1.0);
        assert_eq!(exp_nonpositive::<false>(-1e-300), 1.0);
    }
}
