//! The Mean baseline: no training, every task predicts a constant from its own training data.

use cascade_data::{Problem, StandardisedTaskSet};

use super::TaskResult;
use super::evaluate::task_error;
use super::reference::MethodRun;

/// Every task of `data` predicting, for regression, its training mean (0 in standardised
/// units, mapped back by its scaler), and for binary labels its training label frequency `p` as
/// the probability of class 1: the Brier score is that of `p`, and accuracy that of the majority
/// class (class 0 on a tie, as `p > 0.5` decides). It takes no step and costs nothing.
pub fn mean_run(data: &StandardisedTaskSet) -> MethodRun {
    let tasks = data
        .tasks()
        .iter()
        .enumerate()
        .map(|(v, task)| {
            // The constant output in model units: a standardised prediction, or a logit.
            let output = match data.standardised.problem() {
                Problem::Regression => 0.0,
                Problem::Binary => {
                    let p = task.train.y.mean();
                    (p / (1.0 - p)).ln()
                }
            };
            let error = task_error(
                data,
                v,
                std::iter::repeat_n(output, data.raw_test_y[v].len()),
            );
            TaskResult::new(task.id.clone(), 0, None, 0.0, None, error)
        })
        .collect();
    MethodRun {
        tasks,
        steps_used: 0,
        seconds: 0.0,
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
}
