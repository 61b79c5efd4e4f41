//! Fixtures shared by the executor tests: ragged synthetic tasks, one plan per tree kind, and
//! per-task comparison of two runs. Each test binary uses its own subset of them.
#![allow(dead_code)]

use cascade::budget::BudgetConfig;
use cascade::distance::Distance;
use cascade::method::{Method, RandomTreeKind};
use cascade::plan::{DistanceCache, Plan, PlanConfig, make_plan};
use cascade::root::RootRule;
use cascade::train::StepSizes;
use cascade::train::batched::Job;
use cascade::train::reference::MethodRun;
use cascade_data::synthetic::SyntheticConfig;
use cascade_data::{Split, StandardisedTaskSet, Task, TaskSet};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// `n_tasks` synthetic tasks with `d` features whose training sets are cut to 10..=40 rows
/// (ragged, as real data is), each target mapped by `target` (train and test alike).
fn ragged(seed: u64, n_tasks: usize, d: usize, target: impl Fn(f64) -> f64) -> TaskSet {
    let set = SyntheticConfig {
        n_tasks,
        n_features: d,
        n_train: 40,
        n_test: 20,
        tau_within: 2.0,
        ..Default::default()
    }
    .generate(&mut StdRng::seed_from_u64(seed))
    .unwrap();
    let tasks = set
        .tasks()
        .iter()
        .enumerate()
        .map(|(v, t)| {
            let n = 10 + (v * 7) % 31;
            let y: cascade_data::DVector<f64> = t.train.y.rows(0, n).into();
            Task {
                train: Split::new(t.train.x.rows(0, n).into(), y.map(&target)),
                test: Split::new(t.test.x.clone(), t.test.y.map(&target)),
                ..t.clone()
            }
        })
        .collect();
    TaskSet::new(tasks).unwrap()
}

/// 14 synthetic regression tasks (d = 5), training sets cut to 10..=40 rows, in their own
/// units.
pub fn ragged_raw(seed: u64) -> TaskSet {
    ragged(seed, 14, 5, |y| y)
}

/// 14 synthetic regression tasks (d = 5), training sets cut to 10..=40 rows.
pub fn ragged_tasks(seed: u64) -> StandardisedTaskSet {
    StandardisedTaskSet::new(&ragged(seed, 14, 5, |y| y))
}

/// 10 binary tasks on 4x4 one-channel "images" (16 features): synthetic regressions
/// thresholded at 0 (label 1 where y > 0), training sets cut to 10..=40 rows.
pub fn ragged_binary_image_tasks(seed: u64) -> StandardisedTaskSet {
    let set = ragged(seed, 10, 16, |y| f64::from(u8::from(y > 0.0)))
        .into_binary()
        .unwrap()
        .with_image_shape([1, 4, 4])
        .unwrap();
    StandardisedTaskSet::new(&set)
}

/// 12 three-class tasks (d = 6): synthetic regressions cut at -0.5 and 0.5 (classes low, mid,
/// high), training sets cut to 10..=40 rows.
pub fn ragged_class_tasks(seed: u64) -> StandardisedTaskSet {
    let set = ragged(seed, 12, 6, |y| {
        f64::from(u8::from(y > -0.5) + u8::from(y > 0.5))
    })
    .into_classes(vec!["low".into(), "mid".into(), "high".into()])
    .unwrap();
    StandardisedTaskSet::new(&set)
}

/// The three-class tasks on 4x4 one-channel "images" (16 features), for CNNs.
pub fn ragged_class_image_tasks(seed: u64) -> StandardisedTaskSet {
    let set = ragged(seed, 10, 16, |y| {
        f64::from(u8::from(y > -0.5) + u8::from(y > 0.5))
    })
    .into_classes(vec!["low".into(), "mid".into(), "high".into()])
    .unwrap()
    .with_image_shape([1, 4, 4])
    .unwrap();
    StandardisedTaskSet::new(&set)
}

pub const METHODS: [Method; 8] = [
    Method::Indiv,
    Method::Star,
    Method::RandTree(RandomTreeKind::Pruefer),
    Method::RandTree(RandomTreeKind::Recursive),
    Method::Global,
    Method::Mst(Distance::Gradient),
    Method::Mst(Distance::Model),
    Method::FedAvg { local_steps: 2 },
];

pub fn plans(data: &StandardisedTaskSet, budget: usize) -> Vec<Plan> {
    let config = PlanConfig {
        budget: BudgetConfig::new(budget),
        root_rule: RootRule::Medoid,
        root_distance: Distance::Gradient,
    };
    let mut cache = DistanceCache::new();
    let mut rng = StdRng::seed_from_u64(5);
    METHODS
        .iter()
        .map(|&m| make_plan(m, data, &mut cache, &config, &mut rng).unwrap())
        .collect()
}

/// Asserts that two runs of one plan agree task by task: same steps, and test MSEs within
/// `rel` of each other (relative to max(MSE, 1)).
pub fn assert_close(a: &MethodRun, b: &MethodRun, rel: f64, what: &str) {
    assert_eq!(a.steps_used, b.steps_used, "{what}");
    for (x, y) in a.tasks.iter().zip(&b.tasks) {
        assert_eq!(x.task, y.task);
        assert_eq!(x.steps, y.steps, "{what} {}", x.task);
        assert_eq!(
            x.test_accuracy.is_some(),
            y.test_accuracy.is_some(),
            "{what}"
        );
        let tol = rel * x.test_mse.abs().max(1.0);
        assert!(
            (x.test_mse - y.test_mse).abs() <= tol,
            "{what} {}: {} vs {}",
            x.task,
            x.test_mse,
            y.test_mse
        );
    }
}

/// One batched job per plan, all on `data` at learning rates `etas` with the same
/// initialisation seed.
pub fn jobs<'a>(
    plans: &'a [Plan],
    data: &'a StandardisedTaskSet,
    etas: &'a StepSizes,
    init_seed: u64,
) -> Vec<Job<'a>> {
    plans
        .iter()
        .map(|plan| Job {
            plan,
            data,
            etas,
            init_seed,
            label: "",
        })
        .collect()
}
