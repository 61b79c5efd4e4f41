//! FedAvg + fine-tuning against a by-hand loop: each task trained alone from the global model,
//! the parameters averaged on the host by training rows, then fine-tuned alone.

mod common;

use cascade::budget::BudgetConfig;
use cascade::distance::Distance;
use cascade::method::Method;
use cascade::plan::{DistanceCache, PlanConfig, Schedule, make_plan};
use cascade::root::RootRule;
use cascade::train::batched::{Job, run_jobs};
use cascade::train::{
    SquaredError, StepSizes, TaskBatch, TrainConfig, evaluate_tasks, fit, task_init_seed,
};
use cascade_models::burn::prelude::*;
use cascade_models::{Backend, LinearModel, ModelKind, TaskLinear, TaskModel, TaskModule, to_host};
use common::ragged_tasks;
use rand::SeedableRng;
use rand::rngs::StdRng;

#[test]
fn fedavg_matches_a_by_hand_loop_of_local_steps_averages_and_fine_tuning() {
    let dev = Backend::Flex.device().unwrap().device;
    let data = ragged_tasks(12);
    let t = data.len();
    let config = PlanConfig {
        budget: BudgetConfig::new(5 * t),
        root_rule: RootRule::Medoid,
        root_distance: Distance::Gradient,
    };
    let plan = make_plan(
        Method::FedAvg { local_steps: 2 },
        &data,
        &mut DistanceCache::new(),
        &config,
        &mut StdRng::seed_from_u64(1),
    )
    .unwrap();
    // 5 steps a task: 1 of fine-tuning, 2 rounds of 2 local steps.
    assert_eq!(
        plan.schedule,
        Schedule::Federated {
            rounds: 2,
            local_steps: 2,
            fine_tune: 1
        }
    );
    assert_eq!(plan.total_steps(), 5 * t);
    let eta = 0.05;
    let etas = StepSizes::fixed(eta, t);
    let train = TrainConfig::with_eta(eta);
    let init_seed = 9;
    let job = Job {
        plan: &plan,
        data: &data,
        etas: &etas,
        init_seed,
        label: "",
    };
    let run = run_jobs(&[job], &ModelKind::Linear, &SquaredError, &train, &dev)
        .unwrap()
        .remove(0);

    // By hand: parameters on the host as [w_1 .. w_d, b].
    let d = data.standardised.n_features();
    let rows: Vec<f64> = data
        .tasks()
        .iter()
        .map(|x| x.train.n_rows() as f64)
        .collect();
    let total: f64 = rows.iter().sum();
    let params = |m: &TaskModel| -> Vec<f64> {
        let TaskModel::Linear(m) = m else {
            unreachable!()
        };
        let mut p: Vec<f64> = to_host(m.linear.weight.val())
            .iter()
            .map(|&v| v as f64)
            .collect();
        p.extend(to_host(m.linear.bias.val()).iter().map(|&v| v as f64));
        p
    };
    let model = |p: &[f64]| -> TaskModel {
        let w: Vec<f32> = p[..d].iter().map(|&v| v as f32).collect();
        let b = vec![p[d] as f32];
        TaskModel::Linear(LinearModel {
            linear: TaskLinear::from_values(
                TensorData::new(w, [1, d, 1]),
                TensorData::new(b, [1, 1, 1]),
                &dev,
            ),
        })
    };
    let step_alone = |p: &[f64], v: usize, steps: usize| -> TaskModel {
        let batch = TaskBatch::new(&[&data.tasks()[v].train], &dev);
        fit(
            model(p),
            &batch,
            &[steps],
            &[eta],
            &train,
            &[format!("{v}")],
        )
        .unwrap()
        .model
    };
    let mut global = params(&ModelKind::Linear.init(d, &[task_init_seed(init_seed, t)], &dev));
    for _ in 0..2 {
        let mut next = vec![0.0; d + 1];
        for (v, &n_v) in rows.iter().enumerate() {
            let local = params(&step_alone(&global, v, 2));
            for (n, x) in next.iter_mut().zip(local) {
                *n += n_v / total * x;
            }
        }
        global = next;
    }
    for v in 0..t {
        let tuned = step_alone(&global, v, 1);
        let want = evaluate_tasks(&tuned, &data, &[v], &SquaredError)[0].mse;
        let got = run.tasks[v].test_mse;
        assert!(
            (want - got).abs() <= 1e-4 * want.max(1.0),
            "task {v}: by hand {want}, fedavg {got}"
        );
        assert_eq!(run.tasks[v].steps, 5);
    }
    // The average of a model with itself under any weights is the model.
    let same = ModelKind::Linear.init(d, &[1, 1], &dev);
    let mean = same.average(&[0.3, 0.7]).unwrap();
    for (a, b) in params(&same.gather(&[0]).unwrap())
        .iter()
        .zip(params(&mean))
    {
        assert!((a - b).abs() < 1e-6);
    }
}
