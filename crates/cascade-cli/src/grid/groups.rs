//! Which settings of a grid train together, and a group ready to run.
//!
//! Settings on the same data (the same data options, seed and device) whose comparisons share
//! a program ([`CompareConfig::shares_program`], the library's one rule: same model, training
//! settings and executor) form one *group*: they share each repetition's data and task
//! distances, and train as one batched program. They may differ in how plans are made (budget,
//! allocation, rounding, root, seed fraction) and in their methods.

use cascade::experiment::CompareConfig;

use super::expand::{Setting, params_label};
use crate::args::RunArgs;
use crate::checked::Checked;
use crate::error::CliError;
use crate::session::Session;

/// The settings that train together, as lists of setting indices in grid order, the groups in
/// the order of their first setting.
pub fn group_settings(settings: &[Setting]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, setting) in settings.iter().enumerate() {
        match groups
            .iter_mut()
            .find(|group| together(&settings[group[0]].args, &setting.args))
        {
            Some(group) => group.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

/// Whether two settings read the same data on the same device and train as one program.
fn together(a: &RunArgs, b: &RunArgs) -> bool {
    a.data == b.data
        && a.source == b.source
        && a.method.seed == b.method.seed
        && a.method.device == b.method.device
        && program(a).shares_program(&program(b))
}

/// A setting's comparison as far as [`CompareConfig::shares_program`] reads it (the budget and
/// methods, which it does not read, left empty).
fn program(args: &RunArgs) -> CompareConfig {
    args.method
        .compare_config(Vec::new(), 0, args.source.default_model())
}

/// The parameters the settings of a group share, e.g. `tau-within=2`; `all` if none.
pub fn group_label(settings: &[Setting], group: &[usize]) -> String {
    let first = &settings[group[0]].params;
    let shared: Vec<(String, String)> = first
        .iter()
        .filter(|p| group.iter().all(|&i| settings[i].params.contains(p)))
        .cloned()
        .collect();
    params_label(&shared)
}

/// One group, ready to run: its data (repetition 0 read), device, and its settings checked.
pub struct Prepared {
    /// The group's data and device.
    pub session: Session,
    /// Its settings, in group order.
    pub checked: Checked,
    /// [`group_label`].
    pub label: String,
}

impl Prepared {
    /// Reads group `group`'s data and checks its settings; `origin` names the grid in errors.
    pub fn new(settings: &[Setting], group: &[usize], origin: &str) -> Result<Self, CliError> {
        let label = group_label(settings, group);
        let in_group = |e: CliError| CliError::Grid {
            origin: origin.to_string(),
            reason: match label.as_str() {
                "all" => e.to_string(),
                label => format!("{label}: {e}"),
            },
        };
        let first = &settings[group[0]].args;
        let session =
            Session::read(&first.data, &first.source, &first.method, 0).map_err(in_group)?;
        let parts = group
            .iter()
            .map(|&i| {
                let args = &settings[i].args;
                let (methods, _) = session.methods(args.methods.as_deref())?;
                session.check(&args.method, methods, None)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(in_group)?;
        Ok(Self {
            session,
            checked: Checked::join(parts),
            label,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::spec::GridFile;
    use super::*;

    fn groups(text: &str) -> Vec<Vec<usize>> {
        let file = GridFile::parse(text, false, "t").unwrap();
        group_settings(&file.settings("t").unwrap())
    }

    #[test]
    fn settings_that_share_data_and_a_program_group_together() {
        // Plan options (budget, allocation, root, seed fraction, methods) share a program.
        assert_eq!(
            groups(
                "[axes]\nbudget = [500, 1000]\nallocation = [\"uniform\", \"hybrid:1,1\"]\n\
                 seed-fraction = [0.1, 0.2]\nroot = [\"medoid\", \"random\"]\n\
                 methods = [[\"indiv\"], [\"star\", \"mst-gradient\"]]"
            ),
            [(0..32).collect::<Vec<_>>()]
        );
        // Data, seed, device, model, training settings and executor do not.
        for axis in [
            "tau-within = [2, 5]",
            "seed = [0, 1]",
            "device = [\"flex\", \"ndarray\"]",
            "model = [\"linear\", \"simple-mlp\"]",
            "eta = [0.01, 0.02]",
            "batch-size = [8, 16]",
            "executor = [\"batched\", \"reference\"]",
        ] {
            let text = format!("[axes]\nbudget = [500, 1000]\n{axis}");
            assert_eq!(groups(&text), [vec![0, 1], vec![2, 3]], "{axis}");
        }
        // The model as the data's default, or named, is the same program.
        assert_eq!(
            groups("[axes]\nmodel = [\"linear\", \"linear\"]"),
            [vec![0, 1]]
        );
    }

    /// The rule grids grouped by before [`CompareConfig::shares_program`]: equal arguments
    /// once the plan options and methods are blanked.
    fn old_groups(settings: &[Setting]) -> Vec<Vec<usize>> {
        let key = |args: &RunArgs| {
            let mut args = args.clone();
            args.method.budget = None;
            args.method.seed_fraction = 0.0;
            args.method.allocation = Default::default();
            args.method.rounding = Default::default();
            args.method.root = Default::default();
            args.method.root_distance = cascade::distance::Distance::Gradient;
            args.methods = None;
            serde_json::to_string(&args).unwrap()
        };
        let mut keys: Vec<String> = Vec::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, setting) in settings.iter().enumerate() {
            let k = key(&setting.args);
            match keys.iter().position(|x| *x == k) {
                Some(g) => groups[g].push(i),
                None => {
                    keys.push(k);
                    groups.push(vec![i]);
                }
            }
        }
        groups
    }

    #[test]
    fn presets_and_grids_group_as_before() {
        for (name, _) in super::super::presets::PRESETS {
            let file = super::super::presets::preset(name).unwrap();
            let settings = file.settings(name).unwrap();
            assert_eq!(group_settings(&settings), old_groups(&settings), "{name}");
        }
        let synthetic = super::super::presets::preset("paper-synthetic").unwrap();
        assert_eq!(
            group_settings(&synthetic.settings("s").unwrap()),
            [vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8]]
        );
        for text in [
            "[axes]\nbudget = [500, 1000]\neta = [0.01, 0.02]\nroot = [\"medoid\", \"random\"]",
            "[axes]\nclip = [1, 2]\nrounding = [\"floor\", \"largest-remainder\"]\ndim = [3, 4]",
            "[axes]\noptimizer = [\"sgd\", \"adam\"]\nmethods = [[\"indiv\"], [\"star\"]]\nseed = [1, 2]",
        ] {
            let file = GridFile::parse(text, false, "t").unwrap();
            let settings = file.settings("t").unwrap();
            assert_eq!(group_settings(&settings), old_groups(&settings), "{text}");
        }
    }
}
