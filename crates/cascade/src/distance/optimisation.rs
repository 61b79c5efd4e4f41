//! Optimisation-family distances (SPEC 3): `gradient` and `model`, from `Xb: [n, d]` and the
//! targets `Yb: [n, m]`: the standardised targets (`m = 1`), or for `k` classes their one-hot
//! encoding (`m = k`), so that both read the direction of a softmax-linear model's fit.

use cascade_data::Task;
use nalgebra::DMatrix;

use super::DistanceMatrix;
use super::pairs::{PairDistance, VectorPairs};
use crate::CascadeError;

/// Ridge penalty of the per-task fit in `model` (SPEC 3).
const RIDGE_LAMBDA: f64 = 0.01;
/// Added to the gradient norm before normalising, so a zero gradient stays zero (SPEC 3).
const NORM_EPS: f64 = 1e-8;

/// `gradient`: `|g_u - g_v|_2` with `g = vec(Xb^T Yb) / (|Xb^T Yb|_F + 1e-8)`: `[d m]`, the
/// direction of the squared loss's gradient at `theta = 0` (for classes, of the one-hot fit).
pub(crate) fn gradient(tasks: &[Task], classes: Option<usize>) -> DistanceMatrix {
    VectorPairs::new(gradient_directions(tasks, classes)).matrix()
}

/// Each task's `g = vec(Xb^T Yb) / (|Xb^T Yb|_F + 1e-8)` (`[d, m]`): `gradient`'s distance of
/// two tasks is the norm of their difference, so it can be computed when needed instead of
/// held as a `T x T` matrix.
pub(crate) fn gradient_directions(tasks: &[Task], classes: Option<usize>) -> Vec<DMatrix<f64>> {
    tasks
        .iter()
        .map(|t| {
            let g = t.train.x.tr_mul(&targets(t, classes));
            let norm = g.norm();
            g / (norm + NORM_EPS)
        })
        .collect()
}

/// `model`: `|theta_u - theta_v|_F` with the ridge fit
/// `theta = (Xb^T Xb + 0.01 I)^-1 Xb^T Yb`: `[d, m]`, solved by Cholesky.
pub(crate) fn model(
    tasks: &[Task],
    classes: Option<usize>,
) -> Result<DistanceMatrix, CascadeError> {
    Ok(model_pairs(tasks, classes)?.matrix())
}

/// `model`'s ridge fits `theta: [d, m]` of every task, whose pairs' distances are the norms of
/// their differences; the error names the first task whose fit fails.
pub(crate) fn model_pairs(
    tasks: &[Task],
    classes: Option<usize>,
) -> Result<VectorPairs, CascadeError> {
    let thetas = tasks
        .iter()
        .map(|t| ridge_fit(t, classes))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VectorPairs::new(thetas))
}

/// The targets as a matrix `[n, m]`: the values (`m = 1`), or one-hot rows for `k` classes.
fn targets(task: &Task, classes: Option<usize>) -> DMatrix<f64> {
    let y = &task.train.y;
    match classes {
        None => DMatrix::from_column_slice(y.len(), 1, y.as_slice()),
        Some(k) => DMatrix::from_fn(y.len(), k, |i, c| f64::from(u8::from(y[i] as usize == c))),
    }
}

fn ridge_fit(task: &Task, classes: Option<usize>) -> Result<DMatrix<f64>, CascadeError> {
    let x = &task.train.x;
    let d = x.ncols();
    let gram = x.tr_mul(x) + DMatrix::identity(d, d) * RIDGE_LAMBDA;
    let failed = |reason: &str| CascadeError::DistanceFailed {
        distance: "model",
        task: task.id.clone(),
        reason: reason.to_string(),
    };
    if !gram.iter().all(|v| v.is_finite()) {
        return Err(failed("Xb^T Xb is not finite (the features overflow)"));
    }
    let theta = gram
        .cholesky()
        .ok_or_else(|| failed("Xb^T Xb + 0.01 I is not positive definite (Cholesky failed)"))?
        .solve(&x.tr_mul(&targets(task, classes)));
    if theta.iter().all(|v| v.is_finite()) {
        Ok(theta)
    } else {
        Err(failed("the ridge solution is not finite"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::test_support::{assert_close, fixture_set, task, upper3};
    use crate::distance::{Distance, compute};
    use cascade_data::TaskSet;
    use nalgebra::{dmatrix, dvector};

    // Expected values: the reference script in test_support.rs (np.linalg.solve for the ridge
    // fits); tolerance 1e-12.

    #[test]
    fn gradient_matches_reference() {
        let m = compute(&fixture_set("abd"), Distance::Gradient).unwrap();
        assert_close(
            &upper3(&m),
            &[0.29546041638821086, 1.2353491952434337, 1.4541546222383557],
            1e-12,
        );
        let m = compute(&fixture_set("abc"), Distance::Gradient).unwrap();
        assert_close(
            &upper3(&m),
            &[
                0.29546041638821086,
                0.12427488271987827,
                0.17197816780060138,
            ],
            1e-12,
        );
    }

    /// The MST over gradient distances computed when Prim needs them (memory O(T d)) is the
    /// MST of the gradient matrix, tree for tree.
    #[test]
    fn the_gradient_tree_without_its_matrix_is_the_matrix_tree() {
        use rand::SeedableRng;
        let set = cascade_data::synthetic::SyntheticConfig {
            n_tasks: 60,
            n_features: 6,
            ..Default::default()
        }
        .generate(&mut rand::rngs::StdRng::seed_from_u64(4))
        .unwrap();
        let data = cascade_data::StandardisedTaskSet::new(&set);
        let matrix = compute(&data.standardised, Distance::Gradient).unwrap();
        let directions = VectorPairs::new(gradient_directions(data.standardised.tasks(), None));
        for root in [0, 17, 59] {
            let on_the_fly =
                crate::tree::Tree::mst_with(60, root, |u, v| directions.pair(u, v)).unwrap();
            assert_eq!(on_the_fly, crate::tree::Tree::mst(&matrix, root).unwrap());
        }
    }

    #[test]
    fn gradient_of_opposite_tasks_is_two_and_zero_gradient_stays_zero() {
        // g and -g are unit vectors apart by 2 (up to the 1e-8 in the normaliser); y = 0 has
        // g = 0, at distance 1 from any unit direction.
        let x = dmatrix![1.0, 0.0; 0.0, 1.0];
        let set = TaskSet::new(vec![
            task("up", x.clone(), dvector![1.0, 1.0]),
            task("down", x.clone(), dvector![-1.0, -1.0]),
            task("flat", x, dvector![0.0, 0.0]),
        ])
        .unwrap();
        let m = compute(&set, Distance::Gradient).unwrap();
        assert_close(&upper3(&m), &[2.0, 1.0, 1.0], 1e-7);
    }

    #[test]
    fn model_matches_reference() {
        let m = compute(&fixture_set("abd"), Distance::Model).unwrap();
        assert_close(
            &upper3(&m),
            &[0.6398427632994791, 2.5496114338565357, 1.9296539702966033],
            1e-12,
        );
        let m = compute(&fixture_set("abc"), Distance::Model).unwrap();
        assert_close(
            &upper3(&m),
            &[0.6398427632994791, 0.6250204700315353, 0.2524699685679674],
            1e-12,
        );
    }

    #[test]
    fn model_names_the_task_whose_fit_fails() {
        // Finite but huge features overflow Xb^T Xb to infinity.
        let set = TaskSet::new(vec![
            task("fine", dmatrix![1.0; 2.0], dvector![1.0, 2.0]),
            task("huge", dmatrix![1e200; 2e200], dvector![1.0, 2.0]),
        ])
        .unwrap();
        let err = compute(&set, Distance::Model).unwrap_err();
        assert!(
            matches!(&err, CascadeError::DistanceFailed { distance: "model", task, .. } if task == "huge"),
            "{err}"
        );
    }
}
