//! Quick start: the cascade pipeline as a library, step by step.
//!
//! Draws 50 synthetic Syn-tau tasks with 20 features (as `cascade run` does: with 5, every method
//! reaches the noise floor in a few steps), builds the minimum spanning tree of the `gradient`
//! distance, splits a budget of 250 steps (5 a task) over it, trains top-down at learning rates
//! from each task's curvature, and compares the mean test MSE with training every task alone
//! (Indiv) and with predicting each task's training mean.
//!
//! Run with `cargo run --release --example quickstart`.

use cascade::budget::BudgetConfig;
use cascade::distance::Distance;
use cascade::method::Method;
use cascade::plan::{DistanceCache, PlanConfig, Schedule, make_plan};
use cascade::root::RootRule;
use cascade::train::{SquaredError, TrainConfig, reference, step_sizes};
use cascade_data::StandardisedTaskSet;
use cascade_data::synthetic::SyntheticConfig;
use cascade_models::{Backend, ModelKind};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(7);
    let tasks = SyntheticConfig {
        n_tasks: 50,
        n_features: 20,
        tau_within: 2.0,
        ..Default::default()
    }
    .generate(&mut rng)?;
    // Every task is standardised with its own training statistics; distances, trees and
    // training only ever see the training splits.
    let data = StandardisedTaskSet::new(&tasks);
    let device = Backend::Flex.device()?.device;
    let config = PlanConfig {
        budget: BudgetConfig::new(250),
        root_rule: RootRule::Medoid,
        root_distance: Distance::Gradient,
    };
    let mut distances = DistanceCache::new();
    // eta auto: each task's learning rate 1/L from the curvature of its training loss.
    let train = TrainConfig::default();
    let etas = step_sizes(&data, &ModelKind::Linear, &train, 0, 1, &device)?;
    for method in [Method::Mean, Method::Indiv, Method::Mst(Distance::Gradient)] {
        let plan = make_plan(method, &data, &mut distances, &config, &mut rng)?;
        if let Schedule::Cascade { tree, .. } = &plan.schedule {
            println!("{method}: tree of depth {}", tree.max_depth());
        }
        let run = reference::run(
            &plan,
            &data,
            &ModelKind::Linear,
            &SquaredError,
            &train,
            &etas,
            1,
            &device,
        )?;
        println!(
            "{method}: mean test MSE {:.1} over {} tasks, {} steps, {:.2} s",
            run.mean_mse(),
            run.tasks.len(),
            run.steps_used,
            run.seconds
        );
    }
    Ok(())
}
