//! Comparing methods: every method sees the same data and the same fresh initialisations
//! within a repetition, so differences between methods are paired. Repetitions can be stacked
//! along the task axis and trained as one batched program.

use burn::prelude::Device;
use cascade_data::{StandardisedTaskSet, TaskSet};
use cascade_models::{ModelKind, TaskModelConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::CascadeError;
use crate::method::Method;
use crate::plan::{DistanceCache, Plan, PlanConfig, make_plan};
use crate::train::batched::{Job, run_jobs};
use crate::train::reference::{self, MethodRun};
use crate::train::{
    ExecutorChoice, StepRule, StepSizes, TrainConfig, objective_for, step_rule, step_sizes,
    task_init_seed,
};

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
    /// Which executor trains.
    #[serde(default)]
    pub executor: ExecutorChoice,
}

impl CompareConfig {
    /// Whether `self` and `other` can train as one program (the one rule [`compare_grid`]
    /// checks): the same model, training settings and executor. They may differ in methods
    /// and in how plans are made (budget, allocation, rounding, roots).
    pub fn shares_program(&self, other: &CompareConfig) -> bool {
        self.model == other.model && self.train == other.train && self.executor == other.executor
    }
}

/// One method's plan and outcome on one task set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodOutcome {
    /// The plan that was executed.
    pub plan: Plan,
    /// What training it produced.
    pub run: MethodRun,
}

/// What a comparison is doing, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Distances and plans of repetition `rep` (index within the call).
    Planning {
        /// Repetition index.
        rep: usize,
    },
    /// Training `method` of repetition `rep` (reference executor).
    Training {
        /// Repetition index.
        rep: usize,
        /// The method.
        method: Method,
    },
    /// Training every plan of every repetition as one batched program.
    TrainingStacked {
        /// How many plans train together.
        plans: usize,
    },
}

/// One repetition's data and seed.
#[derive(Debug, Clone, Copy)]
pub struct Repetition<'a> {
    /// The tasks, in their own units (standardised here).
    pub set: &'a TaskSet,
    /// Fixes the initialisations (shared by all methods) and each method's random choices.
    pub seed: u64,
    /// A label for error messages, e.g. `rep 7`.
    pub label: &'a str,
}

/// Runs every method of `config` on every repetition; `result[r][m]` is method `m` on
/// repetition `r`. With the batched executor all repetitions train as one program.
pub fn compare_reps(
    reps: &[Repetition],
    config: &CompareConfig,
    device: &Device,
    progress: impl FnMut(Progress),
) -> Result<Vec<Vec<MethodOutcome>>, CascadeError> {
    let grid = compare_grid(reps, std::slice::from_ref(config), device, progress)?;
    Ok(grid
        .into_iter()
        .map(|mut per_setting| per_setting.remove(0))
        .collect())
}

/// Runs every setting of `settings` on every repetition: `result[r][s][m]` is method `m` of
/// setting `s` on repetition `r`. The settings may differ in methods, budgets, allocations and
/// roots, and share each repetition's standardisation and task distances (computed once). They
/// must agree on the model, the training configuration and the executor, because with the
/// batched executor every plan of every setting and repetition trains as one program.
pub fn compare_grid(
    reps: &[Repetition],
    settings: &[CompareConfig],
    device: &Device,
    mut progress: impl FnMut(Progress),
) -> Result<Vec<Vec<Vec<MethodOutcome>>>, CascadeError> {
    let Some(first) = settings.first() else {
        return Ok(vec![Vec::new(); reps.len()]);
    };
    if let Some(other) = settings.iter().find(|s| !s.shares_program(first)) {
        return Err(CascadeError::ShapeMismatch(format!(
            "settings trained together must share model, training settings and executor \
             ({} / {:?} / {} against {} / {:?} / {})",
            first.model, first.train, first.executor, other.model, other.train, other.executor
        )));
    }
    // prepared[r] = (standardised data, plans of every setting, flattened setting-major,
    // learning rates).
    let mut prepared = Vec::with_capacity(reps.len());
    for (r, rep) in reps.iter().enumerate() {
        progress(Progress::Planning { rep: r });
        let data = StandardisedTaskSet::new(rep.set);
        let mut cache = DistanceCache::new();
        let mut plans = Vec::new();
        for setting in settings {
            plans.extend(plan_with_cache(&data, setting, rep.seed, &mut cache)?);
        }
        let etas = rep_step_sizes(&data, first, rep.seed, &mut cache, device)?;
        prepared.push((data, plans, etas));
    }
    let problem = reps[0].set.problem();
    let objective = objective_for(problem);
    let objective = objective.as_ref();
    let runs: Vec<Vec<MethodRun>> = match first.executor {
        ExecutorChoice::Reference => {
            let mut runs = Vec::with_capacity(reps.len());
            for (r, (rep, (data, plans, etas))) in reps.iter().zip(&prepared).enumerate() {
                let init_seed = init_seed(rep.seed);
                let mut rep_runs = Vec::with_capacity(plans.len());
                for plan in plans {
                    progress(Progress::Training {
                        rep: r,
                        method: plan.method,
                    });
                    rep_runs.push(reference::run(
                        plan,
                        data,
                        &first.model,
                        objective,
                        &first.train,
                        etas,
                        init_seed,
                        device,
                    )?);
                }
                runs.push(rep_runs);
            }
            runs
        }
        ExecutorChoice::Auto | ExecutorChoice::Batched | ExecutorChoice::Host => {
            let labels: Vec<Vec<String>> = reps
                .iter()
                .zip(&prepared)
                .map(|(rep, (_, plans, _))| {
                    plans
                        .iter()
                        .map(|p| match rep.label {
                            "" => p.method.to_string(),
                            label => format!("{}, {label}", p.method),
                        })
                        .collect()
                })
                .collect();
            let mut jobs = Vec::new();
            for ((rep, (data, plans, etas)), labels) in reps.iter().zip(&prepared).zip(&labels) {
                for (plan, label) in plans.iter().zip(labels) {
                    jobs.push(Job {
                        plan,
                        data,
                        etas,
                        init_seed: init_seed(rep.seed),
                        label,
                    });
                }
            }
            progress(Progress::TrainingStacked { plans: jobs.len() });
            let mut flat =
                run_jobs(&jobs, &first.model, objective, &first.train, device)?.into_iter();
            prepared
                .iter()
                .map(|(_, plans, _)| flat.by_ref().take(plans.len()).collect())
                .collect()
        }
    };
    Ok(prepared
        .into_iter()
        .zip(runs)
        .map(|((_, plans, _), runs)| {
            let mut outcomes = plans
                .into_iter()
                .zip(runs)
                .map(|(plan, run)| MethodOutcome { plan, run });
            settings
                .iter()
                .map(|s| outcomes.by_ref().take(s.methods.len()).collect())
                .collect()
        })
        .collect())
}

/// Runs every method of `config` on one task set (see [`compare_reps`]).
pub fn compare_on(
    set: &TaskSet,
    config: &CompareConfig,
    seed: u64,
    device: &Device,
) -> Result<Vec<MethodOutcome>, CascadeError> {
    let rep = Repetition {
        set,
        seed,
        label: "",
    };
    Ok(compare_reps(&[rep], config, device, |_| {})?.remove(0))
}

/// The plans of every method of `config` on `data`, each method's random choices seeded by
/// [`method_seed`]`(seed, method)`.
pub fn plan_methods(
    data: &StandardisedTaskSet,
    config: &CompareConfig,
    seed: u64,
) -> Result<Vec<Plan>, CascadeError> {
    plan_with_cache(data, config, seed, &mut DistanceCache::new())
}

/// [`plan_methods`] with distances taken from (and added to) `cache`, which must hold
/// distances of `data` only.
fn plan_with_cache(
    data: &StandardisedTaskSet,
    config: &CompareConfig,
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
pub fn rep_step_sizes(
    data: &StandardisedTaskSet,
    config: &CompareConfig,
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
