//! Reading a long-format panel (timestamp, node, value) into one sorted series per node.

use std::collections::HashMap;
use std::io::Read;

use super::config::ElectricityConfig;
use super::time::Timestamp;
use crate::DataError;
use crate::csv_util;

/// One node's series, sorted by time. A missing value (empty cell, `NA`, `nan`) is `NaN`.
pub(super) struct NodeSeries {
    /// The node's id as written in the file.
    pub id: String,
    /// Seconds since 1970-01-01, strictly increasing.
    pub times: Vec<i64>,
    /// The value at each time; `NaN` where the cell was missing.
    pub values: Vec<f64>,
    /// The 1-based file line of each row.
    pub lines: Vec<usize>,
}

/// Every node's series, nodes in order of first appearance in the file.
pub(super) struct Panel {
    pub nodes: Vec<NodeSeries>,
    /// Number of data rows read.
    pub rows: usize,
}

impl Panel {
    /// The earliest and latest timestamps over all nodes (`None` for an empty panel).
    pub fn span(&self) -> Option<(i64, i64)> {
        let first = self.nodes.iter().filter_map(|n| n.times.first()).min()?;
        let last = self.nodes.iter().filter_map(|n| n.times.last()).max()?;
        Some((*first, *last))
    }

    /// The most common positive gap (seconds) between consecutive timestamps of a node, over all
    /// nodes; ties go to the smaller gap. `None` when no node has two timestamps.
    pub fn most_common_gap(&self) -> Option<i64> {
        let mut counts: HashMap<i64, usize> = HashMap::new();
        for node in &self.nodes {
            for pair in node.times.windows(2) {
                *counts.entry(pair[1] - pair[0]).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(gap, _)| gap)
    }
}

/// Whether a value cell means "no reading": empty, `NA` or `nan` (any case).
fn is_missing(cell: &str) -> bool {
    cell.is_empty() || cell.eq_ignore_ascii_case("na") || cell.eq_ignore_ascii_case("nan")
}

/// Reads the panel; every malformed cell is a [`DataError::Parse`] naming `source` and the line,
/// and two rows for one (node, timestamp) a parse error naming both lines.
pub(super) fn read_panel<R: Read>(
    reader: R,
    source: &str,
    config: &ElectricityConfig,
) -> Result<Panel, DataError> {
    let mut csv = csv_util::reader(reader);
    let header = csv_util::header(&mut csv, source)?;
    let time_col = csv_util::column(&header, &config.timestamp_column, source)?;
    let node_col = csv_util::column(&header, &config.node_column, source)?;
    let value_col = csv_util::column(&header, &config.value_column, source)?;
    let parse_error = |line: usize, message: String| DataError::Parse {
        path: source.to_string(),
        line,
        message,
    };

    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rows_of: Vec<Vec<(i64, f64, usize)>> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut rows = 0;
    while csv
        .read_record(&mut record)
        .map_err(|e| csv_util::csv_error(e, source))?
    {
        let line = csv_util::line_of(&record);
        let time_text = record[time_col].trim();
        let time = Timestamp::parse(time_text).ok_or_else(|| {
            parse_error(
                line,
                format!(
                    "column '{}': '{time_text}' is not a timestamp (expected YYYY-MM-DD HH:MM[:SS] \
                     or YYYY-MM-DDTHH:MM[:SS])",
                    config.timestamp_column
                ),
            )
        })?;
        let node = record[node_col].trim();
        if node.is_empty() {
            return Err(parse_error(
                line,
                format!("column '{}': empty node id", config.node_column),
            ));
        }
        let cell = record[value_col].trim();
        let value = if is_missing(cell) {
            f64::NAN
        } else {
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    return Err(parse_error(
                        line,
                        format!(
                            "column '{}': '{cell}' is not a number (node '{node}'; write an \
                             empty cell, NA or nan for a missing reading)",
                            config.value_column
                        ),
                    ));
                }
            }
        };
        let k = match index.get(node) {
            Some(&k) => k,
            None => {
                index.insert(node.to_string(), ids.len());
                ids.push(node.to_string());
                rows_of.push(Vec::new());
                ids.len() - 1
            }
        };
        rows_of[k].push((time.0, value, line));
        rows += 1;
    }

    let mut nodes = Vec::with_capacity(ids.len());
    let mut duplicate: Option<(usize, usize, usize, i64)> = None; // (later line, earlier, node, t)
    for (k, (id, mut series)) in ids.into_iter().zip(rows_of).enumerate() {
        // Stable: rows of one timestamp stay in file order. Usually already sorted.
        series.sort_by_key(|r| r.0);
        for pair in series.windows(2) {
            if pair[0].0 == pair[1].0 {
                let (a, b) = (pair[0].2.min(pair[1].2), pair[0].2.max(pair[1].2));
                if duplicate.is_none_or(|d| b < d.0) {
                    duplicate = Some((b, a, k, pair[0].0));
                }
            }
        }
        nodes.push(NodeSeries {
            id,
            times: series.iter().map(|r| r.0).collect(),
            values: series.iter().map(|r| r.1).collect(),
            lines: series.iter().map(|r| r.2).collect(),
        });
    }
    if let Some((later, earlier, k, t)) = duplicate {
        return Err(parse_error(
            later,
            format!(
                "node '{}' at {} appears twice: lines {earlier} and {later}",
                nodes[k].id,
                Timestamp(t)
            ),
        ));
    }
    Ok(Panel { nodes, rows })
}
