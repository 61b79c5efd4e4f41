//! The figures of a grid, in DIR/plots (PNG and SVG each): per setting the tree of its best
//! cascade; the methods of every setting as grouped bars; and, when the grid varies the budget,
//! the error against the budget.

use std::path::Path;

use super::expand::params_label;
use super::results::SettingResult;
use crate::error::CliError;
use crate::metric::Metric;
use crate::plots::{self, Bar, BarGroup, Series};

/// Draws every figure into `dir`; returns how many files were written.
pub fn draw_all(dir: &Path, results: &[SettingResult], metric: Metric) -> Result<usize, CliError> {
    std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let scale = if metric == Metric::Accuracy {
        100.0
    } else {
        1.0
    };
    let mut written = 0;
    for setting in results {
        if let Some((method, tree)) = best_tree(setting, metric) {
            let stem = dir.join(format!("tree-{:02}-{method}", setting.setting));
            let title = format!(
                "{}: {method}, repetition 1, nodes coloured by {}",
                setting.label,
                metric.label()
            );
            let errors: Vec<f64> = tree.errors.iter().map(|e| scale * e).collect();
            written += plots::tree(&stem, &title, &tree.parents, &errors, metric.label())?.len();
        }
    }
    let groups: Vec<BarGroup> = results
        .iter()
        .map(|s| BarGroup {
            label: s.label.clone(),
            bars: s
                .methods
                .iter()
                .map(|m| Bar {
                    method: m.method.clone(),
                    mean: scale * m.metric.stats.mean,
                    std: scale * m.metric.stats.std,
                })
                .collect(),
        })
        .collect();
    let title = format!(
        "{} by method (mean +- std over repetitions)",
        metric.label()
    );
    written += plots::grouped_bars(&dir.join("methods"), &title, metric.label(), &groups)?.len();
    for (label, settings) in budget_lines(results) {
        if settings.len() < 2 {
            continue;
        }
        let series: Vec<Series> = settings[0]
            .methods
            .iter()
            .map(|method| Series {
                name: method.method.clone(),
                points: settings
                    .iter()
                    .filter_map(|s| {
                        let r = s.methods.iter().find(|r| r.method == method.method)?;
                        Some((
                            s.budget as f64,
                            scale * r.metric.stats.mean,
                            scale * r.metric.stats.std,
                        ))
                    })
                    .collect(),
            })
            .collect();
        let (stem, title) = match label.as_str() {
            "all" => (
                "budget".to_string(),
                format!("{} against the budget", metric.label()),
            ),
            _ => (
                format!("budget-{}", slug(&label)),
                format!("{} against the budget, {label}", metric.label()),
            ),
        };
        written += plots::error_vs_budget(&dir.join(stem), &title, metric.label(), &series)?.len();
    }
    Ok(written)
}

/// The tree of the setting's best method that has one (not Indiv's forest, not Global).
fn best_tree(setting: &SettingResult, metric: Metric) -> Option<(&str, &super::store::TreeRecord)> {
    setting
        .methods
        .iter()
        .filter(|m| m.method != "indiv")
        .filter_map(|m| m.tree.as_ref().map(|t| (m, t)))
        .min_by(|(a, _), (b, _)| {
            metric
                .rank_key(a.metric.stats.mean)
                .total_cmp(&metric.rank_key(b.metric.stats.mean))
        })
        .map(|(m, t)| (m.method.as_str(), t))
}

/// Settings grouped by everything but the budget (label of the rest, settings by budget).
fn budget_lines(results: &[SettingResult]) -> Vec<(String, Vec<&SettingResult>)> {
    let mut lines: Vec<(String, Vec<&SettingResult>)> = Vec::new();
    for setting in results {
        let rest: Vec<(String, String)> = setting
            .params
            .iter()
            .filter(|(k, _)| k != "budget")
            .cloned()
            .collect();
        let label = params_label(&rest);
        match lines.iter_mut().find(|(l, _)| *l == label) {
            Some((_, settings)) => settings.push(setting),
            None => lines.push((label, vec![setting])),
        }
    }
    for (_, settings) in &mut lines {
        settings.sort_by_key(|s| s.budget);
    }
    lines
}

/// A file-name-safe form of a label: `tau-within=2, allocation=hybrid:1,1` ->
/// `tau-within-2_allocation-hybrid-1-1`.
fn slug(label: &str) -> String {
    label
        .split(", ")
        .map(|part| {
            part.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(
            slug("tau-within=2, allocation=hybrid:1,1"),
            "tau-within-2_allocation-hybrid-1-1"
        );
        assert_eq!(slug("eta=0.5"), "eta-0.5");
    }
}
