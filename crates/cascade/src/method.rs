//! The methods compared (SPEC 2): Mean, Indiv, Star, RandTree (two kinds), Global and
//! MST-<distance> (also depth-bounded or budget-aware: `mst-<distance>:depth=D:rho=R`); and FedAvg with fine-tuning, the personalised federated-learning baseline.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CascadeError;
use crate::distance::Distance;

/// How a random spanning tree is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RandomTreeKind {
    /// Uniform random labelled tree through a Pruefer sequence (the paper's definition).
    Pruefer,
    /// Random recursive tree: each task picks a uniformly random earlier task (the research code).
    Recursive,
}

/// One way of training all tasks under the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// No training: every task predicts its training mean (the majority class for labels).
    Mean,
    /// Every task from scratch with an even share of the budget.
    Indiv,
    /// The root trains first; every other task is refined from the root.
    Star,
    /// A random spanning tree rooted at the root.
    RandTree(RandomTreeKind),
    /// One model trained on the pooled data of all tasks for the whole budget.
    Global,
    /// The minimum spanning tree of a task distance, rooted at the root.
    Mst(Distance),
    /// A spanning tree of a task distance grown from the root under a depth bound, budget-aware
    /// edge costs, or both ([`TreeShape`], [`crate::tree::Tree::grown`]): a heuristic, since the
    /// depth-bounded minimum spanning tree is NP-hard. Named `mst-<distance>:depth=D:rho=R`
    /// (either option may be left out, not both: `mst-<distance>` alone is [`Method::Mst`]).
    ShapedMst {
        /// The distance whose matrix builds the tree.
        distance: Distance,
        /// The depth bound and the contraction per step.
        shape: TreeShape,
    },
    /// FedAvg then local fine-tuning, the personalised federated-learning baseline: rounds of
    /// `local_steps` steps on every client from the global model, averaged by training rows,
    /// then each client fine-tunes the global model (see [`crate::plan::Schedule::Federated`]).
    FedAvg {
        /// Local steps per round `E` (default 5).
        local_steps: usize,
    },
}

/// The options of a [`Method::ShapedMst`] tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TreeShape {
    /// The largest depth a task may have (at least 1; `None`: unbounded).
    pub depth: Option<usize>,
    /// The budget-aware edge cost's contraction per gradient step, `rho` in `(0, 1]` (SPEC 8);
    /// `None`: the cost is the distance alone.
    pub rho: Option<Rho>,
}

/// A contraction factor per gradient step, `rho` in `(0, 1]`, compared and hashed by its bits
/// so that a method stays a map key. After `b` steps a task's inherited error is at most
/// `rho^b` times what it started from (SPEC 8). The plan assumes one `rho` for every task (a
/// stated constant, not estimated from the data).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rho(f64);

impl Rho {
    /// `rho`, if it lies in `(0, 1]`.
    pub fn new(rho: f64) -> Option<Self> {
        (rho > 0.0 && rho <= 1.0).then_some(Self(rho))
    }

    /// The factor.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl PartialEq for Rho {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Rho {}

impl Hash for Rho {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

impl fmt::Display for TreeShape {
    /// The options as they follow the distance in a method name: `:depth=D`, `:rho=R`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(depth) = self.depth {
            write!(f, ":depth={depth}")?;
        }
        if let Some(rho) = self.rho {
            write!(f, ":rho={}", rho.get())?;
        }
        Ok(())
    }
}

/// The error for a bad option of an MST method's name.
fn bad_option(name: &str, reason: String) -> CascadeError {
    CascadeError::InvalidSetting {
        name: "method",
        value: name.to_string(),
        reason,
    }
}

/// Parses `mst-<distance>[:depth=D][:rho=R]` (lower-cased, `rest` after `mst-`; `name` as the
/// user wrote it, for errors).
fn parse_mst(rest: &str, name: &str) -> Result<Method, CascadeError> {
    let mut parts = rest.split(':');
    let distance: Distance = parts.next().unwrap_or_default().parse()?;
    let mut shape = TreeShape {
        depth: None,
        rho: None,
    };
    for option in parts {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        match key.trim() {
            "depth" if shape.depth.is_none() => match value.trim().parse::<usize>() {
                Ok(depth) if depth >= 1 => shape.depth = Some(depth),
                _ => {
                    return Err(bad_option(
                        name,
                        format!("depth={value}: the depth bound is a whole number >= 1"),
                    ));
                }
            },
            "rho" if shape.rho.is_none() => {
                match value.trim().parse::<f64>().ok().and_then(Rho::new) {
                    Some(rho) => shape.rho = Some(rho),
                    None => {
                        return Err(bad_option(
                            name,
                            format!("rho={value}: the contraction per step is a number in (0, 1]"),
                        ));
                    }
                }
            }
            "depth" | "rho" => {
                return Err(bad_option(name, format!("{key} is given twice")));
            }
            _ => {
                return Err(bad_option(
                    name,
                    format!(
                        "unknown option '{option}'; an MST method takes depth=D (D >= 1) and \
                         rho=R (0 < R <= 1), as in mst-gradient:depth=4"
                    ),
                ));
            }
        }
    }
    Ok(if shape.depth.is_none() && shape.rho.is_none() {
        Method::Mst(distance)
    } else {
        Method::ShapedMst { distance, shape }
    })
}

/// FedAvg's local steps per round when the name gives none.
pub const FEDAVG_LOCAL_STEPS: usize = 5;

impl Method {
    /// The default comparison: mean, indiv, star, randtree, global and mst-<d> for all ten
    /// distances.
    pub fn default_set() -> Vec<Method> {
        let mut methods = vec![
            Method::Mean,
            Method::Indiv,
            Method::Star,
            Method::RandTree(RandomTreeKind::Pruefer),
            Method::Global,
        ];
        methods.extend(Distance::ALL.map(Method::Mst));
        methods
    }

    /// The distance whose matrix builds this method's tree, if any.
    pub fn tree_distance(&self) -> Option<Distance> {
        match self {
            Method::Mst(d) | Method::ShapedMst { distance: d, .. } => Some(*d),
            _ => None,
        }
    }

    /// The method's stable id, from which its random choices are seeded
    /// ([`crate::experiment::method_seed`]). It is written out here, apart from the display
    /// names, so that renaming a method (or a distance) never changes a result; the ids are
    /// the names the methods had when seeds were first derived from them.
    pub fn seed_id(&self) -> String {
        let distance = |d: &Distance| match d {
            Distance::Feature => "feature",
            Distance::Mmd => "mmd",
            Distance::MmdPooled => "mmd_pooled",
            Distance::MeanCov => "mean_cov",
            Distance::Cka => "cka",
            Distance::Target => "target",
            Distance::Kl => "kl",
            Distance::Js => "js",
            Distance::Wasserstein => "wasserstein",
            Distance::Gradient => "gradient",
            Distance::Model => "model",
        };
        match self {
            Method::Mean => "mean".into(),
            Method::Indiv => "indiv".into(),
            Method::Star => "star".into(),
            Method::RandTree(RandomTreeKind::Pruefer) => "randtree".into(),
            Method::RandTree(RandomTreeKind::Recursive) => "randtree-recursive".into(),
            Method::Global => "global".into(),
            Method::Mst(d) => format!("mst-{}", distance(d)),
            Method::ShapedMst { distance: d, shape } => format!("mst-{}{shape}", distance(d)),
            Method::FedAvg { local_steps: 5 } => "fedavg".into(),
            Method::FedAvg { local_steps } => format!("fedavg:{local_steps}"),
        }
    }

    /// Every accepted method name, for help texts and errors.
    pub fn names() -> Vec<String> {
        let mut names: Vec<String> = [
            "mean",
            "indiv",
            "star",
            "randtree",
            "randtree-recursive",
            "global",
            "fedavg",
        ]
        .map(String::from)
        .to_vec();
        names.extend(Distance::EVERY.map(|d| format!("mst-{d}")));
        names
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Method::Mean => f.write_str("mean"),
            Method::Indiv => f.write_str("indiv"),
            Method::Star => f.write_str("star"),
            Method::RandTree(RandomTreeKind::Pruefer) => f.write_str("randtree"),
            Method::RandTree(RandomTreeKind::Recursive) => f.write_str("randtree-recursive"),
            Method::Global => f.write_str("global"),
            Method::Mst(d) => write!(f, "mst-{d}"),
            Method::ShapedMst { distance, shape } => write!(f, "mst-{distance}{shape}"),
            Method::FedAvg { local_steps } if *local_steps == FEDAVG_LOCAL_STEPS => {
                f.write_str("fedavg")
            }
            Method::FedAvg { local_steps } => write!(f, "fedavg:{local_steps}"),
        }
    }
}

impl FromStr for Method {
    type Err = CascadeError;

    /// Parses `mean`, `indiv`, `star`, `randtree`, `randtree-recursive`, `global`,
    /// `fedavg[:E]` or `mst-<distance>[:depth=D][:rho=R]`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let method = match lower.as_str() {
            "mean" => Method::Mean,
            "indiv" => Method::Indiv,
            "star" => Method::Star,
            "randtree" | "randtree-pruefer" => Method::RandTree(RandomTreeKind::Pruefer),
            "randtree-recursive" => Method::RandTree(RandomTreeKind::Recursive),
            "global" => Method::Global,
            "fedavg" => Method::FedAvg {
                local_steps: FEDAVG_LOCAL_STEPS,
            },
            other if other.starts_with("fedavg:") => match other[7..].parse::<usize>() {
                Ok(local_steps) if local_steps >= 1 => Method::FedAvg { local_steps },
                _ => {
                    return Err(CascadeError::UnknownName {
                        kind: "method",
                        name: s.to_string(),
                        expected: "fedavg:E with E >= 1 local steps a round".into(),
                    });
                }
            },
            other => match other.strip_prefix("mst-") {
                Some(rest) => parse_mst(rest, s.trim())?,
                None => {
                    return Err(CascadeError::UnknownName {
                        kind: "method",
                        name: s.to_string(),
                        expected: format!(
                            "{}, or mst-<distance>:depth=D:rho=R",
                            Method::names().join(", ")
                        ),
                    });
                }
            },
        };
        Ok(method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in Method::names() {
            let m: Method = name.parse().unwrap();
            assert_eq!(m.to_string(), name);
        }
        assert_eq!(
            "fedavg:2".parse::<Method>().unwrap(),
            Method::FedAvg { local_steps: 2 }
        );
        assert!("fedavg:0".parse::<Method>().is_err());
        assert_eq!(Method::default_set().len(), 15);
    }

    #[test]
    fn seed_ids_are_todays_names() {
        // Seeds derive from these ids; they equal the display names today, and must not move
        // if a display name does.
        for name in Method::names() {
            let m: Method = name.parse().unwrap();
            assert_eq!(m.seed_id(), name);
        }
        assert_eq!(Method::FedAvg { local_steps: 3 }.seed_id(), "fedavg:3");
    }

    #[test]
    fn shaped_msts_parse_print_and_serialise_round_trip() {
        let m: Method = "MST-Gradient:depth=4".parse().unwrap();
        let shape = |depth, rho: Option<f64>| TreeShape {
            depth,
            rho: rho.and_then(Rho::new),
        };
        assert_eq!(
            m,
            Method::ShapedMst {
                distance: Distance::Gradient,
                shape: shape(Some(4), None)
            }
        );
        assert_eq!(m.to_string(), "mst-gradient:depth=4");
        assert_eq!(m.tree_distance(), Some(Distance::Gradient));
        for name in [
            "mst-gradient:depth=4",
            "mst-model:rho=0.99",
            "mst-feature:depth=1:rho=1",
            "mst-gradient:depth=2:rho=0.125",
        ] {
            let m: Method = name.parse().unwrap();
            assert_eq!(m.to_string(), name);
            assert_eq!(m.seed_id(), name);
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(serde_json::from_str::<Method>(&json).unwrap(), m);
        }
        // Option order is free; the printed name puts depth first.
        let m: Method = "mst-gradient:rho=0.5:depth=3".parse().unwrap();
        assert_eq!(m.to_string(), "mst-gradient:depth=3:rho=0.5");
        // The plain name and its saved form are unchanged.
        let plain: Method = "mst-gradient".parse().unwrap();
        assert_eq!(plain, Method::Mst(Distance::Gradient));
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            r#"{"mst":"gradient"}"#
        );
    }

    #[test]
    fn bad_mst_options_are_one_line_errors() {
        for (name, expect) in [
            ("mst-gradient:depth=0", "depth=0"),
            ("mst-gradient:depth=x", "depth=x"),
            ("mst-gradient:depth=", "whole number"),
            ("mst-gradient:foo=1", "unknown option 'foo=1'"),
            ("mst-gradient:depth=2:depth=3", "given twice"),
            ("mst-gradient:rho=0", "(0, 1]"),
            ("mst-gradient:rho=1.5", "(0, 1]"),
            ("mst-gradient:", "unknown option ''"),
        ] {
            let err = name.parse::<Method>().unwrap_err().to_string();
            assert!(err.contains(expect) && err.contains(name), "{name}: {err}");
            assert!(!err.contains('\n') && !err.contains("  "), "{err}");
        }
    }

    #[test]
    fn unknown_names_are_errors_that_list_the_choices() {
        let err = "bogus".parse::<Method>().unwrap_err().to_string();
        assert!(
            err.contains("unknown method 'bogus'") && err.contains("mst-gradient"),
            "{err}"
        );
        let err = "mst-euclid".parse::<Method>().unwrap_err().to_string();
        assert!(err.contains("unknown distance 'euclid'"), "{err}");
    }
}
