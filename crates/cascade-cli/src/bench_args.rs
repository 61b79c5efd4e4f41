//! `cascade bench`'s arguments: what to measure (task counts, models, devices, methods,
//! images, distances, scale) and how (repeats, steps per task).

use std::path::PathBuf;

use cascade::method::Method;
use cascade_models::{Backend, ModelKind};
use clap::Args;
use serde::Serialize;

use crate::bench_images::{FASHION_MNIST_DIR, ImageSource};
use crate::headings::OUTPUT;
use crate::settings::RunSettings;

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
    #[serde(with = "crate::text::option_list")]
    pub models: Option<Vec<ModelKind>>,
    /// Measure image classifiers instead of synthetic regressions: Fashion-MNIST from DIR
    /// (default /usr/share/datasets/fashion-mnist), or `synthetic[:CxHxW]` (10 classes of
    /// generated 1x28x28 images, or of the shape given, e.g. synthetic:3x32x32), split over T
    /// clients by Dirichlet(0.3), at most 200 training and 100 test images a client, raw
    /// pixels, mini-batches of --batch-size (default 32). Adds images per second to the table.
    #[arg(long, num_args = 0..=1, default_missing_value = FASHION_MNIST_DIR, value_name = "DIR|synthetic[:CxHxW]")]
    #[serde(with = "crate::text::option")]
    pub images: Option<ImageSource>,
    /// Time the task distances instead of training: every distance on synthetic tasks (64
    /// training rows, 5 features) at each --tasks count, the median of --repeats runs.
    #[arg(long, conflicts_with = "images")]
    pub distances: bool,
    /// Time planning past memory instead: at each --tasks count, synthetic linear tasks (20
    /// features, 64 training and 16 test rows a task), the MST plan over gradient and feature
    /// (and mmd up to 10,000 tasks) in one process and as --blocks distance blocks, with peak
    /// memory; then linear indiv and mst-gradient trained by the host-linear executor on the
    /// first of --devices for --steps-per-task steps a task.
    #[arg(long, conflicts_with_all = ["images", "distances"])]
    pub scale: bool,
    /// Distance blocks for --scale (each computed and timed in turn here; on a cluster they
    /// would run side by side).
    #[arg(long, default_value_t = 4)]
    pub blocks: usize,
    /// With --scale, plan a distance only when its estimated time (from a sample of its pairs)
    /// is below this many minutes; the estimate is reported otherwise.
    #[arg(long, default_value_t = 20.0)]
    pub max_minutes: f64,
    /// Runs of each row (each distance with --distances); the median time is reported.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Methods to measure: indiv trains one level; mst-gradient a deep tree.
    #[arg(long, value_delimiter = ',', default_value = "indiv,mst-gradient")]
    #[serde(with = "crate::text::list")]
    pub methods: Vec<Method>,
    /// Devices to measure (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "ndarray,flex")]
    #[serde(with = "crate::text::list")]
    pub devices: Vec<Backend>,
    /// Skip the (slow) reference executor above this many tasks.
    #[arg(long, default_value_t = 2000)]
    pub reference_max_tasks: usize,
    /// Fail unless every executor and device reached the same mean test error on each
    /// configuration (T, model, method) to a relative 1e-3: the device equivalence check
    /// (scripts/gpu-check runs it).
    #[arg(long)]
    pub check: bool,
    /// Write the rows as JSON (per row: T, model, device, method, executor, task-steps per
    /// second, speed-up, peak memory).
    #[arg(long, help_heading = OUTPUT)]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub method: RunSettings,
}
