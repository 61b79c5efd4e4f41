//! Numbers in block files that read back bit for bit: each `f64` is written as the string of
//! Rust's shortest round-trip form (`"0.1"`, `"1e300"`, `"inf"`, `"NaN"`) and parsed back
//! with Rust's correctly rounded parser. (JSON numbers would do for finite values only, and
//! serde_json's default parser may be off by one unit in the last place; a medoid or a tie
//! between two edges can turn on that unit.)

use serde::de::Error;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::tree::Edge;

fn text(v: f64) -> String {
    format!("{v:?}")
}

fn number<E: Error>(s: &str) -> Result<f64, E> {
    s.parse::<f64>()
        .map_err(|_| E::custom(format!("'{s}' is not a number")))
}

/// One `f64` (`#[serde(with = "exact::one")]`).
pub(super) mod one {
    use super::*;

    pub(in crate::blocks) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        text(*v).serialize(s)
    }

    pub(in crate::blocks) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        number(&String::deserialize(d)?)
    }
}

/// A list of `f64` (`#[serde(with = "exact::many")]`).
pub(super) mod many {
    use super::*;

    pub(in crate::blocks) fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|&x| text(x)))
    }

    pub(in crate::blocks) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<f64>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|s| number(s))
            .collect()
    }
}

/// A list of edges as `[lo, hi, "distance"]` triples (`#[serde(with = "exact::edges")]`).
pub(super) mod edges {
    use super::*;

    pub(in crate::blocks) fn serialize<S: Serializer>(v: &[Edge], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|e| (e.lo, e.hi, text(e.distance))))
    }

    pub(in crate::blocks) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<Edge>, D::Error> {
        Vec::<(usize, usize, String)>::deserialize(d)?
            .into_iter()
            .map(|(lo, hi, s)| {
                if lo >= hi {
                    return Err(D::Error::custom(format!(
                        "edge ({lo}, {hi}) must list its smaller task first"
                    )));
                }
                Ok(Edge {
                    lo,
                    hi,
                    distance: number(&s)?,
                })
            })
            .collect()
    }
}
