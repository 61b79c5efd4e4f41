//! The one check of the run settings against the data. clap and serde have parsed every value
//! already (a bad name or number never gets this far); what is left depends on the data or on
//! several values together, and is checked here, once, for every command: the methods, every
//! budget against the number of tasks, the budget's and the training settings' ranges, and a
//! given root among the tasks. The repetition engine takes only a [`Checked`] value.

use cascade::experiment::CompareConfig;
use cascade::method::Method;
use cascade::root::RootRule;
use cascade::train::Eta;
use cascade::{CascadeError, distance};
use cascade_data::TaskSet;
use cascade_models::ModelKind;

use crate::error::CliError;
use crate::settings::RunSettings;

/// Comparison settings checked against the data (one per budget, or per setting of a grid's
/// group), all training as one program.
#[derive(Debug, Clone)]
pub struct Checked {
    configs: Vec<CompareConfig>,
}

impl Checked {
    /// Checks `settings` for `methods` on `tasks` tasks whose default model is `default_model`,
    /// one setting per budget of `budgets` (`None`: `--budget`, or its default for `tasks`).
    pub fn new(
        settings: &RunSettings,
        methods: Vec<Method>,
        budgets: Option<&[usize]>,
        tasks: usize,
        default_model: ModelKind,
    ) -> Result<Self, CliError> {
        check_methods(&methods)?;
        let default_budget = [settings.budget_for(tasks)];
        let budgets = budgets.unwrap_or(&default_budget);
        if budgets.is_empty() {
            return Err(CliError::Usage {
                option: "--budgets",
                reason: "no budget given".into(),
            });
        }
        let base = settings.compare_config(methods, budgets[0], default_model);
        let configs = budgets
            .iter()
            .map(|&total| {
                if total < tasks {
                    return Err(CascadeError::BudgetTooSmall {
                        budget: total,
                        tasks,
                    });
                }
                let mut config = base.clone();
                config.plan.budget.total = total;
                config.plan.budget.validate()?;
                Ok(config)
            })
            .collect::<Result<_, _>>()?;
        base.train.validate()?;
        if let RootRule::Given(index) = base.plan.root_rule
            && index >= tasks
        {
            return Err(CascadeError::TaskOutOfRange { index, tasks }.into());
        }
        Ok(Self { configs })
    }

    /// Settings checked apart that train as one program (the settings of a grid's group; see
    /// [`CompareConfig::shares_program`]), as one value.
    pub fn join(parts: impl IntoIterator<Item = Checked>) -> Self {
        Self {
            configs: parts.into_iter().flat_map(|c| c.configs).collect(),
        }
    }

    /// Every setting, in order.
    pub fn configs(&self) -> &[CompareConfig] {
        &self.configs
    }

    /// The first setting (the only one but with `--budgets` or a grid's group).
    pub fn first(&self) -> &CompareConfig {
        &self.configs[0]
    }

    /// The first setting for `method` alone with learning rate `eta` and, if given, seed
    /// fraction `f` (a tuning trial, or the tuned method's test); the new values are checked.
    pub fn tuned(&self, method: Method, eta: f64, f: Option<f64>) -> Result<Self, CliError> {
        let mut config = self.first().clone();
        config.methods = vec![method];
        config.train.eta = Eta::Fixed(eta);
        config.train.validate()?;
        if let Some(f) = f {
            config.plan.budget.seed_fraction = f;
            config.plan.budget.validate()?;
        }
        Ok(Self {
            configs: vec![config],
        })
    }

    /// The first setting with `methods` instead of its own.
    pub fn with_methods(&self, methods: Vec<Method>) -> Result<Self, CliError> {
        check_methods(&methods)?;
        let config = CompareConfig {
            methods,
            ..self.first().clone()
        };
        Ok(Self {
            configs: vec![config],
        })
    }
}

/// At least one method, none twice.
fn check_methods(methods: &[Method]) -> Result<(), CliError> {
    if methods.is_empty() {
        return Err(CliError::Usage {
            option: "--methods",
            reason: "no method given".into(),
        });
    }
    if let Some((_, method)) = methods
        .iter()
        .enumerate()
        .find(|(i, m)| methods[..*i].contains(m))
    {
        return Err(CliError::Usage {
            option: "--methods",
            reason: format!("method '{method}' is listed twice"),
        });
    }
    Ok(())
}

/// The methods to compare on `tasks`, and a note when the default list left some out.
///
/// Without `names`, the default list ([`Method::default_set`]) minus the MST methods whose
/// distance cannot apply to these tasks (cka and target on ragged tasks; mmd and mean_cov where
/// a task has fewer than 2 training rows): the note names them and why. A method named
/// explicitly that cannot apply is an error naming the task at fault.
pub fn methods_for(
    names: Option<&[Method]>,
    tasks: &TaskSet,
) -> Result<(Vec<Method>, Option<String>), CliError> {
    let explicit = names.is_some();
    let methods = names.map_or_else(Method::default_set, <[Method]>::to_vec);
    let mut kept = Vec::new();
    let mut left_out: Vec<(Method, String)> = Vec::new();
    for method in methods {
        let check = method
            .tree_distance()
            .map_or(Ok(()), |d| distance::check_applies(tasks, d));
        match check {
            Ok(()) => kept.push(method),
            Err(e) if explicit => {
                return Err(CliError::Usage {
                    option: "--methods",
                    reason: format!("{method} cannot apply to these tasks: {e}"),
                });
            }
            Err(e) => left_out.push((method, e.to_string())),
        }
    }
    let note = (!left_out.is_empty()).then(|| {
        let why: Vec<String> = left_out
            .iter()
            .map(|(method, reason)| format!("{method} ({reason})"))
            .collect();
        format!(
            "left out of the default methods, since their distances cannot apply to these \
             tasks: {}",
            why.join("; ")
        )
    });
    Ok((kept, note))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    /// `cascade run ARGS`'s settings.
    fn settings(args: &[&str]) -> RunSettings {
        let argv = ["cascade", "run"].iter().chain(args);
        match Cli::try_parse_from(argv) {
            Ok(Cli {
                command: Command::Run(run),
            }) => run.method,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn check(args: &[&str], budgets: Option<&[usize]>) -> Result<Checked, String> {
        let methods = vec![Method::Indiv, Method::Star];
        Checked::new(&settings(args), methods, budgets, 20, ModelKind::Linear)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn one_setting_per_budget_each_checked_against_the_tasks() {
        let checked = check(&["--eta", "0.01"], Some(&[40, 80])).unwrap();
        let totals: Vec<usize> = checked
            .configs()
            .iter()
            .map(|c| c.plan.budget.total)
            .collect();
        assert_eq!(totals, [40, 80]);
        assert!(
            checked
                .configs()
                .iter()
                .all(|c| c.train.eta == Eta::Fixed(0.01))
        );
        // Without budgets: --budget, else 5 steps a task.
        assert_eq!(check(&[], None).unwrap().first().plan.budget.total, 100);
        assert_eq!(
            check(&["-B", "60"], None)
                .unwrap()
                .first()
                .plan
                .budget
                .total,
            60
        );
        for (args, budgets, says) in [
            (
                &[][..],
                Some(&[40, 10][..]),
                "smaller than the number of tasks",
            ),
            (&[], Some(&[][..]), "no budget given"),
            (&["-B", "19"], None, "smaller than the number of tasks"),
            (&["--root", "20"], None, "out of range"),
            (&["--divergence-factor", "0.5"], None, "divergence_factor"),
            (&["--seed-fraction", "1.5"], None, "seed fraction"),
        ] {
            let error = check(args, budgets).unwrap_err();
            assert!(error.contains(says), "{args:?} {budgets:?}: {error}");
        }
    }

    #[test]
    fn methods_are_listed_once_each() {
        let run = settings(&[]);
        let twice = Checked::new(
            &run,
            vec![Method::Star, Method::Indiv, Method::Star],
            None,
            20,
            ModelKind::Linear,
        );
        assert!(
            twice
                .unwrap_err()
                .to_string()
                .contains("'star' is listed twice")
        );
        let none = Checked::new(&run, Vec::new(), None, 20, ModelKind::Linear);
        assert!(none.unwrap_err().to_string().contains("no method given"));
        let base = check(&[], None).unwrap();
        let trial = base.tuned(Method::Star, 0.05, Some(0.3)).unwrap();
        assert_eq!(trial.first().methods, [Method::Star]);
        assert_eq!(trial.first().train.eta, Eta::Fixed(0.05));
        assert_eq!(trial.first().plan.budget.seed_fraction, 0.3);
        assert_eq!(
            base.with_methods(vec![Method::Mean])
                .unwrap()
                .first()
                .methods,
            [Method::Mean]
        );
    }
}
