//! Where the tasks come from, read once, and the task set each repetition draws from it.

use std::path::PathBuf;

use cascade_data::images::{
    ClassTasksConfig, ClientImages, ImageSet, PairFeatures, PairTasksConfig, PartitionConfig,
    Standardise, class_tasks, client_folder_tasks_with_input, pair_tasks, partition_tasks,
};
use cascade_data::synthetic::SyntheticConfig;
use cascade_data::tasks_csv::{TasksCsvConfig, load_tasks_csv};
use cascade_data::{DataSchema, LoadedTasks};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::error::CliError;
use crate::settings::rep_seeds;

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
    /// The task set of repetition `rep` of a run seeded by `seed`, with what was skipped and
    /// noted while building it, and the layout of its rows: a grouped CSV's own columns, else the
    /// generic `task, x0 .. x{d-1}, y` (class names as targets for class tasks; client image
    /// folders also say how an image file becomes a row).
    pub fn rep_with_schema(
        &self,
        seed: u64,
        rep: usize,
    ) -> Result<(LoadedTasks, DataSchema), CliError> {
        let (data_seed, _) = rep_seeds(seed, rep);
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
            } => {
                let (loaded, input) =
                    client_folder_tasks_with_input(clients, *features, *standardise, &mut rng)?;
                let schema = DataSchema::generic(
                    loaded.tasks.n_features(),
                    loaded.tasks.class_names().to_vec(),
                )
                .with_images(input);
                return Ok((loaded, schema));
            }
        };
        let schema = DataSchema::generic(
            loaded.tasks.n_features(),
            loaded.tasks.class_names().to_vec(),
        );
        Ok((loaded, schema))
    }
}
