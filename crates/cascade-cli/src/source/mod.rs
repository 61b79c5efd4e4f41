//! Where the commands get their tasks: synthetic Syn-tau tasks, or real data read once and
//! turned into a task set per repetition.
//!
//! What a repetition changes depends on the data: synthetic and image-pair tasks are drawn
//! afresh (the paper's "fresh data each repetition"), a grouped CSV is split afresh into
//! train/test, and an electricity panel is the same every time (repetitions then differ only
//! in initialisations and random trees).

mod describe;
mod open;
mod origin;

use cascade::backbone::FrozenBackbone;
use cascade_data::{DataSchema, LoadedTasks, TaskSet};
use cascade_models::ModelKind;

use crate::backbone_cmd::Backbone;
use crate::data_args::{DataArgs, SyntheticArgs};
use crate::error::CliError;
use crate::settings::{RunSettings, rep_seeds};
pub use origin::Origin;

/// A frozen backbone as a trained cascade keeps it, with the raw rows it embedded.
pub struct KeptBackbone {
    /// The backbone and each task's scaler of raw rows.
    pub backbone: FrozenBackbone,
    /// The tasks before embedding (raw image rows).
    pub raw: TaskSet,
    /// The layout of the raw rows (and how image files become them).
    pub schema: DataSchema,
}

/// A task collection, ready to give each repetition its task set, with an optional frozen
/// backbone that embeds every repetition's images (`--backbone`).
pub struct Source {
    /// Where the tasks come from.
    pub origin: Origin,
    backbone: Option<Backbone>,
    default_model: ModelKind,
}

impl Source {
    /// Reads the data named by `--data` (synthetic without it); `--backbone` trains or loads
    /// on the settings' device. The settings' seed fixes the train/test split of image folders.
    pub fn from_args(
        synthetic: &SyntheticArgs,
        args: &DataArgs,
        settings: &RunSettings,
    ) -> Result<Self, CliError> {
        let pca = args.pca_for(settings.model.as_ref());
        let origin = open::open(synthetic, args, pca, settings.seed)?;
        let backbone = match &args.backbone {
            Some(spec) => Some(Backbone::new(spec, settings.device()?.device)),
            None => None,
        };
        Ok(Self {
            origin,
            backbone,
            default_model: args.default_model(),
        })
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
        let (loaded, schema, _) = self.rep_keeping(seed, rep, false)?;
        Ok((loaded, schema))
    }

    /// [`Source::rep_with_schema`], and with a backbone and `keep`, what a trained cascade keeps
    /// of it ([`KeptBackbone`]).
    pub fn rep_keeping(
        &self,
        seed: u64,
        rep: usize,
        keep: bool,
    ) -> Result<(LoadedTasks, DataSchema, Option<KeptBackbone>), CliError> {
        let (mut loaded, schema) = self.origin.rep_with_schema(seed, rep)?;
        let Some(backbone) = &self.backbone else {
            return Ok((loaded, schema, None));
        };
        let (tasks, note, frozen) = backbone.apply(&loaded.tasks, rep_seeds(seed, rep).1, keep)?;
        loaded.notes.push(note);
        let features = DataSchema::generic(tasks.n_features(), tasks.class_names().to_vec());
        let raw = std::mem::replace(&mut loaded.tasks, tasks);
        let kept = frozen.map(|backbone| KeptBackbone {
            backbone,
            raw,
            schema,
        });
        Ok((loaded, features, kept))
    }

    /// The task set of repetition `rep` alone.
    pub fn rep_tasks(&self, seed: u64, rep: usize) -> Result<TaskSet, CliError> {
        Ok(self.rep(seed, rep)?.tasks)
    }

    /// The model used when `--model` is not given ([`DataArgs::default_model`]).
    pub fn default_model(&self) -> ModelKind {
        self.default_model
    }

    /// One line saying what the data are, for the header of a results table.
    pub fn describe(&self, tasks: &TaskSet) -> String {
        let text = describe::describe(&self.origin, tasks);
        match &self.backbone {
            Some(backbone) => format!("{text}, features of a frozen {backbone}"),
            None => text,
        }
    }
}
