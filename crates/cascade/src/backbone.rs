//! A frozen backbone shared by every task, the research code's CascadeFM: the convolutional
//! trunk of one SmallCnn trained on the pooled training images of all tasks (or loaded from a
//! Burn record), applied once to every row, so that the cascade trains only a per-task head on
//! its features (`d = 2 width (h/4) (w/4)`; a softmax-linear head by default).
//!
//! Embedding the rows once replaces running the frozen trunk at every step of every task: the
//! same predictions, at the cost of one forward pass per image.

use std::path::Path;

use burn::module::Module;
use burn::prelude::*;
use burn::store::ModuleRecord;
use cascade_data::{DMatrix, Scaler, Split, StandardisedTaskSet, Task, TaskSet, pooled_train};
use cascade_models::{ConvLayout, ModelKind, SmallCnn, TaskModel, to_host};

use crate::CascadeError;
use crate::train::{TaskBatch, TrainConfig, batch_seed, fit, objective_for, task_init_seed};

/// Rows embedded per forward pass, to bound memory.
const EMBED_CHUNK: usize = 512;

/// Trains a SmallCnn of `width` filters (`T = 1`) for `steps` steps on the pooled training rows
/// of `set` (raw images; standardised per task as every method sees them) and returns it. Its
/// initialisation draws from `seed`.
pub fn pooled_backbone(
    set: &TaskSet,
    width: usize,
    steps: usize,
    config: &TrainConfig,
    eta: f64,
    seed: u64,
    device: &Device,
) -> Result<SmallCnn, CascadeError> {
    let image = set.image_shape().ok_or_else(|| {
        CascadeError::Model(cascade_models::ModelError::NeedsImages(format!(
            "backbone small-cnn:{width}"
        )))
    })?;
    let kind = ModelKind::SmallCnn {
        width,
        image: Some(image),
        conv: ConvLayout::Auto,
    };
    let data = StandardisedTaskSet::new(set);
    let pooled = pooled_train(&data.standardised);
    let objective = objective_for(set.problem());
    let init = kind.init_with_outputs(
        set.n_features(),
        objective.outputs(),
        &[task_init_seed(seed, 0)],
        device,
    );
    let batch = TaskBatch::new(&[&pooled], device)
        .with_objective(objective.as_ref())
        .with_batch_seeds(vec![batch_seed(seed, 0)]);
    let out = fit(
        init,
        &batch,
        &[steps],
        &[eta],
        config,
        &["backbone (pooled)".to_string()],
    )?;
    match out.model {
        TaskModel::SmallCnn(cnn) => Ok(cnn),
        _ => unreachable!("a small-cnn configuration builds a small-cnn"),
    }
}

/// Reads a SmallCnn backbone (`T = 1`, `width` filters, `k` outputs, for images `image`) from
/// the Burn record at `path`, e.g. a task of a saved cascade (`tasks/00000.bpk`).
pub fn load_backbone(
    path: &Path,
    width: usize,
    image: [usize; 3],
    outputs: usize,
    device: &Device,
) -> Result<SmallCnn, CascadeError> {
    let kind = ModelKind::SmallCnn {
        width,
        image: Some(image),
        conv: ConvLayout::Auto,
    };
    let fresh = || kind.init_with_outputs(image.iter().product(), outputs, &[0], device);
    let load = || {
        ModuleRecord::load(path).map_err(|e| CascadeError::Store {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    };
    // A task of a saved cascade holds the model enum (`SmallCnn.conv1.weight`); a backbone
    // saved on its own, the bare network (`conv1.weight`).
    if let Ok(TaskModel::SmallCnn(cnn)) = fresh().try_load_record(load()?) {
        return Ok(cnn);
    }
    let TaskModel::SmallCnn(bare) = fresh() else {
        unreachable!("a small-cnn configuration builds a small-cnn")
    };
    bare.try_load_record(load()?)
        .map_err(|e| CascadeError::Store {
            path: path.display().to_string(),
            reason: format!("not a small-cnn:{width} backbone for {image:?} images: {e}"),
        })
}

/// `set` with every row replaced by its backbone features: the same tasks, ids, splits and
/// targets, `d = 2 width (h/4) (w/4)` features and no image shape. Each task's rows are
/// standardised with the task's own training statistics first, as the backbone was trained.
pub fn embed(set: &TaskSet, backbone: &SmallCnn) -> Result<TaskSet, CascadeError> {
    let backbone = backbone.valid();
    let data = StandardisedTaskSet::new(set);
    let tasks = set
        .tasks()
        .iter()
        .zip(data.tasks())
        .map(|(raw, standardised)| Task {
            id: raw.id.clone(),
            train: Split::new(
                embed_rows(&backbone, &standardised.train.x),
                raw.train.y.clone(),
            ),
            test: Split::new(
                embed_rows(&backbone, &standardised.test.x),
                raw.test.y.clone(),
            ),
            group: raw.group,
        })
        .collect();
    let mut embedded = TaskSet::new(tasks)?;
    if set.problem().is_classification() {
        embedded = match set.problem() {
            cascade_data::Problem::Binary => embedded.into_binary()?,
            _ => embedded.into_classes(set.class_names().to_vec())?,
        };
    }
    Ok(embedded)
}

/// The features of standardised rows `x: [n, c*h*w]` under `backbone` (in inference mode):
/// `[n, 2 width (h/4) (w/4)]`, computed [`EMBED_CHUNK`] rows at a time.
fn embed_rows(backbone: &SmallCnn, x: &DMatrix<f64>) -> DMatrix<f64> {
    let device = backbone.devices().into_iter().next().unwrap_or_default();
    let (n, d) = x.shape();
    let mut out: Vec<f64> = Vec::new();
    let mut width = 0;
    for start in (0..n).step_by(EMBED_CHUNK) {
        let m = EMBED_CHUNK.min(n - start);
        let mut values = Vec::with_capacity(m * d);
        for i in start..start + m {
            values.extend(x.row(i).iter().map(|&v| v as f32));
        }
        let x = Tensor::<3>::from_data(TensorData::new(values, [1, m, d]), &device);
        let features = backbone.features(x);
        width = features.dims()[2];
        out.extend(to_host(features).into_iter().map(f64::from));
    }
    DMatrix::from_row_slice(n, width, &out)
}

/// A frozen backbone kept with the cascade whose heads read its features: the network and, per
/// task, the scaler that standardises the task's raw rows before the network (fitted on the
/// task's training rows, as [`embed`] standardises them).
#[derive(Debug, Clone)]
pub struct FrozenBackbone {
    /// The SmallCnn (`T = 1`); only its convolutional trunk is applied.
    pub network: SmallCnn,
    /// Filters of its first convolution.
    pub width: usize,
    /// `[channels, height, width]` of the images it reads.
    pub image: [usize; 3],
    /// Outputs of the network's own classifier (kept so its record loads).
    pub outputs: usize,
    /// Each task's scaler of raw rows, in task order.
    pub scalers: Vec<Scaler>,
}

impl FrozenBackbone {
    /// The backbone `network` (`width` filters, `outputs` classifier outputs) that embedded the
    /// raw image tasks `set`, with each task's scaler of raw rows.
    pub fn new(
        set: &TaskSet,
        network: SmallCnn,
        width: usize,
        outputs: usize,
    ) -> Result<Self, CascadeError> {
        let image = set.image_shape().ok_or_else(|| {
            CascadeError::Model(cascade_models::ModelError::NeedsImages(format!(
                "backbone small-cnn:{width}"
            )))
        })?;
        Ok(Self {
            network,
            width,
            image,
            outputs,
            scalers: StandardisedTaskSet::new(set).scalers,
        })
    }

    /// Raw features a row has: `c*h*w`.
    pub fn input_features(&self) -> usize {
        self.image.iter().product()
    }

    /// The features of task `v`'s raw rows `x: [n, c*h*w]`: standardised with the task's
    /// scaler, then the trunk's output, `[n, 2 width (h/4) (w/4)]` (what [`embed`] gives).
    pub fn features(&self, v: usize, x: &DMatrix<f64>) -> Result<DMatrix<f64>, CascadeError> {
        let scaler = self.scalers.get(v).ok_or_else(|| {
            CascadeError::ShapeMismatch(format!(
                "task {v} of a backbone with {} task scalers",
                self.scalers.len()
            ))
        })?;
        Ok(embed_rows(
            &self.network.valid(),
            &scaler.transform_features(x),
        ))
    }
}

/// The model a frozen backbone's features expect as head when none is named.
pub fn default_head() -> ModelKind {
    ModelKind::Linear
}
