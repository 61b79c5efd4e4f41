//! The methods compared (SPEC 2): Mean, Indiv, Star, RandTree (two kinds), Global and
//! MST-<distance>; and FedAvg with fine-tuning, the personalised federated-learning baseline.

use std::fmt;
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
    /// FedAvg then local fine-tuning, the personalised federated-learning baseline: rounds of
    /// `local_steps` steps on every client from the global model, averaged by training rows,
    /// then each client fine-tunes the global model (see [`crate::plan::Schedule::Federated`]).
    FedAvg {
        /// Local steps per round `E` (default 5).
        local_steps: usize,
    },
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
            Method::Mst(d) => Some(*d),
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
    /// `fedavg[:E]` or `mst-<distance>`.
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
                Some(d) => Method::Mst(d.parse()?),
                None => {
                    return Err(CascadeError::UnknownName {
                        kind: "method",
                        name: s.to_string(),
                        expected: Method::names().join(", "),
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
