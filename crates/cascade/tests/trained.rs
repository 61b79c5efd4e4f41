//! Trained cascades as values: what `fit` reports is what the kept models predict, before and
//! after a save and load; damaged files, unknown tasks and wrong shapes are one-line errors.

use std::fs;

use cascade::experiment::{CompareConfig, compare_on};
use cascade::method::Method;
use cascade::train::{Prediction, TrainConfig};
use cascade::trained::{CascadeTrainer, TrainedCascade};
use cascade_data::synthetic::SyntheticConfig;
use cascade_data::{Split, Task, TaskSet};
use cascade_models::burn::prelude::Device;
use cascade_models::{Backend, ModelKind};
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
        n_test: 25,
        ..Default::default()
    }
    .generate(&mut StdRng::seed_from_u64(3))
    .unwrap()
}

/// The synthetic tasks with targets cut into three classes at -1 and 1.
fn three_classes(set: &TaskSet) -> TaskSet {
    let cut = |s: &Split| {
        Split::new(
            s.x.clone(),
            s.y.map(|y| f64::from(u8::from(y > -1.0) + u8::from(y > 1.0))),
        )
    };
    let tasks = set
        .tasks()
        .iter()
        .map(|t| Task {
            train: cut(&t.train),
            test: cut(&t.test),
            ..t.clone()
        })
        .collect();
    TaskSet::new(tasks)
        .unwrap()
        .into_classes(vec!["low".into(), "mid".into(), "high".into()])
        .unwrap()
}

/// Every task's test metric recomputed from the kept models equals the one `fit` reported.
fn assert_reproduces<C: cascade_models::TaskModelConfig>(
    trained: &TrainedCascade<C>,
    set: &TaskSet,
    reported: &cascade::train::MethodRun,
) {
    for (task, result) in set.tasks().iter().zip(&reported.tasks) {
        let error = trained
            .evaluate(&task.id, &task.test.x, task.test.y.as_slice())
            .unwrap();
        approx::assert_relative_eq!(
            error.mse,
            result.test_mse,
            max_relative = 1e-9,
            epsilon = 1e-12
        );
        assert_eq!(error.accuracy, result.test_accuracy, "{}", task.id);
    }
}

#[test]
fn a_trained_cascade_predicts_what_fit_reported_before_and_after_saving() {
    let dev = device();
    let dir = tempfile::tempdir().unwrap();
    let set = synthetic(12);
    for (model, set) in [
        (ModelKind::Linear, set.clone()),
        (ModelKind::SIMPLE_MLP, set.clone()),
        (ModelKind::Linear, three_classes(&set)),
    ] {
        let trainer = CascadeTrainer {
            train: TrainConfig::default(),
            ..CascadeTrainer::new(60)
        };
        let (trained, report) = trainer.fit(&set, &model, &dev).unwrap();
        assert_eq!(report.steps_used, 60);
        // What `cascade run` reports for the same method, settings and seed.
        let config = CompareConfig {
            methods: vec![trainer.method],
            plan: trainer.plan.clone(),
            train: trainer.train,
            model,
            executor: trainer.executor,
        };
        let run = compare_on(&set, &config, trainer.seed, &dev)
            .unwrap()
            .remove(0)
            .run;
        assert_eq!(run.steps_used, 60);
        assert_eq!(run.trained_by, report.trained_by);
        // The fit's own report joined with a separate evaluation is that report.
        let evaluated = report
            .clone()
            .evaluated(trained.evaluate_set(&set).unwrap())
            .unwrap();
        assert_reproduces(&trained, &set, &evaluated);
        assert_reproduces(&trained, &set, &run);
        let path = dir
            .path()
            .join(format!("{model}-{:?}", set.problem().outputs()));
        trained.save(&path).unwrap();
        let loaded = TrainedCascade::<ModelKind>::load(&path, &dev).unwrap();
        assert_eq!(loaded.task_ids, trained.task_ids);
        assert_eq!(loaded.plan, trained.plan);
        assert_reproduces(&loaded, &set, &run);
    }
}

#[test]
fn class_predictions_carry_probabilities_that_sum_to_one() {
    let set = three_classes(&synthetic(6));
    let (trained, _) = CascadeTrainer::new(30)
        .fit(&set, &ModelKind::Linear, &device())
        .unwrap();
    let task = &set.tasks()[2];
    let predictions = trained.predict(&task.id, &task.test.x).unwrap();
    assert_eq!(predictions.len(), task.test.n_rows());
    for p in predictions {
        let Prediction::Class {
            class,
            probabilities,
        } = p
        else {
            panic!("class predictions expected");
        };
        assert_eq!(probabilities.len(), 3);
        approx::assert_relative_eq!(probabilities.iter().sum::<f64>(), 1.0, max_relative = 1e-9);
        let best = probabilities.iter().cloned().fold(f64::MIN, f64::max);
        assert_eq!(probabilities[class], best);
    }
}

#[test]
fn bad_requests_and_damaged_files_are_one_line_errors() {
    let dev = device();
    let set = synthetic(5);
    let (trained, _) = CascadeTrainer::new(20)
        .fit(&set, &ModelKind::Linear, &dev)
        .unwrap();
    let x = &set.tasks()[0].test.x;
    let err = trained.predict("no-such-task", x).unwrap_err().to_string();
    assert!(err.starts_with("unknown task 'no-such-task'"), "{err}");
    let narrow = x.columns(0, 3).into_owned();
    let err = trained
        .predict(&set.tasks()[0].id, &narrow)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rows have 3 features, the cascade was trained on 4"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    trained.save(dir.path()).unwrap();
    let record = cascade::trained::store::record_path(dir.path(), 1);
    // A truncated record.
    let bytes = fs::read(&record).unwrap();
    fs::write(&record, &bytes[..bytes.len() / 2]).unwrap();
    let err = TrainedCascade::<ModelKind>::load(dir.path(), &dev)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&record.display().to_string()), "{err}");
    assert!(!err.contains('\n'), "{err}");
    // A record of another model: an MLP's parameters under the linear manifest.
    let other = tempfile::tempdir().unwrap();
    CascadeTrainer::new(20)
        .fit(&set, &ModelKind::SIMPLE_MLP, &dev)
        .unwrap()
        .0
        .save(other.path())
        .unwrap();
    fs::copy(
        cascade::trained::store::record_path(other.path(), 1),
        &record,
    )
    .unwrap();
    let err = TrainedCascade::<ModelKind>::load(dir.path(), &dev)
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not fit the model 'linear'"), "{err}");
    // A missing record.
    fs::remove_file(&record).unwrap();
    let err = TrainedCascade::<ModelKind>::load(dir.path(), &dev)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&record.display().to_string()), "{err}");
    // A manifest that is not JSON.
    fs::write(dir.path().join("manifest.json"), "{ not json").unwrap();
    let err = TrainedCascade::<ModelKind>::load(dir.path(), &dev)
        .unwrap_err()
        .to_string();
    assert!(err.contains("manifest.json: not a valid file"), "{err}");
}

#[test]
fn the_mean_baseline_has_no_model_to_keep() {
    let trainer = CascadeTrainer {
        method: Method::Mean,
        ..CascadeTrainer::new(10)
    };
    let err = trainer
        .fit(&synthetic(3), &ModelKind::Linear, &device())
        .unwrap_err();
    assert!(err.to_string().contains("trains no model"), "{err}");
}

/// Fitting reads only training rows: tasks whose test rows differ train to the same models,
/// plans and report.
#[test]
fn fitting_never_reads_test_rows() {
    let dev = device();
    let set = synthetic(6);
    let scrambled = TaskSet::new(
        set.tasks()
            .iter()
            .map(|t| Task {
                test: Split::new(t.test.x.map(|v| v * 100.0 + 7.0), t.test.y.map(|v| -v)),
                ..t.clone()
            })
            .collect(),
    )
    .unwrap();
    for model in [ModelKind::Linear, ModelKind::SIMPLE_MLP] {
        let trainer = CascadeTrainer::new(40);
        let (a, report_a) = trainer.fit(&set, &model, &dev).unwrap();
        let (b, report_b) = trainer.fit(&scrambled, &model, &dev).unwrap();
        assert_eq!(a.plan, b.plan, "{model}");
        let strip = |r: &cascade::trained::FitReport| -> Vec<(usize, Option<f64>, Option<f64>)> {
            r.tasks
                .iter()
                .map(|t| (t.steps, t.eta, t.train_loss))
                .collect()
        };
        assert_eq!(strip(&report_a), strip(&report_b), "{model}");
        for task in set.tasks() {
            let x = &task.train.x;
            assert_eq!(
                a.predict(&task.id, x).unwrap(),
                b.predict(&task.id, x).unwrap(),
                "{model} {}",
                task.id
            );
        }
    }
}
