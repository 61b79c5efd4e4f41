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
//! Settings are ordered with the axes in `cascade run --help` order, outermost first, and
//! `budget` innermost, so a table lists the budgets of one data setting together.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser};
use serde::{Deserialize, Serialize};

use crate::args::{Cli, Command, RunArgs};
use crate::error::CliError;

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

/// Which number a grid reports and compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Mean test MSE over tasks (lower is better).
    Mse,
    /// Mean test RMSE over tasks (lower is better).
    Rmse,
    /// Mean test accuracy over tasks (higher is better; binary labels only).
    Accuracy,
}

impl Metric {
    /// Whether a larger value is better.
    pub fn higher_is_better(self) -> bool {
        self == Metric::Accuracy
    }

    /// Orders means so that the best sorts first: the error itself, or minus the accuracy;
    /// NaN sorts last.
    pub fn rank_key(self, mean: f64) -> f64 {
        let key = if self.higher_is_better() { -mean } else { mean };
        if key.is_nan() { f64::INFINITY } else { key }
    }

    /// A label for tables and axes.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Mse => "test MSE",
            Metric::Rmse => "test RMSE",
            Metric::Accuracy => "test accuracy %",
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
    pub reps: usize,
    /// Repetitions trained together as one program and saved as one cell.
    #[serde(default = "default_stack")]
    pub stack: usize,
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

fn default_reps() -> usize {
    10
}

fn default_stack() -> usize {
    10
}

/// One setting of a grid: its varying parameters and its complete `cascade run` arguments.
#[derive(Debug, Clone)]
pub struct Setting {
    /// The values of the axes, as `(option, value)`, outermost axis first.
    pub params: Vec<(String, String)>,
    /// Everything `cascade run` would have been given.
    pub args: RunArgs,
}

impl Setting {
    /// `tau-within=2, budget=500`, or `all` for a grid without axes.
    pub fn label(&self) -> String {
        params_label(&self.params)
    }
}

/// `tau-within=2, budget=500`, or `all` without parameters.
pub fn params_label(params: &[(String, String)]) -> String {
    if params.is_empty() {
        return "all".into();
    }
    let parts: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(", ")
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
            // toml's message spans several lines (a source excerpt): keep it on one.
            toml::from_str(text).map_err(|e| {
                let text = e.to_string();
                let one_line: Vec<&str> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                error(one_line.join(" "))
            })?
        };
        file.check().map_err(error)?;
        Ok(file)
    }

    fn check(&self) -> Result<(), String> {
        if self.reps == 0 {
            return Err("reps must be at least 1".into());
        }
        if self.stack == 0 {
            return Err("stack must be at least 1".into());
        }
        for key in self.base.keys().chain(self.axes.keys()) {
            check_key(key)?;
        }
        if let Some(key) = self.base.keys().find(|k| self.axes.contains_key(*k)) {
            return Err(format!("'{key}' is both in [base] and in [axes]"));
        }
        if let Some((key, _)) = self.axes.iter().find(|(_, values)| values.is_empty()) {
            return Err(format!("axis '{key}' has no values"));
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

    /// Every setting, checked by `cascade run`'s own parser; `origin` names the grid in errors.
    pub fn settings(&self, origin: &str) -> Result<Vec<Setting>, CliError> {
        let mut axes: Vec<(&String, &Vec<Value>)> = self.axes.iter().collect();
        axes.sort_by_key(|(key, _)| axis_rank(key));
        let mut combos: Vec<Vec<(&String, &Value)>> = vec![Vec::new()];
        for (key, values) in &axes {
            combos = combos
                .into_iter()
                .flat_map(|combo| {
                    values.iter().map(move |v| {
                        let mut next = combo.clone();
                        next.push((*key, v));
                        next
                    })
                })
                .collect();
        }
        combos
            .into_iter()
            .enumerate()
            .map(|(index, combo)| {
                let params: Vec<(String, String)> = combo
                    .iter()
                    .map(|(k, v)| (normalise(k), v.to_string()))
                    .collect();
                let mut argv = vec!["cascade".to_string(), "run".to_string()];
                for (key, value) in self.base.iter().chain(combo.iter().copied()) {
                    argv.extend(option_args(key, value));
                }
                let setting_error = |reason: String| CliError::Grid {
                    origin: origin.to_string(),
                    reason: format!(
                        "setting {} ({}): {reason}",
                        index + 1,
                        params_label(&params)
                    ),
                };
                let args = parse_run(&argv).map_err(setting_error)?;
                Ok(Setting { params, args })
            })
            .collect()
    }
}

/// Keys that are not `cascade run` options, or that a grid sets itself.
fn check_key(key: &str) -> Result<(), String> {
    match normalise(key).as_str() {
        "budgets" => Err("'budgets': give several budgets as an axis, budget = [500, 1000]".into()),
        "json" => Err("'json': the grid writes DIR/results.json itself".into()),
        "reps" | "stack" => Err(format!(
            "'{key}' is a top-level key of the grid (before [base])"
        )),
        _ => Ok(()),
    }
}

/// `tau_within` and `tau-within` name the same option.
fn normalise(key: &str) -> String {
    key.trim().replace('_', "-")
}

/// The command-line words of one option.
fn option_args(key: &str, value: &Value) -> Vec<String> {
    let option = format!("--{}", normalise(key));
    match value {
        Value::Bool(true) => vec![option],
        Value::Bool(false) => Vec::new(),
        Value::List(items) if normalise(key) == "data" => std::iter::once(option)
            .chain(items.iter().map(|v| v.to_string()))
            .collect(),
        // `--key=value`, so a negative number is not read as an option.
        other => vec![format!("{option}={other}")],
    }
}

/// Where an axis goes in the setting order: `cascade run --help` order, budget innermost.
fn axis_rank(key: &str) -> (usize, String) {
    let key = normalise(key);
    if key == "budget" {
        return (usize::MAX, key);
    }
    let command = Cli::command();
    let rank = command
        .find_subcommand("run")
        .and_then(|run| {
            run.get_arguments()
                .position(|a| a.get_long() == Some(key.as_str()))
        })
        .unwrap_or(usize::MAX - 1);
    (rank, key)
}

/// Parses `cascade run` arguments; the error is clap's first line.
fn parse_run(argv: &[String]) -> Result<RunArgs, String> {
    match Cli::try_parse_from(argv) {
        Ok(Cli {
            command: Command::Run(args),
        }) => Ok(args),
        Ok(_) => Err("not a run".into()),
        Err(e) => Err(crate::args::first_line(&e)
            .trim_start_matches("error: ")
            .to_string()),
    }
}

/// The folder relative data paths of a grid file are read from.
pub fn file_dir(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<GridFile, CliError> {
        GridFile::parse(text, false, "test.toml")
    }

    #[test]
    fn axes_expand_in_help_order_with_budget_innermost() {
        let file = parse(
            "reps = 3\n[base]\ndim = 3\nmethods = [\"indiv\", \"mst-gradient\"]\n\
             [axes]\nbudget = [500, 1000]\ntau_within = [2.5, 10]\n",
        )
        .unwrap();
        let settings = file.settings("test.toml").unwrap();
        let labels: Vec<String> = settings.iter().map(Setting::label).collect();
        assert_eq!(
            labels,
            [
                "tau-within=2.5, budget=500",
                "tau-within=2.5, budget=1000",
                "tau-within=10, budget=500",
                "tau-within=10, budget=1000"
            ]
        );
        assert_eq!(settings[1].args.data.tau_within, 2.5);
        assert_eq!(settings[1].args.method.budget, Some(1000));
        assert_eq!(settings[1].args.data.features, 3);
        assert_eq!(
            settings[0].args.methods.as_deref(),
            Some(&["indiv".to_string(), "mst-gradient".to_string()][..])
        );
    }

    #[test]
    fn json_flags_negative_numbers_and_data() {
        let file = GridFile::parse(
            r#"{"base": {"homogeneous": true, "seed": 7, "data": ["electricity", "x.csv"]},
                "axes": {"root": ["medoid", "-1"]}}"#,
            true,
            "g.json",
        )
        .unwrap();
        let settings = file.settings("g.json").unwrap();
        assert_eq!(settings.len(), 2);
        assert!(settings[0].args.data.homogeneous);
        assert_eq!(settings[0].args.method.seed, 7);
        assert_eq!(settings[1].args.method.root, "-1");
        assert_eq!(settings[0].args.source.data, ["electricity", "x.csv"]);
    }

    #[test]
    fn bad_grids_are_one_line_errors() {
        let cases = [
            ("reps = 0", "reps must be at least 1"),
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
        ];
        for (text, expected) in cases {
            let message = parse(text).unwrap_err().to_string();
            assert!(message.contains(expected), "{text:?}: {message}");
            assert!(!message.contains('\n'), "{text:?}: {message}");
        }
        let file = parse("[axes]\nbudget = [100]\ncolour = [1, 2]").unwrap();
        let message = file.settings("test.toml").unwrap_err().to_string();
        assert!(
            message.contains("setting 1 (budget=100, colour=1)")
                || message.contains("setting 1 (colour=1, budget=100)"),
            "{message}"
        );
        assert!(message.contains("--colour"), "{message}");
    }

    #[test]
    fn data_path_is_replaced_or_resolved() {
        let mut file = parse("[base]\ndata = [\"electricity\", \"a.csv\"]").unwrap();
        file.resolve_paths(Path::new("/grids"));
        assert_eq!(
            file.base["data"],
            Value::List(vec![
                Value::Text("electricity".into()),
                Value::Text("/grids/a.csv".into())
            ])
        );
        file.set_data_path(Path::new("/data/panel.csv")).unwrap();
        let settings = file.settings("t").unwrap();
        assert_eq!(settings[0].args.source.data[1], "/data/panel.csv");
        let mut synthetic = parse("[base]\ndim = 3").unwrap();
        assert!(synthetic.set_data_path(Path::new("x")).is_err());
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
