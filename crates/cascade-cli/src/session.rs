//! What every command that trains starts with, written once: the data source, the first
//! repetition's tasks (whose count checks the budget and whose shapes decide which default
//! methods apply), what reading them noticed, and the device.

use cascade::method::Method;
use cascade::train::executor::{Training, resolve};
use cascade::train::objective_for;
use cascade::trained::CascadeTrainer;
use cascade_data::{DataSchema, LoadedTasks, TaskSet};
use cascade_models::{DeviceChoice, ModelKind};

use crate::checked::{Checked, methods_for};
use crate::data_args::{DataArgs, SyntheticArgs};
use crate::error::CliError;
use crate::memory_check;
use crate::notes::print_loading_notes;
use crate::settings::{RunSettings, rep_seeds};
use crate::source::{KeptBackbone, Source};

/// A command's data and device, opened.
pub struct Session {
    /// Where the tasks come from.
    pub source: Source,
    /// The repetition read on opening (repetition 0 but for `plan --rep`), with what reading
    /// it skipped or noted.
    pub loaded: LoadedTasks,
    /// The layout of its rows.
    pub schema: DataSchema,
    /// Where to train.
    pub device: DeviceChoice,
    /// Which repetition `loaded` is.
    pub rep: usize,
    /// The master seed.
    pub seed: u64,
    /// With a backbone, opened by [`Session::open_keeping_backbone`]: what a trained cascade
    /// keeps of it.
    pub kept: Option<KeptBackbone>,
}

impl Session {
    /// Reads the data and repetition `rep` of it, prints what reading noticed (one `note:` or
    /// `warning:` line a fact), and sets up the device.
    pub fn open(
        synthetic: &SyntheticArgs,
        data: &DataArgs,
        settings: &RunSettings,
        rep: usize,
    ) -> Result<Self, CliError> {
        Self::open_with(synthetic, data, settings, rep, false)
    }

    /// [`Session::open`] that keeps the backbone, if any, for saving with a trained cascade.
    pub fn open_keeping_backbone(
        synthetic: &SyntheticArgs,
        data: &DataArgs,
        settings: &RunSettings,
        rep: usize,
    ) -> Result<Self, CliError> {
        Self::open_with(synthetic, data, settings, rep, true)
    }

    /// Reads as [`Session::read_keeping`] does, then prints what reading noticed.
    fn open_with(
        synthetic: &SyntheticArgs,
        data: &DataArgs,
        settings: &RunSettings,
        rep: usize,
        keep: bool,
    ) -> Result<Self, CliError> {
        let session = Self::read_keeping(synthetic, data, settings, rep, keep)?;
        print_loading_notes(&session.loaded);
        Ok(session)
    }

    /// [`Session::open`] without printing (a grid reads every group's data to check it, and
    /// prints the notes of the first it computes).
    pub fn read(
        synthetic: &SyntheticArgs,
        data: &DataArgs,
        settings: &RunSettings,
        rep: usize,
    ) -> Result<Self, CliError> {
        Self::read_keeping(synthetic, data, settings, rep, false)
    }

    fn read_keeping(
        synthetic: &SyntheticArgs,
        data: &DataArgs,
        settings: &RunSettings,
        rep: usize,
        keep: bool,
    ) -> Result<Self, CliError> {
        memory_check::check(&memory_check::synthetic_data(synthetic, data, 1), settings)?;
        let source = Source::from_args(synthetic, data, settings)?;
        let (loaded, schema, kept) = source.rep_keeping(settings.seed, rep, keep)?;
        let device = settings.device()?;
        Ok(Self {
            source,
            loaded,
            schema,
            device,
            rep,
            seed: settings.seed,
            kept,
        })
    }

    /// The tasks read on opening.
    pub fn tasks(&self) -> &TaskSet {
        &self.loaded.tasks
    }

    /// One line saying what the data are.
    pub fn describe(&self) -> String {
        self.source.describe(self.tasks())
    }

    /// The methods `names` lists (the default list without `None`), checked against the tasks
    /// ([`methods_for`]), with a note naming default methods left out.
    pub fn methods(
        &self,
        names: Option<&[Method]>,
    ) -> Result<(Vec<Method>, Option<String>), CliError> {
        methods_for(names, self.tasks())
    }

    /// The trainer and model `cascade train` uses for `method` with `settings` on these tasks
    /// (repetition 0's seeds): the method checked against the tasks, the settings checked.
    pub fn trainer(
        &self,
        settings: &RunSettings,
        method: Method,
    ) -> Result<(CascadeTrainer, ModelKind), CliError> {
        // Named explicitly, a method whose distance cannot apply to these tasks is an error
        // naming the task.
        let (methods, _) = self.methods(Some(std::slice::from_ref(&method)))?;
        let method = methods[0];
        let checked = self.check(settings, methods, None)?;
        let config = checked.first();
        let (_, run_seed) = rep_seeds(self.seed, 0);
        let trainer = CascadeTrainer {
            method,
            plan: config.plan.clone(),
            train: config.train,
            seed: run_seed,
            executor: config.executor,
        };
        Ok((trainer, config.model))
    }

    /// `settings` for `methods` checked against these tasks, one setting per budget of
    /// `budgets` (`None`: `--budget` or its default): see [`Checked::new`].
    pub fn check(
        &self,
        settings: &RunSettings,
        methods: Vec<Method>,
        budgets: Option<&[usize]>,
    ) -> Result<Checked, CliError> {
        let matrices =
            memory_check::distance_matrices(&methods, settings.root_distance, self.tasks().len());
        memory_check::check(&matrices, settings)?;
        let checked = Checked::new(
            settings,
            methods,
            budgets,
            self.tasks().len(),
            self.source.default_model(),
        )?;
        // The executor asked for must apply to this model, loss and device: say so before any
        // distance is computed, not at the first repetition.
        if let Some(config) = checked.configs().first() {
            let tasks = self.tasks();
            let d = tasks.n_features();
            let model = config.model.for_data(d, tasks.image_shape())?;
            let objective = objective_for(tasks.problem());
            let training = Training {
                model: &model,
                objective: objective.as_ref(),
                config: &config.train,
                device: &self.device.device,
            };
            resolve(config.executor, training, d)?;
        }
        Ok(checked)
    }
}
