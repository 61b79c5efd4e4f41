//! The `cascade run` options a grid file can set: each option's name, its default, and where
//! its value sits in [`RunArgs`]. Both come from clap's own definition of `cascade run`, so a
//! grid knows every option, with the default and the order `cascade run --help` gives it.

use clap::{CommandFactory, Parser};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::args::{Cli, Command, RunArgs};

/// The options of `cascade run`, in `--help` order, and their defaults.
pub struct RunOptions {
    /// `(long name, path)`: the value of `--name` is at `path` in the JSON form of [`RunArgs`]
    /// (a field, or a field of one of its flattened groups).
    options: Vec<(String, Vec<String>)>,
    /// [`RunArgs`] with every default, in its JSON form.
    defaults: Json,
}

impl RunOptions {
    /// Reads the options and their defaults from clap's `cascade run`.
    pub fn new() -> Self {
        let defaults = match Cli::try_parse_from(["cascade", "run"]) {
            Ok(Cli {
                command: Command::Run(args),
            }) => serde_json::to_value(&args).expect("run arguments serialise"),
            _ => unreachable!("`cascade run` parses without arguments"),
        };
        let command = Cli::command();
        let run = command
            .find_subcommand("run")
            .expect("cascade has a run command");
        let options = run
            .get_arguments()
            .filter_map(|arg| {
                let long = arg.get_long()?;
                let path = path_of(&defaults, arg.get_id().as_str())?;
                Some((long.to_string(), path))
            })
            .collect();
        Self { options, defaults }
    }

    /// [`RunArgs`] with every default, in its JSON form.
    pub fn defaults(&self) -> Json {
        self.defaults.clone()
    }

    /// Where the value of grid key `key` goes, or why the key cannot be in a grid (not a
    /// `cascade run` option, or one that the grid sets itself).
    pub fn path(&self, key: &str) -> Result<&[String], String> {
        let name = normalise(key);
        match name.as_str() {
            "budgets" => {
                return Err(
                    "'budgets': give several budgets as an axis, budget = [500, 1000]".into(),
                );
            }
            "json" => return Err("'json': the grid writes DIR/results.json itself".into()),
            "reps" | "stack" => {
                return Err(format!(
                    "'{key}' is a top-level key of the grid (before [base])"
                ));
            }
            _ => {}
        }
        self.options
            .iter()
            .find(|(long, _)| *long == name)
            .map(|(_, path)| path.as_slice())
            .ok_or_else(|| {
                format!("unknown key '{key}': not a `cascade run` option (see cascade run --help)")
            })
    }

    /// Where an axis goes in the setting order: `cascade run --help` order, budget innermost.
    pub fn rank(&self, key: &str) -> (usize, String) {
        let key = normalise(key);
        if key == "budget" {
            return (usize::MAX, key);
        }
        let rank = self
            .options
            .iter()
            .position(|(long, _)| *long == key)
            .unwrap_or(usize::MAX - 1);
        (rank, key)
    }
}

/// `tau_within` and `tau-within` name the same option.
pub fn normalise(key: &str) -> String {
    key.trim().replace('_', "-")
}

/// The path of field `id` in `defaults`: a top-level field, or a field of a group (an
/// object: `data`, the synthetic tasks' group, is not `--data`).
fn path_of(defaults: &Json, id: &str) -> Option<Vec<String>> {
    let top = defaults.as_object()?;
    if top.get(id).is_some_and(|value| !value.is_object()) {
        return Some(vec![id.to_string()]);
    }
    top.iter()
        .find(|(_, group)| group.as_object().is_some_and(|g| g.contains_key(id)))
        .map(|(group, _)| vec![group.clone(), id.to_string()])
}

/// The value at `path` in `json`, created if missing.
pub fn slot<'a>(json: &'a mut Json, path: &[String]) -> &'a mut Json {
    path.iter().fold(json, |node, key| &mut node[key.as_str()])
}

/// [`RunArgs`] from its JSON form (`run` options and their values as a grid gives them).
pub fn run_args(json: &Json) -> Result<RunArgs, String> {
    RunArgs::deserialize(json).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_option_has_a_place_and_defaults_read_back() {
        let options = RunOptions::new();
        assert_eq!(options.path("tau_within").unwrap(), ["data", "tau_within"]);
        assert_eq!(options.path("dim").unwrap(), ["data", "features"]);
        assert_eq!(
            options.path("features").unwrap(),
            ["source", "feature_columns"]
        );
        assert_eq!(options.path("eta").unwrap(), ["method", "eta"]);
        assert_eq!(options.path("methods").unwrap(), ["methods"]);
        assert_eq!(options.path("data").unwrap(), ["source", "data"]);
        assert!(
            options
                .path("colour")
                .unwrap_err()
                .contains("unknown key 'colour'")
        );
        assert!(options.path("reps").unwrap_err().contains("top-level"));
        // The defaults as JSON read back as the defaults.
        let args = run_args(&options.defaults()).unwrap();
        let Ok(Cli {
            command: Command::Run(parsed),
        }) = Cli::try_parse_from(["cascade", "run"])
        else {
            panic!("run parses");
        };
        assert_eq!(args, parsed);
        assert!(options.rank("tau-within") < options.rank("seed"));
        assert_eq!(options.rank("budget").0, usize::MAX);
    }
}
