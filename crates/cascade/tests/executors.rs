//! The batched executor against the per-task reference: same seeds, same per-task test errors
//! to float tolerance, for every model and every tree kind, on ragged tasks, with several jobs
//! (methods and repetitions) stacked along the task axis.

use cascade::budget::BudgetConfig;
use cascade::distance::Distance;
use cascade::method::{Method, RandomTreeKind};
use cascade::plan::{DistanceCache, Plan, PlanConfig, make_plan};
use cascade::root::RootRule;
use cascade::train::TrainConfig;
use cascade::train::batched::{Job, run_jobs};
use cascade::train::reference::{self, MethodRun};
use cascade_data::synthetic::SyntheticConfig;
use cascade_data::{Split, StandardisedTaskSet, Task, TaskSet};
use cascade_models::burn::prelude::Device;
use cascade_models::{Backend, ModelKind};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn device() -> Device {
    Backend::Flex.device().unwrap().device
}

/// Synthetic tasks whose training sets are cut to 10..=40 rows: ragged, as real data is.
fn ragged_tasks(seed: u64) -> StandardisedTaskSet {
    let set = SyntheticConfig {
        n_tasks: 14,
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
            Task {
                train: Split::new(t.train.x.rows(0, n).into(), t.train.y.rows(0, n).into()),
                ..t.clone()
            }
        })
        .collect();
    StandardisedTaskSet::new(&TaskSet::new(tasks).unwrap())
}

const METHODS: [Method; 7] = [
    Method::Indiv,
    Method::Star,
    Method::RandTree(RandomTreeKind::Pruefer),
    Method::RandTree(RandomTreeKind::Recursive),
    Method::Global,
    Method::Mst(Distance::Gradient),
    Method::Mst(Distance::Model),
];

fn plans(data: &StandardisedTaskSet, budget: usize) -> Vec<Plan> {
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

fn assert_close(a: &MethodRun, b: &MethodRun, what: &str) {
    assert_eq!(a.steps_used, b.steps_used, "{what}");
    for (x, y) in a.tasks.iter().zip(&b.tasks) {
        assert_eq!(x.task, y.task);
        assert_eq!(x.steps, y.steps, "{what} {}", x.task);
        // f32 training on both sides; only summation order may differ.
        let tol = 1e-4 * x.test_mse.abs().max(1.0);
        assert!(
            (x.test_mse - y.test_mse).abs() <= tol,
            "{what} {}: reference {} vs batched {}",
            x.task,
            x.test_mse,
            y.test_mse
        );
    }
}

#[test]
fn batched_matches_reference_for_every_model_and_tree() {
    let dev = device();
    let data = ragged_tasks(3);
    let plans = plans(&data, 300);
    for model in [
        ModelKind::Linear,
        ModelKind::SIMPLE_MLP,
        ModelKind::RESIDUAL_MLP,
    ] {
        let config = TrainConfig::with_eta(0.05);
        let jobs: Vec<Job> = plans
            .iter()
            .map(|plan| Job {
                plan,
                data: &data,
                init_seed: 11,
                label: "",
            })
            .collect();
        // All seven methods in one stacked run...
        let batched = run_jobs(&jobs, model, &config, &dev).unwrap();
        for (plan, got) in plans.iter().zip(&batched) {
            let want = reference::run(plan, &data, model, &config, 11, &dev).unwrap();
            assert_close(&want, got, &format!("{model} {}", plan.method));
            // ...and each method on its own.
            let one = Job {
                plan,
                data: &data,
                init_seed: 11,
                label: "",
            };
            let alone = run_jobs(&[one], model, &config, &dev).unwrap();
            assert_close(&want, &alone[0], &format!("{model} {} alone", plan.method));
        }
    }
}

#[test]
fn repetitions_stack_along_the_task_axis() {
    let dev = device();
    let config = TrainConfig::default();
    let reps: Vec<StandardisedTaskSet> = (0..3).map(ragged_tasks).collect();
    let plans: Vec<Vec<Plan>> = reps.iter().map(|d| plans(d, 200)).collect();
    let mut jobs = Vec::new();
    for (r, (data, plans)) in reps.iter().zip(&plans).enumerate() {
        for plan in plans {
            jobs.push(Job {
                plan,
                data,
                init_seed: 100 + r as u64,
                label: "stacked",
            });
        }
    }
    let stacked = run_jobs(&jobs, ModelKind::Linear, &config, &dev).unwrap();
    for (job, got) in jobs.iter().zip(&stacked) {
        let want = reference::run(
            job.plan,
            job.data,
            ModelKind::Linear,
            &config,
            job.init_seed,
            &dev,
        )
        .unwrap();
        assert_close(&want, got, &format!("{}", job.plan.method));
    }
}
