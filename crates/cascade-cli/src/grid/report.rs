//! The files a grid writes: results.json (everything), results.csv (one row per setting and
//! method) and table.md (mean +- std per setting and method, best marked, significance).

use serde::Serialize;

use super::results::{MethodResult, SettingResult};
use super::spec::GridFile;
use super::store::Store;
use crate::error::CliError;
use crate::metric::Metric;
use crate::output::{write_atomic, write_json};
use crate::paired::ALPHA;
use crate::table::decimals;

/// What results.json holds.
#[derive(Serialize)]
struct ResultsJson<'a> {
    cascade_version: &'static str,
    /// Where the grid came from (a file or a preset).
    grid: &'a str,
    /// The grid as run (after command-line overrides).
    config: &'a GridFile,
    /// The reported metric.
    metric: Metric,
    /// Repetitions per setting.
    reps: usize,
    /// Significance level of the paired tests' marks.
    alpha: f64,
    /// Seconds of computation summed over all cells (including runs before a resume).
    compute_seconds: f64,
    settings: &'a [SettingResult],
}

/// Writes results.json, results.csv and table.md into the store's folder; returns the table.
pub fn write_all(
    store: &Store,
    origin: &str,
    file: &GridFile,
    metric: Metric,
    results: &[SettingResult],
    compute_seconds: f64,
) -> Result<String, CliError> {
    write_json(
        &store.path("results.json"),
        &ResultsJson {
            cascade_version: env!("CARGO_PKG_VERSION"),
            grid: origin,
            config: file,
            metric,
            reps: file.reps.get(),
            alpha: ALPHA,
            compute_seconds,
            settings: results,
        },
    )?;
    let path = store.path("results.csv");
    write_atomic(&path, &csv_text(results, metric))?;
    let table = markdown(origin, file, metric, results, compute_seconds);
    write_atomic(&store.path("table.md"), table.as_bytes())?;
    Ok(table)
}

/// One CSV row per setting and method.
fn csv_text(results: &[SettingResult], metric: Metric) -> Vec<u8> {
    // The budget has its own column.
    let is_axis = |k: &str| k != "budget";
    let axes: Vec<String> = results
        .first()
        .map(|s| {
            s.params
                .iter()
                .filter(|(k, _)| is_axis(k))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["setting".into()];
    header.extend(axes.iter().cloned());
    header.extend(
        [
            "budget",
            "tasks",
            "method",
            "metric",
            "mean",
            "std",
            "stderr",
            "reps",
            "best",
            "diff_vs_indiv",
            "p_vs_indiv",
            "diff_vs_best",
            "p_vs_best",
            "mse_mean",
            "rmse_mean",
            "accuracy_mean",
            "steps_max",
            "steps_mean",
            "seconds_per_rep",
            "seconds_per_task",
        ]
        .map(String::from),
    );
    let metric_name = serde_json::to_value(metric)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    // Writing to a Vec cannot fail; a record of the wrong length is a bug caught by the tests.
    writer.write_record(&header).expect("csv into memory");
    let opt = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
    for setting in results {
        for m in &setting.methods {
            let mut row: Vec<String> = vec![setting.setting.to_string()];
            row.extend(
                setting
                    .params
                    .iter()
                    .filter(|(k, _)| is_axis(k))
                    .map(|(_, v)| v.clone()),
            );
            row.extend([
                setting.budget.to_string(),
                setting.tasks.to_string(),
                m.method.clone(),
                metric_name.clone(),
                m.metric.stats.mean.to_string(),
                m.metric.stats.std.to_string(),
                m.metric.stats.stderr.to_string(),
                m.metric.stats.n.to_string(),
                (m.method == setting.best).to_string(),
                opt(m.vs_indiv.as_ref().map(|p| p.mean_difference)),
                opt(m.vs_indiv.as_ref().map(|p| p.p_value)),
                opt(m.vs_best.as_ref().map(|p| p.mean_difference)),
                opt(m.vs_best.as_ref().map(|p| p.p_value)),
                m.mse.stats.mean.to_string(),
                m.rmse.stats.mean.to_string(),
                opt(m.accuracy.as_ref().map(|a| a.stats.mean)),
                m.cost.steps_max.to_string(),
                m.cost.steps_mean.to_string(),
                m.cost.seconds_per_rep.to_string(),
                m.cost.seconds_per_task.to_string(),
            ]);
            writer.write_record(&row).expect("csv into memory");
        }
    }
    writer.into_inner().unwrap_or_default()
}

/// The Markdown report: the metric table with significance marks, then the cost table.
pub fn markdown(
    origin: &str,
    file: &GridFile,
    metric: Metric,
    results: &[SettingResult],
    compute_seconds: f64,
) -> String {
    let mut out = format!("# Grid: {origin}\n\n");
    if let Some(description) = &file.description {
        out += &format!("{description}\n\n");
    }
    let methods: Vec<&str> = results
        .first()
        .map(|s| s.methods.iter().map(|m| m.method.as_str()).collect())
        .unwrap_or_default();
    let has_indiv = methods.contains(&"indiv");
    out += &format!(
        "{}, mean +- std over {} repetitions (each the mean over tasks); **bold**: the row's best. \
         Paired t-tests over repetitions (same data and initialisations for every method), \
         p < {ALPHA}: `~` not significantly different from the best{}.\n\n",
        metric.label(),
        file.reps,
        if has_indiv {
            "; `+` / `-` significantly better / worse than Indiv"
        } else {
            ""
        },
    );
    out += &settings_table(&methods, results, |m, setting| {
        metric_cell(m, setting, metric)
    });
    out += "\n## Cost\n\nGradient steps used (most over repetitions; never above B) and wall-clock \
            seconds per repetition, per method (training and evaluation; not the distances), and \
            the executor and device that trained it. With the batched executor the tasks of a tree \
            level train as one program, and its time is shared out over them by their steps.\n\n";
    out += &settings_table(&methods, results, |m, _| {
        let trained_by = match (m.executor.as_deref(), m.device.as_deref()) {
            (Some("none") | None, _) => String::new(),
            (Some(executor), Some(device)) => format!(", {executor} on {device}"),
            (Some(executor), None) => format!(", {executor}"),
        };
        format!(
            "{} / {} steps, {}{trained_by}",
            m.cost.steps_max,
            m.cost.budget,
            seconds(m.cost.seconds_per_rep)
        )
    });
    out += &format!("\nCompute time over all cells: {compute_seconds:.1} s.\n");
    let notes: Vec<String> = results
        .iter()
        .flat_map(|s| s.methods.iter().flat_map(|m| m.notes.iter().cloned()))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let notes: Vec<String> = notes
        .into_iter()
        .filter(|n| seen.insert(n.clone()))
        .collect();
    if !notes.is_empty() {
        out += "\n## Warnings\n\n";
        for note in notes {
            out += &format!("- {note}\n");
        }
    }
    out
}

/// `12.3 s`, `4.56 ms`, `789 us`.
fn seconds(x: f64) -> String {
    if x >= 1.0 {
        format!("{x:.1} s")
    } else if x >= 1e-3 {
        format!("{:.2} ms", x * 1e3)
    } else {
        format!("{:.0} us", x * 1e6)
    }
}

/// A Markdown table: a row per setting, a column per method, `cell` filling each.
fn settings_table(
    methods: &[&str],
    results: &[SettingResult],
    cell: impl Fn(&MethodResult, &SettingResult) -> String,
) -> String {
    let mut out = row(std::iter::once("setting").chain(methods.iter().copied()));
    out += &row(std::iter::repeat_n("---", methods.len() + 1));
    for setting in results {
        let cells: Vec<String> = setting.methods.iter().map(|m| cell(m, setting)).collect();
        out +=
            &row(std::iter::once(setting.label.as_str()).chain(cells.iter().map(String::as_str)));
    }
    out
}

fn row<'a>(cells: impl Iterator<Item = &'a str>) -> String {
    let cells: Vec<&str> = cells.collect();
    format!("| {} |\n", cells.join(" | "))
}

/// `**356.9 +- 18.2** ~ +`: value, best in bold, significance marks.
fn metric_cell(m: &MethodResult, setting: &SettingResult, metric: Metric) -> String {
    let scale = if metric == Metric::Accuracy {
        100.0
    } else {
        1.0
    };
    let (mean, std) = (scale * m.metric.stats.mean, scale * m.metric.stats.std);
    let digits = if metric == Metric::Accuracy {
        2
    } else {
        decimals(mean)
    };
    let mut text = format!("{mean:.digits$} +- {std:.digits$}");
    if m.method == setting.best {
        text = format!("**{text}**");
    }
    if m.vs_best.as_ref().is_some_and(|p| !p.significant()) {
        text += " ~";
    }
    if let Some(p) = m.vs_indiv.as_ref().filter(|p| p.significant()) {
        let better = if metric.higher_is_better() {
            p.mean_difference > 0.0
        } else {
            p.mean_difference < 0.0
        };
        text += if better { " +" } else { " -" };
    }
    text
}
