//! Reading the data `--data` names, once, into an [`Origin`].

use std::path::PathBuf;

use cascade_data::DataError;
use cascade_data::electricity::{ElectricityConfig, load_electricity};
use cascade_data::images::{
    ClassTasksConfig, FolderOptions, PairTasksConfig, PartitionConfig, load_cifar10,
    load_client_folders, load_fashion_mnist, load_image_folder,
};
use cascade_data::synthetic::SyntheticConfig;
use cascade_data::tasks_csv::TasksCsvConfig;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::origin::Origin;
use crate::data_args::{DataArgs, SyntheticArgs};
use crate::error::CliError;
use crate::source_options::{ImageTasks, image_features};

/// The kinds `--data` accepts.
const KINDS: &str = "synthetic, electricity PATH, tasks-csv PATH, fashion-mnist DIR, cifar10 DIR, \
     image-folder DIR, image-tasks DIR";

/// Reads the data named by `--data` (synthetic without it), image features with `pca` PCA
/// components (0: raw pixels). `seed` fixes the train/test split of an image folder that has
/// no `train/` and `test/`.
pub fn open(
    synthetic: &SyntheticArgs,
    args: &DataArgs,
    pca: usize,
    seed: u64,
) -> Result<Origin, CliError> {
    let usage = |reason: String| CliError::Usage {
        option: "--data",
        reason,
    };
    let path = match args.data.as_slice() {
        [] | [_] => None,
        [_, path] => Some(PathBuf::from(path)),
        _ => return Err(usage(format!("expected KIND [PATH], one of: {KINDS}"))),
    };
    let kind = args.kind();
    check_image_options(&kind, args)?;
    if kind == "synthetic" {
        if path.is_some() {
            return Err(usage("synthetic data takes no PATH".into()));
        }
        return Ok(Origin::Synthetic(synthetic_config(synthetic)?));
    }
    let Some(path) = path else {
        return Err(usage(format!("'{kind}' needs a PATH: --data {kind} PATH")));
    };
    let features = image_features(pca);
    let standardise = args.pixel_scaling.standardise();
    match kind.as_str() {
        "electricity" => {
            let config = ElectricityConfig {
                timestamp_column: args.timestamp_column.clone(),
                node_column: args.node_column.clone(),
                value_column: args.value_column.clone(),
                lags: args.lags,
                train: args.train_range,
                test: args.test_range,
                max_fill_steps: args.fill_gaps,
                ..ElectricityConfig::default()
            };
            let loaded = load_electricity(&path, &config).map_err(|e| match e {
                // Every node skipped: say how to bridge short gaps.
                DataError::NoUsableTasks { path, message } if args.fill_gaps == 0 => {
                    DataError::NoUsableTasks {
                        path,
                        message: format!("{message} (short gaps can be filled with --fill-gaps 2)"),
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
            let images = Box::new(images);
            if let Some(partition) = args.partition {
                let config = PartitionConfig {
                    n_clients: synthetic.tasks,
                    partition,
                    max_train: args.max_train,
                    max_test: args.max_test,
                    features,
                    standardise,
                };
                return Ok(Origin::ImagePartition {
                    name,
                    path,
                    images,
                    config,
                });
            }
            match args.image_tasks {
                ImageTasks::Pairs => {
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
                ImageTasks::Classes(classes_per_task) => Ok(Origin::ImageClasses {
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

/// The generator settings, checked, plus the checks the method needs (T >= 2).
fn synthetic_config(args: &SyntheticArgs) -> Result<SyntheticConfig, CliError> {
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
    config.validate().map_err(|e| match e {
        // The generator names its own fields; the user typed the options.
        DataError::InvalidSetting {
            name,
            value,
            reason,
        } => CliError::Usage {
            option: synthetic_option(name),
            reason: format!("{value}: {reason}"),
        },
        other => other.into(),
    })?;
    Ok(config)
}

/// The option that sets a field of [`SyntheticConfig`].
fn synthetic_option(field: &str) -> &'static str {
    match field {
        "n_tasks" => "--tasks",
        "n_features" => "--dim",
        "n_train" => "--n-train",
        "n_test" => "--n-test",
        "n_clusters" => "--clusters",
        "tau_within" => "--tau-within",
        "tau_between" => "--tau-between",
        "sigma" => "--sigma",
        _ => "the synthetic tasks",
    }
}

/// Refuses image-only options on other data, and options that cannot go together, rather than
/// ignoring them.
fn check_image_options(kind: &str, args: &DataArgs) -> Result<(), CliError> {
    let splits = matches!(kind, "fashion-mnist" | "cifar10" | "image-folder");
    let refuse = |option: &'static str, reason: &str| {
        Err(CliError::Usage {
            option,
            reason: reason.to_string(),
        })
    };
    let pairs = args.image_tasks == ImageTasks::Pairs;
    if args.partition.is_some() && !splits {
        return refuse(
            "--partition",
            "splits fashion-mnist, cifar10 or image-folder data into clients",
        );
    }
    if args.partition.is_some() && !pairs {
        return refuse(
            "--partition",
            "clients come from --partition or from --image-tasks, not both",
        );
    }
    if (args.max_train.is_some() || args.max_test.is_some()) && args.partition.is_none() {
        return refuse(
            "--max-train",
            "--max-train and --max-test cap the clients of --partition",
        );
    }
    if !pairs && !splits {
        return refuse(
            "--image-tasks",
            "builds tasks from fashion-mnist, cifar10 or image-folder data",
        );
    }
    Ok(())
}
