//! The rule that splits an image set over clients ([`Partition`]: equal, Dirichlet, NIID-Bench's
//! balanced Dirichlet, or class shards; see [`super::partition`]), how it draws each class's
//! shares over the clients ([`class_shares`]), and how shares cut a class's images ([`cut`]).

use std::fmt;
use std::str::FromStr;

use rand::seq::SliceRandom;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Gamma};

use crate::DataError;

/// How class shares are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Partition {
    /// Equal shares.
    Iid,
    /// Dirichlet(alpha) shares per class.
    Dirichlet(f64),
    /// Dirichlet(alpha) shares with NIID-Bench's balancing and minimum client size.
    BalancedDirichlet(f64),
    /// `K` class shards a client.
    Shards(usize),
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Partition::Iid => write!(f, "iid"),
            Partition::Dirichlet(alpha) => write!(f, "dirichlet:{alpha}"),
            Partition::BalancedDirichlet(alpha) => write!(f, "dirichlet-balanced:{alpha}"),
            Partition::Shards(k) => write!(f, "shards:{k}"),
        }
    }
}

impl FromStr for Partition {
    type Err = DataError;

    /// `iid`, `dirichlet:ALPHA`, `dirichlet-balanced:ALPHA` (ALPHA > 0) or `shards:K` (K >= 1).
    fn from_str(s: &str) -> Result<Self, DataError> {
        let bad = |reason| DataError::InvalidSetting {
            name: "partition",
            value: s.to_string(),
            reason,
        };
        let lower = s.trim().to_ascii_lowercase();
        let (kind, arg) = lower.split_once(':').unwrap_or((lower.as_str(), ""));
        match kind {
            "iid" if arg.is_empty() => Ok(Partition::Iid),
            "dirichlet" | "dirichlet-balanced" => match arg.parse::<f64>() {
                Ok(alpha) if alpha > 0.0 && alpha.is_finite() => Ok(if kind == "dirichlet" {
                    Partition::Dirichlet(alpha)
                } else {
                    Partition::BalancedDirichlet(alpha)
                }),
                _ => Err(bad("dirichlet needs a concentration > 0: dirichlet:0.3")),
            },
            "shards" => match arg.parse::<usize>() {
                Ok(k) if k >= 1 => Ok(Partition::Shards(k)),
                _ => Err(bad(
                    "shards needs a number of shards a client >= 1: shards:2",
                )),
            },
            _ => Err(bad(
                "expected iid, dirichlet:ALPHA, dirichlet-balanced:ALPHA or shards:K",
            )),
        }
    }
}

/// Each class's shares over the `t` clients: `[C][T]`, each row summing to 1. `class_sizes`
/// holds each class's training images.
pub(super) fn class_shares<R: Rng + ?Sized>(
    partition: Partition,
    class_sizes: &[usize],
    t: usize,
    rng: &mut R,
) -> Result<Vec<Vec<f64>>, DataError> {
    let n_classes = class_sizes.len();
    Ok(match partition {
        Partition::Iid => vec![vec![1.0 / t as f64; t]; n_classes],
        Partition::Dirichlet(alpha) => {
            let gamma = concentration(alpha, partition)?;
            (0..n_classes).map(|_| dirichlet(&gamma, t, rng)).collect()
        }
        Partition::BalancedDirichlet(alpha) => {
            balanced_dirichlet(&concentration(alpha, partition)?, class_sizes, t, rng)?
        }
        Partition::Shards(k) => {
            let total = t * k;
            // Shards of each class: T K / C each, the remainder to the first classes.
            let mut shard_class: Vec<usize> = (0..total).map(|s| s % n_classes).collect();
            shard_class.shuffle(rng);
            let mut count = vec![vec![0.0; t]; n_classes];
            for (s, &c) in shard_class.iter().enumerate() {
                count[c][s / k] += 1.0;
            }
            count
                .into_iter()
                .map(|row| {
                    let sum: f64 = row.iter().sum();
                    if sum > 0.0 {
                        row.iter().map(|x| x / sum).collect()
                    } else {
                        vec![0.0; t]
                    }
                })
                .collect()
        }
    })
}

/// `n` items cut into consecutive ranges by `shares` (cumulative, rounded down; the last range
/// ends at `n` when the shares sum to 1).
pub(super) fn cut(n: usize, shares: &[f64]) -> Vec<std::ops::Range<usize>> {
    let total: f64 = shares.iter().sum();
    let mut start = 0;
    let mut cumulative = 0.0;
    shares
        .iter()
        .enumerate()
        .map(|(v, &q)| {
            cumulative += q;
            let end = if v + 1 == shares.len() && total > 0.999_999 {
                n
            } else {
                ((cumulative * n as f64).floor() as usize).min(n)
            };
            let range = start..end.max(start);
            start = range.end;
            range
        })
        .collect()
}

fn concentration(alpha: f64, partition: Partition) -> Result<Gamma<f64>, DataError> {
    Gamma::new(alpha, 1.0).map_err(|_| DataError::InvalidSetting {
        name: "partition",
        value: partition.to_string(),
        reason: "the concentration must be > 0",
    })
}

/// One Dirichlet draw over `t` clients as normalised Gamma(alpha, 1) draws (rand_distr's
/// Dirichlet takes its dimension at compile time).
fn dirichlet<R: Rng + ?Sized>(gamma: &Gamma<f64>, t: usize, rng: &mut R) -> Vec<f64> {
    let draws: Vec<f64> = (0..t).map(|_| gamma.sample(rng)).collect();
    normalised_or_one(draws, t, rng)
}

/// `weights / sum`, or all on one random client when every weight is 0 (underflow at tiny
/// alpha, or every client balanced out).
fn normalised_or_one<R: Rng + ?Sized>(weights: Vec<f64>, t: usize, rng: &mut R) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    if total > 0.0 {
        weights.iter().map(|g| g / total).collect()
    } else {
        let mut one = vec![0.0; t];
        one[rng.random_range(0..t)] = 1.0;
        one
    }
}

/// NIID-Bench's partition (`partition_data`, `noniid-labeldir`): per class in order, Dirichlet
/// shares in which clients already holding `N/T` images get 0; redrawn until every client holds
/// at least `min(10, N/T)` training images.
fn balanced_dirichlet<R: Rng + ?Sized>(
    gamma: &Gamma<f64>,
    class_sizes: &[usize],
    t: usize,
    rng: &mut R,
) -> Result<Vec<Vec<f64>>, DataError> {
    const DRAWS: usize = 1000;
    let n: usize = class_sizes.iter().sum();
    let fair = n as f64 / t as f64;
    let least = 10.min(n / t);
    for _ in 0..DRAWS {
        let mut held = vec![0usize; t];
        let mut shares = Vec::with_capacity(class_sizes.len());
        for &size in class_sizes {
            let mut q = dirichlet(gamma, t, rng);
            for (q, &h) in q.iter_mut().zip(&held) {
                if h as f64 >= fair {
                    *q = 0.0;
                }
            }
            // The class must go somewhere: a client below N/T always exists before the last
            // image is dealt, so only underflow can leave every share at 0.
            let q = normalised_or_one(q, t, rng);
            for (v, range) in cut(size, &q).into_iter().enumerate() {
                held[v] += range.len();
            }
            shares.push(q);
        }
        if held.iter().all(|&h| h >= least) {
            return Ok(shares);
        }
    }
    Err(DataError::InvalidSetting {
        name: "partition",
        value: format!("dirichlet-balanced over {t} clients"),
        reason: "no draw in 1000 gave every client 10 training images: use fewer clients or a \
                 larger concentration",
    })
}
