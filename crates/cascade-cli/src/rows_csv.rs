//! Row files in a saved cascade's layout: the held-out test rows `train --test-out` writes, and
//! the predictions `predict` writes.

use std::path::Path;

use cascade::train::Prediction;
use cascade_data::{DataSchema, FeatureColumn, TaskSet};

use crate::error::CliError;
use crate::output::write_atomic;

/// Writes every task's test rows of `set` (data units) to `path` in the layout of `schema`:
/// the task column, the feature columns (a categorical block back to its category; an
/// all-zero block, a category unseen in training, as an empty cell) and the target (a class
/// name for class targets).
pub fn write_test_rows(path: &Path, schema: &DataSchema, set: &TaskSet) -> Result<(), CliError> {
    let mut out = CsvOut::new(path);
    let mut header = vec![schema.task_column.clone()];
    header.extend(schema.columns.iter().map(|c| c.name().to_string()));
    header.push(schema.target_column.clone());
    out.record(&header)?;
    for task in set.tasks() {
        for i in 0..task.test.n_rows() {
            let row = task.test.x.row(i);
            let mut cells = vec![task.id.clone()];
            let mut j = 0;
            for column in &schema.columns {
                match column {
                    FeatureColumn::Numeric { .. } => cells.push(row[j].to_string()),
                    FeatureColumn::Categorical { categories, .. } => {
                        let hit = (0..categories.len()).find(|&k| row[j + k] == 1.0);
                        cells.push(hit.map_or(String::new(), |k| categories[k].clone()));
                    }
                }
                j += column.width();
            }
            let y = task.test.y[i];
            cells.push(match schema.classes.get(y as usize) {
                Some(name) => name.clone(),
                None => y.to_string(),
            });
            out.record(&cells)?;
        }
    }
    out.finish()
}

/// Writes predictions to `path`: `task,KEY,prediction` for real values, or
/// `task,KEY,class,p_<class>...` for classes (`classes` names them; binary labels are 0 and 1),
/// where the column `key` (`row`, `file`) names each input.
pub fn write_predictions(
    path: &Path,
    classes: &[String],
    key: &str,
    rows: &[(String, String, Prediction)],
) -> Result<(), CliError> {
    let mut out = CsvOut::new(path);
    let binary = ["0".to_string(), "1".to_string()];
    let names = if classes.is_empty() {
        &binary[..]
    } else {
        classes
    };
    let is_class = rows
        .first()
        .is_some_and(|(_, _, p)| matches!(p, Prediction::Class { .. }));
    let mut header = vec!["task".to_string(), key.to_string()];
    if is_class {
        header.push("class".into());
        header.extend(names.iter().map(|c| format!("p_{c}")));
    } else {
        header.push("prediction".into());
    }
    out.record(&header)?;
    for (task, row, prediction) in rows {
        let mut cells = vec![task.clone(), row.clone()];
        match prediction {
            Prediction::Value(v) => cells.push(v.to_string()),
            Prediction::Class {
                class,
                probabilities,
            } => {
                cells.push(
                    names
                        .get(*class)
                        .cloned()
                        .unwrap_or_else(|| class.to_string()),
                );
                cells.extend(probabilities.iter().map(|p| p.to_string()));
            }
        }
        out.record(&cells)?;
    }
    out.finish()
}

/// A CSV built in memory and written atomically to `path` at the end.
struct CsvOut<'a> {
    path: &'a Path,
    writer: csv::Writer<Vec<u8>>,
}

impl<'a> CsvOut<'a> {
    fn new(path: &'a Path) -> Self {
        Self {
            path,
            writer: csv::Writer::from_writer(Vec::new()),
        }
    }

    fn error(&self, e: impl std::fmt::Display) -> CliError {
        CliError::Write {
            path: self.path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        }
    }

    fn record(&mut self, cells: &[String]) -> Result<(), CliError> {
        self.writer.write_record(cells).map_err(|e| self.error(e))
    }

    fn finish(self) -> Result<(), CliError> {
        let path = self.path;
        let bytes = self.writer.into_inner().map_err(|e| CliError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        write_atomic(path, &bytes)
    }
}
