//! Integerisation: how proportional shares of a budget become whole steps ([`Rounding`],
//! [`largest_remainder`], [`split_evenly`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CascadeError;

/// How proportional shares become whole steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Floor every share, then hand the leftover steps one each to the largest fractional parts
    /// (ties to the lower task index): the budgets sum to `B` exactly (default).
    #[default]
    LargestRemainder,
    /// Floor every share and drop the remainder, so the budgets sum to less than `B` (by fewer
    /// steps than there are tasks sharing). This reproduces the research code's main runner,
    /// which gives every non-root `floor((B - b_s) / (T - 1))` steps (exactly what this gives
    /// for uniform weights); offered only to reproduce its published numbers.
    FloorDivision,
}

impl fmt::Display for Rounding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LargestRemainder => "largest-remainder",
            Self::FloorDivision => "floor-division",
        })
    }
}

impl FromStr for Rounding {
    type Err = CascadeError;

    /// `largest-remainder` or `floor-division` (also `floor`; underscores may replace hyphens).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "largest-remainder" => Ok(Self::LargestRemainder),
            "floor-division" | "floor" => Ok(Self::FloorDivision),
            _ => Err(CascadeError::UnknownName {
                kind: "budget rounding",
                name: s.trim().to_string(),
                expected: "largest-remainder, floor-division".into(),
            }),
        }
    }
}

/// The exact proportional shares `total * w_i / sum(w)`.
///
/// Weights that are negative, NaN or infinite count as 0; if no weight is positive every entry
/// gets the same share. Rescales by the largest weight when the plain sum overflows.
fn proportional_shares(total: usize, weights: &[f64]) -> Vec<f64> {
    let clean: Vec<f64> = weights
        .iter()
        .map(|&w| if w.is_finite() && w > 0.0 { w } else { 0.0 })
        .collect();
    let max = clean.iter().copied().fold(0.0, f64::max);
    if max <= 0.0 {
        let even = total as f64 / clean.len().max(1) as f64;
        return vec![even; clean.len()];
    }
    let mut sum: f64 = clean.iter().sum();
    let mut scaled = clean;
    if !sum.is_finite() {
        scaled.iter_mut().for_each(|w| *w /= max);
        sum = scaled.iter().sum();
    }
    // (total * w) / sum rather than total * (w / sum): with integer weights the product is
    // exact, so mathematically equal shares come out bit-for-bit equal and tie as they should.
    scaled.iter().map(|w| total as f64 * w / sum).collect()
}

/// Every exact share floored, the remainder dropped ([`Rounding::FloorDivision`]).
pub(super) fn floor_shares(total: usize, weights: &[f64]) -> Vec<usize> {
    proportional_shares(total, weights)
        .iter()
        .map(|s| (s.floor() as usize).min(total))
        .collect()
}

/// Splits `total` into whole parts proportional to `weights` that sum to `total` exactly
/// (largest-remainder, or Hamilton, apportionment).
///
/// Every exact share `total * w_i / sum(w)` is floored, then the leftover steps go one each to
/// the largest fractional parts; fractional parts equal to within 1e-9 count as tied, and ties
/// go to the lower index. Weights that are negative, NaN or infinite count as 0; if no weight
/// is positive the split is even ([`split_evenly`]). Returns an empty vector (and loses
/// `total`) when `weights` is empty.
pub fn largest_remainder(total: usize, weights: &[f64]) -> Vec<usize> {
    if weights.is_empty() {
        return Vec::new();
    }
    let shares = proportional_shares(total, weights);
    let mut parts: Vec<usize> = shares
        .iter()
        .map(|s| (s.floor() as usize).min(total))
        .collect();
    // Quantised fractional parts: a total order in which float noise below 1e-9 is a tie.
    let fraction: Vec<u64> = shares
        .iter()
        .map(|s| ((s - s.floor()) * 1e9).round() as u64)
        .collect();
    let mut by_fraction: Vec<usize> = (0..parts.len()).collect();
    by_fraction.sort_by(|&i, &j| fraction[j].cmp(&fraction[i]).then(i.cmp(&j)));
    let assigned: usize = parts.iter().sum();
    if assigned <= total {
        // Mathematically fewer than len() steps are left; cycle anyway in case of float error.
        let n = parts.len();
        for k in 0..total - assigned {
            parts[by_fraction[k % n]] += 1;
        }
    } else {
        // Float error floored a share above its true value: take the excess back from the
        // smallest fractional parts.
        let mut excess = assigned - total;
        for &i in by_fraction.iter().rev().cycle() {
            if excess == 0 {
                break;
            }
            if parts[i] > 0 {
                parts[i] -= 1;
                excess -= 1;
            }
        }
    }
    parts
}

/// Splits `total` into `n` parts that differ by at most one and sum to `total`, the larger
/// parts first (largest remainder with equal weights). Empty when `n == 0`.
pub fn split_evenly(total: usize, n: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let (base, extra) = (total / n, total % n);
    (0..n).map(|v| base + usize::from(v < extra)).collect()
}
