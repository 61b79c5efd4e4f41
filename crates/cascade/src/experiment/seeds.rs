//! A comparison's seeded choices: each method's plan from its own seed, the learning rates of a
//! repetition, and the seeds themselves. Seeds derive from stable ids ([`Method::seed_id`]), so
//! results never depend on which other methods run or on how a method is displayed.

use burn::prelude::Device;
use cascade_data::StandardisedTaskSet;
use cascade_models::TaskModelConfig;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::config::CompareConfig;
use crate::CascadeError;
use crate::method::Method;
use crate::plan::{DistanceCache, Plan, PlanConfig, make_plan};
use crate::train::{StepRule, StepSizes, TrainConfig, step_rule, step_sizes, task_init_seed};

/// The plans of every method of `config` on `data`, each method's random choices seeded by
/// [`method_seed`]`(seed, method)`.
pub fn plan_methods<C: TaskModelConfig>(
    data: &StandardisedTaskSet,
    config: &CompareConfig<C>,
    seed: u64,
) -> Result<Vec<Plan>, CascadeError> {
    plan_with_cache(data, config, seed, &mut DistanceCache::new())
}

/// [`plan_methods`] with distances taken from (and added to) `cache`, which must hold
/// distances of `data` only.
pub(super) fn plan_with_cache<C: TaskModelConfig>(
    data: &StandardisedTaskSet,
    config: &CompareConfig<C>,
    seed: u64,
    cache: &mut DistanceCache,
) -> Result<Vec<Plan>, CascadeError> {
    config
        .methods
        .iter()
        .map(|&method| {
            let mut rng = StdRng::seed_from_u64(method_seed(seed, &method));
            make_plan(method, data, cache, &config.plan, &mut rng)
        })
        .collect()
}

/// The learning rates of a repetition seeded by `seed` on `data` under `config` (see
/// [`step_sizes`]). The backtracking search for non-linear models runs on the root that Star
/// would use (`config.plan`'s root rule over its root distance), from the same fresh
/// initialisation the executors draw.
pub fn rep_step_sizes<C: TaskModelConfig>(
    data: &StandardisedTaskSet,
    config: &CompareConfig<C>,
    seed: u64,
    cache: &mut DistanceCache,
    device: &Device,
) -> Result<StepSizes, CascadeError> {
    seeded_step_sizes(
        data,
        &config.model,
        &config.train,
        &config.plan,
        seed,
        cache,
        device,
    )
}

/// [`rep_step_sizes`] for any model configuration, with the training and plan settings given
/// apart.
pub fn seeded_step_sizes<C: TaskModelConfig>(
    data: &StandardisedTaskSet,
    model: &C,
    train: &TrainConfig,
    plan: &PlanConfig,
    seed: u64,
    cache: &mut DistanceCache,
    device: &Device,
) -> Result<StepSizes, CascadeError> {
    let root = if step_rule(train.eta, model) == StepRule::Backtracking {
        let mut rng = StdRng::seed_from_u64(method_seed(seed, &Method::Star));
        cache.root(&plan.root_rule, plan.root_distance, data, &mut rng)?
    } else {
        0
    };
    step_sizes(data, model, train, root, init_seed(seed), device)
}

/// The initialisation seed of a comparison seeded by `seed`, shared by all its methods.
pub fn init_seed(seed: u64) -> u64 {
    task_init_seed(seed, usize::MAX)
}

/// The seed of `method`'s random choices (roots, random trees) in a comparison seeded by
/// `seed`: derived from an FNV-1a hash of the method's stable id ([`Method::seed_id`]), so it
/// is stable across runs and releases and independent of which other methods are compared.
pub fn method_seed(seed: u64, method: &Method) -> u64 {
    let hash = method
        .seed_id()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        });
    task_init_seed(seed, hash as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Today's seeds, pinned: every result of a comparison depends on them. The expected values
    /// were computed independently, in Python, from the definitions (FNV-1a 64 of the id, then
    /// the SplitMix64 finaliser of `seed ^ (hash + 1) * 0x9E3779B97F4A7C15`).
    #[test]
    fn method_seeds_are_pinned() {
        let expected: [(u64, &str, u64); 12] = [
            (0, "mean", 0x7f33_75ab_4cb1_b504),
            (0, "indiv", 0xa82f_1b0c_dcd8_8f3e),
            (0, "star", 0x5c47_da1d_afa5_8892),
            (0, "randtree", 0x34b2_98b1_f86a_fd58),
            (0, "randtree-recursive", 0x0ec4_f6fb_d460_2949),
            (0, "global", 0xf021_6ad1_c8fe_219b),
            (0, "fedavg", 0x68ec_fe09_4a3d_1883),
            (0, "fedavg:3", 0x3e9d_9463_afcc_9695),
            (0, "mst-gradient", 0x19fb_03b7_c3f7_1523),
            (0, "mst-mmd_pooled", 0x5401_253d_217a_1183),
            (42, "mst-mean_cov", 0x966c_f45d_91cc_6df3),
            (42, "randtree", 0x2718_09db_b49e_44d8),
        ];
        for (seed, name, value) in expected {
            let method: Method = name.parse().unwrap();
            assert_eq!(method_seed(seed, &method), value, "{name} at seed {seed}");
        }
    }
}
