//! Checking `cascade tune`'s options, and drawing the data it tunes on.
//!
//! No test row is ever seen while tuning, for two reasons that hold together:
//! - a tuning repetition uses only the TRAINING rows of its task set: part of them train, the
//!   rest (`--validation-fraction`) are the validation rows scored; its test rows are dropped
//!   ([`cascade_data::TaskSet::validation_split`]);
//! - tuning repetitions draw their data with their own seeds. Repetition `i` of a run seeded by
//!   `s` draws its data with `task_init_seed(s, i)`, which is one-to-one in `i` for a fixed `s`
//!   (an odd multiplier, an xor and SplitMix64's invertible finaliser). Test repetitions are
//!   `i = 0..reps`; tuning repetitions are `i = TUNING_REPS_FROM + r`, so their data seeds differ
//!   from every test repetition's, and synthetic and image-pair tasks are fresh draws.
//!
//! Data that are the same every repetition (an electricity panel) are tuned on a random
//! validation subset of the training period only. A grouped CSV (`tasks-csv`) is refused: it
//! re-splits one pool of rows into train and test for every repetition, so any repetition's
//! training rows include rows that another repetition tests on.

use cascade::experiment::method_seed;
use cascade::method::Method;
use cascade::train::task_init_seed;
use cascade::tune::{Dim, TunerConfig};
use cascade::{CascadeError, experiment::Repetition};
use cascade_data::TaskSet;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::args::TuneArgs;
use crate::data_args::DataArgs;
use crate::error::CliError;
use crate::settings::rep_seeds;
use crate::source::Source;
use crate::values::Range;

/// Repetition indices from this one up are tuning repetitions (test repetitions are `0..reps`).
pub const TUNING_REPS_FROM: usize = usize::MAX / 2;

/// The checked search settings of `cascade tune`.
#[derive(Debug, Clone)]
pub struct SearchSetup {
    /// The learning rate's range (log scale).
    pub eta: Dim,
    /// The seed fraction's range (linear scale).
    pub seed_fraction: Dim,
    /// Random or TPE, with the default TPE settings.
    pub tuner: TunerConfig,
}

impl SearchSetup {
    /// Checks the search options; every error names its option.
    pub fn from_args(args: &TuneArgs) -> Result<Self, CliError> {
        let f = args.validation_fraction;
        if !(f > 0.0 && f < 1.0) {
            return Err(CliError::Usage {
                option: "--validation-fraction",
                reason: format!("{f}: must be a number strictly between 0 and 1"),
            });
        }
        let eta = range_dim("--eta-range", &args.eta_range, "eta", true)?;
        let seed_fraction = range_dim(
            "--seed-fraction-range",
            &args.seed_fraction_range,
            "seed_fraction",
            false,
        )?;
        if seed_fraction.low < 0.0 || seed_fraction.high > 1.0 {
            return Err(CliError::Usage {
                option: "--seed-fraction-range",
                reason: format!(
                    "{}: the root's share of the budget must lie in 0..1",
                    args.seed_fraction_range
                ),
            });
        }
        Ok(Self {
            eta,
            seed_fraction,
            tuner: TunerConfig {
                search: args.search,
                ..TunerConfig::default()
            },
        })
    }

    /// The dimensions searched for `method`: eta, and the seed fraction where the method has
    /// a root trained first (not Indiv or Global).
    pub fn dims(&self, method: Method) -> Vec<Dim> {
        match method {
            Method::Indiv | Method::Global => vec![self.eta.clone()],
            _ => vec![self.eta.clone(), self.seed_fraction.clone()],
        }
    }
}

/// The dimension `name` over `range`: finite bounds, LO < HI, and LO > 0 on a log scale.
fn range_dim(option: &'static str, range: &Range, name: &str, log: bool) -> Result<Dim, CliError> {
    let dim = Dim::new(name, range.low, range.high, log);
    dim.validate().map_err(|e| CliError::Usage {
        option,
        reason: match e {
            CascadeError::InvalidSetting { reason, .. } => format!("{range}: {reason}"),
            other => other.to_string(),
        },
    })?;
    Ok(dim)
}

/// Refuses data whose test rows a tuning repetition could see (see the module documentation).
pub fn check_data(data: &DataArgs) -> Result<(), CliError> {
    match data.kind().as_str() {
        "tasks-csv" => Err(CliError::Usage {
            option: "--data",
            reason: "tune cannot keep tasks-csv test rows unseen: the rows are split into train \
                     and test afresh every repetition, so any repetition's training rows hold \
                     another's test rows; split the file once and tune on its training part"
                .into(),
        }),
        _ => Ok(()),
    }
}

/// One tuning repetition: its validation task set and the seed of its initialisations and
/// random trees.
pub struct TuningRep {
    /// Training rows split into train and validation; no test row.
    pub set: TaskSet,
    /// The repetition's seed (initialisations, random roots and trees).
    pub seed: u64,
    /// `tuning rep N`, for messages.
    pub label: String,
}

/// The `count` tuning repetitions of a run seeded by `seed`, each holding out `fraction` of
/// every task's training rows as validation rows.
pub fn tuning_reps(
    source: &Source,
    seed: u64,
    count: usize,
    fraction: f64,
) -> Result<Vec<TuningRep>, CliError> {
    (0..count)
        .map(|r| {
            let index = TUNING_REPS_FROM + r;
            let (data_seed, rep_seed) = rep_seeds(seed, index);
            let full = source.rep_tasks(seed, index)?;
            // A third stream of the data seed (the second fixes initialisations).
            let mut rng = StdRng::seed_from_u64(task_init_seed(data_seed, usize::MAX - 2));
            Ok(TuningRep {
                set: full.validation_split(fraction, &mut rng)?,
                seed: rep_seed,
                label: format!("tuning rep {}", r + 1),
            })
        })
        .collect()
}

/// The repetitions of [`tuning_reps`] as the library takes them.
pub fn repetitions(reps: &[TuningRep]) -> Vec<Repetition<'_>> {
    reps.iter()
        .map(|r| Repetition {
            set: &r.set,
            seed: r.seed,
            label: &r.label,
        })
        .collect()
}

/// The seed of `method`'s search in a run seeded by `seed`.
pub fn search_seed(seed: u64, method: &Method) -> u64 {
    method_seed(task_init_seed(seed, TUNING_REPS_FROM - 1), method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_check_and_bad_ones_name_the_option() {
        let range = |text: &str| text.parse::<Range>().unwrap();
        let dim = range_dim("--eta-range", &range("1e-4..1"), "eta", true).unwrap();
        assert_eq!((dim.low, dim.high, dim.log), (1e-4, 1.0, true));
        for (text, says) in [
            ("1..0.1", "below the upper bound"),
            ("0..1", "above 0"),
            ("1..inf", "finite"),
        ] {
            let err = range_dim("--eta-range", &range(text), "eta", true)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("invalid value for --eta-range") && err.contains(says),
                "{text}: {err}"
            );
        }
        assert!(range_dim("--seed-fraction-range", &range("0..0.5"), "f", false).is_ok());
    }

    #[test]
    fn tuning_data_seeds_differ_from_test_seeds() {
        // task_init_seed is one-to-one in the repetition index for a fixed seed.
        for seed in [0u64, 1, 12345] {
            let test: std::collections::HashSet<u64> =
                (0..1000).map(|r| rep_seeds(seed, r).0).collect();
            for r in 0..100 {
                assert!(!test.contains(&rep_seeds(seed, TUNING_REPS_FROM + r).0));
            }
        }
    }
}
