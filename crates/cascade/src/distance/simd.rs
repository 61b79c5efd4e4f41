//! Which vector instructions this CPU offers the distance kernels, checked once at run time,
//! and [`simd_tiers`], which compiles one kernel body for each tier.
//!
//! Three tiers: AVX-512 (8 lanes of f64; with POPCNT, which counts packed masks in one
//! instruction instead of a chain of vector ones), AVX2 with FMA (4 lanes; most x86-64 CPUs
//! of the last decade, including the client CPUs without AVX-512), and the baseline target
//! (SSE2 on x86-64, or any other architecture). The choice depends on the CPU, never on the
//! backend.

use std::sync::OnceLock;

/// The widest tier this CPU runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tier {
    Avx512,
    Avx2,
    Baseline,
}

/// This CPU's tier (checked once).
pub(super) fn tier() -> Tier {
    #[cfg(test)]
    if let Some(forced) = tests::forced() {
        return forced;
    }
    detected()
}

/// The widest tier this CPU supports.
fn detected() -> Tier {
    static TIER: OnceLock<Tier> = OnceLock::new();
    *TIER.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("popcnt") {
                return Tier::Avx512;
            }
            if has!("avx2") && has!("fma") && has!("popcnt") {
                return Tier::Avx2;
            }
        }
        Tier::Baseline
    })
}

/// Whether this CPU runs the AVX-512 kernels.
pub(super) fn has_avx512() -> bool {
    tier() == Tier::Avx512
}

/// Defines `$name` running `$avx512` compiled with AVX-512F and POPCNT (in `$wide`), `$avx2`
/// compiled with AVX2, FMA and POPCNT (in `$mid`), or `$portable` compiled for the baseline
/// target, by this CPU's [`tier`]. The expressions see the function's arguments.
macro_rules! simd_tiers {
    (
        $(#[$doc:meta])*
        fn $name:ident / $wide:ident / $mid:ident ($($arg:ident: $ty:ty),*) -> $ret:ty {
            avx512: $avx512:expr,
            avx2: $avx2:expr,
            portable: $portable:expr $(,)?
        }
    ) => {
        $(#[$doc])*
        pub(super) fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            match $crate::distance::simd::tier() {
                // SAFETY: the CPU has AVX-512F and POPCNT (checked at run time).
                $crate::distance::simd::Tier::Avx512 => return unsafe { $wide($($arg),*) },
                // SAFETY: the CPU has AVX2, FMA and POPCNT (checked at run time).
                $crate::distance::simd::Tier::Avx2 => return unsafe { $mid($($arg),*) },
                $crate::distance::simd::Tier::Baseline => {}
            }
            $portable
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,popcnt")]
        fn $wide($($arg: $ty),*) -> $ret {
            $avx512
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma,popcnt")]
        fn $mid($($arg: $ty),*) -> $ret {
            $avx2
        }
    };
}
pub(super) use simd_tiers;

#[cfg(test)]
pub(super) mod tests {
    use std::sync::atomic::{AtomicU8, Ordering};

    use super::{Tier, detected};

    /// A narrower tier than the CPU's for every kernel call while a test runs one (every tier
    /// gives results within the same tolerances, so other tests running meanwhile still pass).
    static FORCED: AtomicU8 = AtomicU8::new(0);

    pub(in crate::distance) fn forced() -> Option<Tier> {
        match FORCED.load(Ordering::Relaxed) {
            1 => Some(Tier::Avx2),
            2 => Some(Tier::Baseline),
            _ => None,
        }
    }

    /// The tiers this CPU can run, widest first.
    pub(in crate::distance) fn runnable() -> Vec<Tier> {
        match detected() {
            Tier::Avx512 => vec![Tier::Avx512, Tier::Avx2, Tier::Baseline],
            Tier::Avx2 => vec![Tier::Avx2, Tier::Baseline],
            Tier::Baseline => vec![Tier::Baseline],
        }
    }

    /// Runs `f` with the kernels held to `tier` (one this CPU can run).
    pub(in crate::distance) fn with_tier<R>(tier: Tier, f: impl FnOnce() -> R) -> R {
        assert!(runnable().contains(&tier), "{tier:?} is not runnable here");
        let code = match tier {
            Tier::Avx512 => 0,
            Tier::Avx2 => 1,
            Tier::Baseline => 2,
        };
        FORCED.store(code, Ordering::Relaxed);
        let result = f();
        FORCED.store(0, Ordering::Relaxed);
        result
    }
}
