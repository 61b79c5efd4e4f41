//! Command-line arguments. Domain values (methods, distances, allocations, root rules, models,
//! devices, executors) are parsed by clap through the library types' own `FromStr`, so a bad
//! value is refused as it is read, with the library's one-line message naming the valid
//! choices, and nothing downstream parses text again.

use std::path::PathBuf;

use cascade::method::Method;
use cascade::tune::Search;
use cascade_models::Backend;
use clap::{Args, Parser, Subcommand};
use serde::{Deserialize, Serialize};

pub use crate::bench_args::BenchArgs;
pub use crate::data_args::{DataArgs, SyntheticArgs};
use crate::headings::{JOBS, OUTPUT, RUN, SEARCH};
use crate::jobs::submit::DeviceSlot;
pub use crate::settings::RunSettings;
use crate::values::{Count, Range};

/// Cascaded transfer learning: train many related tasks under one budget of gradient steps.
#[derive(Debug, Parser)]
#[command(name = "cascade", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare methods (Mean, Indiv, Star, RandTree, Global, FedAvg, MST-<distance>) over
    /// several repetitions, on synthetic tasks or --data, and print mean test errors.
    #[command(allow_negative_numbers = true)]
    Run(RunArgs),
    /// Print one method's plan (parent, depth and budget per task) for one repetition.
    #[command(allow_negative_numbers = true)]
    Plan(PlanArgs),
    /// Time the per-task reference executor against the batched one on synthetic tasks, or on
    /// image clients with --images.
    Bench(BenchArgs),
    /// Run a grid of settings x methods x repetitions from a TOML/JSON file or a built-in
    /// preset, resumably, into a directory of results, tables and plots.
    Grid(GridArgs),
    /// Tune each method's learning rate eta and seed fraction f on validation rows held out
    /// from the training data, then compare the tuned methods on the test data.
    #[command(allow_negative_numbers = true)]
    Tune(TuneArgs),
    /// Train one method on the data (the first repetition's tasks of `run`), print per-task
    /// test metrics and save the trained cascade (--out DIR) for predict and evaluate.
    #[command(allow_negative_numbers = true)]
    Train(TrainArgs),
    /// Predict with a saved cascade: one line per input row (task, row, prediction; for
    /// classes the class and every class's probability).
    Predict(PredictArgs),
    /// Score a saved cascade on labelled rows: per-task and mean test metrics.
    Evaluate(EvaluateArgs),
    /// Join the finished jobs of a plan folder (`plan --jobs K --out PLAN`) into one saved
    /// cascade, the one `train --out` saves with the same options.
    Merge(MergeArgs),
    /// Run the jobs of a plan folder on Slurm (one sbatch job each, after its parent job) or
    /// as local processes, N at a time, each on its own device.
    Submit(SubmitArgs),
}

impl Command {
    /// Fills in the defaults that depend on other options (`--pca` on `--model`), once, so
    /// that every result file records the values used.
    pub fn resolve(&mut self) {
        let (source, settings) = match self {
            Command::Run(a) => (&mut a.source, &a.method),
            Command::Plan(a) => (&mut a.source, &a.method),
            Command::Tune(a) => (&mut a.source, &a.method),
            Command::Train(a) => (&mut a.source, &a.method),
            _ => return,
        };
        source.resolve_pca(settings.model.as_ref());
    }
}

#[derive(Debug, Clone, Args, Serialize)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: SyntheticArgs,
    #[command(flatten)]
    pub source: DataArgs,
    #[command(flatten)]
    pub method: RunSettings,
    /// The method to train (names as for `run`; the Mean baseline has no model).
    #[arg(long = "method", default_value = "mst-gradient", help_heading = RUN)]
    #[serde(with = "crate::text")]
    pub train_method: Method,
    /// Save the trained cascade to this directory (manifest, plan, scalers, data layout and
    /// one Burn record per task).
    #[arg(long, help_heading = OUTPUT)]
    pub out: Option<PathBuf>,
    /// Also write the held-out test rows to this CSV, in the data's layout (what `evaluate
    /// --input` reads).
    #[arg(long, help_heading = OUTPUT)]
    pub test_out: Option<PathBuf>,
    /// Also write the per-task and mean test metrics as JSON to this file.
    #[arg(long, help_heading = OUTPUT)]
    pub json: Option<PathBuf>,
    /// Train one job of this plan folder (`plan --jobs K --out PLAN`) instead: the data and
    /// settings come from the folder, only --device from this command.
    #[arg(long, requires = "job", help_heading = JOBS)]
    pub plan: Option<PathBuf>,
    /// The job of --plan to train; its records go to PLAN/jobs/ID.
    #[arg(long, requires = "plan", help_heading = JOBS)]
    pub job: Option<usize>,
}

#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// A plan folder written by `cascade plan --jobs K --out PLAN`, every job finished.
    pub plan: PathBuf,
    /// Where to save the joined cascade (as `cascade train --out`).
    #[arg(long)]
    pub out: PathBuf,
    /// Device the records are read on: flex, ndarray, wgpu (or cuda), where compiled in.
    #[arg(long, default_value = "flex")]
    pub device: Backend,
}

#[derive(Debug, Clone, Args)]
#[command(group = clap::ArgGroup::new("scheduler").required(true).args(["slurm", "local"]))]
pub struct SubmitArgs {
    /// A plan folder written by `cascade plan --jobs K --out PLAN`.
    pub plan: PathBuf,
    /// Submit one sbatch job per plan job, each with --dependency=afterok on its parent job's
    /// (scripts in PLAN/slurm, output in PLAN/logs).
    #[arg(long)]
    pub slurm: bool,
    /// Run the jobs as processes on this machine, at most N at a time (output in PLAN/logs).
    #[arg(long, value_name = "N")]
    pub local: Option<Count>,
    /// An sbatch option for every job, e.g. --sbatch-arg=--partition=gpu (repeatable).
    #[arg(
        long = "sbatch-arg",
        value_name = "ARG",
        allow_hyphen_values = true,
        requires = "slurm"
    )]
    pub sbatch_args: Vec<String>,
    /// GPUs each Slurm job asks for (#SBATCH --gpus=N).
    #[arg(long, requires = "slurm")]
    pub gpus_per_job: Option<usize>,
    /// Print the sbatch scripts and commands instead of submitting.
    #[arg(long, requires = "slurm")]
    pub dry_run: bool,
    /// Submit only the jobs that have not finished (after a failure or a cancelled job).
    #[arg(long)]
    pub resume: bool,
    /// Device slots of local jobs, e.g. wgpu:0,wgpu:1 or cuda:0,cuda:1 (a running job takes
    /// one; default: the plan's device).
    #[arg(long, value_delimiter = ',', requires = "local")]
    pub devices: Vec<DeviceSlot>,
    /// The device every job trains on (default: the plan's --device).
    #[arg(long, conflicts_with = "devices")]
    pub device: Option<Backend>,
    /// The cascade binary the jobs run (default: this one); on a cluster, a path every node
    /// sees.
    #[arg(long)]
    pub cascade_bin: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// A directory written by `cascade train --out`.
    pub dir: PathBuf,
    /// Rows to predict: a CSV with the task column and the feature columns of the training
    /// data (a target column is allowed and ignored).
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the predictions (CSV).
    #[arg(long, default_value = "predictions.csv")]
    pub out: PathBuf,
    /// Compute device: flex, ndarray, wgpu (or cuda), where compiled in.
    #[arg(long, default_value = "flex")]
    pub device: String,
}

#[derive(Debug, Clone, Args)]
pub struct EvaluateArgs {
    /// A directory written by `cascade train --out`.
    pub dir: PathBuf,
    /// Labelled rows: a CSV with the task, feature and target columns of the training data.
    #[arg(long)]
    pub input: PathBuf,
    /// Also write the per-task and mean metrics as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Compute device: flex, ndarray, wgpu (or cuda), where compiled in.
    #[arg(long, default_value = "flex")]
    pub device: String,
}

/// `cascade run`; also every setting of a grid (deserialised from the grid file).
#[derive(Debug, Clone, PartialEq, Args, Serialize, Deserialize)]
pub struct RunArgs {
    #[command(flatten)]
    pub data: SyntheticArgs,
    #[command(flatten)]
    pub source: DataArgs,
    #[command(flatten)]
    pub method: RunSettings,
    /// Comma-separated methods: mean, indiv, star, randtree, randtree-recursive, global,
    /// fedavg[:E], mst-<distance> (distances: feature, mmd, mean_cov, cka, target, kl, js,
    /// wasserstein, gradient, model), also depth-bounded or budget-aware as
    /// mst-<distance>:depth=D:rho=R (either option alone). Default: mean, indiv, star,
    /// randtree, global and mst-<d> for all ten.
    #[arg(long, value_delimiter = ',', help_heading = RUN)]
    #[serde(with = "crate::text::option_list")]
    pub methods: Option<Vec<Method>>,
    /// Compare several total budgets on the same data (comma-separated, replaces --budget):
    /// one table per budget; each repetition's distances are computed once and every budget's
    /// plans train together.
    #[arg(long, value_delimiter = ',', help_heading = RUN)]
    pub budgets: Option<Vec<usize>>,
    /// Repetitions, each with fresh data.
    #[arg(long, default_value = "10", help_heading = RUN)]
    pub reps: Count,
    /// How many repetitions train together as one batched program (stacked on the task axis).
    #[arg(long, default_value = "10", help_heading = RUN)]
    pub stack: Count,
    /// Also write the configuration and all results as JSON to this file.
    #[arg(long, help_heading = OUTPUT)]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Clone, Args, Serialize)]
pub struct PlanArgs {
    #[command(flatten)]
    pub data: SyntheticArgs,
    #[command(flatten)]
    pub source: DataArgs,
    #[command(flatten)]
    pub method: RunSettings,
    /// The method to plan.
    #[arg(long = "method", default_value = "mst-gradient", help_heading = RUN)]
    #[serde(with = "crate::text")]
    pub plan_method: Method,
    /// Which repetition's data to plan on (0-based).
    #[arg(long, default_value_t = 0, help_heading = RUN)]
    pub rep: usize,
    /// Write the tree as Graphviz DOT to this file.
    #[arg(long, help_heading = OUTPUT)]
    pub dot: Option<PathBuf>,
    /// Write the plan as JSON to this file.
    #[arg(long, help_heading = OUTPUT)]
    pub json: Option<PathBuf>,
    /// Cut the plan into at most this many jobs (connected pieces of the tree balanced by
    /// steps) and write them, with everything a job needs, to the folder --out.
    #[arg(long, requires = "out", help_heading = JOBS)]
    pub jobs: Option<Count>,
    /// The plan folder --jobs writes (new or empty: jobs.json, plan.json, run.json), or the
    /// folder --block writes its block to.
    #[arg(long, help_heading = JOBS)]
    pub out: Option<PathBuf>,
    /// Split the MST distance's pairs into this many blocks (with --block, or --blocks-from
    /// checks the count).
    #[arg(long, requires = "block", help_heading = JOBS)]
    pub blocks: Option<Count>,
    /// Compute only this block (0-based) of --blocks, into --out/block-I.json: one job of the
    /// distance on a cluster.
    #[arg(long, requires_all = ["blocks", "out"], conflicts_with = "jobs", help_heading = JOBS)]
    pub block: Option<usize>,
    /// With --jobs: take the MST distance from the blocks in this folder (every block-I.json
    /// of one split) instead of computing it.
    #[arg(long, requires = "jobs", help_heading = JOBS)]
    pub blocks_from: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct GridArgs {
    /// The grid file (TOML, or JSON if it ends in .json): top-level `reps`, `stack`, `metric`
    /// (and `description`); `[base]`, any `cascade run` option without its dashes (`seed`
    /// included); `[axes]`, options with a list of values, whose every combination is one
    /// setting.
    #[arg(conflicts_with = "preset")]
    pub config: Option<PathBuf>,
    /// A built-in grid instead of a file (see --list-presets).
    #[arg(long)]
    pub preset: Option<String>,
    /// The results directory. Rerunning the same command into it resumes where it stopped.
    #[arg(long, help_heading = OUTPUT)]
    pub out: Option<PathBuf>,
    /// Repetitions per setting (overrides the grid's `reps`).
    #[arg(long)]
    pub reps: Option<Count>,
    /// Repetitions trained together as one program, and saved together as one cell
    /// (overrides the grid's `stack`).
    #[arg(long)]
    pub stack: Option<Count>,
    /// Compute device for every setting (overrides the grid's `device`).
    #[arg(long)]
    pub device: Option<Backend>,
    /// Replace the PATH of the grid's `data = [KIND, PATH]` (e.g. where a preset's dataset
    /// lives on this machine).
    #[arg(long)]
    pub data_path: Option<PathBuf>,
    /// List the built-in presets and exit.
    #[arg(long)]
    pub list_presets: bool,
    /// Print the grid file (of --preset or CONFIG, after --reps/--stack/--device/--data-path)
    /// and exit: a starting point for your own grid.
    #[arg(long, help_heading = OUTPUT)]
    pub print_config: bool,
    /// Skip the figures in DIR/plots.
    #[arg(long, help_heading = OUTPUT)]
    pub no_plots: bool,
}

/// `cascade tune`: the data and method settings of `run`, except that `--eta` and
/// `--seed-fraction` are searched per method instead of fixed.
#[derive(Debug, Clone, Args, Serialize)]
pub struct TuneArgs {
    #[command(flatten)]
    pub data: SyntheticArgs,
    #[command(flatten)]
    pub source: DataArgs,
    #[command(flatten)]
    pub method: RunSettings,
    /// Comma-separated methods, each tuned on its own (names as for `run`).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "indiv,star,randtree,mst-gradient,mst-model",
        help_heading = RUN
    )]
    #[serde(with = "crate::text::list")]
    pub methods: Vec<Method>,
    /// Trials (evaluated settings) per method.
    #[arg(long, default_value = "30", help_heading = SEARCH)]
    pub trials: Count,
    /// Search: tpe (random for the first 10 trials, then a Parzen-estimator search) or random.
    #[arg(long, default_value = "tpe", help_heading = SEARCH)]
    #[serde(with = "crate::text")]
    pub search: Search,
    /// Learning-rate range LO..HI, searched on a log scale.
    #[arg(long, default_value = "1e-4..1", help_heading = SEARCH)]
    pub eta_range: Range,
    /// Seed-fraction range LO..HI (linear scale). Methods without a root seed phase (indiv,
    /// global) tune eta only.
    #[arg(long, default_value = "0.01..0.5", help_heading = SEARCH)]
    pub seed_fraction_range: Range,
    /// Fraction of each task's training rows held out as validation rows while tuning.
    #[arg(long, default_value_t = 0.25, help_heading = SEARCH)]
    pub validation_fraction: f64,
    /// Repetitions (fresh data, disjoint from the test repetitions) averaged per trial.
    #[arg(long, default_value = "3", help_heading = SEARCH)]
    pub tune_reps: Count,
    /// Test repetitions of the final comparison, each with fresh data.
    #[arg(long, default_value = "10", help_heading = RUN)]
    pub reps: Count,
    /// How many test repetitions train together as one batched program.
    #[arg(long, default_value = "10", help_heading = RUN)]
    pub stack: Count,
    /// Also write the configuration, every trial and the test results as JSON to this file.
    #[arg(long, help_heading = OUTPUT)]
    pub json: Option<PathBuf>,
}
