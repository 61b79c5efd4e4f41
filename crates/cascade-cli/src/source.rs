//! Where `run` and `plan` get their tasks: synthetic Syn-tau tasks, or real data read once and
//! turned into a task set per repetition.
//!
//! What a repetition changes depends on the data: synthetic and image-pair tasks are drawn
//! afresh (the paper's "fresh data each repetition"), a grouped CSV is split afresh into
//! train/test, and an electricity panel is the same every time (repetitions then differ only
//! in initialisations and random trees).

use std::path::{Path, PathBuf};

use cascade_data::electricity::{ElectricityConfig, load_electricity};
use cascade_data::images::{
    ClassTasksConfig, ClientImages, FolderOptions, ImageSet, PairFeatures, PairTasksConfig,
    PartitionConfig, Standardise, class_tasks, client_folder_tasks, load_cifar10,
    load_client_folders, load_fashion_mnist, load_image_folder, pair_tasks, partition_tasks,
};
use cascade_data::synthetic::SyntheticConfig;
use cascade_data::tasks_csv::{TasksCsvConfig, load_tasks_csv};
use cascade_data::{DataSchema, LoadedTasks, TaskSet};
use cascade_models::ModelKind;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::args::{DataArgs, MethodArgs, SyntheticArgs};
use crate::backbone_cmd::Backbone;
use crate::error::CliError;
use crate::settings;
use crate::source_options::{check_image_options, image_features, parse_image_tasks, parse_range};

/// The kinds `--data` accepts.
const KINDS: &str = "synthetic, electricity PATH, tasks-csv PATH, fashion-mnist DIR, cifar10 DIR, \
     image-folder DIR, image-tasks DIR";

/// A task collection, ready to give each repetition its task set, with an optional frozen
/// backbone that embeds every repetition's images (`--backbone`).
pub struct Source {
    /// Where the tasks come from.
    pub origin: Origin,
    backbone: Option<Backbone>,
}

impl Source {
    /// Reads the data named by `--data` (synthetic without it); `--backbone` trains or loads
    /// on `method`'s device. `method.seed` fixes the train/test split of image folders.
    pub fn from_args(
        synthetic: &SyntheticArgs,
        args: &DataArgs,
        method: &MethodArgs,
    ) -> Result<Self, CliError> {
        let origin = Origin::from_args(synthetic, args, method.seed)?;
        let backbone = args
            .backbone
            .as_deref()
            .map(|spec| Backbone::parse(spec, &method.device))
            .transpose()?;
        Ok(Self { origin, backbone })
    }

    /// The task set of repetition `rep` of a run seeded by `seed`, with what was skipped and
    /// noted while building it.
    pub fn rep(&self, seed: u64, rep: usize) -> Result<LoadedTasks, CliError> {
        Ok(self.rep_with_schema(seed, rep)?.0)
    }

    /// [`Source::rep`] with the layout of its rows (see [`Origin::rep_with_schema`]); with a
    /// backbone, the rows are its features `x0 ..`.
    pub fn rep_with_schema(
        &self,
        seed: u64,
        rep: usize,
    ) -> Result<(LoadedTasks, DataSchema), CliError> {
        let (mut loaded, schema) = self.origin.rep_with_schema(seed, rep)?;
        let Some(backbone) = &self.backbone else {
            return Ok((loaded, schema));
        };
        let (tasks, note) = backbone.apply(&loaded.tasks, settings::rep_seeds(seed, rep).1)?;
        loaded.notes.push(note);
        let schema = DataSchema::generic(tasks.n_features(), tasks.class_names().to_vec());
        loaded.tasks = tasks;
        Ok((loaded, schema))
    }

    /// The task set of repetition `rep` alone.
    pub fn rep_tasks(&self, seed: u64, rep: usize) -> Result<TaskSet, CliError> {
        Ok(self.rep(seed, rep)?.tasks)
    }

    /// Whether a frozen backbone embeds the rows.
    pub fn has_backbone(&self) -> bool {
        self.backbone.is_some()
    }

    /// The model used when `--model` is not given (see [`Origin::default_model`]).
    pub fn default_model(&self) -> ModelKind {
        self.origin.default_model()
    }

    /// One line saying what the data are, for the header of a results table.
    pub fn describe(&self, tasks: &TaskSet) -> String {
        let text = self.origin.describe(tasks);
        match &self.backbone {
            Some(backbone) => format!("{text}, features of a frozen {backbone}"),
            None => text,
        }
    }
}

/// Where the tasks come from.
pub enum Origin {
    /// Syn-tau tasks drawn per repetition.
    Synthetic(SyntheticConfig),
    /// An electricity panel: the same tasks every repetition.
    Electricity { path: PathBuf, loaded: LoadedTasks },
    /// A grouped CSV, split into train/test afresh per repetition.
    TasksCsv {
        path: PathBuf,
        config: TasksCsvConfig,
    },
    /// Binary class-pair tasks drawn per repetition from an image set read once.
    ImagePairs {
        name: &'static str,
        path: PathBuf,
        images: Box<ImageSet>,
        config: PairTasksConfig,
    },
    /// Clients split from an image set read once, afresh per repetition.
    ImagePartition {
        name: &'static str,
        path: PathBuf,
        images: Box<ImageSet>,
        config: PartitionConfig,
    },
    /// A folder per client, read once; the PCA is refitted per repetition.
    ImageClients {
        path: PathBuf,
        clients: Box<ClientImages>,
        features: PairFeatures,
        standardise: Standardise,
    },
    /// Multi-class tasks drawn per repetition from an image set read once.
    ImageClasses {
        name: &'static str,
        path: PathBuf,
        images: Box<ImageSet>,
        config: ClassTasksConfig,
    },
}

impl Origin {
    /// Reads the data named by `--data` (synthetic without it).
    /// `seed` fixes the train/test split of an image folder that has no `train/` and `test/`.
    pub fn from_args(
        synthetic: &SyntheticArgs,
        args: &DataArgs,
        seed: u64,
    ) -> Result<Self, CliError> {
        let usage = |reason: String| CliError::Usage {
            option: "--data",
            reason,
        };
        let (kind, path) = match args.data.as_slice() {
            [] => ("synthetic", None),
            [kind] => (kind.as_str(), None),
            [kind, path] => (kind.as_str(), Some(PathBuf::from(path))),
            _ => return Err(usage(format!("expected KIND [PATH], one of: {KINDS}"))),
        };
        let kind = kind.to_ascii_lowercase();
        check_image_options(&kind, args)?;
        if kind == "synthetic" {
            if path.is_some() {
                return Err(usage("synthetic data takes no PATH".into()));
            }
            return Ok(Origin::Synthetic(settings::synthetic(synthetic)?));
        }
        let Some(path) = path else {
            return Err(usage(format!("'{kind}' needs a PATH: --data {kind} PATH")));
        };
        match kind.as_str() {
            "electricity" => {
                let config = ElectricityConfig {
                    timestamp_column: args.timestamp_column.clone(),
                    node_column: args.node_column.clone(),
                    value_column: args.value_column.clone(),
                    lags: args.lags,
                    train: parse_range("--train-range", args.train_range.as_deref())?,
                    test: parse_range("--test-range", args.test_range.as_deref())?,
                    max_fill_steps: args.fill_gaps,
                    ..ElectricityConfig::default()
                };
                let loaded = load_electricity(&path, &config).map_err(|e| match e {
                    // Every node skipped: say how to bridge short gaps.
                    cascade_data::DataError::NoUsableTasks { path, message }
                        if args.fill_gaps == 0 =>
                    {
                        cascade_data::DataError::NoUsableTasks {
                            path,
                            message: format!(
                                "{message} (short gaps can be filled with --fill-gaps 2)"
                            ),
                        }
                    }
                    e => e,
                })?;
                Ok(Origin::Electricity { path, loaded })
            }
            "tasks-csv" => {
                let (Some(task), Some(target)) = (&args.task_column, &args.target) else {
                    return Err(usage(
                        "tasks-csv needs --task-column NAME and --target NAME".into(),
                    ));
                };
                let config = TasksCsvConfig {
                    features: args.feature_columns.clone(),
                    categorical: args.categorical.clone(),
                    test_fraction: args.test_fraction,
                    min_train_rows: args.min_train_rows,
                    classification: args.classification,
                    ..TasksCsvConfig::new(task, target)
                };
                config.validate()?;
                Ok(Origin::TasksCsv { path, config })
            }
            "image-tasks" => {
                let (features, standardise) = image_features(args)?;
                let options = FolderOptions {
                    test_fraction: args.test_fraction,
                    ..FolderOptions::default()
                };
                // One split for every repetition, fixed by the run's seed.
                let mut rng = StdRng::seed_from_u64(seed);
                let clients = load_client_folders(&path, &options, &mut rng)?;
                Ok(Origin::ImageClients {
                    path,
                    clients: Box::new(clients),
                    features,
                    standardise,
                })
            }
            "fashion-mnist" | "cifar10" | "image-folder" => {
                let (name, images) = match kind.as_str() {
                    "fashion-mnist" => ("Fashion-MNIST", load_fashion_mnist(&path)?),
                    "cifar10" => ("CIFAR-10", load_cifar10(&path)?),
                    _ => {
                        // One split for every repetition, fixed by the run's seed.
                        let mut rng = StdRng::seed_from_u64(seed);
                        (
                            "image folder",
                            load_image_folder(&path, &FolderOptions::default(), &mut rng)?,
                        )
                    }
                };
                let (features, standardise) = image_features(args)?;
                let images = Box::new(images);
                if let Some(partition) = &args.partition {
                    return Ok(Origin::ImagePartition {
                        name,
                        path,
                        images,
                        config: PartitionConfig {
                            n_clients: synthetic.tasks,
                            partition: partition.parse()?,
                            max_train: args.max_train,
                            max_test: args.max_test,
                            features,
                            standardise,
                        },
                    });
                }
                match parse_image_tasks(&args.image_tasks)? {
                    None => {
                        let config = PairTasksConfig {
                            n_tasks: synthetic.tasks,
                            n_train: synthetic.n_train,
                            n_test: synthetic.n_test,
                            clusters: args.pair_clusters,
                            features,
                            standardise,
                        };
                        config.validate(images.classes.len())?;
                        Ok(Origin::ImagePairs {
                            name,
                            path,
                            images,
                            config,
                        })
                    }
                    Some(classes_per_task) => Ok(Origin::ImageClasses {
                        name,
                        path,
                        images,
                        config: ClassTasksConfig {
                            n_tasks: synthetic.tasks,
                            n_train: synthetic.n_train,
                            n_test: synthetic.n_test,
                            classes_per_task,
                            features,
                            standardise,
                        },
                    }),
                }
            }
            other => Err(usage(format!(
                "unknown data '{other}'; expected one of: {KINDS}"
            ))),
        }
    }

    /// The task set of repetition `rep` of a run seeded by `seed`, with what was skipped and
    /// noted while building it, and the layout of its rows: a grouped CSV's own columns, else the
    /// generic `task, x0 .. x{d-1}, y` (class names as targets for class tasks).
    pub fn rep_with_schema(
        &self,
        seed: u64,
        rep: usize,
    ) -> Result<(LoadedTasks, DataSchema), CliError> {
        let (data_seed, _) = settings::rep_seeds(seed, rep);
        let mut rng = StdRng::seed_from_u64(data_seed);
        let loaded = match self {
            Origin::Synthetic(config) => LoadedTasks {
                tasks: config.generate(&mut rng)?,
                skipped: Vec::new(),
                notes: Vec::new(),
            },
            Origin::Electricity { loaded, .. } => loaded.clone(),
            Origin::TasksCsv { path, config } => {
                let csv = load_tasks_csv(path, config, &mut rng)?;
                return Ok((csv.loaded, csv.schema));
            }
            Origin::ImagePairs { images, config, .. } => pair_tasks(images, config, &mut rng)?,
            Origin::ImageClasses { images, config, .. } => class_tasks(images, config, &mut rng)?,
            Origin::ImagePartition { images, config, .. } => {
                partition_tasks(images, config, &mut rng)?
            }
            Origin::ImageClients {
                clients,
                features,
                standardise,
                ..
            } => client_folder_tasks(clients, *features, *standardise, &mut rng)?,
        };
        let schema = DataSchema::generic(
            loaded.tasks.n_features(),
            loaded.tasks.class_names().to_vec(),
        );
        Ok((loaded, schema))
    }

    /// The model used when `--model` is not given: logistic regression for binary labels,
    /// linear regression otherwise.
    pub fn default_model(&self) -> ModelKind {
        match self {
            Origin::ImagePairs { .. } => ModelKind::Logistic,
            _ => ModelKind::Linear,
        }
    }

    /// One line saying what the data are, for the header of a results table.
    pub fn describe(&self, tasks: &TaskSet) -> String {
        let d = tasks.n_features();
        match self {
            Origin::Synthetic(c) => format!(
                "{} synthetic tasks, d = {}, tau_within = {}, tau_between = {}, sigma = {}",
                c.n_tasks, c.n_features, c.tau_within, c.tau_between, c.sigma
            ),
            Origin::Electricity { path, .. } => {
                format!(
                    "{} electricity nodes from {}, d = {d}",
                    tasks.len(),
                    shown(path)
                )
            }
            Origin::TasksCsv { path, .. } => {
                format!("{} tasks from {}, d = {d}", tasks.len(), shown(path))
            }
            Origin::ImagePartition {
                name, path, config, ..
            } => format!(
                "{} {name} clients ({}) of {} classes from {} ({}), d = {d}",
                tasks.len(),
                config.partition,
                tasks.problem().classes().unwrap_or(0),
                shown(path),
                match config.features {
                    PairFeatures::Pca { k, .. } => format!("PCA {k}"),
                    PairFeatures::RawPixels => "raw pixels".into(),
                },
            ),
            Origin::ImageClients { path, .. } => format!(
                "{} client image folders of {} classes from {}, d = {d}",
                tasks.len(),
                tasks.problem().classes().unwrap_or(0),
                shown(path)
            ),
            Origin::ImageClasses {
                name, path, config, ..
            } => format!(
                "{} {name} {}-class tasks from {} ({}{}), d = {d}, {} train / {} test images a task",
                tasks.len(),
                tasks.problem().classes().unwrap_or(0),
                shown(path),
                match config.features {
                    PairFeatures::Pca { k, .. } => format!("PCA {k}"),
                    PairFeatures::RawPixels => "raw pixels".into(),
                },
                config
                    .classes_per_task
                    .map_or(String::new(), |m| format!(", {m} classes a task")),
                config.n_train,
                config.n_test
            ),
            Origin::ImagePairs {
                name, path, config, ..
            } => format!(
                "{} {name} class-pair tasks from {} ({}{}), d = {d}, {} train / {} test images a task",
                tasks.len(),
                shown(path),
                match config.features {
                    PairFeatures::Pca { k, .. } => format!("PCA {k}"),
                    PairFeatures::RawPixels => "raw pixels".into(),
                },
                config
                    .clusters
                    .map_or(String::new(), |k| format!(", {k} pair clusters")),
                config.n_train,
                config.n_test
            ),
        }
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}
