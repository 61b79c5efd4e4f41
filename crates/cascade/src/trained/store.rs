//! A trained cascade on disk: one directory, readable by people and by Burn.
//!
//! ```text
//! DIR/manifest.json   format, crate version, model configuration, target kind, task ids
//! DIR/plan.json       the plan that trained it (tree, budget)
//! DIR/scalers.json    each task's feature (and target) scaler
//! DIR/schema.json     the rows' layout: task, feature and target columns (when known)
//! DIR/tasks/00017.bpk task 17's parameters, a Burn record (burnpack)
//! DIR/backbone.bpk    the frozen backbone the models read features of (when trained with one)
//! DIR/backbone-scalers.json  each task's scaler of raw rows before the backbone
//! ```
//!
//! Loading rebuilds each task's module from the saved configuration and applies its record;
//! a record whose shapes do not fit, a missing or truncated file, or a manifest of another
//! format is a one-line error naming the file.

use std::fs;
use std::path::{Path, PathBuf};

use burn::module::{Module, ModuleMapper, Param, ParamId, Parameter};
use burn::prelude::Device;
use burn::prelude::{Bool, Int, Tensor};
use burn::store::ModuleRecord;
use cascade_data::{DataSchema, Problem, Scaler};
use cascade_models::TaskModelConfig;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::TrainedCascade;
use super::folder::{check_replaceable, sibling, write_atomically};
use super::frozen::{BackboneEntry, load_frozen, save_backbone};
use crate::CascadeError;
use crate::plan::Plan;

/// The `format` field of a manifest this version writes and reads.
pub const FORMAT: &str = "cascade-trained/1";

/// What `manifest.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest<C> {
    /// [`FORMAT`].
    pub format: String,
    /// Version of the `cascade` crate that wrote it.
    pub cascade_version: String,
    /// The model configuration, as the model's own serde form.
    pub model: C,
    /// The model's name ([`std::fmt::Display`] of the configuration).
    pub model_name: String,
    /// Input features `d`.
    pub n_features: usize,
    /// Outputs per row `k`.
    pub outputs: usize,
    /// The target kind.
    pub problem: Problem,
    /// Class names by index, for class targets.
    pub class_names: Vec<String>,
    /// The objective's name.
    pub objective: String,
    /// The method that planned it.
    pub method: String,
    /// Task ids, in task order; task `v`'s record is `tasks/{v:05}.bpk`.
    pub tasks: Vec<String>,
    /// The frozen backbone the models read features of, when trained with one (saves without
    /// one have no such field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backbone: Option<BackboneEntry>,
}

impl<C: TaskModelConfig> TrainedCascade<C> {
    /// Writes the cascade to `dir` atomically: into a fresh folder beside it, renamed into
    /// place last, so a save killed at any point leaves the previous cascade or the new one.
    /// `dir` must be missing, empty or an earlier save (a folder of something else is refused,
    /// never deleted).
    pub fn save(&self, dir: &Path) -> Result<(), CascadeError> {
        write_atomically(dir, "manifest.json", |partial| self.write_into(partial))
    }

    /// Writes every file of the cascade into the empty folder `dir`.
    fn write_into(&self, dir: &Path) -> Result<(), CascadeError> {
        let tasks_dir = dir.join("tasks");
        fs::create_dir_all(&tasks_dir).map_err(|e| store_error(&tasks_dir, e))?;
        let manifest = Manifest {
            format: FORMAT.into(),
            cascade_version: env!("CARGO_PKG_VERSION").into(),
            model: self.model.clone(),
            model_name: self.model.to_string(),
            n_features: self.n_features,
            outputs: self.objective().outputs(),
            problem: self.problem,
            class_names: self.class_names.clone(),
            objective: self.objective().name().to_string(),
            method: self.plan.method.to_string(),
            tasks: self.task_ids.clone(),
            backbone: match &self.backbone {
                Some(backbone) => Some(save_backbone(backbone, dir)?),
                None => None,
            },
        };
        write_json(&dir.join("manifest.json"), &manifest)?;
        write_json(&dir.join("plan.json"), &self.plan)?;
        write_json(&dir.join("scalers.json"), &self.scalers)?;
        let schema_path = dir.join("schema.json");
        if let Some(schema) = &self.schema {
            write_json(&schema_path, schema)?;
        }
        for (v, model) in self.task_models().iter().enumerate() {
            save_record(model, dir, v)?;
        }
        Ok(())
    }

    /// Reads a cascade saved by [`TrainedCascade::save`] onto `device`.
    pub fn load(dir: &Path, device: &Device) -> Result<Self, CascadeError> {
        let manifest_path = dir.join("manifest.json");
        let manifest: Manifest<C> = read_json(&manifest_path)?;
        if manifest.format != FORMAT {
            return Err(CascadeError::Store {
                path: manifest_path.display().to_string(),
                reason: format!(
                    "format '{}' is not '{FORMAT}', the format this version reads",
                    manifest.format
                ),
            });
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = manifest.tasks.iter().find(|id| !seen.insert(id.as_str())) {
            return Err(CascadeError::Store {
                path: manifest_path.display().to_string(),
                reason: format!("task '{twice}' is listed twice"),
            });
        }
        let plan: Plan = read_json(&dir.join("plan.json"))?;
        let scalers_path = dir.join("scalers.json");
        let scalers: Vec<Scaler> = read_json(&scalers_path)?;
        let t = manifest.tasks.len();
        if scalers.len() != t {
            return Err(CascadeError::Store {
                path: scalers_path.display().to_string(),
                reason: format!("{} scalers for the manifest's {t} tasks", scalers.len()),
            });
        }
        let models = (0..t)
            .map(|v| {
                let shape = (manifest.n_features, manifest.outputs);
                load_record(&manifest.model, shape, dir, v, &manifest.tasks[v], device)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let backbone = match &manifest.backbone {
            Some(entry) => Some(load_frozen(entry, dir, t, device)?),
            None => None,
        };
        let input_features = backbone
            .as_ref()
            .map_or(manifest.n_features, |b| b.input_features());
        let schema_path = dir.join("schema.json");
        let schema: Option<DataSchema> = if schema_path.exists() {
            Some(read_json(&schema_path)?)
        } else {
            None
        };
        if let Some(schema) = &schema
            && schema.n_features() != input_features
        {
            return Err(CascadeError::Store {
                path: schema_path.display().to_string(),
                reason: format!(
                    "the schema's columns give {} features, the manifest says {input_features}",
                    schema.n_features(),
                ),
            });
        }
        let trained = TrainedCascade::new(
            manifest.model,
            manifest.n_features,
            manifest.problem,
            manifest.class_names,
            plan,
            manifest.tasks,
            scalers,
            models,
        )?;
        let trained = match schema {
            Some(schema) => trained.with_schema(schema),
            None => trained,
        };
        match backbone {
            Some(backbone) => trained.with_backbone(backbone),
            None => Ok(trained),
        }
    }
}

/// An error now, before any training, where saving to `dir` would fail for a reason
/// known already: a folder of something else, or one that cannot be written.
pub fn check_save_to(dir: &Path) -> Result<(), CascadeError> {
    check_replaceable(dir, "manifest.json")?;
    let mut parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| Path::new(".").to_path_buf(), Path::to_path_buf);
    while !parent.exists() {
        match parent.parent() {
            Some(up) if !up.as_os_str().is_empty() => parent = up.to_path_buf(),
            _ => parent = Path::new(".").to_path_buf(),
        }
    }
    let probe = sibling(&parent.join("probe"), "writable");
    fs::write(&probe, b"").map_err(|e| store_error(&parent, format!("cannot write here: {e}")))?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

/// Task `v`'s model (`T = 1`, `shape = (d, k)` inputs and outputs) from its record in `dir`
/// ([`record_path`]); a missing or damaged file, or one that does not fit `model`, is an error
/// naming the file and the task.
pub fn load_record<C: TaskModelConfig>(
    model: &C,
    (n_features, outputs): (usize, usize),
    dir: &Path,
    v: usize,
    task: &str,
    device: &Device,
) -> Result<C::Model, CascadeError> {
    let path = record_path(dir, v);
    let record = ModuleRecord::load(&path).map_err(|e| store_error(&path, e))?;
    model
        .init_tasks(n_features, outputs, &[0], device)
        .try_load_record(record)
        .map_err(|e| CascadeError::Store {
            path: path.display().to_string(),
            reason: format!("the record does not fit the model '{model}' of task '{task}': {e}"),
        })
}

/// Saves `model` (`T = 1`) as task `v`'s record in `dir` ([`record_path`]).
pub fn save_record<M: Module>(model: &M, dir: &Path, v: usize) -> Result<(), CascadeError> {
    save_module(model, &record_path(dir, v))
}

/// Saves `module` to `path` (burnpack) with its parameters numbered 1, 2, ... in visiting
/// order: Burn draws every parameter's id at random and writes it into the file, so without
/// this two saves of the same values would differ byte for byte. Loading keeps whatever ids a
/// file holds; nothing of cascade's reads them.
pub(crate) fn save_module<M: Module>(module: &M, path: &Path) -> Result<(), CascadeError> {
    module
        .clone()
        .map(&mut NumberParams(0))
        .save_file(path)
        .map_err(|e| store_error(path, e))
}

/// Gives every parameter it visits the next id of a count.
struct NumberParams(u64);

impl NumberParams {
    fn next<T: Parameter>(&mut self, param: Param<T>) -> Param<T> {
        self.0 += 1;
        let (_, value, mapper) = param.consume();
        Param::from_mapped_value(ParamId::from(self.0), value, mapper)
    }
}

impl ModuleMapper for NumberParams {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        self.next(param)
    }

    fn map_int<const D: usize>(&mut self, param: Param<Tensor<D, Int>>) -> Param<Tensor<D, Int>> {
        self.next(param)
    }

    fn map_bool<const D: usize>(
        &mut self,
        param: Param<Tensor<D, Bool>>,
    ) -> Param<Tensor<D, Bool>> {
        self.next(param)
    }
}

/// Task `v`'s record file.
pub fn record_path(dir: &Path, v: usize) -> PathBuf {
    dir.join("tasks").join(format!("{v:05}.bpk"))
}

pub(crate) fn store_error(path: &Path, error: impl std::fmt::Display) -> CascadeError {
    CascadeError::Store {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), CascadeError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| store_error(path, e))?;
    fs::write(path, text + "\n").map_err(|e| store_error(path, e))
}

pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, CascadeError> {
    let text = fs::read_to_string(path).map_err(|e| store_error(path, e))?;
    serde_json::from_str(&text).map_err(|e| store_error(path, format!("not a valid file: {e}")))
}
