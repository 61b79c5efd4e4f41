//! Plans made without the distance matrix, in one process or from distance blocks, are the
//! matrix's plans: same root, tree, budget and notes, on random tasks and on tasks full of ties.

use cascade_data::synthetic::SyntheticConfig;
use cascade_data::{DVector, StandardisedTaskSet, TaskSet};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;
use crate::blocks::{combine, compute_block};
use crate::budget::Allocation;
use crate::tree::Growth;

fn synthetic(n_tasks: usize, seed: u64) -> TaskSet {
    SyntheticConfig {
        n_tasks,
        n_features: 3,
        n_train: 12,
        n_test: 2,
        ..Default::default()
    }
    .generate(&mut StdRng::seed_from_u64(seed))
    .unwrap()
}

/// Each task of a small set three times over, and some tasks with zero targets: distances
/// with many exact ties (0 between copies, equal distances to every copy; gradient 1 from a
/// zero-target task to any other).
fn tied() -> StandardisedTaskSet {
    let base = synthetic(8, 11);
    let mut tasks = Vec::new();
    for copy in 0..3 {
        for (v, t) in base.tasks().iter().enumerate() {
            let mut t = t.clone();
            t.id = format!("{}-{copy}", t.id);
            if v % 4 == 1 {
                t.train.y = DVector::zeros(t.train.y.len());
            }
            tasks.push(t);
        }
    }
    StandardisedTaskSet::new(&TaskSet::new(tasks).unwrap())
}

fn methods() -> Vec<Method> {
    vec![
        Method::Mst(Distance::Gradient),
        Method::Mst(Distance::Feature),
        Method::Mst(Distance::Model),
        Method::Mst(Distance::MeanCov),
        Method::Star,
        Method::RandTree(RandomTreeKind::Pruefer),
        Method::RandTree(RandomTreeKind::Recursive),
        "mst-gradient:depth=2".parse().unwrap(),
        "mst-model:rho=0.99".parse().unwrap(),
        "mst-feature:depth=3:rho=0.9".parse().unwrap(),
    ]
}

#[test]
fn shaped_trees_are_grown_from_the_medoid_under_the_bound() {
    let data = StandardisedTaskSet::new(&synthetic(29, 5));
    let mut cache = DistanceCache::with_storage(Storage::Matrix);
    let config = PlanConfig::new(203);
    let dist = cache.get(&data, Distance::Gradient).unwrap().clone();
    let root = crate::root::medoid(&dist);
    let tree_of = |p: &Plan| match &p.schedule {
        Schedule::Cascade { tree, root: r, .. } => {
            assert_eq!(*r, Some(root));
            tree.clone()
        }
        other => panic!("not a cascade: {other:?}"),
    };
    let mst = tree_of(&plan(
        Method::Mst(Distance::Gradient),
        &data,
        &mut cache,
        &config,
    ));
    for depth in [1, 2, 4] {
        let method = format!("mst-gradient:depth={depth}").parse().unwrap();
        let tree = tree_of(&plan(method, &data, &mut cache, &config));
        assert!(tree.depths().iter().all(|&d| d <= depth));
        let want = Tree::mst_bounded(29, root, depth, |u, v| dist.get(u, v)).unwrap();
        assert_eq!(tree, want);
        assert!(tree.total_weight(&dist) >= mst.total_weight(&dist));
    }
    assert_eq!(
        tree_of(&plan(
            "mst-gradient:depth=28".parse().unwrap(),
            &data,
            &mut cache,
            &config
        )),
        mst
    );
    // B = 203, b_s = floor(0.1 * 203) = 20: a non-root task's even share is 183 / 28 steps.
    let method = "mst-gradient:depth=3:rho=0.9".parse().unwrap();
    let growth = Growth {
        max_depth: Some(3),
        contraction: 0.9f64.powf(183.0 / 28.0),
    };
    assert_eq!(
        tree_of(&plan(method, &data, &mut cache, &config)),
        Tree::grown(29, root, growth, |u, v| dist.get(u, v)).unwrap()
    );
}

fn configs(t: usize) -> Vec<PlanConfig> {
    let mut out = Vec::new();
    for root_rule in [
        RootRule::Medoid,
        RootRule::FeatureMedoid,
        RootRule::Given(t / 3),
        RootRule::Random,
    ] {
        for allocation in [
            Allocation::Uniform,
            Allocation::EdgeLength { b: 1.0 },
            Allocation::Hybrid { a: 0.5, b: 2.0 },
            Allocation::SubtreeSize { g: 1.0 },
        ] {
            for root_distance in [Distance::Gradient, Distance::Feature] {
                let mut config = PlanConfig::new(7 * t);
                config.root_rule = root_rule.clone();
                config.budget.allocation = allocation;
                config.root_distance = root_distance;
                out.push(config);
            }
        }
    }
    out
}

fn plan(
    method: Method,
    data: &StandardisedTaskSet,
    cache: &mut DistanceCache,
    c: &PlanConfig,
) -> Plan {
    make_plan(method, data, cache, c, &mut StdRng::seed_from_u64(3)).unwrap()
}

/// Every method and setting: the plan with the matrix, without it in one process, and from
/// three distance blocks combined.
fn assert_same_plans(data: &StandardisedTaskSet) {
    let t = data.len();
    let mut blocks = DistanceCache::with_storage(Storage::Matrix);
    for kind in [
        Distance::Gradient,
        Distance::Feature,
        Distance::Model,
        Distance::MeanCov,
    ] {
        let results = (0..3)
            .map(|b| compute_block(data, kind, 3, b).unwrap())
            .collect();
        blocks.insert_summary(combine(results).unwrap());
    }
    let mut matrix = DistanceCache::with_storage(Storage::Matrix);
    let mut free = DistanceCache::with_storage(Storage::MatrixFree);
    for config in configs(t) {
        for method in methods() {
            let want = plan(method, data, &mut matrix, &config);
            let what = format!(
                "{method} {:?} {}",
                config.root_rule, config.budget.allocation
            );
            assert_eq!(plan(method, data, &mut free, &config), want, "{what}");
            assert_eq!(
                plan(method, data, &mut blocks, &config),
                want,
                "{what} (blocks)"
            );
        }
    }
}

#[test]
fn plans_without_the_matrix_are_the_matrix_plans() {
    for (t, seed) in [(2, 1), (3, 2), (29, 3), (64, 4)] {
        assert_same_plans(&StandardisedTaskSet::new(&synthetic(t, seed)));
    }
}

#[test]
fn plans_without_the_matrix_are_the_matrix_plans_with_ties() {
    let data = tied();
    let mut cache = DistanceCache::with_storage(Storage::MatrixFree);
    let config = PlanConfig::new(100);
    // The ties are there: copies of a task are at distance 0.
    let p = plan(Method::Mst(Distance::Feature), &data, &mut cache, &config);
    let Schedule::Cascade { tree, .. } = &p.schedule else {
        panic!("a cascade")
    };
    let matrix = crate::distance::compute_standardised(&data, Distance::Feature).unwrap();
    assert_eq!(matrix.get(0, 8), 0.0);
    assert_eq!(
        tree.total_weight(&matrix),
        Tree::mst(&matrix, 0).unwrap().total_weight(&matrix)
    );
    assert_same_plans(&data);
}

#[test]
fn a_constant_distance_gets_its_note_without_the_matrix() {
    // Every target zero: every gradient is zero, every gradient distance 0.
    let tasks = synthetic(6, 5)
        .tasks()
        .iter()
        .map(|t| {
            let mut t = t.clone();
            t.train.y = DVector::zeros(t.train.y.len());
            t
        })
        .collect();
    let data = StandardisedTaskSet::new(&TaskSet::new(tasks).unwrap());
    let mut cache = DistanceCache::with_storage(Storage::MatrixFree);
    let p = plan(
        Method::Mst(Distance::Gradient),
        &data,
        &mut cache,
        &PlanConfig::new(60),
    );
    assert!(p.notes.contains(&PlanNote::ConstantDistance {
        distance: Distance::Gradient
    }));
    assert_same_plans(&data);
}

#[test]
fn storage_auto_switches_at_the_threshold() {
    let data = StandardisedTaskSet::new(&synthetic(5, 6));
    let mut cache = DistanceCache::new();
    assert!(matches!(
        cache.tree_distance(&data, Distance::Gradient).unwrap(),
        TreeDistance::Matrix(_)
    ));
    let mut free = DistanceCache::with_storage(Storage::MatrixFree);
    assert!(matches!(
        free.tree_distance(&data, Distance::Gradient).unwrap(),
        TreeDistance::Summary(_)
    ));
    // mmd has no pair form: always the matrix.
    assert!(matches!(
        free.tree_distance(&data, Distance::Mmd).unwrap(),
        TreeDistance::Matrix(_)
    ));
    // A summary of another task set is refused.
    let other = StandardisedTaskSet::new(&synthetic(7, 6));
    let results = vec![compute_block(&other, Distance::Gradient, 1, 0).unwrap()];
    let mut mixed = DistanceCache::new();
    mixed.insert_summary(combine(results).unwrap());
    assert!(mixed.tree_distance(&data, Distance::Gradient).is_err());
    assert!(compute_block(&data, Distance::Mmd, 1, 0).is_err());
}
