//! From saved cells to per-setting, per-method results: statistics over repetitions, paired
//! tests against Indiv and against the row's best, and the cost.
//!
//! Results are always computed from the cells as read back from disk, so a grid that was
//! interrupted and resumed gives exactly the numbers of one that ran through.

use std::collections::BTreeMap;

use cascade::report::Stats;
use cascade::train::TrainedBy;
use serde::Serialize;

use super::expand::Setting;
use super::store::{Cell, RepResult, TreeRecord};
use crate::error::CliError;
use crate::metric::Metric;
use crate::paired::{Paired, paired_t_test};

/// A metric over repetitions: statistics and the values.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Mean, standard deviation, standard error and count.
    #[serde(flatten)]
    pub stats: Stats,
    /// One value per repetition (each a mean over tasks).
    pub per_rep: Vec<f64>,
}

impl Summary {
    fn of(values: Vec<f64>) -> Self {
        Self {
            stats: Stats::of(&values),
            per_rep: values,
        }
    }
}

/// What a method cost in one setting.
#[derive(Debug, Clone, Serialize)]
pub struct Cost {
    /// The budget B.
    pub budget: usize,
    /// Most gradient steps used in any repetition (never above B).
    pub steps_max: usize,
    /// Mean gradient steps used per repetition.
    pub steps_mean: f64,
    /// Mean wall-clock seconds per repetition (training and evaluation).
    pub seconds_per_rep: f64,
    /// `seconds_per_rep` divided by the number of tasks.
    pub seconds_per_task: f64,
    /// Seconds over all repetitions.
    pub seconds_total: f64,
}

/// One method in one setting.
#[derive(Debug, Clone, Serialize)]
pub struct MethodResult {
    /// The method's name.
    pub method: String,
    /// The grid's metric (accuracy as a fraction).
    pub metric: Summary,
    /// Mean test MSE over tasks (the Brier score for binary labels).
    pub mse: Summary,
    /// Mean test RMSE over tasks.
    pub rmse: Summary,
    /// Mean test accuracy over tasks (binary labels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<Summary>,
    /// Paired t-test of the metric against Indiv (absent for Indiv, or without Indiv).
    pub vs_indiv: Option<Paired>,
    /// Paired t-test of the metric against the row's best method (absent for the best).
    pub vs_best: Option<Paired>,
    /// Steps and time.
    pub cost: Cost,
    /// Warnings about its plan.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The executor that trained it (`batched`, `reference`, `host-linear`; `none` for Mean).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executor: Option<String>,
    /// The device that ran its steps (`flex`, `ndarray`, `wgpu`, `cuda`, or `host`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Its tree in repetition 0 with per-task errors (for the figures; not in results.json).
    #[serde(skip)]
    pub tree: Option<TreeRecord>,
}

/// One setting of the grid with all its methods.
#[derive(Debug, Clone, Serialize)]
pub struct SettingResult {
    /// 1-based index in the grid.
    pub setting: usize,
    /// `tau-within=2, budget=500`.
    pub label: String,
    /// The values of the grid's axes.
    pub parameters: BTreeMap<String, String>,
    /// The axes in order, for tables.
    #[serde(skip)]
    pub params: Vec<(String, String)>,
    /// The budget B.
    pub budget: usize,
    /// Number of tasks.
    pub tasks: usize,
    /// What the data are.
    pub data: String,
    /// The method with the best mean metric.
    pub best: String,
    /// Every method, in the grid's order.
    pub methods: Vec<MethodResult>,
}

/// Collects the per-repetition values of every setting and method from `cells` (any order)
/// and summarises them. Every setting must have all `reps` repetitions.
pub fn summarise(
    settings: &[Setting],
    cells: &[Cell],
    reps: usize,
    metric: Metric,
) -> Result<Vec<SettingResult>, CliError> {
    let mut ordered: Vec<&Cell> = cells.iter().collect();
    ordered.sort_by_key(|c| (c.group, c.reps[0]));
    settings
        .iter()
        .enumerate()
        .map(|(index, setting)| {
            let mut methods: Vec<Collected> = Vec::new();
            let (mut data, mut tasks) = (String::new(), 0);
            for cell in &ordered {
                for part in cell.settings.iter().filter(|s| s.setting == index) {
                    if data.is_empty() {
                        (data, tasks) = (cell.data.clone(), cell.tasks);
                    }
                    for m in &part.methods {
                        let slot = match methods.iter().position(|c| c.method == m.method) {
                            Some(i) => i,
                            None => {
                                methods.push(Collected {
                                    method: m.method.clone(),
                                    ..Collected::default()
                                });
                                methods.len() - 1
                            }
                        };
                        let entry = &mut methods[slot];
                        entry.reps.extend(m.reps.iter().cloned());
                        if m.tree.is_some() {
                            entry.tree = m.tree.clone();
                        }
                        if entry.notes.is_empty() {
                            entry.notes = m.notes.clone();
                        }
                        if entry.trained_by.is_none() {
                            entry.trained_by = m.trained_by.clone();
                        }
                    }
                }
            }
            let label = setting.label();
            let incomplete = |what: String| CliError::Grid {
                origin: label.clone(),
                reason: what,
            };
            if methods.is_empty() {
                return Err(incomplete("no results saved".into()));
            }
            let budget = setting.args.method.budget_for(tasks);
            let mut results = Vec::with_capacity(methods.len());
            for Collected {
                method,
                reps: values,
                tree,
                notes,
                trained_by,
            } in methods
            {
                if values.len() != reps {
                    return Err(incomplete(format!(
                        "{method} has {} of {reps} repetitions",
                        values.len()
                    )));
                }
                results.push(method_result(
                    method, &values, tree, notes, trained_by, metric, budget, tasks,
                )?);
            }
            let best = best_method(&results, metric);
            let indiv = results.iter().position(|m| m.method == "indiv");
            let metric_of = |i: usize| results[i].metric.per_rep.clone();
            let tests: Vec<(Option<Paired>, Option<Paired>)> = (0..results.len())
                .map(|i| {
                    let own = metric_of(i);
                    let vs = |j: Option<usize>| {
                        j.filter(|&j| j != i)
                            .and_then(|j| paired_t_test(&own, &metric_of(j), &results[j].method))
                    };
                    (vs(indiv), vs(Some(best)))
                })
                .collect();
            for (result, (vs_indiv, vs_best)) in results.iter_mut().zip(tests) {
                result.vs_indiv = vs_indiv;
                result.vs_best = vs_best;
            }
            Ok(SettingResult {
                setting: index + 1,
                label,
                parameters: setting.params.iter().cloned().collect(),
                params: setting.params.clone(),
                budget,
                tasks,
                data,
                best: results[best].method.clone(),
                methods: results,
            })
        })
        .collect()
}

/// One method's values gathered from the cells, in repetition order.
#[derive(Default)]
struct Collected {
    method: String,
    reps: Vec<RepResult>,
    tree: Option<TreeRecord>,
    notes: Vec<String>,
    trained_by: Option<TrainedBy>,
}

#[allow(clippy::too_many_arguments)]
fn method_result(
    method: String,
    values: &[RepResult],
    tree: Option<TreeRecord>,
    notes: Vec<String>,
    trained_by: Option<TrainedBy>,
    metric: Metric,
    budget: usize,
    tasks: usize,
) -> Result<MethodResult, CliError> {
    if let Some((rep, r)) = values.iter().enumerate().find(|(_, r)| r.steps > budget) {
        // The method's contract: never more steps than the budget.
        return Err(CliError::Grid {
            origin: method,
            reason: format!(
                "repetition {} used {} gradient steps, more than B = {budget}",
                rep + 1,
                r.steps
            ),
        });
    }
    let accuracy: Option<Vec<f64>> = values.iter().map(|r| r.accuracy).collect();
    let metric_values: Vec<f64> = match metric {
        Metric::Mse => values.iter().map(|r| r.mse).collect(),
        Metric::Rmse => values.iter().map(|r| r.rmse).collect(),
        Metric::Accuracy => accuracy.clone().ok_or_else(|| CliError::Grid {
            origin: method.clone(),
            reason: "metric = \"accuracy\" needs binary labels".into(),
        })?,
    };
    let seconds_total: f64 = values.iter().map(|r| r.seconds).sum();
    let seconds_per_rep = seconds_total / values.len() as f64;
    Ok(MethodResult {
        metric: Summary::of(metric_values),
        mse: Summary::of(values.iter().map(|r| r.mse).collect()),
        rmse: Summary::of(values.iter().map(|r| r.rmse).collect()),
        accuracy: accuracy.map(Summary::of),
        vs_indiv: None,
        vs_best: None,
        cost: Cost {
            budget,
            steps_max: values.iter().map(|r| r.steps).max().unwrap_or(0),
            steps_mean: values.iter().map(|r| r.steps as f64).sum::<f64>() / values.len() as f64,
            seconds_per_rep,
            seconds_per_task: seconds_per_rep / tasks.max(1) as f64,
            seconds_total,
        },
        notes,
        executor: trained_by.as_ref().map(|t| t.executor.clone()),
        device: trained_by.map(|t| t.device),
        tree,
        method,
    })
}

/// The index of the best mean (lowest error, highest accuracy); the first on ties.
fn best_method(results: &[MethodResult], metric: Metric) -> usize {
    let score = |m: &MethodResult| metric.rank_key(m.metric.stats.mean);
    (0..results.len())
        .min_by(|&a, &b| score(&results[a]).total_cmp(&score(&results[b])))
        .unwrap_or(0)
}
