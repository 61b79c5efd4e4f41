//! Per-task test metrics as a table and as means over tasks, shared by `train` and `evaluate`.

use cascade::train::TestError;
use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::{CellAlignment, Table};
use serde::Serialize;

/// Most per-task rows a table prints; the rest go to `--json`.
pub const MAX_TABLE_ROWS: usize = 50;

/// One task's metrics on its rows. In JSON: `task`, `rows`, then the metrics under the
/// table's column names (`mse, rmse, mae, mape_percent`, or `accuracy, log_loss, brier`).
#[derive(Debug, Clone)]
pub struct TaskMetrics {
    /// The task id.
    pub task: String,
    /// Rows scored.
    pub rows: usize,
    /// The metrics.
    pub error: TestError,
    /// Whether the targets are classes (decides the metrics shown).
    pub classes: bool,
}

impl Serialize for TaskMetrics {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let columns = columns(self.classes);
        let mut map = serializer.serialize_map(Some(2 + columns.len()))?;
        map.serialize_entry("task", &self.task)?;
        map.serialize_entry("rows", &self.rows)?;
        for (name, get) in columns {
            if let Some(value) = get(&self.error) {
                map.serialize_entry(name, &value)?;
            }
        }
        map.end()
    }
}

/// A metric's name and how to read it from a [`TestError`].
type Column = (&'static str, fn(&TestError) -> Option<f64>);

/// The columns for class or real-valued targets.
fn columns(classes: bool) -> Vec<Column> {
    if classes {
        vec![
            ("accuracy", |e| e.accuracy),
            ("log_loss", |e| e.log_loss),
            ("brier", |e| Some(e.mse)),
        ]
    } else {
        vec![
            ("mse", |e| Some(e.mse)),
            ("rmse", |e| Some(e.rmse)),
            ("mae", |e| e.mae),
            ("mape_percent", |e| e.mape),
        ]
    }
}

/// Each metric's mean over tasks (tasks without the metric left out), in column order.
pub fn means(rows: &[TaskMetrics]) -> Vec<(&'static str, f64)> {
    let classes = rows.first().is_some_and(|r| r.classes);
    columns(classes)
        .into_iter()
        .filter_map(|(name, get)| {
            let values: Vec<f64> = rows.iter().filter_map(|r| get(&r.error)).collect();
            (!values.is_empty()).then(|| (name, values.iter().sum::<f64>() / values.len() as f64))
        })
        .collect()
}

/// Writes [`means`]' pairs as one JSON object `{metric: value}` in column order (the `mean` of
/// `train --json` and `evaluate --json`).
pub fn serialize_means<S: serde::Serializer>(
    means: &[(&'static str, f64)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(means.iter().map(|(name, value)| (name, value)))
}

/// The per-task table (at most [`MAX_TABLE_ROWS`] rows) and a last row of means.
pub fn table(rows: &[TaskMetrics]) -> Table {
    let columns = columns(rows.first().is_some_and(|r| r.classes));
    let mut table = Table::new();
    let mut header = vec!["task".to_string(), "rows".to_string()];
    header.extend(columns.iter().map(|(name, _)| name.to_string()));
    table.load_preset(ASCII_MARKDOWN).set_header(header);
    let cell = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
    for row in rows.iter().take(MAX_TABLE_ROWS) {
        let mut cells = vec![row.task.clone(), row.rows.to_string()];
        cells.extend(columns.iter().map(|(_, get)| cell(get(&row.error))));
        table.add_row(cells);
    }
    if rows.len() > MAX_TABLE_ROWS {
        let mut cells = vec![
            format!("({} more)", rows.len() - MAX_TABLE_ROWS),
            String::new(),
        ];
        cells.extend(columns.iter().map(|_| String::new()));
        table.add_row(cells);
    }
    let means = means(rows);
    let mut cells = vec![
        format!("mean of {} tasks", rows.len()),
        rows.iter().map(|r| r.rows).sum::<usize>().to_string(),
    ];
    cells.extend(
        columns
            .iter()
            .map(|(name, _)| cell(means.iter().find(|(n, _)| n == name).map(|&(_, v)| v))),
    );
    table.add_row(cells);
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    table
}
