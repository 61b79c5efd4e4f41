//! Command-line arguments. Domain values (methods, distances, allocations, root rules, models,
//! devices) are taken as text and parsed by the library, so a bad value gets the library's
//! one-line message naming the valid choices.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

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
}

#[derive(Debug, Clone, Args, Serialize)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: SyntheticArgs,
    #[command(flatten)]
    pub source: DataArgs,
    #[command(flatten)]
    pub method: MethodArgs,
    /// The method to train (names as for `run`; the Mean baseline has no model).
    #[arg(long = "method", default_value = "mst-gradient")]
    pub train_method: String,
    /// Save the trained cascade to this directory (manifest, plan, scalers, data layout and
    /// one Burn record per task).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write the held-out test rows to this CSV, in the data's layout (what `evaluate
    /// --input` reads).
    #[arg(long)]
    pub test_out: Option<PathBuf>,
    /// Also write the per-task and mean test metrics as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
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

/// The synthetic Syn-tau tasks (SPEC 6). Defaults are the paper's figure settings except the
/// feature dimension: 20 rather than 5, so that with a curvature step (`--eta auto`) a task's few
/// steps do not already reach the noise floor and transfer still matters (`--dim 5 --eta 0.01`,
/// or `cascade grid --preset paper-stated`, gives the paper's stated setting).
#[derive(Debug, Clone, Args, Serialize)]
pub struct SyntheticArgs {
    /// Spread of tasks within a cluster.
    #[arg(long, default_value_t = 5.0)]
    pub tau_within: f64,
    /// Spread of the cluster shifts.
    #[arg(long, default_value_t = 10.0)]
    pub tau_between: f64,
    /// Number of tasks T (synthetic and image-pair tasks).
    #[arg(long = "tasks", short = 'T', default_value_t = 200)]
    pub tasks: usize,
    /// Feature dimension d of the synthetic tasks (the paper's is 5).
    #[arg(long = "dim", short = 'd', default_value_t = 20)]
    pub features: usize,
    /// Training rows per task (synthetic and image-pair tasks).
    #[arg(long, default_value_t = 64)]
    pub n_train: usize,
    /// Test rows per task (synthetic and image-pair tasks).
    #[arg(long, default_value_t = 128)]
    pub n_test: usize,
    /// Number of clusters K.
    #[arg(long = "clusters", short = 'K', default_value_t = 5)]
    pub clusters: usize,
    /// Label noise standard deviation.
    #[arg(long, default_value_t = 10.0)]
    pub sigma: f64,
    /// Drop the clusters (the homogeneous variant).
    #[arg(long)]
    pub homogeneous: bool,
}

/// Budget, tree and training settings shared by `run` and `plan`.
#[derive(Debug, Clone, Args, Serialize)]
pub struct MethodArgs {
    /// Total budget B of gradient steps over all tasks (default 5 steps a task: B = 5 T, which
    /// is 1000 for the 200 synthetic tasks).
    #[arg(long = "budget", short = 'B')]
    pub budget: Option<usize>,
    /// Learning rate eta: a number, or auto (from the training data's curvature: 1/L with L the
    /// smoothness of the training loss, per task for least squares and pooled for the logistic
    /// loss; for non-linear models, backtracking on the root's training loss). The research
    /// code used 0.01.
    #[arg(long, default_value = "auto")]
    pub eta: String,
    /// Gradient-norm clip per task and step.
    #[arg(long, default_value_t = 1.0)]
    pub clip: f64,
    /// Stop with an error when a task's training loss exceeds this factor times the larger of
    /// its first loss and 1 (divergence); `inf` keeps only the NaN/infinity check.
    #[arg(long, default_value_t = 10.0)]
    pub divergence_factor: f64,
    /// Train linear models through autodiff instead of their sufficient statistics (same
    /// iterates, slower; for comparisons).
    #[arg(long)]
    pub no_linear_fast_path: bool,
    /// Fraction f of the budget the root gets: b_s = max(1, floor(f B)).
    #[arg(long, default_value_t = 0.1)]
    pub seed_fraction: f64,
    /// Budget allocation: uniform, depth-increasing[:a], depth-decreasing[:a], edge-length[:b],
    /// hybrid[:a,b], subtree[:g].
    #[arg(long, default_value = "uniform")]
    pub allocation: String,
    /// Budget integerisation: largest-remainder (sums to B) or floor-division (the research
    /// code's, which drops the remainder).
    #[arg(long, default_value = "largest-remainder")]
    pub rounding: String,
    /// Root rule: medoid, feature-medoid, random, or a task index.
    #[arg(long, default_value = "medoid")]
    pub root: String,
    /// Distance whose medoid roots Star and RandTree (MST trees use their own distance).
    #[arg(long, default_value = "gradient")]
    pub root_distance: String,
    /// Model: linear, simple-mlp[:hidden], residual-mlp[:hidden[,eps]], logistic (binary
    /// labels), small-cnn[:width] (raw images). Default: linear for regression data, logistic
    /// for image-pair tasks.
    #[arg(long)]
    pub model: Option<String>,
    /// L2 penalty reg: every task's loss gains reg/2 |theta|^2 (SPEC 5's logistic regression).
    #[arg(long, default_value_t = 0.0)]
    pub l2: f64,
    /// Mini-batch size: each step of a task uses this many of its training rows, drawn without
    /// replacement within an epoch, seeded per task (default: full-batch steps).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Per-task optimiser: sgd, momentum[:beta] (0.9) or adam[:beta1,beta2] (0.9, 0.999); each
    /// task keeps its own state.
    #[arg(long, default_value = "sgd")]
    pub optimizer: String,
    /// Compute device: flex, ndarray, wgpu (or cuda), where compiled in.
    #[arg(long, default_value = "flex")]
    pub device: String,
    /// Executor: auto (host-linear where it applies on a CPU device, else batched), batched (a
    /// whole tree level, of every method and stacked repetition, per batch, on the device),
    /// reference (one task at a time, as the research code) or host (linear cascades under the
    /// squared error in f64 on the host).
    #[arg(long, default_value = "auto")]
    pub executor: String,
    /// Master seed: data, initialisations and random trees all derive from it.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Which tasks to learn, and how to read them. Without `--data`, synthetic Syn-tau tasks.
#[derive(Debug, Clone, Args, Serialize)]
pub struct DataArgs {
    /// Task collection: synthetic (default), electricity PATH (long CSV: timestamp, node,
    /// consumption), tasks-csv PATH (a task column, a target, features), fashion-mnist DIR
    /// (IDX files), cifar10 DIR (binary batches), image-folder DIR (DIR/<class>/*.png) or
    /// image-tasks DIR (a folder per task: DIR/<task>/<class>/*.png, or with train/ and test/).
    #[arg(long, num_args = 1..=2, value_names = ["KIND", "PATH"])]
    pub data: Vec<String>,
    /// electricity: timestamp column.
    #[arg(long, default_value = "timestamp")]
    pub timestamp_column: String,
    /// electricity: node (task) column.
    #[arg(long, default_value = "node")]
    pub node_column: String,
    /// electricity: consumption (target) column.
    #[arg(long, default_value = "consumption")]
    pub value_column: String,
    /// electricity: number of lagged values used as features (48 = one day of half-hours).
    #[arg(long, default_value_t = 48)]
    pub lags: usize,
    /// electricity: training dates START..END (END excluded), e.g. 2016-03-10..2016-03-21;
    /// default: the 11 days before the test range.
    #[arg(long)]
    pub train_range: Option<String>,
    /// electricity: test dates START..END (END excluded); default: the panel's last 4 days.
    #[arg(long)]
    pub test_range: Option<String>,
    /// electricity: fill runs of up to this many missing readings by linear interpolation
    /// (0 = none: a node with a gap in a range is skipped). Daylight-saving changes leave such
    /// holes (the SimBench panel lacks 2016-03-27 02:00 and 02:30).
    #[arg(long, default_value_t = 0)]
    pub fill_gaps: usize,
    /// tasks-csv: the column naming each row's task.
    #[arg(long)]
    pub task_column: Option<String>,
    /// tasks-csv: the target column.
    #[arg(long)]
    pub target: Option<String>,
    /// tasks-csv: feature columns (comma-separated); default every other column.
    #[arg(long = "features", value_delimiter = ',')]
    pub feature_columns: Option<Vec<String>>,
    /// tasks-csv: read the target as class labels (any text) and train classifiers (softmax
    /// over the classes) instead of regressions.
    #[arg(long)]
    pub classification: bool,
    /// tasks-csv: columns to one-hot encode even if they hold numbers (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// tasks-csv: fraction of each task's rows held out for testing (seeded per repetition).
    #[arg(long, default_value_t = 0.25)]
    pub test_fraction: f64,
    /// tasks-csv: skip (and report) tasks left with fewer training rows than this after the
    /// split. The default, 2, skips one-row tasks: a row carries no information about any
    /// feature's effect (every standardised feature is 0), and mmd and mean_cov need 2 rows.
    #[arg(long, default_value_t = 2)]
    pub min_train_rows: usize,
    /// Image data: PCA components (0 = raw z-scored pixels, for small-cnn).
    #[arg(long, default_value_t = 100)]
    pub pca: usize,
    /// Image data: z-score pixels with one mean and std over all training pixels (global, SPEC
    /// 6) or per pixel (per-pixel: 100 PCA components then explain about 87% of
    /// Fashion-MNIST's variance, the paper's figure; global gives about 91%).
    #[arg(long, default_value = "global")]
    pub pixel_scaling: String,
    /// Image data: pairs (binary tasks on class pairs, the paper's) or classes[:M] (each task
    /// classifies among all the set's classes on its own sample; with M, each task sees M
    /// classes drawn at random).
    #[arg(long, default_value = "pairs")]
    pub image_tasks: String,
    /// Image data: split the labelled set over --tasks clients with label skew instead of
    /// drawing tasks: iid, dirichlet:ALPHA (per class, Dirichlet(ALPHA) shares over clients),
    /// dirichlet-balanced:ALPHA (NIID-Bench's: full clients take no more, at least 10 images a
    /// client) or shards:K (K classes a client). Each client's test split has its training label mix.
    #[arg(long)]
    pub partition: Option<String>,
    /// --partition: most training images a client keeps (class shares kept).
    #[arg(long)]
    pub max_train: Option<usize>,
    /// --partition: most test images a client keeps (class shares kept).
    #[arg(long)]
    pub max_test: Option<usize>,
    /// Image data (raw pixels, --pca 0): a frozen backbone embeds every image once and the
    /// methods train a head on its features: pooled[:STEPS] trains a small-cnn on the pooled
    /// training images of the repetition (SGD, eta 0.05, mini-batches of 32, default 500
    /// steps); record:PATH loads one (a small-cnn:8 Burn record, e.g. DIR/tasks/00000.bpk of a
    /// cascade saved by `train`).
    #[arg(long)]
    pub backbone: Option<String>,
    /// Image data: the "clustered" variant, K class pairs each shared by a cluster of tasks.
    #[arg(long)]
    pub pair_clusters: Option<usize>,
}

#[derive(Debug, Clone, Args, Serialize)]
pub struct RunArgs {
    #[command(flatten)]
    pub data: SyntheticArgs,
    #[command(flatten)]
    pub source: DataArgs,
    #[command(flatten)]
    pub method: MethodArgs,
    /// Comma-separated methods: indiv, star, randtree, randtree-recursive, global,
    /// mst-<distance> (distances: feature, mmd, mean_cov, cka, target, kl, js, wasserstein,
    /// gradient, model). Default: indiv, star, randtree, global and mst-<d> for all ten.
    #[arg(long, value_delimiter = ',')]
    pub methods: Option<Vec<String>>,
    /// Compare several total budgets on the same data (comma-separated, replaces --budget):
    /// one table per budget; each repetition's distances are computed once and every budget's
    /// plans train together.
    #[arg(long, value_delimiter = ',')]
    pub budgets: Option<Vec<usize>>,
    /// Repetitions, each with fresh data.
    #[arg(long, default_value_t = 10)]
    pub reps: usize,
    /// How many repetitions train together as one batched program (stacked on the task axis).
    #[arg(long, default_value_t = 10)]
    pub stack: usize,
    /// Also write the configuration and all results as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Clone, Args, Serialize)]
pub struct PlanArgs {
    #[command(flatten)]
    pub data: SyntheticArgs,
    #[command(flatten)]
    pub source: DataArgs,
    #[command(flatten)]
    pub method: MethodArgs,
    /// The method to plan.
    #[arg(long = "method", default_value = "mst-gradient")]
    pub plan_method: String,
    /// Which repetition's data to plan on (0-based).
    #[arg(long, default_value_t = 0)]
    pub rep: usize,
    /// Write the tree as Graphviz DOT to this file.
    #[arg(long)]
    pub dot: Option<PathBuf>,
    /// Write the plan as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
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
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Repetitions per setting (overrides the grid's `reps`).
    #[arg(long)]
    pub reps: Option<usize>,
    /// Repetitions trained together as one program, and saved together as one cell
    /// (overrides the grid's `stack`).
    #[arg(long)]
    pub stack: Option<usize>,
    /// Compute device for every setting (overrides the grid's `device`).
    #[arg(long)]
    pub device: Option<String>,
    /// Replace the PATH of the grid's `data = [KIND, PATH]` (e.g. where a preset's dataset
    /// lives on this machine).
    #[arg(long)]
    pub data_path: Option<PathBuf>,
    /// List the built-in presets and exit.
    #[arg(long)]
    pub list_presets: bool,
    /// Print the grid file (of --preset or CONFIG, after --reps/--stack/--device/--data-path)
    /// and exit: a starting point for your own grid.
    #[arg(long)]
    pub print_config: bool,
    /// Skip the figures in DIR/plots.
    #[arg(long)]
    pub no_plots: bool,
}

#[derive(Debug, Clone, Args, Serialize)]
pub struct BenchArgs {
    /// Task counts T to measure (comma-separated).
    #[arg(
        long = "tasks",
        value_delimiter = ',',
        default_value = "200,2000,10000"
    )]
    pub tasks: Vec<usize>,
    /// Budget per task: B = this x T.
    #[arg(long, default_value_t = 5)]
    pub steps_per_task: usize,
    /// Models to measure (comma-separated; default linear,simple-mlp, or small-cnn with
    /// --images).
    #[arg(long, value_delimiter = ',')]
    pub models: Option<Vec<String>>,
    /// Measure image classifiers instead of synthetic regressions: Fashion-MNIST from DIR
    /// (default /usr/share/datasets/fashion-mnist) split over T clients by Dirichlet(0.3), at
    /// most 200 training and 100 test images a client, raw pixels, 10 classes, mini-batches of
    /// --batch-size (default 32). Adds images per second to the table.
    #[arg(long, num_args = 0..=1, default_missing_value = "/usr/share/datasets/fashion-mnist")]
    pub images: Option<PathBuf>,
    /// Time the task distances instead of training: every distance on synthetic tasks (64
    /// training rows, 5 features) at each --tasks count, the median of --repeats runs.
    #[arg(long, conflicts_with = "images")]
    pub distances: bool,
    /// Runs of each row (each distance with --distances); the median time is reported.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Methods to measure: indiv trains one level; mst-gradient a deep tree.
    #[arg(long, value_delimiter = ',', default_value = "indiv,mst-gradient")]
    pub methods: Vec<String>,
    /// Devices to measure (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "ndarray,flex")]
    pub devices: Vec<String>,
    /// Skip the (slow) reference executor above this many tasks.
    #[arg(long, default_value_t = 2000)]
    pub reference_max_tasks: usize,
    /// Write the rows as JSON (per row: T, model, device, method, executor, task-steps per
    /// second, speed-up, peak memory).
    #[arg(long)]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub method: MethodArgs,
}

impl BenchArgs {
    /// The shared method settings (the budget is set per T).
    pub fn method_defaults(&self) -> MethodArgs {
        self.method.clone()
    }
}

/// The first non-empty line of a clap error: what is wrong, without the usage block.
pub fn first_line(error: &clap::Error) -> String {
    let text = error.render().to_string();
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid arguments")
        .to_string()
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
    pub method: MethodArgs,
    /// Comma-separated methods, each tuned on its own (names as for `run`).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "indiv,star,randtree,mst-gradient,mst-model"
    )]
    pub methods: Vec<String>,
    /// Trials (evaluated settings) per method.
    #[arg(long, default_value_t = 30)]
    pub trials: usize,
    /// Search: tpe (random for the first 10 trials, then a Parzen-estimator search) or random.
    #[arg(long, default_value = "tpe")]
    pub search: String,
    /// Learning-rate range LO..HI, searched on a log scale.
    #[arg(long, default_value = "1e-4..1")]
    pub eta_range: String,
    /// Seed-fraction range LO..HI (linear scale). Methods without a root seed phase (indiv,
    /// global) tune eta only.
    #[arg(long, default_value = "0.01..0.5")]
    pub seed_fraction_range: String,
    /// Fraction of each task's training rows held out as validation rows while tuning.
    #[arg(long, default_value_t = 0.25)]
    pub validation_fraction: f64,
    /// Repetitions (fresh data, disjoint from the test repetitions) averaged per trial.
    #[arg(long, default_value_t = 3)]
    pub tune_reps: usize,
    /// Test repetitions of the final comparison, each with fresh data.
    #[arg(long, default_value_t = 10)]
    pub reps: usize,
    /// How many test repetitions train together as one batched program.
    #[arg(long, default_value_t = 10)]
    pub stack: usize,
    /// Also write the configuration, every trial and the test results as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}
