//! Splitting the budget of B gradient steps over the tasks (SPEC 4).
//!
//! The root gets the seed budget `b_s = max(1, floor(f B))`; the rest is split over the other
//! tasks in proportion to a weight per task ([`Allocation`]) and integerised by largest
//! remainder ([`Rounding`]), so the budgets sum to `B` exactly. A forest (Indiv) splits `B`
//! evenly over its tasks.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CascadeError;
use crate::distance::DistanceMatrix;
use crate::tree::Tree;

/// Added to every edge length before it is raised to a power, so a zero distance still gets a
/// (tiny) positive weight.
pub const EDGE_EPS: f64 = 1e-8;

/// Steps per task, in task order; sums to the total budget exactly (unless it was integerised
/// with [`Rounding::FloorDivision`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// `b_v` for every task `v`.
    pub steps: Vec<usize>,
}

impl Budget {
    /// The sum of the steps of all tasks.
    pub fn total(&self) -> usize {
        self.steps.iter().sum()
    }

    /// Tasks with no step at all: they keep their parent's parameters unchanged (a from-scratch
    /// root with 0 steps keeps its initialisation). Callers should warn about these.
    pub fn zero_step_tasks(&self) -> Vec<usize> {
        (0..self.steps.len())
            .filter(|&v| self.steps[v] == 0)
            .collect()
    }

    /// `b_v`. Panics if `v` is out of range.
    pub fn get(&self, v: usize) -> usize {
        self.steps[v]
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// True when there are no tasks.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// How the steps left after the seed budget are shared among the non-root tasks: task `v`'s
/// share is proportional to a weight `w_v` computed from its depth (root depth 0), the length
/// of its edge `D[parent(v)][v]` or the size of its subtree.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// `w = 1` (default).
    #[default]
    Uniform,
    /// `w = (depth + 1)^a`: deeper tasks get more steps.
    DepthIncreasing {
        /// Exponent `a`.
        a: f64,
    },
    /// `w = (depth + 1)^-a`: tasks near the root get more steps.
    DepthDecreasing {
        /// Exponent `a`.
        a: f64,
    },
    /// `w = (D[parent(v)][v] + 1e-8)^b`: tasks far from their parent get more steps.
    EdgeLength {
        /// Exponent `b`.
        b: f64,
    },
    /// `w = (depth + 1)^a (D[parent(v)][v] + 1e-8)^b`.
    Hybrid {
        /// Depth exponent `a`.
        a: f64,
        /// Edge-length exponent `b`.
        b: f64,
    },
    /// `w = |subtree(v)|^g` (a task counts itself): tasks whose models are passed on to many
    /// descendants get more steps.
    SubtreeSize {
        /// Exponent `g`.
        g: f64,
    },
}

const ALLOCATION_NAMES: &str = "uniform, depth-increasing[:a], depth-decreasing[:a], \
     edge-length[:b], hybrid[:a,b], subtree[:g]";

impl Allocation {
    /// Whether the weights need the distance matrix (edge-length and hybrid).
    pub fn needs_distances(&self) -> bool {
        matches!(self, Self::EdgeLength { .. } | Self::Hybrid { .. })
    }

    /// Checks that every exponent is a finite number.
    pub fn validate(&self) -> Result<(), CascadeError> {
        let exponents: &[f64] = match self {
            Self::Uniform => &[],
            Self::DepthIncreasing { a } | Self::DepthDecreasing { a } => &[*a],
            Self::EdgeLength { b } => &[*b],
            Self::Hybrid { a, b } => &[*a, *b],
            Self::SubtreeSize { g } => &[*g],
        };
        match exponents.iter().find(|e| !e.is_finite()) {
            Some(e) => Err(CascadeError::InvalidSetting {
                name: "allocation exponent",
                value: e.to_string(),
                reason: format!("the exponents of allocation '{self}' must be finite numbers"),
            }),
            None => Ok(()),
        }
    }

    /// The weight of every task, in task order; 0 for roots (they get the seed budget instead).
    ///
    /// Errors: a distance-based allocation without `dist` or with a `dist` of another size, and
    /// a weight that is negative, NaN or infinite (naming the task).
    pub fn weights(
        &self,
        tree: &Tree,
        dist: Option<&DistanceMatrix>,
    ) -> Result<Vec<f64>, CascadeError> {
        self.validate()?;
        check_dist(tree, dist)?;
        let dist = match dist {
            Some(d) => Some(d),
            None if self.needs_distances() => {
                return Err(CascadeError::InvalidSetting {
                    name: "allocation",
                    value: self.to_string(),
                    reason: "this allocation weighs tasks by edge length and needs the task \
                             distance matrix"
                        .into(),
                });
            }
            None => None,
        };
        let sizes = match self {
            Self::SubtreeSize { .. } => tree.subtree_sizes(),
            _ => Vec::new(),
        };
        let mut weights = vec![0.0; tree.len()];
        for (v, w) in weights.iter_mut().enumerate() {
            let Some(p) = tree.parent(v) else { continue };
            let level = (tree.depth(v) + 1) as f64;
            let edge = || dist.map_or(f64::NAN, |d| d.get(p, v) + EDGE_EPS);
            *w = match *self {
                Self::Uniform => 1.0,
                Self::DepthIncreasing { a } => level.powf(a),
                Self::DepthDecreasing { a } => level.powf(-a),
                Self::EdgeLength { b } => edge().powf(b),
                Self::Hybrid { a, b } => level.powf(a) * edge().powf(b),
                Self::SubtreeSize { g } => (sizes[v] as f64).powf(g),
            };
            if !(w.is_finite() && *w >= 0.0) {
                return Err(CascadeError::InvalidSetting {
                    name: "allocation",
                    value: self.to_string(),
                    reason: format!(
                        "task {v} gets the weight {w}, but weights must be finite and \
                         non-negative (check its distance to its parent {p} and the exponents)"
                    ),
                });
            }
        }
        Ok(weights)
    }
}

impl fmt::Display for Allocation {
    /// The name [`FromStr`] reads back, exponents always written out (`hybrid:2,1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uniform => f.write_str("uniform"),
            Self::DepthIncreasing { a } => write!(f, "depth-increasing:{a}"),
            Self::DepthDecreasing { a } => write!(f, "depth-decreasing:{a}"),
            Self::EdgeLength { b } => write!(f, "edge-length:{b}"),
            Self::Hybrid { a, b } => write!(f, "hybrid:{a},{b}"),
            Self::SubtreeSize { g } => write!(f, "subtree:{g}"),
        }
    }
}

impl FromStr for Allocation {
    type Err = CascadeError;

    /// `uniform`, `depth-increasing[:a]`, `depth-decreasing[:a]`, `edge-length[:b]`,
    /// `hybrid[:a,b]`, `subtree[:g]`; omitted exponents are 1. Underscores may replace hyphens.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let (name, args) = match text.split_once(':') {
            Some((name, args)) => (name.trim(), Some(args)),
            None => (text, None),
        };
        let exponents = match args {
            None => Vec::new(),
            Some(args) => args
                .split(',')
                .map(|x| parse_exponent(text, x))
                .collect::<Result<Vec<f64>, _>>()?,
        };
        let key = name.to_ascii_lowercase().replace('_', "-");
        let wrong_count = |want: &str| CascadeError::InvalidSetting {
            name: "allocation",
            value: text.to_string(),
            reason: format!("'{key}' takes {want}, got {}", exponents.len()),
        };
        let one = |exponents: &[f64]| match exponents {
            [] => Ok(1.0),
            [x] => Ok(*x),
            _ => Err(wrong_count("at most one exponent")),
        };
        let allocation = match key.as_str() {
            "uniform" if exponents.is_empty() => Self::Uniform,
            "uniform" => return Err(wrong_count("no exponent")),
            "depth-increasing" => Self::DepthIncreasing {
                a: one(&exponents)?,
            },
            "depth-decreasing" => Self::DepthDecreasing {
                a: one(&exponents)?,
            },
            "edge-length" => Self::EdgeLength {
                b: one(&exponents)?,
            },
            "subtree" | "subtree-size" => Self::SubtreeSize {
                g: one(&exponents)?,
            },
            "hybrid" => match exponents[..] {
                [] => Self::Hybrid { a: 1.0, b: 1.0 },
                [a, b] => Self::Hybrid { a, b },
                _ => return Err(wrong_count("two exponents 'a,b' (or none)")),
            },
            _ => {
                return Err(CascadeError::UnknownName {
                    kind: "budget allocation",
                    name: text.to_string(),
                    expected: ALLOCATION_NAMES.into(),
                });
            }
        };
        Ok(allocation)
    }
}

fn parse_exponent(text: &str, x: &str) -> Result<f64, CascadeError> {
    match x.trim().parse::<f64>() {
        Ok(e) if e.is_finite() => Ok(e),
        _ => Err(CascadeError::InvalidSetting {
            name: "allocation",
            value: text.to_string(),
            reason: format!("exponent '{}' is not a finite number", x.trim()),
        }),
    }
}

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

fn default_seed_fraction() -> f64 {
    0.1
}

/// Everything that decides the budgets: the total `B`, the seed fraction `f`, the allocation
/// rule and the rounding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetConfig {
    /// `B`: gradient steps over all tasks together.
    pub total: usize,
    /// `f`: the root gets `max(1, floor(f B))` steps (default 0.1).
    #[serde(default = "default_seed_fraction")]
    pub seed_fraction: f64,
    /// How the rest is shared among the non-root tasks.
    #[serde(default)]
    pub allocation: Allocation,
    /// How shares become whole steps.
    #[serde(default)]
    pub rounding: Rounding,
}

impl BudgetConfig {
    /// Total `total`, seed fraction 0.1, uniform allocation, largest-remainder rounding.
    pub fn new(total: usize) -> Self {
        Self {
            total,
            seed_fraction: default_seed_fraction(),
            allocation: Allocation::default(),
            rounding: Rounding::default(),
        }
    }

    /// Checks `total >= 1`, `seed_fraction` finite in `[0, 1]` and finite exponents.
    pub fn validate(&self) -> Result<(), CascadeError> {
        if self.total == 0 {
            return Err(CascadeError::InvalidSetting {
                name: "budget",
                value: "0".into(),
                reason: "the total budget B must be at least 1 step".into(),
            });
        }
        let f = self.seed_fraction;
        if !(f.is_finite() && (0.0..=1.0).contains(&f)) {
            return Err(CascadeError::InvalidSetting {
                name: "seed fraction",
                value: f.to_string(),
                reason: "the root's share f of the budget must be a number in [0, 1]".into(),
            });
        }
        self.allocation.validate()
    }

    /// The root's seed budget `max(1, floor(f B))`, at most `B`.
    pub fn seed_steps(&self) -> usize {
        // Plain floor of the float product, as the research code's int(f * B) does.
        let seed = (self.seed_fraction * self.total as f64).floor() as usize;
        seed.max(1).min(self.total)
    }
}

/// Splits `cfg.total` steps over the tasks of `tree` (SPEC 4).
///
/// With exactly one root `s`: `b_s = max(1, floor(f B))` (at most `B`) and `B - b_s` is shared
/// among the other tasks by the allocation weights. A forest (several roots, e.g. Indiv) splits
/// `B` evenly over all tasks, ignoring the allocation; a single task gets all of `B`. With [`Rounding::LargestRemainder`] the
/// budgets sum to `B` exactly. Some tasks may get 0 steps (see [`Budget::zero_step_tasks`]).
///
/// Errors: an invalid config, an empty tree ([`CascadeError::TooFewTasks`]), `B < T`
/// ([`CascadeError::BudgetTooSmall`]), `dist` of another size than the tree
/// ([`CascadeError::ShapeMismatch`]), an edge-length or hybrid allocation without `dist` or a
/// weight that is not a finite non-negative number ([`CascadeError::InvalidSetting`]).
pub fn allocate(
    tree: &Tree,
    dist: Option<&DistanceMatrix>,
    cfg: &BudgetConfig,
) -> Result<Budget, CascadeError> {
    cfg.validate()?;
    let n = tree.len();
    if n == 0 {
        return Err(CascadeError::TooFewTasks {
            what: "budget allocation",
            need: 1,
            got: 0,
        });
    }
    if cfg.total < n {
        return Err(CascadeError::BudgetTooSmall {
            budget: cfg.total,
            tasks: n,
        });
    }
    check_dist(tree, dist)?;
    let Some(root) = tree.root() else {
        let steps = match cfg.rounding {
            Rounding::LargestRemainder => split_evenly(cfg.total, n),
            Rounding::FloorDivision => vec![cfg.total / n; n],
        };
        return Ok(Budget { steps });
    };
    if n == 1 {
        return Ok(Budget {
            steps: vec![cfg.total],
        });
    }
    let seed = cfg.seed_steps();
    let weights = cfg.allocation.weights(tree, dist)?;
    // Shares over the non-roots only (the root's weight is 0 and must not take a leftover step).
    let others: Vec<usize> = (0..n).filter(|&v| v != root).collect();
    let other_weights: Vec<f64> = others.iter().map(|&v| weights[v]).collect();
    let shares = match cfg.rounding {
        Rounding::LargestRemainder => largest_remainder(cfg.total - seed, &other_weights),
        Rounding::FloorDivision => floor_shares(cfg.total - seed, &other_weights),
    };
    let mut steps = vec![0; n];
    steps[root] = seed;
    for (&v, s) in others.iter().zip(shares) {
        steps[v] = s;
    }
    Ok(Budget { steps })
}

fn check_dist(tree: &Tree, dist: Option<&DistanceMatrix>) -> Result<(), CascadeError> {
    match dist {
        Some(d) if d.len() != tree.len() => Err(CascadeError::ShapeMismatch(format!(
            "the distance matrix covers {} tasks but the tree has {}",
            d.len(),
            tree.len()
        ))),
        _ => Ok(()),
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

fn floor_shares(total: usize, weights: &[f64]) -> Vec<usize> {
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    use super::*;

    /// Root 0 with children 1 and 2 (depth 1) and 3 below 1 (depth 2).
    fn small_tree() -> Tree {
        Tree::from_parents(vec![None, Some(0), Some(0), Some(1)]).unwrap()
    }

    fn cfg(total: usize, f: f64, allocation: Allocation) -> BudgetConfig {
        BudgetConfig {
            total,
            seed_fraction: f,
            allocation,
            rounding: Rounding::LargestRemainder,
        }
    }

    #[test]
    fn depth_increasing_by_hand() {
        // B = 100, f = 0.1: b_s = 10, 90 left. Weights (depth + 1)^1 = 2, 2, 3 (sum 7); shares
        // 90 * 2/7 = 25.714..., 25.714..., 90 * 3/7 = 38.571...; floors 25 + 25 + 38 = 88, so 2
        // steps are left and go to the two largest fractional parts, .714 and .714 (tasks 1, 2).
        let b = allocate(
            &small_tree(),
            None,
            &cfg(100, 0.1, Allocation::DepthIncreasing { a: 1.0 }),
        )
        .unwrap();
        assert_eq!(b.steps, vec![10, 26, 26, 38]);
        assert_eq!(b.total(), 100);
        // a = 2: weights 4, 4, 9 (sum 17); shares 360/17 = 21.18, 21.18, 810/17 = 47.65;
        // floors 21 + 21 + 47 = 89, one step left for the largest fraction .65 (task 3).
        let b = allocate(
            &small_tree(),
            None,
            &cfg(100, 0.1, Allocation::DepthIncreasing { a: 2.0 }),
        )
        .unwrap();
        assert_eq!(b.steps, vec![10, 21, 21, 48]);
    }

    #[test]
    fn depth_decreasing_and_subtree_by_hand() {
        // Depth-decreasing, a = 1: weights 1/2, 1/2, 1/3 (sum 4/3); B = 50, f = 0.2: b_s = 10,
        // shares 40 * 3/8 = 15, 15, 40 * 1/4 = 10.
        let b = allocate(
            &small_tree(),
            None,
            &cfg(50, 0.2, Allocation::DepthDecreasing { a: 1.0 }),
        )
        .unwrap();
        assert_eq!(b.steps, vec![10, 15, 15, 10]);
        // Subtree sizes 2, 1, 1 (g = 1): shares 40 * 2/4 = 20, 10, 10.
        let b = allocate(
            &small_tree(),
            None,
            &cfg(50, 0.2, Allocation::SubtreeSize { g: 1.0 }),
        )
        .unwrap();
        assert_eq!(b.steps, vec![10, 20, 10, 10]);
    }

    #[test]
    fn edge_length_and_hybrid_by_hand() {
        // Star at 0 with D01 = 1, D02 = 3. B = 41, f = 0.1: b_s = floor(4.1) = 4, 37 left;
        // shares 37 * 1/4 = 9.25 and 37 * 3/4 = 27.75 (up to the 1e-8 offsets); floors
        // 9 + 27 = 36, one step left for the larger fraction .75 (task 2).
        let star = Tree::star(3, 0).unwrap();
        let d = DistanceMatrix::from_rows(&[
            vec![0.0, 1.0, 3.0],
            vec![1.0, 0.0, 2.0],
            vec![3.0, 2.0, 0.0],
        ])
        .unwrap();
        let b = allocate(
            &star,
            Some(&d),
            &cfg(41, 0.1, Allocation::EdgeLength { b: 1.0 }),
        );
        assert_eq!(b.unwrap().steps, vec![4, 9, 28]);
        // Hybrid on the chain 0 -> 1 -> 2 (D01 = 1, D12 = 2), a = b = 1: weights 2 * 1 and
        // 3 * 2 = 6 (sum 8). B = 84, f = 0.05: b_s = 4, shares 80 * 2/8 = 20, 80 * 6/8 = 60.
        let chain = Tree::from_parents(vec![None, Some(0), Some(1)]).unwrap();
        let b = allocate(
            &chain,
            Some(&d),
            &cfg(84, 0.05, Allocation::Hybrid { a: 1.0, b: 1.0 }),
        );
        assert_eq!(b.unwrap().steps, vec![4, 20, 60]);
    }

    #[test]
    fn uniform_ties_go_to_the_lowest_index() {
        // B = 12, T = 4, f = 0.1: b_s = max(1, floor(1.2)) = 1, 11 left over 3 tasks: 3.67
        // each, floors 9, the two leftover steps go to the two lowest non-root indices.
        let star = |root| Tree::star(4, root).unwrap();
        let c = cfg(12, 0.1, Allocation::Uniform);
        assert_eq!(
            allocate(&star(0), None, &c).unwrap().steps,
            vec![1, 4, 4, 3]
        );
        assert_eq!(
            allocate(&star(2), None, &c).unwrap().steps,
            vec![4, 4, 1, 3]
        );
        // Floor division drops the two steps: floor(11 / 3) = 3 each, total 10 < 12.
        let floor = BudgetConfig {
            rounding: Rounding::FloorDivision,
            ..c
        };
        let b = allocate(&star(0), None, &floor).unwrap();
        assert_eq!(b.steps, vec![1, 3, 3, 3]);
        assert_eq!(b.total(), 10);
    }

    #[test]
    fn seed_fraction_extremes_and_zero_steps() {
        let t = small_tree();
        // f = 0: the root still gets one step.
        assert_eq!(
            allocate(&t, None, &cfg(10, 0.0, Allocation::Uniform))
                .unwrap()
                .steps,
            vec![1, 3, 3, 3]
        );
        // f = 1: the root takes everything; the others get 0 steps and are reported.
        let b = allocate(&t, None, &cfg(10, 1.0, Allocation::Uniform)).unwrap();
        assert_eq!(b.steps, vec![10, 0, 0, 0]);
        assert_eq!(b.zero_step_tasks(), vec![1, 2, 3]);
        // A single task gets the whole budget.
        let one = Tree::from_parents(vec![None]).unwrap();
        assert_eq!(
            allocate(&one, None, &cfg(7, 0.1, Allocation::Uniform))
                .unwrap()
                .steps,
            vec![7]
        );
    }

    #[test]
    fn forest_splits_evenly() {
        let indiv = Tree::independent(4);
        let b = allocate(
            &indiv,
            None,
            &cfg(10, 0.1, Allocation::EdgeLength { b: 1.0 }),
        )
        .unwrap();
        assert_eq!(b.steps, vec![3, 3, 2, 2]);
        let floor = BudgetConfig {
            rounding: Rounding::FloorDivision,
            ..cfg(10, 0.1, Allocation::Uniform)
        };
        assert_eq!(
            allocate(&indiv, None, &floor).unwrap().steps,
            vec![2, 2, 2, 2]
        );
    }

    #[test]
    fn errors() {
        let t = small_tree();
        assert_eq!(
            allocate(&t, None, &cfg(3, 0.1, Allocation::Uniform)),
            Err(CascadeError::BudgetTooSmall {
                budget: 3,
                tasks: 4
            })
        );
        assert!(allocate(&t, None, &cfg(4, 0.1, Allocation::Uniform)).is_ok());
        let err = allocate(&t, None, &cfg(40, 0.1, Allocation::EdgeLength { b: 1.0 }));
        assert!(matches!(
            err,
            Err(CascadeError::InvalidSetting {
                name: "allocation",
                ..
            })
        ));
        let d3 = DistanceMatrix::zeros(3);
        assert!(matches!(
            allocate(&t, Some(&d3), &cfg(40, 0.1, Allocation::Uniform)),
            Err(CascadeError::ShapeMismatch(_))
        ));
        for f in [-0.1, 1.5, f64::NAN] {
            assert!(allocate(&t, None, &cfg(40, f, Allocation::Uniform)).is_err());
        }
        assert!(
            allocate(
                &t,
                None,
                &cfg(40, 0.1, Allocation::SubtreeSize { g: f64::INFINITY })
            )
            .is_err()
        );
        assert!(BudgetConfig::new(0).validate().is_err());
        // A negative distance to the parent makes (D + 1e-8)^0.5 NaN: named, not silent.
        let d = DistanceMatrix::from_pairs(4, |_, _| -1.0);
        let err = allocate(
            &t,
            Some(&d),
            &cfg(40, 0.1, Allocation::EdgeLength { b: 0.5 }),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("task 1"), "{err}");
    }

    #[test]
    fn largest_remainder_and_split_evenly_by_hand() {
        assert_eq!(largest_remainder(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        // Shares 7 * 1/6 = 1.17, 7 * 2/6 = 2.33, 7 * 3/6 = 3.5: floors 1 + 2 + 3 = 6, one step
        // to the largest fraction .5.
        assert_eq!(largest_remainder(7, &[1.0, 2.0, 3.0]), vec![1, 2, 4]);
        assert_eq!(largest_remainder(5, &[0.0, 0.0, 0.0]), vec![2, 2, 1]);
        assert_eq!(largest_remainder(5, &[0.0, f64::NAN, 1.0]), vec![0, 0, 5]);
        assert_eq!(largest_remainder(0, &[1.0, 2.0]), vec![0, 0]);
        assert!(largest_remainder(5, &[]).is_empty());
        // Overflowing sum: rescaled, still proportional.
        assert_eq!(largest_remainder(4, &[f64::MAX, f64::MAX]), vec![2, 2]);
        assert_eq!(split_evenly(10, 4), vec![3, 3, 2, 2]);
        assert_eq!(split_evenly(8, 4), vec![2, 2, 2, 2]);
        assert!(split_evenly(3, 0).is_empty());
    }

    #[test]
    fn names_round_trip_and_defaults() {
        for a in [
            Allocation::Uniform,
            Allocation::DepthIncreasing { a: 2.0 },
            Allocation::DepthDecreasing { a: 0.5 },
            Allocation::EdgeLength { b: 1.0 },
            Allocation::Hybrid { a: 2.0, b: 1.0 },
            Allocation::SubtreeSize { g: 1.5 },
        ] {
            assert_eq!(a.to_string().parse::<Allocation>(), Ok(a));
        }
        assert_eq!(
            "hybrid:2,1".parse(),
            Ok(Allocation::Hybrid { a: 2.0, b: 1.0 })
        );
        assert_eq!(
            "depth-increasing".parse(),
            Ok(Allocation::DepthIncreasing { a: 1.0 })
        );
        assert_eq!("hybrid".parse(), Ok(Allocation::Hybrid { a: 1.0, b: 1.0 }));
        assert_eq!(
            "edge_length:2".parse(),
            Ok(Allocation::EdgeLength { b: 2.0 })
        );
        assert_eq!("subtree".parse(), Ok(Allocation::SubtreeSize { g: 1.0 }));
        assert!(matches!(
            "depth".parse::<Allocation>(),
            Err(CascadeError::UnknownName {
                kind: "budget allocation",
                ..
            })
        ));
        for bad in [
            "hybrid:2",
            "uniform:1",
            "depth-increasing:x",
            "edge-length:1,2",
            "subtree:inf",
        ] {
            assert!(
                matches!(
                    bad.parse::<Allocation>(),
                    Err(CascadeError::InvalidSetting { .. })
                ),
                "{bad}"
            );
        }
        for r in [Rounding::LargestRemainder, Rounding::FloorDivision] {
            assert_eq!(r.to_string().parse::<Rounding>(), Ok(r));
        }
        assert!("round".parse::<Rounding>().is_err());
        let c = BudgetConfig::new(500);
        assert_eq!(c.seed_fraction, 0.1);
        assert_eq!(c.allocation, Allocation::Uniform);
        assert_eq!(c.rounding, Rounding::LargestRemainder);
        assert_eq!(c.seed_steps(), 50);
    }

    fn allocation_strategy() -> impl Strategy<Value = Allocation> {
        let e = prop_oneof![Just(0.5), Just(1.0), Just(2.0)];
        prop_oneof![
            Just(Allocation::Uniform),
            e.clone().prop_map(|a| Allocation::DepthIncreasing { a }),
            e.clone().prop_map(|a| Allocation::DepthDecreasing { a }),
            e.clone().prop_map(|b| Allocation::EdgeLength { b }),
            (e.clone(), e.clone()).prop_map(|(a, b)| Allocation::Hybrid { a, b }),
            e.prop_map(|g| Allocation::SubtreeSize { g }),
        ]
    }

    proptest! {
        #[test]
        fn budgets_sum_to_b_exactly(
            n in 1usize..60,
            extra in 0usize..5000,
            f in 0.0f64..=1.0,
            allocation in allocation_strategy(),
            kind in 0usize..4,
            seed in any::<u64>(),
        ) {
            let mut rng = StdRng::seed_from_u64(seed);
            let root = rng.random_range(0..n);
            let d = DistanceMatrix::from_pairs(n, |_, _| rng.random_range(0.0..10.0));
            let tree = match kind {
                0 => Tree::random_recursive(n, root, &mut rng).unwrap(),
                1 => Tree::random_pruefer(n, root, &mut rng).unwrap(),
                2 => Tree::mst(&d, root).unwrap(),
                _ => Tree::independent(n),
            };
            let total = n + extra;
            let c = cfg(total, f, allocation);
            let b = allocate(&tree, Some(&d), &c).unwrap();
            prop_assert_eq!(b.len(), n);
            prop_assert_eq!(b.total(), total);
            if tree.root().is_some() && n > 1 {
                prop_assert_eq!(b.get(root), c.seed_steps());
            }
            let floor = BudgetConfig { rounding: Rounding::FloorDivision, ..c };
            let fb = allocate(&tree, Some(&d), &floor).unwrap();
            prop_assert!(fb.total() <= total);
            prop_assert!(fb.total() + n > total, "floor division lost {} steps", total - fb.total());
            // Largest remainder never moves a task more than one step from its floored share.
            for v in 0..n {
                prop_assert!(b.get(v) >= fb.get(v) && b.get(v) <= fb.get(v) + 1);
            }
        }
    }
}
