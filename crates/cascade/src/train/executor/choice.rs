//! Which executor trains a comparison, as a user names it (`--executor`, a grid file's
//! `executor`): parsed once into an [`ExecutorChoice`], resolved against the model, the
//! objective and the device by [`super::resolve`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CascadeError;

/// The executor a user asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutorChoice {
    /// The host-linear executor where it applies and the device is a CPU (flex, ndarray);
    /// otherwise the device-batched one. Never a host path in place of a GPU.
    #[default]
    Auto,
    /// Level-synchronous on the device: each depth of every plan (and every stacked
    /// repetition) is one batch.
    Batched,
    /// One task at a time, as the research code does; the yardstick for the batched one.
    Reference,
    /// Linear cascades under the squared error on the host, in f64 (the cascade's levels;
    /// pooled and federated runs stay on the device). An error where it does not apply.
    Host,
}

impl ExecutorChoice {
    /// Every choice, in the order `--help` lists them.
    pub const ALL: [ExecutorChoice; 4] = [
        ExecutorChoice::Auto,
        ExecutorChoice::Batched,
        ExecutorChoice::Reference,
        ExecutorChoice::Host,
    ];

    /// The name users type.
    pub fn name(self) -> &'static str {
        match self {
            ExecutorChoice::Auto => "auto",
            ExecutorChoice::Batched => "batched",
            ExecutorChoice::Reference => "reference",
            ExecutorChoice::Host => "host",
        }
    }
}

impl fmt::Display for ExecutorChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ExecutorChoice {
    type Err = CascadeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|c| c.name() == name || (name == "host-linear" && *c == ExecutorChoice::Host))
            .ok_or_else(|| CascadeError::UnknownName {
                kind: "executor",
                name: s.to_string(),
                expected: "auto, batched, reference, host".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for choice in ExecutorChoice::ALL {
            assert_eq!(choice.name().parse::<ExecutorChoice>().unwrap(), choice);
            let json = serde_json::to_string(&choice).unwrap();
            assert_eq!(json, format!("\"{}\"", choice.name()));
        }
        assert_eq!(
            " Host-Linear ".parse::<ExecutorChoice>().unwrap(),
            ExecutorChoice::Host
        );
        let error = "gpu".parse::<ExecutorChoice>().unwrap_err().to_string();
        assert!(error.contains("auto, batched, reference, host"), "{error}");
    }
}
