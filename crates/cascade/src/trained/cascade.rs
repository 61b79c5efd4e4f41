//! The [`TrainedCascade`] value: every task's trained model, with what predicting needs.

use std::collections::HashMap;
use std::sync::Arc;

use burn::module::Module;
use burn::prelude::*;
use cascade_data::{DMatrix, DataSchema, Problem, Scaler, TaskSet};
use cascade_models::{TaskModelConfig, TaskModule, to_host};

use crate::CascadeError;
use crate::backbone::FrozenBackbone;
use crate::plan::Plan;
use crate::train::{Objective, Prediction, TestError, objective_for, predictions};

/// One method's trained models for every task of a task set, with what predicting needs.
#[derive(Debug, Clone)]
pub struct TrainedCascade<C: TaskModelConfig> {
    /// The model configuration, adapted to the data ([`TaskModelConfig::for_data`]).
    pub model: C,
    /// Input features `d`.
    pub n_features: usize,
    /// The target kind.
    pub problem: Problem,
    /// Class names by index, for class targets.
    pub class_names: Vec<String>,
    /// The plan that trained it.
    pub plan: Plan,
    /// Task ids, in task order.
    pub task_ids: Vec<String>,
    /// Each task's scaler (features, and targets for regression), in task order.
    pub scalers: Vec<Scaler>,
    /// The layout of the rows it was trained on, when known: which columns are the task, the
    /// features and the target, and how categories are encoded.
    pub schema: Option<DataSchema>,
    /// The frozen backbone whose features the models read, when trained with one: rows given
    /// to [`TrainedCascade::predict`] are then raw images, embedded first.
    pub backbone: Option<FrozenBackbone>,
    /// Each task's trained model (`T = 1`), in task order.
    models: Vec<C::Model>,
    index: HashMap<String, usize>,
    objective: Arc<dyn Objective>,
}

impl<C: TaskModelConfig> TrainedCascade<C> {
    /// Assembles a trained cascade; the per-task vectors must have one entry per task id.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        model: C,
        n_features: usize,
        problem: Problem,
        class_names: Vec<String>,
        plan: Plan,
        task_ids: Vec<String>,
        scalers: Vec<Scaler>,
        models: Vec<C::Model>,
    ) -> Result<Self, CascadeError> {
        let t = task_ids.len();
        if scalers.len() != t || models.len() != t {
            return Err(CascadeError::ShapeMismatch(format!(
                "{t} task ids, {} scalers and {} models",
                scalers.len(),
                models.len()
            )));
        }
        let index = task_ids
            .iter()
            .enumerate()
            .map(|(v, id)| (id.clone(), v))
            .collect();
        Ok(Self {
            model,
            n_features,
            problem,
            class_names,
            plan,
            task_ids,
            scalers,
            schema: None,
            backbone: None,
            models,
            index,
            objective: objective_for(problem).into(),
        })
    }

    /// The same cascade predicting and scoring with `objective` (the target kind's built-in
    /// one by default: squared error, logistic or softmax cross-entropy).
    pub fn with_objective(mut self, objective: Arc<dyn Objective>) -> Self {
        self.objective = objective;
        self
    }

    /// The same cascade with the data layout `schema` recorded (saved as `schema.json`).
    pub fn with_schema(mut self, schema: DataSchema) -> Self {
        self.schema = Some(schema);
        self
    }

    /// The same cascade reading raw images through `backbone` (saved with it). Its models read
    /// the backbone's features; the backbone must hold one scaler per task.
    pub fn with_backbone(mut self, backbone: FrozenBackbone) -> Result<Self, CascadeError> {
        if backbone.scalers.len() != self.len() {
            return Err(CascadeError::ShapeMismatch(format!(
                "a backbone with {} task scalers for a cascade of {} tasks",
                backbone.scalers.len(),
                self.len()
            )));
        }
        self.backbone = Some(backbone);
        Ok(self)
    }

    /// Features of the rows [`TrainedCascade::predict`] takes: the backbone's raw `c*h*w` with a
    /// backbone, else the models' `d`.
    pub fn input_features(&self) -> usize {
        self.backbone
            .as_ref()
            .map_or(self.n_features, FrozenBackbone::input_features)
    }

    /// Number of tasks `T`.
    pub fn len(&self) -> usize {
        self.task_ids.len()
    }

    /// Always false: a trained cascade holds at least one task.
    pub fn is_empty(&self) -> bool {
        self.task_ids.is_empty()
    }

    /// The position of task `task`, or an error naming it.
    pub fn task_index(&self, task: &str) -> Result<usize, CascadeError> {
        self.index
            .get(task)
            .copied()
            .ok_or_else(|| CascadeError::UnknownTask {
                task: task.to_string(),
                known: self.len(),
                examples: examples(&self.task_ids),
            })
    }

    /// Task `v`'s trained model (`T = 1`).
    pub fn task_model(&self, v: usize) -> Option<&C::Model> {
        self.models.get(v)
    }

    /// The objective it predicts and scores with.
    pub fn objective(&self) -> &dyn Objective {
        self.objective.as_ref()
    }

    /// Every task's trained model (`T = 1` each), in task order.
    pub fn task_models(&self) -> &[C::Model] {
        &self.models
    }

    /// Predictions for `x: [n, d]` raw rows (the data's units) of task `task`: values for
    /// regression, a class and its probabilities for classifiers. With a backbone, `d` is its
    /// `c*h*w` and the rows are embedded first ([`FrozenBackbone::features`]).
    pub fn predict(&self, task: &str, x: &DMatrix<f64>) -> Result<Vec<Prediction>, CascadeError> {
        let v = self.task_index(task)?;
        if x.ncols() != self.input_features() {
            return Err(CascadeError::FeatureCount {
                task: task.to_string(),
                expected: self.input_features(),
                found: x.ncols(),
            });
        }
        if x.nrows() == 0 {
            return Ok(Vec::new());
        }
        let embedded;
        let x = match &self.backbone {
            Some(backbone) => {
                embedded = backbone.features(v, x)?;
                &embedded
            }
            None => x,
        };
        let scaler = &self.scalers[v];
        let rows = scaler.transform_features(x);
        let model = self.models[v].valid();
        let device = model.devices().into_iter().next().unwrap_or_default();
        let (n, d) = rows.shape();
        let mut values = Vec::with_capacity(n * d);
        for i in 0..n {
            values.extend(rows.row(i).iter().map(|&v| v as f32));
        }
        let input = Tensor::<3>::from_data(TensorData::new(values, [1, n, d]), &device);
        let outputs = model.forward(input);
        let k = outputs.dims()[2];
        Ok(predictions(
            self.objective.as_ref(),
            &to_host(outputs),
            k,
            scaler,
        ))
    }

    /// Task `task`'s metrics on labelled raw rows `x: [n, d]`, `y: [n]` (values, or class
    /// indices).
    pub fn evaluate(
        &self,
        task: &str,
        x: &DMatrix<f64>,
        y: &[f64],
    ) -> Result<TestError, CascadeError> {
        if y.len() != x.nrows() {
            return Err(CascadeError::ShapeMismatch(format!(
                "task '{task}': {} rows of features and {} targets",
                x.nrows(),
                y.len()
            )));
        }
        let predictions = self.predict(task, x)?;
        Ok(self.objective.metrics(&predictions, y))
    }

    /// Every task's metrics on its held-out rows in `set` (raw units; with a backbone, raw
    /// images), in `set`'s task order;
    /// each task of `set` must be one of this cascade's (an unknown id is an error naming it).
    /// With [`super::FitReport::evaluated`] this gives the report a comparison makes.
    pub fn evaluate_set(&self, set: &TaskSet) -> Result<Vec<TestError>, CascadeError> {
        set.tasks()
            .iter()
            .map(|task| self.evaluate(&task.id, &task.test.x, task.test.y.as_slice()))
            .collect()
    }
}

/// Up to three ids, for messages.
fn examples(ids: &[String]) -> String {
    let mut shown: Vec<&str> = ids.iter().take(3).map(String::as_str).collect();
    if ids.len() > 3 {
        shown.push("...");
    }
    shown.join(", ")
}
