//! The layout of a task collection's rows, saved with a trained cascade so that new rows in the
//! same layout can be read back for prediction and evaluation.
//!
//! A row file is a CSV with a header: the task column, every feature column of the schema (in
//! any order) and, for evaluation, the target column. Numeric columns hold numbers; categorical
//! columns are one-hot encoded over the categories saved at training (an unseen category gives
//! an all-zero block, and is counted); class targets are class names. Columns the training
//! file had but did not use are allowed and skipped. A column that is missing, or that the
//! schema does not know, is an error naming the file and column.

use std::path::Path;

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use crate::images::ImageInput;
use crate::{DataError, csv_util};

/// How one source column becomes features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureColumn {
    /// One feature: the cell's number.
    Numeric {
        /// Column name.
        name: String,
    },
    /// One feature per category, in this order: 1 for the row's category, 0 elsewhere.
    Categorical {
        /// Column name.
        name: String,
        /// The categories seen in training.
        categories: Vec<String>,
    },
}

impl FeatureColumn {
    /// The column's name.
    pub fn name(&self) -> &str {
        match self {
            FeatureColumn::Numeric { name } | FeatureColumn::Categorical { name, .. } => name,
        }
    }

    /// Features it becomes.
    pub fn width(&self) -> usize {
        match self {
            FeatureColumn::Numeric { .. } => 1,
            FeatureColumn::Categorical { categories, .. } => categories.len(),
        }
    }
}

/// Which columns of a row file are the task, the features and the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSchema {
    /// Column of the task ids.
    pub task_column: String,
    /// Column of the target.
    pub target_column: String,
    /// The feature columns, in feature order.
    pub columns: Vec<FeatureColumn>,
    /// Class names by index when the target is a class; empty for real-valued targets.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Columns of the training file that were neither the task, the target nor a feature: a
    /// row file may hold them, and they are skipped.
    #[serde(default)]
    pub unused_columns: Vec<String>,
    /// For tasks read from image files: how a file becomes a row of these columns (pixel
    /// scaling, PCA), so that new image files can be predicted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<ImageInput>,
}

impl DataSchema {
    /// The layout of data that come from no file (synthetic tasks, images): columns `task`,
    /// `x0 .. x{d-1}` and `y`; class targets by name when `classes` is not empty.
    pub fn generic(n_features: usize, classes: Vec<String>) -> Self {
        Self {
            task_column: "task".into(),
            target_column: "y".into(),
            columns: (0..n_features)
                .map(|j| FeatureColumn::Numeric {
                    name: format!("x{j}"),
                })
                .collect(),
            classes,
            unused_columns: Vec::new(),
            images: None,
        }
    }

    /// The same layout, with image files read by `images` into its rows.
    pub fn with_images(mut self, images: ImageInput) -> Self {
        self.images = Some(images);
        self
    }

    /// Number of features `d` the columns become.
    pub fn n_features(&self) -> usize {
        self.columns.iter().map(FeatureColumn::width).sum()
    }

    /// The target of a row as the model's target: the number, or the class index of a name.
    pub fn target_value(&self, cell: &str) -> Option<f64> {
        if self.classes.is_empty() {
            cell.parse::<f64>().ok().filter(|v| v.is_finite())
        } else {
            self.classes
                .iter()
                .position(|c| c == cell)
                .map(|c| c as f64)
        }
    }
}

/// Rows read with a [`DataSchema`], in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    /// Each row's task id.
    pub tasks: Vec<String>,
    /// Each row's 1-based file line (the header is line 1).
    pub lines: Vec<usize>,
    /// Encoded features, `[n, d]`.
    pub x: DMatrix<f64>,
    /// Targets (values or class indices), when the file has the target column.
    pub y: Option<Vec<f64>>,
    /// Rows with a category never seen in training (their one-hot block is all zeros).
    pub unseen_categories: usize,
}

/// Reads the row file at `path` in the layout of `schema`; `need_target` makes the target
/// column required. Errors name the file, the line and the column.
pub fn read_rows(path: &Path, schema: &DataSchema, need_target: bool) -> Result<Rows, DataError> {
    let source = path.display().to_string();
    let mut csv = csv_util::reader(csv_util::open(path)?);
    let header = csv_util::header(&mut csv, &source)?;
    let parse_error = |line: usize, message: String| DataError::Parse {
        path: source.clone(),
        line,
        message,
    };
    let task_col = csv_util::column(&header, &schema.task_column, &source)?;
    let target_col = header.iter().position(|h| h == &schema.target_column);
    if need_target && target_col.is_none() {
        return Err(parse_error(
            1,
            format!(
                "no target column '{}': evaluation needs labelled rows",
                schema.target_column
            ),
        ));
    }
    let mut feature_cols = Vec::with_capacity(schema.columns.len());
    for column in &schema.columns {
        let Some(c) = header.iter().position(|h| h == column.name()) else {
            return Err(parse_error(
                1,
                format!(
                    "feature column '{}' of the saved schema is missing",
                    column.name()
                ),
            ));
        };
        feature_cols.push(c);
    }
    if let Some(extra) = header.iter().enumerate().find(|(c, name)| {
        *c != task_col
            && Some(*c) != target_col
            && !feature_cols.contains(c)
            && !schema.unused_columns.contains(name)
    }) {
        return Err(parse_error(
            1,
            format!(
                "column '{}' is not in the saved schema (task '{}', target '{}', {} feature \
                 columns)",
                extra.1,
                schema.task_column,
                schema.target_column,
                schema.columns.len()
            ),
        ));
    }

    let d = schema.n_features();
    let (mut tasks, mut lines, mut values, mut y) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut unseen = 0;
    let mut record = csv::StringRecord::new();
    while csv
        .read_record(&mut record)
        .map_err(|e| csv_util::csv_error(e, &source))?
    {
        let line = csv_util::line_of(&record);
        let task = record[task_col].trim();
        if task.is_empty() {
            return Err(parse_error(
                line,
                format!("column '{}': empty task id", schema.task_column),
            ));
        }
        let mut row_unseen = false;
        for (column, &c) in schema.columns.iter().zip(&feature_cols) {
            let cell = record[c].trim();
            match column {
                FeatureColumn::Numeric { name } => {
                    let value = cell.parse::<f64>().ok().filter(|v| v.is_finite());
                    values.push(value.ok_or_else(|| {
                        parse_error(line, format!("column '{name}': '{cell}' is not a number"))
                    })?);
                }
                FeatureColumn::Categorical { categories, .. } => {
                    let hit = categories.iter().position(|k| k == cell);
                    row_unseen |= hit.is_none();
                    values
                        .extend((0..categories.len()).map(|k| f64::from(u8::from(Some(k) == hit))));
                }
            }
        }
        unseen += usize::from(row_unseen);
        if let Some(c) = target_col {
            let cell = record[c].trim();
            let value = schema.target_value(cell).ok_or_else(|| {
                let expected = if schema.classes.is_empty() {
                    "a number".to_string()
                } else {
                    format!("one of the classes {}", schema.classes.join(", "))
                };
                parse_error(
                    line,
                    format!(
                        "column '{}': '{cell}' is not {expected}",
                        schema.target_column
                    ),
                )
            })?;
            y.push(value);
        }
        tasks.push(task.to_string());
        lines.push(line);
    }
    Ok(Rows {
        x: DMatrix::from_row_slice(tasks.len(), d, &values),
        tasks,
        lines,
        y: target_col.map(|_| y),
        unseen_categories: unseen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> DataSchema {
        DataSchema {
            task_column: "site".into(),
            target_column: "label".into(),
            columns: vec![
                FeatureColumn::Numeric { name: "a".into() },
                FeatureColumn::Categorical {
                    name: "colour".into(),
                    categories: vec!["blue".into(), "red".into()],
                },
            ],
            classes: vec!["no".into(), "yes".into()],
            unused_columns: vec!["note".into()],
            images: None,
        }
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn rows_are_encoded_in_the_schemas_order_whatever_the_files_order() {
        // `note` was in the training file but unused: allowed and skipped.
        let f = file("label,colour,site,note,a\nyes,red,s1,x,1.5\nno,green,s2,y,-2\n");
        let rows = read_rows(f.path(), &schema(), true).unwrap();
        assert_eq!(rows.tasks, ["s1", "s2"]);
        assert_eq!(rows.lines, [2, 3]);
        // a, colour=blue, colour=red; "green" was never seen: an all-zero block.
        assert_eq!(
            rows.x.row(0).iter().copied().collect::<Vec<_>>(),
            [1.5, 0.0, 1.0]
        );
        assert_eq!(
            rows.x.row(1).iter().copied().collect::<Vec<_>>(),
            [-2.0, 0.0, 0.0]
        );
        assert_eq!(rows.y, Some(vec![1.0, 0.0]));
        assert_eq!(rows.unseen_categories, 1);
        assert_eq!(schema().n_features(), 3);
    }

    #[test]
    fn bad_files_name_the_file_line_and_column() {
        let err = |text: &str, need: bool| {
            let f = file(text);
            let message = read_rows(f.path(), &schema(), need)
                .unwrap_err()
                .to_string();
            assert!(
                message.contains(&f.path().display().to_string()),
                "{message}"
            );
            message
        };
        assert!(
            err("site,a,label\ns1,1,yes\n", false)
                .contains("'colour' of the saved schema is missing")
        );
        assert!(
            err("site,a,colour,extra\ns1,1,red,0\n", false)
                .contains("column 'extra' is not in the saved schema")
        );
        assert!(err("site,a,colour\ns1,1,red\n", true).contains("no target column 'label'"));
        let bad_class = err("site,a,colour,label\ns1,1,red,maybe\n", false);
        assert!(
            bad_class.contains("line 2")
                && bad_class.contains("'maybe' is not one of the classes no, yes"),
            "{bad_class}"
        );
        let bad_number = err("site,a,colour\ns1,NaN,red\n", false);
        assert!(
            bad_number.contains("line 2")
                && bad_number.contains("column 'a': 'NaN' is not a number"),
            "{bad_number}"
        );
    }
}
