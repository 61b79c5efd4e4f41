//! Training one method into a [`TrainedCascade`].

use burn::prelude::Device;
use cascade_data::{StandardisedTaskSet, TaskSet};
use cascade_models::TaskModelConfig;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::TrainedCascade;
use crate::CascadeError;
use crate::budget::BudgetConfig;
use crate::distance::Distance;
use crate::experiment::{init_seed, method_seed, seeded_step_sizes};
use crate::method::Method;
use crate::plan::{DistanceCache, PlanConfig, make_plan};
use crate::root::RootRule;
use crate::train::batched::{Job, run_jobs_keeping};
use crate::train::reference::MethodRun;
use crate::train::{StepSizes, TrainConfig, objective_for};

/// The settings of one trained cascade: which method plans it, how the budget and root are
/// chosen, how each task trains, and the seed of every random choice.
///
/// With the same settings and seed, [`CascadeTrainer::fit`] trains exactly the models that
/// `cascade run` evaluates for that method (same plans, learning rates and initialisations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CascadeTrainer {
    /// The method (default `mst-gradient`).
    pub method: Method,
    /// Budget, root rule and root distance.
    pub plan: PlanConfig,
    /// Learning rate, clipping and the rest of the step loop.
    pub train: TrainConfig,
    /// Seed of the plan's random choices and of the fresh initialisations.
    pub seed: u64,
}

impl CascadeTrainer {
    /// MST on the gradient distance with `budget` steps, the default training settings and
    /// seed 0.
    pub fn new(budget: usize) -> Self {
        Self {
            method: Method::Mst(Distance::Gradient),
            plan: PlanConfig {
                budget: BudgetConfig::new(budget),
                root_rule: RootRule::default(),
                root_distance: Distance::Gradient,
            },
            train: TrainConfig::default(),
            seed: 0,
        }
    }

    /// Trains `model` on `set` on `device` (an autodiff device: [`cascade_models::Backend`]
    /// gives one). Returns the trained cascade and its per-task test report. The Mean baseline
    /// has no model and is refused.
    pub fn fit<C: TaskModelConfig>(
        &self,
        set: &TaskSet,
        model: &C,
        device: &Device,
    ) -> Result<(TrainedCascade<C>, MethodRun), CascadeError> {
        if self.method == Method::Mean {
            return Err(CascadeError::InvalidSetting {
                name: "method",
                value: self.method.to_string(),
                reason: "the Mean baseline trains no model to keep; choose a trained method".into(),
            });
        }
        self.train.validate()?;
        let data = StandardisedTaskSet::new(set);
        let model = model.for_data(set.n_features(), set.image_shape())?;
        let objective = objective_for(set.problem());
        let mut cache = DistanceCache::new();
        let mut rng = StdRng::seed_from_u64(method_seed(self.seed, &self.method));
        let plan = make_plan(self.method, &data, &mut cache, &self.plan, &mut rng)?;
        let etas: StepSizes = seeded_step_sizes(
            &data,
            &model,
            &self.train,
            &self.plan,
            self.seed,
            &mut cache,
            device,
        )?;
        let label = self.method.to_string();
        let job = Job {
            plan: &plan,
            data: &data,
            etas: &etas,
            init_seed: init_seed(self.seed),
            label: &label,
        };
        let (run, models) = run_jobs_keeping(
            &[job],
            &model,
            objective.as_ref(),
            &self.train,
            device,
            true,
        )?
        .remove(0);
        let models = models.expect("a trained method keeps a model for every task");
        let trained = TrainedCascade::new(
            model,
            set.n_features(),
            set.problem(),
            set.class_names().to_vec(),
            plan,
            set.ids().into_iter().map(String::from).collect(),
            data.scalers.clone(),
            models,
        )?;
        Ok((trained, run))
    }
}
