//! A plan cut into jobs: the cut's pieces cover the tree and respect its edges; training every
//! job on its own, each from its parent job's saved records, and joining them gives, bit for
//! bit on a CPU device, the cascade that one-process training gives.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use cascade::distance::Distance;
use cascade::jobs::{FinishedJob, JobList, cut};
use cascade::method::Method;
use cascade::train::{ExecutorChoice, Part, objective_for};
use cascade::trained::{CascadeTrainer, TrainedCascade};
use cascade::tree::Tree;
use cascade_data::TaskSet;
use cascade_data::synthetic::SyntheticConfig;
use cascade_models::burn::module::{Module, ModuleVisitor, Param};
use cascade_models::burn::prelude::{Device, Tensor};
use cascade_models::to_host;
use cascade_models::{Backend, ModelKind, TaskModelConfig};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn device() -> Device {
    Backend::Flex.device().unwrap().device
}

fn synthetic(n_tasks: usize) -> TaskSet {
    SyntheticConfig {
        n_tasks,
        n_features: 4,
        n_train: 30,
        n_test: 10,
        ..Default::default()
    }
    .generate(&mut StdRng::seed_from_u64(11))
    .unwrap()
}

/// Trains every job of `list` in order, each from its parent job's saved records under
/// `plan_dir`, and returns the joined cascade.
fn train_as_jobs<C: TaskModelConfig>(
    trainer: &CascadeTrainer,
    set: &TaskSet,
    model: &C,
    plan_dir: &Path,
    max_jobs: usize,
) -> (TrainedCascade<C>, usize) {
    let device = device();
    let objective: Arc<dyn cascade::train::Objective> = objective_for(set.problem()).into();
    let prepared = trainer.prepare(set, model, &device).unwrap();
    let list = JobList::cut(&prepared.plan, max_jobs).unwrap();
    list.check(&prepared.plan).unwrap();
    let adapted = model.for_data(set.n_features(), set.image_shape()).unwrap();
    let shape = (set.n_features(), objective.outputs());
    let job_dir = |id: usize| plan_dir.join(format!("{id}"));
    for job in &list.jobs {
        let start = match (job.parent_job, &job.parent_task) {
            (Some(parent), Some(task)) => {
                let dir = job_dir(parent);
                let finished = FinishedJob::read(&dir).unwrap().expect("parents run first");
                let v = prepared
                    .plan
                    .task_ids
                    .iter()
                    .position(|t| t == task)
                    .unwrap();
                Some(
                    finished
                        .load_model(&dir, &adapted, shape, v, task, &device)
                        .unwrap(),
                )
            }
            _ => None,
        };
        let part = list.part(job, &prepared.plan, start).unwrap();
        let (models, report) = trainer
            .fit_part(set, model, objective.clone(), &device, &prepared, &part)
            .unwrap();
        assert_eq!(report.tasks.len(), job.tasks.len());
        assert_eq!(report.steps_used, job.steps);
        let finished = FinishedJob::new(job.id, part.tasks, report);
        assert!(finished.save(&job_dir(job.id), &models).unwrap());
        // A finished job is not written again.
        assert!(!finished.save(&job_dir(job.id), &models).unwrap());
    }
    let mut models = Vec::new();
    for (v, id) in prepared.plan.task_ids.iter().enumerate() {
        let job = list.jobs.iter().find(|j| j.tasks.contains(id)).unwrap();
        let dir = job_dir(job.id);
        let finished = FinishedJob::read(&dir).unwrap().unwrap();
        models.push(
            finished
                .load_model(&dir, &adapted, shape, v, id, &device)
                .unwrap(),
        );
    }
    let trained = trainer
        .assemble(set, model, objective, &prepared, models)
        .unwrap();
    (trained, list.jobs.len())
}

/// Every parameter of a module, as bits.
struct Bits(Vec<u32>);

impl ModuleVisitor for Bits {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0
            .extend(to_host(param.val()).iter().map(|x| x.to_bits()));
    }
}

fn bits<M: Module>(model: &M) -> Vec<u32> {
    let mut out = Bits(Vec::new());
    model.visit(&mut out);
    out.0
}

/// Two saved cascades: every task's parameters bit for bit, and the same manifest, plan and
/// scalers.
fn assert_same_cascades<C: TaskModelConfig>(a: &Path, b: &Path) {
    let (x, y) = (
        TrainedCascade::<C>::load(a, &device()).unwrap(),
        TrainedCascade::<C>::load(b, &device()).unwrap(),
    );
    for v in 0..x.len() {
        let (p, q) = (
            bits(x.task_model(v).unwrap()),
            bits(y.task_model(v).unwrap()),
        );
        assert!(!p.is_empty());
        let differ = p.iter().zip(&q).filter(|(s, t)| s != t).count();
        assert!(
            differ == 0,
            "task {} ({}): {differ} of {} parameters differ from one-process training",
            v,
            x.task_ids[v],
            p.len()
        );
    }
    for file in ["manifest.json", "plan.json", "scalers.json"] {
        assert_eq!(
            fs::read_to_string(a.join(file)).unwrap(),
            fs::read_to_string(b.join(file)).unwrap(),
            "{file}"
        );
    }
}

fn check_equal_to_one_process(method: Method, model: ModelKind, executor: ExecutorChoice) {
    let set = synthetic(24);
    let trainer = CascadeTrainer {
        method,
        executor,
        seed: 5,
        ..CascadeTrainer::new(24 * 30)
    };
    let (whole, _) = trainer.fit(&set, &model, &device()).unwrap();
    let temp = tempfile::tempdir().unwrap();
    let (a, b) = (temp.path().join("one"), temp.path().join("jobs"));
    whole.save(&a).unwrap();
    let (joined, jobs) = train_as_jobs(&trainer, &set, &model, &temp.path().join("plan"), 4);
    assert!(jobs >= 3, "{method}: only {jobs} jobs");
    joined.save(&b).unwrap();
    assert_same_cascades::<ModelKind>(&a, &b);
}

#[test]
fn jobs_equal_one_process_training_bit_for_bit_on_the_host_path() {
    for method in [Method::Mst(Distance::Gradient), Method::Star, Method::Indiv] {
        check_equal_to_one_process(method, ModelKind::Linear, ExecutorChoice::Auto);
    }
}

#[test]
fn jobs_equal_one_process_training_bit_for_bit_on_the_device() {
    check_equal_to_one_process(
        Method::Mst(Distance::Gradient),
        ModelKind::Linear,
        ExecutorChoice::Batched,
    );
    check_equal_to_one_process(
        Method::Mst(Distance::Gradient),
        ModelKind::SimpleMlp { hidden: 8 },
        ExecutorChoice::Batched,
    );
    check_equal_to_one_process(Method::Star, ModelKind::Linear, ExecutorChoice::Reference);
}

#[test]
fn plans_that_train_one_program_cannot_be_cut() {
    let set = synthetic(6);
    let trainer = CascadeTrainer {
        method: Method::Global,
        ..CascadeTrainer::new(60)
    };
    let prepared = trainer
        .prepare(&set, &ModelKind::Linear, &device())
        .unwrap();
    let error = JobList::cut(&prepared.plan, 3).unwrap_err().to_string();
    assert!(error.contains("cannot be cut into jobs"), "{error}");
}

#[test]
fn parts_that_do_not_fit_the_tree_are_errors() {
    // 0 -> 1 -> 2, 0 -> 3.
    let tree = Tree::from_parents(vec![None, Some(0), Some(1), Some(0)]).unwrap();
    let part = |tasks: Vec<usize>, start: Option<()>| Part { tasks, start };
    assert_eq!(part(vec![0, 1, 2, 3], None).check(&tree).unwrap(), None);
    assert_eq!(part(vec![1, 2, 3], Some(())).check(&tree).unwrap(), Some(0));
    for (bad, needle) in [
        (part(vec![2], None), "needs its parent 1"),
        (
            part(vec![0, 1], Some(())),
            "no task of it has a parent outside",
        ),
        (part(vec![2, 3], Some(())), "starts from one parent"),
        (part(vec![1, 1], Some(())), "twice"),
        (part(vec![7], None), "outside the plan's 4 tasks"),
    ] {
        let error = bad.check(&tree).unwrap_err().to_string();
        assert!(error.contains(needle), "{error}");
    }
}

/// The heaviest piece's steps, against the bound `ceil(W / K) + heaviest task`: no cut into
/// `K` connected pieces can beat `ceil(W / K)`.
fn assert_balanced(pieces: &[Vec<usize>], steps: &[usize], k: usize) {
    let weight = |p: &Vec<usize>| p.iter().map(|&v| steps[v]).sum::<usize>();
    let total: usize = steps.iter().sum();
    let heaviest = *steps.iter().max().unwrap();
    let worst = pieces.iter().map(weight).max().unwrap();
    assert!(
        worst <= total.div_ceil(k) + heaviest,
        "a piece of {worst} steps; {total} steps over {k} pieces"
    );
}

#[test]
fn a_star_cuts_into_balanced_groups_of_leaves() {
    let tree = Tree::star(41, 0).unwrap();
    let steps = vec![10; 41];
    let pieces = cut(&tree, &steps, 4);
    assert_eq!(pieces.len(), 4);
    assert_eq!(pieces[0][0], 0, "the root's piece comes first");
    // 41 tasks of 10 steps: the best cut's largest piece holds 11 tasks.
    assert_eq!(pieces.iter().map(Vec::len).max(), Some(11));
    assert_balanced(&pieces, &steps, 4);
}

#[test]
fn independent_tasks_cut_into_groups_of_roots() {
    let steps = [5; 10];
    let pieces = cut(&Tree::independent(10), &steps, 3);
    assert_eq!(pieces.len(), 3);
    assert_eq!(pieces.iter().map(Vec::len).max(), Some(4));
    assert_balanced(&pieces, &steps, 3);
}

#[test]
fn a_chain_cuts_into_consecutive_stretches() {
    let parents = (0..12usize).map(|v| v.checked_sub(1)).collect();
    let tree = Tree::from_parents(parents).unwrap();
    let steps = [3; 12];
    let pieces = cut(&tree, &steps, 4);
    assert_eq!(
        pieces,
        vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8], vec![9, 10, 11]]
    );
}

proptest! {
    /// On random trees and budgets: at most K pieces, every task in exactly one, each piece
    /// hanging from at most one outside parent that an earlier piece holds, and no piece
    /// heavier than the heaviest task plus twice the even share.
    #[test]
    fn cuts_cover_the_tree_and_respect_its_edges(
        n in 2usize..60,
        k in 1usize..9,
        seed in 0u64..1000,
        steps in proptest::collection::vec(0usize..50, 60),
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let tree = Tree::random_recursive(n, (seed as usize) % n, &mut rng).unwrap();
        let steps = &steps[..n];
        let pieces = cut(&tree, steps, k);
        prop_assert!(!pieces.is_empty() && pieces.len() <= k);
        let mut piece_of = vec![usize::MAX; n];
        for (id, piece) in pieces.iter().enumerate() {
            for &v in piece {
                prop_assert_eq!(piece_of[v], usize::MAX, "task {} twice", v);
                piece_of[v] = id;
            }
        }
        prop_assert!(piece_of.iter().all(|&p| p != usize::MAX));
        let weight = |v: usize| steps[v].max(1);
        let total: usize = (0..n).map(weight).sum();
        let heaviest = (0..n).map(weight).max().unwrap();
        for (id, piece) in pieces.iter().enumerate() {
            let part = Part { tasks: piece.clone(), start: Some(()) };
            let parent = match part.check(&tree) {
                Ok(p) => p,
                Err(_) => Part { tasks: piece.clone(), start: None::<()> }.check(&tree).unwrap(),
            };
            if let Some(p) = parent {
                prop_assert!(piece_of[p] < id, "piece {} before its parent's", id);
            }
            let w: usize = piece.iter().map(|&v| weight(v)).sum();
            prop_assert!(w <= heaviest + 2 * total.div_ceil(k), "piece {} weighs {}", id, w);
        }
    }
}
