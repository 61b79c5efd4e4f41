//! Feature columns: numeric or categorical, and the one-hot encoding of the categorical ones.

use super::table::{Table, number};
use crate::DataError;

/// How one feature column becomes numbers.
pub(super) enum Column {
    /// One feature: the cell's value.
    Numeric,
    /// One feature per category (sorted), 1 for the row's category and 0 elsewhere.
    Categorical(Vec<String>),
}

/// Which feature columns are categorical: those named in `forced`, and those whose non-empty
/// cells are all non-numbers. Every cell of a numeric column must be a number and no cell may be
/// empty; the error names the file, line, column and value.
pub(super) fn kinds(
    table: &Table,
    forced: &[String],
    source: &str,
) -> Result<Vec<bool>, DataError> {
    let mut categorical = Vec::with_capacity(table.features.len());
    for (j, name) in table.features.iter().enumerate() {
        let parse_error = |line: usize, message: String| DataError::Parse {
            path: source.to_string(),
            line,
            message: format!("column '{name}': {message}"),
        };
        if let Some(row) = table.rows.iter().find(|r| r.cells[j].is_empty()) {
            return Err(parse_error(row.line, "empty value".into()));
        }
        let first_number = table.rows.iter().find(|r| number(&r.cells[j]).is_some());
        let is_categorical = forced.contains(name) || first_number.is_none();
        if let (false, Some(example)) = (is_categorical, first_number)
            && let Some(row) = table.rows.iter().find(|r| number(&r.cells[j]).is_none())
        {
            return Err(parse_error(
                row.line,
                format!(
                    "'{}' is not a number, but the column is numeric (line {}: '{}'); pass \
                     --categorical {name} to read it as categories",
                    row.cells[j], example.line, example.cells[j]
                ),
            ));
        }
        categorical.push(is_categorical);
    }
    Ok(categorical)
}

/// The categories of column `j` among `rows`, sorted: by value when all are numbers, else as
/// text.
pub(super) fn categories<'a>(
    table: &'a Table,
    j: usize,
    rows: impl Iterator<Item = usize>,
) -> Vec<String> {
    let mut seen: Vec<&'a str> = rows.map(|r| table.rows[r].cells[j].as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    let mut seen: Vec<String> = seen.into_iter().map(String::from).collect();
    if seen.iter().all(|c| number(c).is_some()) {
        seen.sort_by(|a, b| {
            number(a)
                .unwrap_or(0.0)
                .total_cmp(&number(b).unwrap_or(0.0))
        });
    }
    seen
}

/// The feature names: a numeric column's name, or `column=category` for each category.
pub(super) fn feature_names(table: &Table, columns: &[Column]) -> Vec<String> {
    let mut names = Vec::new();
    for (name, column) in table.features.iter().zip(columns) {
        match column {
            Column::Numeric => names.push(name.clone()),
            Column::Categorical(cats) => names.extend(cats.iter().map(|c| format!("{name}={c}"))),
        }
    }
    names
}

/// Appends row `r`'s features to `out`; returns false when a categorical cell holds a category
/// outside the list (its one-hot block is then all zeros).
pub(super) fn encode_row(table: &Table, r: usize, columns: &[Column], out: &mut Vec<f64>) -> bool {
    let mut all_seen = true;
    for (cell, column) in table.rows[r].cells.iter().zip(columns) {
        match column {
            // Checked by `kinds`.
            Column::Numeric => out.push(number(cell).unwrap_or(f64::NAN)),
            Column::Categorical(cats) => {
                let hit = cats.iter().position(|c| c == cell);
                all_seen &= hit.is_some();
                out.extend((0..cats.len()).map(|k| if Some(k) == hit { 1.0 } else { 0.0 }));
            }
        }
    }
    all_seen
}
