//! Turning command-line values into the library's validated settings.

use cascade::budget::BudgetConfig;
use cascade::experiment::CompareConfig;
use cascade::method::Method;
use cascade::plan::PlanConfig;
use cascade::train::TrainConfig;
use cascade_data::TaskSet;
use cascade_data::synthetic::SyntheticConfig;
use cascade_models::{Backend, DeviceChoice, ModelKind};

use crate::args::{MethodArgs, SyntheticArgs};
use crate::error::CliError;

/// The generator settings, checked, plus the checks the method needs (T >= 2).
pub fn synthetic(args: &SyntheticArgs) -> Result<SyntheticConfig, CliError> {
    if args.tasks < 2 {
        return Err(CliError::Usage {
            option: "--tasks",
            reason: format!("T = {} but a cascade needs at least 2 tasks", args.tasks),
        });
    }
    let config = SyntheticConfig {
        n_tasks: args.tasks,
        n_features: args.features,
        n_train: args.n_train,
        n_test: args.n_test,
        n_clusters: args.clusters,
        tau_within: args.tau_within,
        tau_between: args.tau_between,
        sigma: args.sigma,
        homogeneous: args.homogeneous,
    };
    config.validate()?;
    Ok(config)
}

/// Steps a task gets when `--budget` is not given.
pub const DEFAULT_STEPS_PER_TASK: usize = 5;

/// The total budget B for `tasks` tasks: `--budget`, or [`DEFAULT_STEPS_PER_TASK`] a task.
pub fn budget(args: &MethodArgs, tasks: usize) -> usize {
    args.budget.unwrap_or(DEFAULT_STEPS_PER_TASK * tasks)
}

/// Parses and checks the method settings for `tasks` tasks; `default_model` applies when
/// `--model` is not given.
pub fn compare(
    args: &MethodArgs,
    methods: Vec<Method>,
    tasks: usize,
    default_model: ModelKind,
) -> Result<CompareConfig, CliError> {
    let total = budget(args, tasks);
    if total < tasks {
        return Err(cascade::CascadeError::BudgetTooSmall {
            budget: total,
            tasks,
        }
        .into());
    }
    let budget = BudgetConfig {
        total,
        seed_fraction: args.seed_fraction,
        allocation: args.allocation.parse()?,
        rounding: args.rounding.parse()?,
    };
    budget.validate()?;
    let train = TrainConfig {
        eta: args.eta.parse()?,
        clip: args.clip,
        divergence_factor: args.divergence_factor,
        linear_fast_path: !args.no_linear_fast_path,
        l2: args.l2,
        batch_size: args.batch_size,
        optimizer: args.optimizer.parse()?,
    };
    train.validate()?;
    let config = CompareConfig {
        methods,
        plan: PlanConfig {
            budget,
            root_rule: args.root.parse()?,
            root_distance: args.root_distance.parse()?,
        },
        train,
        model: match &args.model {
            Some(name) => name.parse::<ModelKind>()?,
            None => default_model,
        },
        executor: args.executor.parse()?,
    };
    if let cascade::root::RootRule::Given(index) = config.plan.root_rule
        && index >= tasks
    {
        return Err(cascade::CascadeError::TaskOutOfRange { index, tasks }.into());
    }
    Ok(config)
}

/// The methods to compare on `tasks`, and a note when the default list left some out.
///
/// Without `names`, the default list ([`Method::default_set`]) minus the MST methods whose
/// distance cannot apply to these tasks (cka and target on ragged tasks; mmd and mean_cov where
/// a task has fewer than 2 training rows): the note names them and why. A method named
/// explicitly that cannot apply is an error naming the task at fault.
pub fn methods_for(
    names: Option<&[String]>,
    tasks: &TaskSet,
) -> Result<(Vec<Method>, Option<String>), CliError> {
    let explicit = names.is_some();
    let mut kept = Vec::new();
    let mut left_out: Vec<(Method, String)> = Vec::new();
    for method in methods(names)? {
        let check = method
            .tree_distance()
            .map_or(Ok(()), |d| cascade::distance::check_applies(tasks, d));
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

/// Parses a comma-separated method list (default: [`Method::default_set`]), rejecting repeats.
pub fn methods(names: Option<&[String]>) -> Result<Vec<Method>, CliError> {
    let Some(names) = names else {
        return Ok(Method::default_set());
    };
    let mut methods = Vec::new();
    for name in names.iter().filter(|n| !n.trim().is_empty()) {
        let method: Method = name.parse()?;
        if methods.contains(&method) {
            return Err(CliError::Usage {
                option: "--methods",
                reason: format!("method '{method}' is listed twice"),
            });
        }
        methods.push(method);
    }
    if methods.is_empty() {
        return Err(CliError::Usage {
            option: "--methods",
            reason: "no method given".into(),
        });
    }
    Ok(methods)
}

/// The device named on the command line, autodiff on.
pub fn device(name: &str) -> Result<DeviceChoice, CliError> {
    Ok(name.parse::<Backend>()?.device()?)
}

/// The seed of repetition `rep`'s data, and of its initialisations and random trees.
pub fn rep_seeds(seed: u64, rep: usize) -> (u64, u64) {
    let data = cascade::train::task_init_seed(seed, rep);
    (data, cascade::train::task_init_seed(data, usize::MAX - 1))
}
