//! Reading a grouped CSV into rows: task, target and the raw feature cells, with line numbers.

use std::collections::HashMap;
use std::io::Read;

use super::config::TasksCsvConfig;
use crate::{DataError, csv_util};

/// One data row of the file.
pub(super) struct Row {
    /// Index into [`Table::task_ids`].
    pub task: usize,
    /// 1-based file line (the header is line 1).
    pub line: usize,
    /// The target value (0 when the target is a class, see `target_cell`).
    pub target: f64,
    /// The target cell, trimmed.
    pub target_cell: String,
    /// The feature cells, trimmed, in [`Table::features`] order.
    pub cells: Vec<String>,
}

/// The rows of a grouped CSV.
pub(super) struct Table {
    /// The feature column names, in the order of the features.
    pub features: Vec<String>,
    /// Task ids in order of first appearance.
    pub task_ids: Vec<String>,
    /// Every data row, in file order.
    pub rows: Vec<Row>,
    /// The file's columns that are neither the task, the target nor a feature.
    pub unused: Vec<String>,
}

/// A cell's value when it is a finite number.
pub(super) fn number(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The feature columns: the configured list, or every column but the task and target columns.
fn feature_columns(
    header: &[String],
    config: &TasksCsvConfig,
    source: &str,
) -> Result<Vec<String>, DataError> {
    let invalid = |value: &str, reason| DataError::InvalidSetting {
        name: "features",
        value: value.to_string(),
        reason,
    };
    let features: Vec<String> = match &config.features {
        Some(list) => {
            for (i, name) in list.iter().enumerate() {
                csv_util::column(header, name, source)?;
                if *name == config.task_column || *name == config.target_column {
                    return Err(invalid(
                        name,
                        "the task and target columns cannot be features",
                    ));
                }
                if list[..i].contains(name) {
                    return Err(invalid(name, "a feature column is named twice"));
                }
            }
            list.clone()
        }
        None => header
            .iter()
            .filter(|h| **h != config.task_column && **h != config.target_column)
            .cloned()
            .collect(),
    };
    if features.is_empty() {
        return Err(invalid("", "at least one feature column is needed"));
    }
    for name in &config.categorical {
        csv_util::column(header, name, source)?;
        if !features.contains(name) {
            return Err(DataError::InvalidSetting {
                name: "categorical",
                value: name.clone(),
                reason: "not one of the feature columns",
            });
        }
    }
    Ok(features)
}

/// Reads every row; the task id must be non-empty and the target a number, else a parse error
/// naming the file, line and column.
pub(super) fn read_table<R: Read>(
    reader: R,
    source: &str,
    config: &TasksCsvConfig,
) -> Result<Table, DataError> {
    let mut csv = csv_util::reader(reader);
    let header = csv_util::header(&mut csv, source)?;
    let task_col = csv_util::column(&header, &config.task_column, source)?;
    let target_col = csv_util::column(&header, &config.target_column, source)?;
    if task_col == target_col {
        return Err(DataError::InvalidSetting {
            name: "target_column",
            value: config.target_column.clone(),
            reason: "the task and target columns must differ",
        });
    }
    let features = feature_columns(&header, config, source)?;
    let feature_cols: Vec<usize> = features
        .iter()
        .map(|f| csv_util::column(&header, f, source))
        .collect::<Result<_, _>>()?;
    let parse_error = |line: usize, message: String| DataError::Parse {
        path: source.to_string(),
        line,
        message,
    };

    let mut index: HashMap<String, usize> = HashMap::new();
    let mut task_ids = Vec::new();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    while csv
        .read_record(&mut record)
        .map_err(|e| csv_util::csv_error(e, source))?
    {
        let line = csv_util::line_of(&record);
        let id = record[task_col].trim();
        if id.is_empty() {
            return Err(parse_error(
                line,
                format!("column '{}': empty task id", config.task_column),
            ));
        }
        let cell = record[target_col].trim();
        if config.classification && cell.is_empty() {
            return Err(parse_error(
                line,
                format!("column '{}': empty class", config.target_column),
            ));
        }
        let parsed = if config.classification {
            Some(0.0)
        } else {
            number(cell)
        };
        let target = parsed.ok_or_else(|| {
            let what = if cell.is_empty() {
                "empty value".to_string()
            } else {
                format!("'{cell}' is not a number")
            };
            parse_error(
                line,
                format!(
                    "column '{}': {what} (the target must be numeric)",
                    config.target_column
                ),
            )
        })?;
        let task = match index.get(id) {
            Some(&k) => k,
            None => {
                index.insert(id.to_string(), task_ids.len());
                task_ids.push(id.to_string());
                task_ids.len() - 1
            }
        };
        let cells = feature_cols
            .iter()
            .map(|&c| record[c].trim().to_string())
            .collect();
        rows.push(Row {
            task,
            line,
            target,
            target_cell: cell.to_string(),
            cells,
        });
    }
    if rows.is_empty() {
        return Err(DataError::NoUsableTasks {
            path: source.to_string(),
            message: "the file has no data rows".into(),
        });
    }
    let unused = header
        .iter()
        .filter(|h| **h != config.task_column && **h != config.target_column)
        .filter(|h| !features.contains(h))
        .cloned()
        .collect();
    Ok(Table {
        features,
        task_ids,
        rows,
        unused,
    })
}
