//! A saved cascade's frozen backbone: `DIR/backbone.bpk` (the network, a Burn record) and
//! `DIR/backbone-scalers.json` (each task's scaler of raw rows), listed in the manifest.

use std::path::Path;

use burn::prelude::Device;
use cascade_data::Scaler;
use serde::{Deserialize, Serialize};

use super::store::{read_json, save_module, store_error, write_json};
use crate::CascadeError;
use crate::backbone::{FrozenBackbone, load_backbone};

/// What the manifest says of a saved backbone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackboneEntry {
    /// The network's record file, relative to the folder.
    pub record: String,
    /// The file of each task's scaler of raw rows, relative to the folder.
    pub scalers: String,
    /// Filters of the SmallCnn's first convolution.
    pub width: usize,
    /// `[channels, height, width]` of the images it reads.
    pub image: [usize; 3],
    /// Outputs of the network's own classifier.
    pub outputs: usize,
}

/// Writes `backbone` into the folder `dir` and returns its manifest entry.
pub(super) fn save_backbone(
    backbone: &FrozenBackbone,
    dir: &Path,
) -> Result<BackboneEntry, CascadeError> {
    let entry = BackboneEntry {
        record: "backbone.bpk".into(),
        scalers: "backbone-scalers.json".into(),
        width: backbone.width,
        image: backbone.image,
        outputs: backbone.outputs,
    };
    let record = dir.join(&entry.record);
    save_module(&backbone.network, &record)?;
    write_json(&dir.join(&entry.scalers), &backbone.scalers)?;
    Ok(entry)
}

/// Reads the backbone `entry` lists from `dir` onto `device`, for a cascade of `tasks` tasks;
/// a missing or damaged file, or scalers that do not fit, is an error naming the file.
pub(super) fn load_frozen(
    entry: &BackboneEntry,
    dir: &Path,
    tasks: usize,
    device: &Device,
) -> Result<FrozenBackbone, CascadeError> {
    let record = dir.join(&entry.record);
    if !record.is_file() {
        return Err(store_error(
            &record,
            "missing: the backbone the manifest lists",
        ));
    }
    let network = load_backbone(&record, entry.width, entry.image, entry.outputs, device)?;
    let scalers_path = dir.join(&entry.scalers);
    let scalers: Vec<Scaler> = read_json(&scalers_path)?;
    let p: usize = entry.image.iter().product();
    if scalers.len() != tasks || scalers.iter().any(|s| s.x_mean.len() != p) {
        return Err(store_error(
            &scalers_path,
            format!("needs {tasks} scalers of {p} features, one per task of the manifest"),
        ));
    }
    Ok(FrozenBackbone {
        network,
        width: entry.width,
        image: entry.image,
        outputs: entry.outputs,
        scalers,
    })
}
