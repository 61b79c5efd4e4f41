//! A training plan: which task starts from which, and how many steps each takes (SPEC 2.3-2.5).
//!
//! [`make_plan`] turns a method, the standardised tasks and the settings into a [`Plan`]; the
//! plan is plain serialisable data that an executor replays. The distances it reads are held by
//! a [`DistanceCache`]: as `T x T` matrices, or, for many tasks and the distances that compute a
//! pair on their own, as the few numbers a plan needs ([`crate::blocks`]), which give the same
//! plan.

mod cache;

pub use cache::{DistanceCache, MATRIX_FREE_TASKS, Storage, TreeDistance};

use cascade_data::StandardisedTaskSet;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::CascadeError;
use crate::budget::{Budget, BudgetConfig, allocate, allocate_with};
use crate::distance::{Distance, pair_distance};
use crate::method::{Method, RandomTreeKind, TreeShape};
use crate::root::RootRule;
use crate::tree::{Growth, Tree, check_finite};

/// Settings shared by every method's plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanConfig {
    /// Total budget, seed fraction, allocation rule and rounding.
    pub budget: BudgetConfig,
    /// How the root is chosen.
    pub root_rule: RootRule,
    /// The distance whose medoid roots the trees that have no distance of their own (Star,
    /// RandTree) and whose lengths weigh their edges (default `gradient`).
    pub root_distance: Distance,
}

impl PlanConfig {
    /// A budget of `total` steps with the defaults: seed fraction 0.1, uniform allocation,
    /// largest-remainder rounding, the medoid root over the gradient distance.
    pub fn new(total: usize) -> Self {
        Self {
            budget: BudgetConfig::new(total),
            root_rule: RootRule::default(),
            root_distance: Distance::Gradient,
        }
    }
}

/// How a plan trains its tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Schedule {
    /// Train down a tree (or forest): every task starts from its parent's trained parameters,
    /// a root from a fresh initialisation, and takes `budget.steps[v]` steps.
    Cascade {
        /// The single root, if the tree has one (Indiv has none).
        root: Option<usize>,
        /// The tree (a forest for Indiv).
        tree: Tree,
        /// Steps per task; sums to B.
        budget: Budget,
    },
    /// One model trained on the pooled data of all tasks for `steps` steps, used for every task.
    Pooled {
        /// The whole budget B.
        steps: usize,
    },
    /// FedAvg with full participation, then fine-tuning: `rounds` rounds in which every task
    /// starts from the global model (a fresh initialisation at first) and takes `local_steps`
    /// steps on its own data, after which the global model becomes the tasks' mean weighted by
    /// their training rows; then every task takes `fine_tune` steps from the global model.
    /// Each task spends `rounds * local_steps + fine_tune = floor(B / T)` steps.
    Federated {
        /// Rounds R.
        rounds: usize,
        /// Local steps per round E.
        local_steps: usize,
        /// Fine-tuning steps per task F.
        fine_tune: usize,
    },
    /// No training: every task predicts its own training mean (regression) or its training
    /// label frequency (binary labels; the majority class at threshold 0.5). Costs no step.
    Mean,
}

/// Something about a plan the user should hear about; the caller decides how to show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PlanNote {
    /// Every off-diagonal distance is equal: the tree is decided by tie-breaking alone.
    ConstantDistance {
        /// The degenerate distance.
        distance: Distance,
    },
    /// These tasks got 0 steps and keep their parent's parameters unchanged.
    ZeroStepTasks {
        /// Task indices.
        tasks: Vec<usize>,
    },
}

/// One method's plan over one task set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The method planned.
    pub method: Method,
    /// Task ids, in task order.
    pub task_ids: Vec<String>,
    /// How the tasks train.
    pub schedule: Schedule,
    /// Things worth telling the user.
    pub notes: Vec<PlanNote>,
}

impl Plan {
    /// Total steps the plan takes (B, or less with floor-division rounding).
    pub fn total_steps(&self) -> usize {
        match &self.schedule {
            Schedule::Cascade { budget, .. } => budget.steps.iter().sum(),
            Schedule::Pooled { steps } => *steps,
            Schedule::Federated {
                rounds,
                local_steps,
                fine_tune,
            } => self.task_ids.len() * (rounds * local_steps + fine_tune),
            Schedule::Mean => 0,
        }
    }

    /// Graphviz DOT of the plan's tree (node labels: task id and budget); `None` for Global and
    /// Mean.
    pub fn to_dot(&self) -> Option<String> {
        match &self.schedule {
            Schedule::Cascade { tree, budget, .. } => {
                Some(tree.to_dot(&self.task_ids, Some(&budget.steps)))
            }
            Schedule::Pooled { .. } | Schedule::Federated { .. } | Schedule::Mean => None,
        }
    }
}

/// FedAvg's split of `per_task` steps: a tenth (at least 1) for fine-tuning, the rest in rounds
/// of `local_steps` (fewer when the budget is small), the remainder of the rounds added to the
/// fine-tuning.
fn federated(per_task: usize, local_steps: usize) -> Schedule {
    let fine_tune = per_task.div_ceil(10).max(1).min(per_task);
    let local_steps = local_steps.min(per_task - fine_tune);
    let rounds = (per_task - fine_tune).checked_div(local_steps).unwrap_or(0);
    Schedule::Federated {
        rounds,
        local_steps,
        fine_tune: per_task - rounds * local_steps,
    }
}

/// How a [`Method::ShapedMst`] tree grows over `t` tasks under `budget`: its depth bound, and
/// the contraction `c = rho^b` of the budget-aware cost, where `b = (B - b_s) / (T - 1)` is a
/// non-root task's even share of the budget (an assumption: the allocation rule's shares depend
/// on the tree not yet built, so the even share stands in for every task's) and `rho` is the
/// method's stated contraction per step (SPEC 8; no `rho`: `c = 0`, the distance alone).
fn growth(shape: &TreeShape, budget: &BudgetConfig, t: usize) -> Growth {
    let share = (budget.total - budget.seed_steps()) as f64 / (t.max(2) - 1) as f64;
    Growth {
        max_depth: shape.depth,
        contraction: shape.rho.map_or(0.0, |rho| rho.get().powf(share)),
    }
}

/// Plans `method` over the tasks of `data` (distances and trees use the standardised training
/// splits; the `feature-medoid` root rule uses the raw feature means).
///
/// Errors: fewer than 2 tasks, a budget smaller than the task count, a distance that cannot
/// apply to the data, a bad root. `rng` draws random roots and random trees.
pub fn make_plan<R: Rng + ?Sized>(
    method: Method,
    data: &StandardisedTaskSet,
    cache: &mut DistanceCache,
    config: &PlanConfig,
    rng: &mut R,
) -> Result<Plan, CascadeError> {
    let set = &data.standardised;
    let t = set.len();
    if t < 2 {
        return Err(CascadeError::TooFewTasks {
            what: "a cascade",
            need: 2,
            got: t,
        });
    }
    config.budget.validate()?;
    let total = config.budget.total;
    if total < t {
        return Err(CascadeError::BudgetTooSmall {
            budget: total,
            tasks: t,
        });
    }
    let task_ids = set.ids().into_iter().map(String::from).collect();
    let mut notes = Vec::new();
    let schedule = match method {
        Method::Mean => Schedule::Mean,
        Method::Global => Schedule::Pooled { steps: total },
        Method::FedAvg { local_steps } => federated(total / t, local_steps),
        Method::Indiv => {
            let tree = Tree::independent(t);
            let budget = allocate(&tree, None, &config.budget)?;
            Schedule::Cascade {
                root: None,
                tree,
                budget,
            }
        }
        Method::Star | Method::RandTree(_) | Method::Mst(_) | Method::ShapedMst { .. } => {
            let kind = method.tree_distance().unwrap_or(config.root_distance);
            let root = cache.root(&config.root_rule, kind, data, rng)?;
            let distances = cache.tree_distance(data, kind)?;
            let constant = match &distances {
                TreeDistance::Matrix(dist) => dist.is_constant(1e-9),
                TreeDistance::Summary(summary) => summary.is_constant(1e-9),
            };
            if constant {
                notes.push(PlanNote::ConstantDistance { distance: kind });
            }
            let tree = match (method, &distances) {
                (Method::Star, _) => Tree::star(t, root)?,
                (Method::RandTree(RandomTreeKind::Pruefer), _) => {
                    Tree::random_pruefer(t, root, rng)?
                }
                (Method::RandTree(RandomTreeKind::Recursive), _) => {
                    Tree::random_recursive(t, root, rng)?
                }
                (Method::ShapedMst { shape, .. }, TreeDistance::Matrix(dist)) => {
                    check_finite(dist)?;
                    let growth = growth(&shape, &config.budget, t);
                    Tree::grown(t, root, growth, |u, v| dist.get(u, v))?
                }
                (Method::ShapedMst { shape, .. }, TreeDistance::Summary(_)) => {
                    // Every pair once more, one at a time: O(T) memory, O(T^2) pairs.
                    let pairs = pair_distance(data, kind)?.ok_or_else(|| {
                        CascadeError::ShapeMismatch(format!("{kind} has no pair form"))
                    })?;
                    let growth = growth(&shape, &config.budget, t);
                    Tree::grown(t, root, growth, |u, v| pairs.between(u, v))?
                }
                (_, TreeDistance::Matrix(dist)) => Tree::mst(dist, root)?,
                (_, TreeDistance::Summary(summary)) => summary.tree(root)?,
            };
            let budget = match distances {
                TreeDistance::Matrix(dist) => allocate(&tree, Some(dist), &config.budget)?,
                TreeDistance::Summary(_) if config.budget.allocation.needs_distances() => {
                    // The edges' lengths, computed one pair at a time (T - 1 pairs).
                    let pairs =
                        pair_distance(data, kind)?.ok_or_else(|| CascadeError::InvalidSetting {
                            name: "allocation",
                            value: config.budget.allocation.to_string(),
                            reason: format!(
                                "edge lengths of {kind} come from its matrix, which this plan \
                                 was given only a summary of"
                            ),
                        })?;
                    allocate_with(&tree, Some(&|p, v| pairs.between(p, v)), &config.budget)?
                }
                TreeDistance::Summary(_) => allocate_with(&tree, None, &config.budget)?,
            };
            Schedule::Cascade {
                root: Some(root),
                tree,
                budget,
            }
        }
    };
    if let Schedule::Cascade { budget, .. } = &schedule {
        let zero = budget.zero_step_tasks();
        if !zero.is_empty() {
            notes.push(PlanNote::ZeroStepTasks { tasks: zero });
        }
    }
    Ok(Plan {
        method,
        task_ids,
        schedule,
        notes,
    })
}

#[cfg(test)]
mod tests;
