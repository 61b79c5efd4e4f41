//! Grouped CSV tasks: any CSV with a task column, a numeric target column and feature columns,
//! one task per distinct task id (e.g. one school per task, one student per row).
//!
//! - Tasks come in order of first appearance in the file; they may be ragged (any row counts).
//! - A feature column is categorical when it is named in [`TasksCsvConfig::categorical`] or when
//!   all its non-empty cells are non-numbers; every other feature column is numeric, and a
//!   non-number in it is an error naming file, line, column and value.
//! - Categorical columns are one-hot encoded over the categories seen in the TRAINING rows of
//!   all kept tasks, sorted (by value when all categories are numbers, else as text). A test row
//!   whose category was never seen in training gets all zeros in that column's block; a note
//!   counts such rows.
//! - With [`TasksCsvConfig::classification`] the target holds class labels, any text: the
//!   classes are the distinct labels of all rows (sorted by value when all are numbers, else as
//!   text) and each target becomes its class index.
//! - Empty cells are errors ("empty value"), in feature and target columns alike.
//! - Each task's rows are split with the caller's seeded RNG: a uniformly random
//!   `round(test_fraction * n)` rows go to test (at least 1 test and 1 training row when
//!   `n >= 2`); both splits keep file order. Tasks with fewer rows than the minimums (a 1-row
//!   task, always) are listed in [`LoadedTasks::skipped`].
//!
//! Features, `[n, d]`: the feature columns in order, a numeric column as one feature and a
//! categorical one as its one-hot block; [`CsvTasks::feature_names`] names them (`standLRT`,
//! `sex=F`, `sex=M`, ...).

mod config;
mod encode;
mod split;
mod table;

pub use config::TasksCsvConfig;

use std::io::Read;
use std::path::Path;

use nalgebra::{DMatrix, DVector};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::{
    DataError, DataSchema, FeatureColumn, LoadedTasks, SkippedTask, Split, Task, TaskSet, csv_util,
};
use encode::Column;

/// Tasks read from a grouped CSV, with the names of their `d` feature columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvTasks {
    /// The tasks, the tasks skipped and notes.
    pub loaded: LoadedTasks,
    /// Name of each feature column, `[d]`: a numeric column's name or `column=category`.
    pub feature_names: Vec<String>,
    /// The file's layout, to read new rows the same way ([`crate::read_rows`]).
    pub schema: DataSchema,
}

/// Reads the grouped CSV at `path` into tasks (see the module docs), splitting each task's
/// rows with `rng`.
pub fn load_tasks_csv<R: Rng + ?Sized>(
    path: &Path,
    config: &TasksCsvConfig,
    rng: &mut R,
) -> Result<CsvTasks, DataError> {
    let file = csv_util::open(path)?;
    read_tasks_csv(file, &path.display().to_string(), config, rng)
}

/// [`load_tasks_csv`] on any reader; `source_name` names it in errors and notes.
pub fn read_tasks_csv<R: Read, G: Rng + ?Sized>(
    reader: R,
    source_name: &str,
    config: &TasksCsvConfig,
    rng: &mut G,
) -> Result<CsvTasks, DataError> {
    config.validate()?;
    let table = table::read_table(reader, source_name, config)?;
    let categorical = encode::kinds(&table, &config.categorical, source_name)?;

    // Rows of each task, then the seeded split; too-small tasks are skipped.
    let mut rows_of = vec![Vec::new(); table.task_ids.len()];
    for (r, row) in table.rows.iter().enumerate() {
        rows_of[row.task].push(r);
    }
    let mut kept = Vec::new(); // (task index, train rows, test rows)
    let mut skipped = Vec::new();
    for (k, rows) in rows_of.iter().enumerate() {
        let (train, test) = split::split_rows(rows, config.test_fraction, rng);
        let reason = if rows.len() == 1 {
            Some("1 row: too few to split into train and test".to_string())
        } else if train.len() < config.min_train_rows || test.len() < config.min_test_rows {
            Some(format!(
                "{} rows: {} train and {} test, at least {} train and {} test rows needed",
                rows.len(),
                train.len(),
                test.len(),
                config.min_train_rows,
                config.min_test_rows
            ))
        } else {
            None
        };
        match reason {
            Some(reason) => skipped.push(SkippedTask {
                id: table.task_ids[k].clone(),
                reason,
            }),
            None => kept.push((k, train, test)),
        }
    }
    if kept.is_empty() {
        let first = &skipped[0];
        return Err(DataError::NoUsableTasks {
            path: source_name.to_string(),
            message: format!(
                "all {} tasks were skipped (first, '{}': {})",
                skipped.len(),
                first.id,
                first.reason
            ),
        });
    }

    // One-hot categories from the kept tasks' training rows.
    let columns: Vec<Column> = categorical
        .iter()
        .enumerate()
        .map(|(j, &is_cat)| {
            if is_cat {
                let train_rows = kept.iter().flat_map(|(_, train, _)| train.iter().copied());
                Column::Categorical(encode::categories(&table, j, train_rows))
            } else {
                Column::Numeric
            }
        })
        .collect();
    let feature_names = encode::feature_names(&table, &columns);
    let d = feature_names.len();
    let classes = if config.classification {
        class_names(&table)
    } else {
        Vec::new()
    };
    let target = |r: usize| -> f64 {
        let row = &table.rows[r];
        if config.classification {
            classes
                .iter()
                .position(|c| c == &row.target_cell)
                .unwrap_or(0) as f64
        } else {
            row.target
        }
    };

    let mut unseen = 0;
    let build = |rows: &[usize], unseen: &mut usize| {
        let mut data = Vec::with_capacity(rows.len() * d);
        for &r in rows {
            if !encode::encode_row(&table, r, &columns, &mut data) {
                *unseen += 1;
            }
        }
        let y = DVector::from_iterator(rows.len(), rows.iter().map(|&r| target(r)));
        Split::new(DMatrix::from_row_slice(rows.len(), d, &data), y)
    };
    let mut tasks = Vec::with_capacity(kept.len());
    for (k, train, test) in &kept {
        // Training rows always hold seen categories: the categories come from them.
        let train = build(train, &mut 0);
        let test = build(test, &mut unseen);
        tasks.push(Task {
            id: table.task_ids[*k].clone(),
            train,
            test,
            group: None,
        });
    }

    let mut notes = notes(&table, config, &columns, &tasks, skipped.len(), unseen);
    let mut set = TaskSet::new(tasks)?;
    if config.classification {
        notes.push(format!(
            "target '{}' read as {} classes: {}",
            config.target_column,
            classes.len(),
            classes.join(", ")
        ));
        set = set.into_classes(classes.clone())?;
    }
    let schema = DataSchema {
        task_column: config.task_column.clone(),
        target_column: config.target_column.clone(),
        columns: table
            .features
            .iter()
            .zip(&columns)
            .map(|(name, column)| match column {
                Column::Numeric => FeatureColumn::Numeric { name: name.clone() },
                Column::Categorical(categories) => FeatureColumn::Categorical {
                    name: name.clone(),
                    categories: categories.clone(),
                },
            })
            .collect(),
        classes,
        unused_columns: table.unused.clone(),
        images: None,
    };
    Ok(CsvTasks {
        loaded: LoadedTasks {
            tasks: set,
            skipped,
            notes,
        },
        feature_names,
        schema,
    })
}

/// The distinct target cells of every row, sorted by value when all are numbers, else as text.
fn class_names(table: &table::Table) -> Vec<String> {
    let mut names: Vec<String> = table.rows.iter().map(|r| r.target_cell.clone()).collect();
    names.sort_unstable();
    names.dedup();
    if names.iter().all(|c| table::number(c).is_some()) {
        names.sort_by(|a, b| {
            table::number(a)
                .unwrap_or(0.0)
                .total_cmp(&table::number(b).unwrap_or(0.0))
        });
    }
    names
}

/// One-line facts on how the file was read.
fn notes(
    table: &table::Table,
    config: &TasksCsvConfig,
    columns: &[Column],
    tasks: &[Task],
    n_skipped: usize,
    unseen: usize,
) -> Vec<String> {
    let mut numeric = Vec::new();
    let mut categorical = Vec::new();
    for (name, column) in table.features.iter().zip(columns) {
        match column {
            Column::Numeric => numeric.push(name.clone()),
            Column::Categorical(cats) => categorical.push(format!("{name} ({})", cats.len())),
        }
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let spread = |counts: Vec<usize>| {
        let lo = counts.iter().min().copied().unwrap_or(0);
        let hi = counts.iter().max().copied().unwrap_or(0);
        if lo == hi {
            lo.to_string()
        } else {
            format!("{lo} to {hi}")
        }
    };
    let mut notes = vec![
        format!(
            "{} rows, {} tasks by '{}' (target '{}'): {} kept, {} skipped",
            table.rows.len(),
            table.task_ids.len(),
            config.task_column,
            config.target_column,
            tasks.len(),
            n_skipped
        ),
        format!("numeric features: {}", list(&numeric)),
        format!(
            "categorical features, one-hot over the training rows' categories: {}",
            list(&categorical)
        ),
        format!(
            "split: a seeded random {} of each task's rows for test (at least 1 test and 1 \
             training row); rows per task: train {}, test {}",
            config.test_fraction,
            spread(tasks.iter().map(|t| t.train.n_rows()).collect()),
            spread(tasks.iter().map(|t| t.test.n_rows()).collect())
        ),
    ];
    if unseen > 0 {
        let rows = if unseen == 1 {
            "test row holds"
        } else {
            "test rows hold"
        };
        notes.push(format!(
            "{unseen} {rows} a category never seen in training: its one-hot block is all zeros"
        ));
    }
    notes
}

#[cfg(test)]
mod tests;
