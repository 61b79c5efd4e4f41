//! The Mean baseline: no training, every task predicts a constant from its own training data.

use cascade_data::{Problem, StandardisedTaskSet};

use super::job::{MethodRun, TrainedBy};
use super::{Prediction, TaskResult, objective_for};

/// Every task of `data` predicting a constant from its own training targets: for regression
/// its training mean (0 in standardised units, mapped back by its scaler); for binary labels
/// its training label frequency `p` as the probability of class 1 (the majority class, class 0
/// on a tie); for `k` classes the add-one frequencies `(count_c + 1) / (n + k)` as the class
/// probabilities (the majority class, the lowest on a tie; the smoothing keeps the log-loss
/// finite for classes the task never saw). Metrics are those of the data's built-in objective.
/// It takes no step and costs nothing.
pub fn mean_run(data: &StandardisedTaskSet) -> MethodRun {
    let problem = data.standardised.problem();
    let objective = objective_for(problem);
    let tasks = data
        .tasks()
        .iter()
        .enumerate()
        .map(|(v, task)| {
            let prediction = match problem {
                Problem::Regression => Prediction::Value(data.scalers[v].inverse_target(0.0)),
                Problem::Binary => {
                    let p = task.train.y.mean();
                    Prediction::Class {
                        class: usize::from(p > 0.5),
                        probabilities: vec![1.0 - p, p],
                    }
                }
                Problem::Multiclass { classes } => {
                    let mut counts = vec![1.0; classes];
                    for &y in task.train.y.iter() {
                        counts[y as usize] += 1.0;
                    }
                    let total: f64 = counts.iter().sum();
                    let class =
                        (0..classes).fold(0, |b, c| if counts[c] > counts[b] { c } else { b });
                    Prediction::Class {
                        class,
                        probabilities: counts.iter().map(|c| c / total).collect(),
                    }
                }
            };
            let truth = data.raw_test_y[v].as_slice();
            let predictions = vec![prediction; truth.len()];
            let error = objective.metrics(&predictions, truth);
            TaskResult::new(task.id.clone(), 0, None, 0.0, None, error)
        })
        .collect();
    MethodRun {
        tasks,
        steps_used: 0,
        seconds: 0.0,
        trained_by: TrainedBy::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use cascade_data::{Split, Task, TaskSet};
    use nalgebra::{DMatrix, dvector};

    fn task(id: &str, train_y: nalgebra::DVector<f64>, test_y: nalgebra::DVector<f64>) -> Task {
        Task {
            id: id.into(),
            train: Split::new(DMatrix::from_element(train_y.len(), 1, 1.0), train_y),
            test: Split::new(DMatrix::from_element(test_y.len(), 1, 1.0), test_y),
            group: None,
        }
    }

    #[test]
    fn regression_predicts_the_training_mean() {
        // Task a: training mean 2; test errors (1-2)^2 and (5-2)^2, MSE 5 by hand.
        let set = TaskSet::new(vec![
            task("a", dvector![1.0, 3.0], dvector![1.0, 5.0]),
            task("b", dvector![0.0, 0.0, 3.0], dvector![1.0]),
        ])
        .unwrap();
        let run = mean_run(&StandardisedTaskSet::new(&set));
        assert_relative_eq!(run.tasks[0].test_mse, 5.0, max_relative = 1e-12);
        // Task b: mean 1, test 1: error 0.
        assert_relative_eq!(run.tasks[1].test_mse, 0.0, epsilon = 1e-12);
        assert_eq!(run.steps_used, 0);
        assert!(run.tasks.iter().all(|t| t.steps == 0 && t.eta.is_none()));
    }

    #[test]
    fn binary_labels_predict_the_majority_with_the_label_frequency() {
        // Training frequency 3/4: predicts class 1 (accuracy 2/3 on [1, 1, 0]); Brier score
        // ((1/4)^2 + (1/4)^2 + (3/4)^2) / 3 = 11/48 by hand.
        let set = TaskSet::new(vec![
            task("a", dvector![1.0, 1.0, 1.0, 0.0], dvector![1.0, 1.0, 0.0]),
            task("b", dvector![0.0, 0.0], dvector![0.0, 1.0]),
        ])
        .unwrap()
        .into_binary()
        .unwrap();
        let run = mean_run(&StandardisedTaskSet::new(&set));
        assert_relative_eq!(run.tasks[0].test_accuracy.unwrap(), 2.0 / 3.0);
        assert_relative_eq!(run.tasks[0].test_mse, 11.0 / 48.0, max_relative = 1e-9);
        // Frequency 0: always class 0 with probability 0: accuracy 1/2, Brier 1/2.
        assert_relative_eq!(run.tasks[1].test_accuracy.unwrap(), 0.5);
        assert_relative_eq!(run.tasks[1].test_mse, 0.5, max_relative = 1e-9);
    }

    #[test]
    fn classes_predict_the_majority_with_smoothed_frequencies() {
        // Training classes [2, 2, 0] of k = 3: counts + 1 = [2, 1, 3] over 6, class 2.
        // Test [2, 1]: accuracy 1/2; log-loss -(ln(1/2) + ln(1/6)) / 2; Brier, by hand:
        // row y=2: (1/3)^2 + (1/6)^2 + (1/2)^2 = 14/36; row y=1: (1/3)^2 + (5/6)^2 + (1/2)^2
        // = 38/36; mean 26/36 = 13/18.
        let set = TaskSet::new(vec![task("a", dvector![2.0, 2.0, 0.0], dvector![2.0, 1.0])])
            .unwrap()
            .into_classes(vec!["x".into(), "y".into(), "z".into()])
            .unwrap();
        let run = mean_run(&StandardisedTaskSet::new(&set));
        assert_relative_eq!(run.tasks[0].test_accuracy.unwrap(), 0.5);
        let log_loss = -((0.5f64).ln() + (1.0f64 / 6.0).ln()) / 2.0;
        assert_relative_eq!(
            run.tasks[0].test_log_loss.unwrap(),
            log_loss,
            max_relative = 1e-12
        );
        assert_relative_eq!(run.tasks[0].test_mse, 13.0 / 18.0, max_relative = 1e-12);
    }
}
