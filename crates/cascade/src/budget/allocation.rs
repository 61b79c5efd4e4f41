//! The allocation rules ([`Allocation`]): the weight by which each non-root task shares the steps
//! left after the seed budget, their names on the command line, and the weights they give a tree.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CascadeError;
use crate::distance::DistanceMatrix;
use crate::tree::Tree;

/// Added to every edge length before it is raised to a power, so a zero distance still gets a
/// (tiny) positive weight.
pub const EDGE_EPS: f64 = 1e-8;

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
        match dist {
            Some(d) => self.weights_with(tree, Some(&|p, v| d.get(p, v))),
            None => self.weights_with(tree, None),
        }
    }

    /// [`Allocation::weights`] with the length of each edge `edge_length(parent, child)`
    /// computed when needed instead of read from a matrix (`T - 1` calls at most).
    pub fn weights_with(
        &self,
        tree: &Tree,
        edge_length: Option<&dyn Fn(usize, usize) -> f64>,
    ) -> Result<Vec<f64>, CascadeError> {
        self.validate()?;
        let dist = match edge_length {
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
            let edge = || dist.map_or(f64::NAN, |d| d(p, v) + EDGE_EPS);
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

/// `ShapeMismatch` when `dist` covers another number of tasks than `tree`.
pub(super) fn check_dist(tree: &Tree, dist: Option<&DistanceMatrix>) -> Result<(), CascadeError> {
    match dist {
        Some(d) if d.len() != tree.len() => Err(CascadeError::ShapeMismatch(format!(
            "the distance matrix covers {} tasks but the tree has {}",
            d.len(),
            tree.len()
        ))),
        _ => Ok(()),
    }
}
