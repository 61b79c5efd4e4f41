//! A grid's settings: the base and one combination of the axes, read straight into typed
//! [`RunArgs`]. Each key's value replaces the option's default and is read by serde through the
//! option's own type (`eta = 0.01` or `eta = "auto"` through `Eta`'s `FromStr`, as `--eta`
//! is), so a bad value is refused with the library's message, naming the setting and the key.
//!
//! Settings are ordered with the axes in `cascade run --help` order, outermost first, and
//! `budget` innermost, so a table lists the budgets of one data setting together.

use serde_json::Value as Json;

use super::options::{RunOptions, normalise, run_args, slot};
use super::spec::{GridFile, Value};
use crate::args::RunArgs;
use crate::error::CliError;

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
    /// Every setting, read as `cascade run` reads its options; `origin` names the grid in
    /// errors.
    pub fn settings(&self, origin: &str) -> Result<Vec<Setting>, CliError> {
        let options = RunOptions::new();
        let mut axes: Vec<(&String, &Vec<Value>)> = self.axes.iter().collect();
        axes.sort_by_key(|(key, _)| options.rank(key));
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
                let setting_error = |reason: String| CliError::Grid {
                    origin: origin.to_string(),
                    reason: format!(
                        "setting {} ({}): {reason}",
                        index + 1,
                        params_label(&params)
                    ),
                };
                let keys = self.base.iter().chain(combo.iter().copied());
                let args = read_setting(&options, keys).map_err(setting_error)?;
                Ok(Setting { params, args })
            })
            .collect()
    }
}

/// `cascade run`'s defaults with the values of `keys` in place, each checked as it goes in
/// (so an error names its key), `--pca` resolved.
fn read_setting<'a>(
    options: &RunOptions,
    keys: impl Iterator<Item = (&'a String, &'a Value)>,
) -> Result<RunArgs, String> {
    let mut json = options.defaults();
    let mut args = run_args(&json)?;
    for (key, value) in keys {
        *slot(&mut json, options.path(key)?) = to_json(value);
        args = run_args(&json).map_err(|e| format!("{} = {value}: {e}", normalise(key)))?;
    }
    args.source.resolve_pca(args.method.model.as_ref());
    Ok(args)
}

/// A grid value as JSON for serde; a number that JSON cannot hold (`inf`) goes as its text.
fn to_json(value: &Value) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(x) if x.is_finite() => Json::from(*x),
        Value::Float(x) => Json::String(x.to_string()),
        Value::Text(t) => Json::String(t.clone()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use cascade::budget::Allocation;
    use cascade::root::RootRule;
    use cascade::train::Eta;

    use super::*;

    fn parse(text: &str) -> GridFile {
        GridFile::parse(text, false, "test.toml").unwrap()
    }

    #[test]
    fn axes_expand_in_help_order_with_budget_innermost() {
        let file = parse(
            "reps = 3\n[base]\ndim = 3\nmethods = [\"indiv\", \"mst-gradient\"]\n\
             [axes]\nbudget = [500, 1000]\ntau_within = [2.5, 10]\n",
        );
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
        let methods: Vec<String> = settings[0]
            .args
            .methods
            .as_ref()
            .unwrap()
            .iter()
            .map(|m| m.to_string())
            .collect();
        assert_eq!(methods, ["indiv", "mst-gradient"]);
    }

    #[test]
    fn json_flags_text_values_and_data() {
        let file = GridFile::parse(
            r#"{"base": {"homogeneous": true, "seed": 7, "data": ["electricity", "x.csv"],
                         "eta": "auto", "divergence_factor": "inf"},
                "axes": {"root": ["medoid", 3], "allocation": ["uniform", "hybrid:1,2"]}}"#,
            true,
            "g.json",
        )
        .unwrap();
        let settings = file.settings("g.json").unwrap();
        assert_eq!(settings.len(), 4);
        let args = &settings[3].args;
        assert!(args.data.homogeneous);
        assert_eq!(args.method.seed, 7);
        assert_eq!(args.method.eta, Eta::Auto);
        assert_eq!(args.method.divergence_factor, f64::INFINITY);
        assert_eq!(args.method.root, RootRule::Given(3));
        assert_eq!(
            args.method.allocation,
            Allocation::Hybrid { a: 1.0, b: 2.0 }
        );
        assert_eq!(args.source.data, ["electricity", "x.csv"]);
        assert_eq!(settings[0].label(), "allocation=uniform, root=medoid");
    }

    #[test]
    fn bad_values_name_the_setting_and_the_key_with_the_library_message() {
        let file = parse("[axes]\nbudget = [100]\nallocation = [\"uniform\", \"hybird:1\"]");
        let message = file.settings("test.toml").unwrap_err().to_string();
        let library = "hybird:1".parse::<Allocation>().unwrap_err().to_string();
        assert!(
            message.starts_with("grid 'test.toml': setting 2 (allocation=hybird:1, budget=100)"),
            "{message}"
        );
        assert!(
            message.contains(&format!("allocation = hybird:1: {library}")),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
        for (text, says) in [
            ("[base]\neta = -1", "eta = -1: "),
            (
                "[base]\nmodel = \"transformer\"",
                "unknown model 'transformer'",
            ),
            ("[base]\ndim = \"three\"", "dim = three: "),
            ("[base]\nroot = -1", "root = -1: "),
        ] {
            let message = parse(text).settings("test.toml").unwrap_err().to_string();
            assert!(message.contains(says), "{text}: {message}");
            assert!(!message.contains('\n'), "{text}: {message}");
        }
    }

    #[test]
    fn image_models_get_raw_pixels_unless_pca_is_given() {
        let file = parse(
            "[base]\ndata = [\"image-tasks\", \"d\"]\n[axes]\nmodel = [\"small-cnn\", \"linear\"]",
        );
        let settings = file.settings("t").unwrap();
        assert_eq!(settings[0].args.source.pca, Some(0));
        assert_eq!(settings[1].args.source.pca, Some(100));
        let file = parse("[base]\nmodel = \"small-cnn\"\npca = 20");
        assert_eq!(file.settings("t").unwrap()[0].args.source.pca, Some(20));
    }

    #[test]
    fn data_path_is_replaced_or_resolved() {
        let mut file = parse("[base]\ndata = [\"electricity\", \"a.csv\"]");
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
        let mut synthetic = parse("[base]\ndim = 3");
        assert!(synthetic.set_data_path(Path::new("x")).is_err());
    }
}
