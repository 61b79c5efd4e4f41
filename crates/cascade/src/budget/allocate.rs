//! [`allocate`]: the budget of every task of a tree, from the settings (SPEC 4).

use super::allocation::check_dist;
use super::config::BudgetConfig;
use super::rounding::{Rounding, floor_shares, largest_remainder, split_evenly};
use super::value::Budget;
use crate::CascadeError;
use crate::distance::DistanceMatrix;
use crate::tree::Tree;

/// Splits `cfg.total` steps over the tasks of `tree` (SPEC 4).
///
/// With exactly one root `s`: `b_s = max(1, floor(f B))` (at most `B`) and `B - b_s` is shared
/// among the other tasks by the allocation weights. A forest (several roots, e.g. Indiv) splits
/// `B` evenly over all tasks, ignoring the allocation; a single task gets all of `B`. With
/// [`Rounding::LargestRemainder`] the budgets sum to `B` exactly. Some tasks may get 0 steps
/// (see [`Budget::zero_step_tasks`]).
///
/// Errors: an invalid config, an empty tree ([`CascadeError::TooFewTasks`]), `B < T`
/// ([`CascadeError::BudgetTooSmall`]), `dist` of another size than the tree
/// ([`CascadeError::ShapeMismatch`]), an edge-length or hybrid allocation without `dist` or a
/// weight that is not a finite non-negative number ([`CascadeError::InvalidSetting`]).
pub fn allocate(
    tree: &Tree,
    dist: Option<&DistanceMatrix>,
    cfg: &BudgetConfig,
) -> Result<Budget, CascadeError> {
    cfg.validate()?;
    if !tree.is_empty() && cfg.total >= tree.len() {
        check_dist(tree, dist)?;
    }
    match dist {
        Some(d) => allocate_with(tree, Some(&|p, v| d.get(p, v)), cfg),
        None => allocate_with(tree, None, cfg),
    }
}

/// [`allocate`] with the length of each edge `edge_length(parent, child)` computed when the
/// allocation needs it instead of read from a matrix (`T - 1` calls at most): what plans made
/// without the distance matrix use.
pub fn allocate_with(
    tree: &Tree,
    edge_length: Option<&dyn Fn(usize, usize) -> f64>,
    cfg: &BudgetConfig,
) -> Result<Budget, CascadeError> {
    cfg.validate()?;
    let n = tree.len();
    if n == 0 {
        return Err(CascadeError::TooFewTasks {
            what: "budget allocation",
            need: 1,
            got: 0,
        });
    }
    if cfg.total < n {
        return Err(CascadeError::BudgetTooSmall {
            budget: cfg.total,
            tasks: n,
        });
    }
    let Some(root) = tree.root() else {
        let steps = match cfg.rounding {
            Rounding::LargestRemainder => split_evenly(cfg.total, n),
            Rounding::FloorDivision => vec![cfg.total / n; n],
        };
        return Ok(Budget { steps });
    };
    if n == 1 {
        return Ok(Budget {
            steps: vec![cfg.total],
        });
    }
    let seed = cfg.seed_steps();
    let weights = cfg.allocation.weights_with(tree, edge_length)?;
    // Shares over the non-roots only (the root's weight is 0 and must not take a leftover step).
    let others: Vec<usize> = (0..n).filter(|&v| v != root).collect();
    let other_weights: Vec<f64> = others.iter().map(|&v| weights[v]).collect();
    let shares = match cfg.rounding {
        Rounding::LargestRemainder => largest_remainder(cfg.total - seed, &other_weights),
        Rounding::FloorDivision => floor_shares(cfg.total - seed, &other_weights),
    };
    let mut steps = vec![0; n];
    steps[root] = seed;
    for (&v, s) in others.iter().zip(shares) {
        steps[v] = s;
    }
    Ok(Budget { steps })
}
