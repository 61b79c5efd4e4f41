//! Comparing methods on one task set: every method sees the same data and the same fresh
//! initialisations, so differences between methods within a repetition are paired.

use burn::prelude::Device;
use cascade_data::{StandardisedTaskSet, TaskSet};
use cascade_models::ModelKind;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::CascadeError;
use crate::method::Method;
use crate::plan::{DistanceCache, Plan, PlanConfig, make_plan};
use crate::train::reference::{self, MethodRun};
use crate::train::{TrainConfig, task_init_seed};

/// Everything a comparison needs besides the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareConfig {
    /// The methods, in report order.
    pub methods: Vec<Method>,
    /// Budget, root and allocation settings.
    pub plan: PlanConfig,
    /// Learning rate and clipping.
    pub train: TrainConfig,
    /// The model every task uses.
    pub model: ModelKind,
}

/// One method's plan and outcome on one task set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodOutcome {
    /// The plan that was executed.
    pub plan: Plan,
    /// What training it produced.
    pub run: MethodRun,
}

/// Which method of a repetition is about to run, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Index of the method within the comparison.
    pub method_index: usize,
    /// The method.
    pub method: Method,
}

/// Runs every method of `config` on `set` (raw units; standardised here), calling `progress`
/// before each method. `seed` fixes the initialisations (shared by all methods) and each
/// method's random choices (derived from the method's name, so adding a method changes no
/// other method's tree).
pub fn compare_on(
    set: &TaskSet,
    config: &CompareConfig,
    seed: u64,
    device: &Device,
    mut progress: impl FnMut(Progress),
) -> Result<Vec<MethodOutcome>, CascadeError> {
    let data = StandardisedTaskSet::new(set);
    let mut cache = DistanceCache::new();
    let init_seed = task_init_seed(seed, usize::MAX);
    config
        .methods
        .iter()
        .enumerate()
        .map(|(method_index, &method)| {
            progress(Progress {
                method_index,
                method,
            });
            let mut rng = StdRng::seed_from_u64(method_seed(seed, &method));
            let plan = make_plan(method, &data, &mut cache, &config.plan, &mut rng)?;
            let run = reference::run(&plan, &data, config.model, &config.train, init_seed, device)?;
            Ok(MethodOutcome { plan, run })
        })
        .collect()
}

/// The seed of `method`'s random choices (roots, random trees) in a comparison seeded by
/// `seed`: derived from an FNV-1a hash of the method's name, so it is stable across runs and
/// independent of which other methods are compared.
pub fn method_seed(seed: u64, method: &Method) -> u64 {
    let hash = method
        .to_string()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        });
    task_init_seed(seed, hash as usize)
}
