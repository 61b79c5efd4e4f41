//! Refusing work that cannot fit in memory before anything is allocated: the tasks' data the
//! synthetic generator would draw, and the `T x T` distance matrices the plans would keep, are
//! estimated from the options and held against the memory the machine has available
//! ("needs about 81 GB ...; this machine has 24 GB available"). `--skip-memory-check` goes
//! ahead anyway (swap, or an estimate that is too careful).
//!
//! A training level needs no check here: it is cut into chunks that fit `--device-memory`
//! (see `cascade::train`), and one task that cannot fit is refused there with its estimate.

use cascade::distance::has_pair_form;
use cascade::method::Method;
use cascade::plan::MATRIX_FREE_TASKS;

use crate::data_args::{DataArgs, SyntheticArgs};
use crate::device_memory::available_bytes;
use crate::error::CliError;
use crate::settings::RunSettings;

/// One part of the memory some work needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// What needs it, e.g. "the 100,000 x 100,000 mmd distance matrix".
    pub what: String,
    /// Bytes.
    pub bytes: u64,
}

/// The tasks' data the synthetic generator draws for `copies` repetitions at once (stacked
/// repetitions live together): `T (n_train + n_test) (d + 1)` values in f64, as drawn and as
/// standardised. Nothing for data read from files, whose size the files bound.
pub fn synthetic_data(synthetic: &SyntheticArgs, source: &DataArgs, copies: usize) -> Vec<Need> {
    if !source.data.is_empty() && source.kind() != "synthetic" {
        return Vec::new();
    }
    let rows = (synthetic.n_train as u64).saturating_add(synthetic.n_test as u64);
    let values = (synthetic.tasks as u64)
        .saturating_mul(rows)
        .saturating_mul(synthetic.features as u64 + 1);
    let bytes = values
        .saturating_mul(8 * 2)
        .saturating_mul(copies.max(1) as u64);
    vec![Need {
        what: format!(
            "the synthetic tasks' data, {} tasks x {rows} rows x {} values{}",
            synthetic.tasks,
            synthetic.features + 1,
            if copies > 1 {
                format!(", {copies} repetitions at once")
            } else {
                String::new()
            }
        ),
        bytes,
    }]
}

/// The `T x T` distance matrices the plans of `methods` over `tasks` tasks keep: one a distance
/// that a tree or root reads as a whole matrix (every distance below
/// [`MATRIX_FREE_TASKS`] tasks, and past it those with no pair form), in f64, half as much
/// again while it is built. `root` is the distance Star and random trees pick their root by.
pub fn distance_matrices(
    methods: &[Method],
    root: cascade::distance::Distance,
    tasks: usize,
) -> Vec<Need> {
    let mut kinds = Vec::new();
    for method in methods {
        let kind = match method {
            Method::Star | Method::RandTree(_) => root,
            Method::Mst(d) | Method::ShapedMst { distance: d, .. } => *d,
            _ => continue,
        };
        let whole = tasks < MATRIX_FREE_TASKS || !has_pair_form(kind);
        if whole && !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let t = tasks as u64;
    kinds
        .into_iter()
        .map(|kind| Need {
            what: format!("the {tasks} x {tasks} {kind} distance matrix"),
            bytes: t.saturating_mul(t).saturating_mul(12),
        })
        .collect()
}

/// An error, before anything is allocated, when `needs` add up to more than the memory the
/// machine has available, unless `settings` skip the check or that memory cannot be read.
pub fn check(needs: &[Need], settings: &RunSettings) -> Result<(), CliError> {
    match available_bytes() {
        Some(available) if !settings.skip_memory_check => check_against(needs, available),
        _ => Ok(()),
    }
}

fn check_against(needs: &[Need], available: u64) -> Result<(), CliError> {
    let total = needs
        .iter()
        .fold(0u64, |sum, n| sum.saturating_add(n.bytes));
    if total <= available {
        return Ok(());
    }
    let parts: Vec<String> = needs
        .iter()
        .filter(|n| n.bytes > 0)
        .map(|n| format!("{}: {}", n.what, memory_size(n.bytes)))
        .collect();
    Err(CliError::Memory {
        needs: format!("{} of memory ({})", memory_size(total), parts.join("; ")),
        available: memory_size(available),
    })
}

/// Bytes as `81 GB`, `1.20 GB`, `350 MB` or `645 kB` (powers of 10).
fn memory_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e10 {
        format!("{:.0} GB", b / 1e9)
    } else if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else {
        format!("{:.0} kB", b / 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade::distance::Distance;

    #[test]
    fn a_matrix_is_counted_once_a_distance_and_only_where_it_is_kept() {
        let methods = [
            Method::Star,
            Method::Mst(Distance::Mmd),
            Method::Mst(Distance::Mmd),
            Method::Mst(Distance::Gradient),
            Method::Indiv,
        ];
        // 100,000 tasks: gradient has a pair form (no matrix); mmd does not, nor does the
        // feature root of Star... which has one: only mmd's matrix is kept.
        let needs = distance_matrices(&methods, Distance::Feature, 100_000);
        assert_eq!(needs.len(), 1);
        assert_eq!(needs[0].bytes, 100_000u64 * 100_000 * 12);
        // Below the matrix-free size every distance's matrix is kept.
        assert_eq!(distance_matrices(&methods, Distance::Feature, 100).len(), 3);
    }

    #[test]
    fn the_refusal_names_the_total_each_part_and_what_is_available() {
        let needs = [
            Need {
                what: "a".into(),
                bytes: 80_000_000_000,
            },
            Need {
                what: "b".into(),
                bytes: 1_200_000_000,
            },
        ];
        let error = check_against(&needs, 24_000_000_000)
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "needs about 81 GB of memory (a: 80 GB; b: 1.20 GB); this machine has 24 GB \
             available (--skip-memory-check goes ahead anyway)"
        );
        assert!(check_against(&needs, 90_000_000_000).is_ok());
    }
}
