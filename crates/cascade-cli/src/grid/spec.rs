//! Grid files: a base of `cascade run` options and axes whose every combination is one setting.
//!
//! A grid is written in TOML (or JSON) in terms of the command line, so nothing new has to be
//! learnt and every option keeps its default, its validation and its error message:
//!
//! ```toml
//! reps = 50            # repetitions per setting (fresh data each)
//! stack = 10           # repetitions trained together and saved together (one cell)
//! metric = "mse"       # mse, rmse or accuracy (default: accuracy for binary labels, else mse)
//!
//! [base]               # any `cascade run` option, without its dashes
//! dim = 3
//! methods = ["indiv", "star", "mst-gradient"]
//! data = ["electricity", "panel.csv"]     # KIND PATH; a relative PATH is read from the file's folder
//!
//! [axes]               # every combination of these values is one setting
//! tau-within = [2, 5, 10]
//! budget = [500, 1000, 2000]
//! ```
//!
//! A key that is not a `cascade run` option is refused when the file is read; the settings are
//! read into typed values in `expand.rs`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::options::{RunOptions, normalise};
use crate::error::CliError;
use crate::metric::Metric;
use crate::values::Count;

/// A value in a grid file: what a command-line option takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A flag: `true` passes it, `false` leaves it out.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number.
    Float(f64),
    /// Text, passed as it is.
    Text(String),
    /// A list: the values of `data` (KIND PATH), or a comma-separated list (`methods`).
    List(Vec<Value>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            // Rust prints the shortest text that reads back as the same f64.
            Value::Float(x) => write!(f, "{x}"),
            Value::Text(t) => f.write_str(t),
            Value::List(items) => {
                let parts: Vec<String> = items.iter().map(|v| v.to_string()).collect();
                f.write_str(&parts.join(","))
            }
        }
    }
}

/// A grid file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridFile {
    /// What the grid is for (shown by `--list-presets` and written to results.json).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Repetitions per setting.
    #[serde(default = "default_reps")]
    pub reps: Count,
    /// Repetitions trained together as one program and saved as one cell.
    #[serde(default = "default_stack")]
    pub stack: Count,
    /// The reported metric; default accuracy for binary labels, MSE otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
    /// Options every setting shares.
    #[serde(default)]
    pub base: BTreeMap<String, Value>,
    /// Options that vary: every combination of their values is one setting.
    #[serde(default)]
    pub axes: BTreeMap<String, Vec<Value>>,
}

/// The most settings a grid may have (the product of its axes' lengths).
pub const MAX_SETTINGS: usize = 100_000;

fn default_reps() -> Count {
    Count::TEN
}

fn default_stack() -> Count {
    Count::TEN
}

impl GridFile {
    /// Reads a grid file: JSON if the name ends in `.json`, TOML otherwise.
    pub fn read(path: &Path) -> Result<Self, CliError> {
        let text = std::fs::read_to_string(path).map_err(|e| CliError::Grid {
            origin: path.display().to_string(),
            reason: format!("cannot read it: {e}"),
        })?;
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        Self::parse(&text, json, &path.display().to_string())
    }

    /// Parses grid text; `origin` names it in errors.
    pub fn parse(text: &str, json: bool, origin: &str) -> Result<Self, CliError> {
        let error = |reason: String| CliError::Grid {
            origin: origin.to_string(),
            reason,
        };
        let file: GridFile = if json {
            serde_json::from_str(text).map_err(|e| error(e.to_string()))?
        } else {
            // toml's own rendering spans several lines (a source excerpt): say where and what.
            toml::from_str(text).map_err(|e| error(toml_reason(text, &e)))?
        };
        file.check().map_err(error)?;
        Ok(file)
    }

    /// Every key a `cascade run` option, none given twice (`tau_within` and `tau-within` are
    /// one key), every axis with values.
    fn check(&self) -> Result<(), String> {
        let options = RunOptions::new();
        let mut seen: Vec<(String, &str)> = Vec::new();
        let keys =
            (self.base.keys().map(|k| (k, "base"))).chain(self.axes.keys().map(|k| (k, "axes")));
        for (key, section) in keys {
            options
                .path(key)
                .map_err(|reason| format!("[{section}] {reason}"))?;
            match seen.iter().find(|(k, _)| *k == normalise(key)) {
                Some((_, "base")) if section == "axes" => {
                    return Err(format!("'{key}' is both in [base] and in [axes]"));
                }
                Some(_) => return Err(format!("'{key}' is given twice in [{section}]")),
                None => seen.push((normalise(key), section)),
            }
        }
        if let Some((key, _)) = self.axes.iter().find(|(_, values)| values.is_empty()) {
            return Err(format!("axis '{key}' has no values"));
        }
        // Counted before the settings are listed, which would hold every combination.
        let settings = self
            .axes
            .values()
            .try_fold(1usize, |n, values| n.checked_mul(values.len()))
            .filter(|&n| n <= MAX_SETTINGS);
        if settings.is_none() {
            let sizes: Vec<String> = self.axes.values().map(|v| v.len().to_string()).collect();
            return Err(format!(
                "the axes make {} settings, more than the {MAX_SETTINGS} a grid may have",
                sizes.join(" x ")
            ));
        }
        Ok(())
    }

    /// The grid as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot print the grid: {e}\n"))
    }

    /// Makes relative data paths relative to `dir` (the grid file's folder).
    pub fn resolve_paths(&mut self, dir: &Path) {
        self.for_each_data_path(|path| {
            if Path::new(path.as_str()).is_relative() {
                *path = dir.join(path.as_str()).display().to_string();
            }
        });
    }

    /// Replaces the PATH of every `data = [KIND, PATH]`; an error if there is none.
    pub fn set_data_path(&mut self, new: &Path) -> Result<(), CliError> {
        let mut replaced = 0;
        self.for_each_data_path(|path| {
            *path = new.display().to_string();
            replaced += 1;
        });
        if replaced == 0 {
            return Err(CliError::Usage {
                option: "--data-path",
                reason: "the grid reads no data file (it has no data = [KIND, PATH])".into(),
            });
        }
        Ok(())
    }

    fn for_each_data_path(&mut self, mut f: impl FnMut(&mut String)) {
        let values = self
            .base
            .iter_mut()
            .filter(|(k, _)| k.as_str() == "data")
            .map(|(_, v)| v)
            .chain(
                self.axes
                    .iter_mut()
                    .filter(|(k, _)| k.as_str() == "data")
                    .flat_map(|(_, vs)| vs.iter_mut()),
            );
        for value in values {
            if let Value::List(items) = value
                && let [_, Value::Text(path)] = items.as_mut_slice()
            {
                f(path);
            }
        }
    }
}

/// The folder relative data paths of a grid file are read from.
pub fn file_dir(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// A TOML error on one line: `line L, column C (the line's text): what` (the message alone
/// where toml gives no position).
fn toml_reason(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().replace('\n', " ");
    match error.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[start..].chars().count() + 1;
            let source = text[start..].lines().next().unwrap_or("").trim();
            format!("line {line}, column {column} ({source}): {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<GridFile, CliError> {
        GridFile::parse(text, false, "test.toml")
    }

    #[test]
    fn bad_grids_are_one_line_errors() {
        let cases = [
            ("reps = 0", "must be at least 1"),
            ("stack = 0", "must be at least 1"),
            (
                "[base]\nbudgets = [1, 2]",
                "give several budgets as an axis",
            ),
            ("[base]\nreps = 5", "top-level key"),
            ("[axes]\nbudget = []", "axis 'budget' has no values"),
            ("colour = 1", "unknown field"),
            (
                "[base]\neta = 0.1\n[axes]\neta = [1]",
                "both in [base] and in [axes]",
            ),
            ("reps = ", "test.toml"),
            (
                "[axes]\nbudget = [100]\ncolour = [1, 2]",
                "[axes] unknown key 'colour'",
            ),
            ("[base]\nsigmaa = 1", "[base] unknown key 'sigmaa'"),
            (
                "[base]\ntau_within = 1\ntau-within = 2",
                "'tau_within' is given twice in [base]",
            ),
        ];
        for (text, expected) in cases {
            let message = parse(text).unwrap_err().to_string();
            assert!(message.contains(expected), "{text:?}: {message}");
            assert!(message.contains("test.toml"), "{text:?}: {message}");
            assert!(!message.contains('\n'), "{text:?}: {message}");
        }
        // A count of 0 names its key (the message quotes the line).
        let message = parse("reps = 0").unwrap_err().to_string();
        assert!(message.contains("reps = 0"), "{message}");
    }

    #[test]
    fn printed_toml_reads_back() {
        let file = parse(
            "description = \"d\"\nreps = 4\nmetric = \"rmse\"\n[base]\neta = 0.00121423383766747\n\
             [axes]\nallocation = [\"uniform\", \"hybrid:1,1\"]\n",
        )
        .unwrap();
        assert_eq!(parse(&file.to_toml()).unwrap(), file);
    }
}
