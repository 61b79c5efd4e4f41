//! One line saying what the data are, for the header of a results table.

use std::path::Path;

use cascade_data::TaskSet;
use cascade_data::images::PairFeatures;

use super::origin::Origin;

/// One line saying what the data of `origin` are (`tasks`: one repetition's), for the header
/// of a results table.
pub fn describe(origin: &Origin, tasks: &TaskSet) -> String {
    let d = tasks.n_features();
    match origin {
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
            features(config.features),
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
            features(config.features),
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
            features(config.features),
            config
                .clusters
                .map_or(String::new(), |k| format!(", {k} pair clusters")),
            config.n_train,
            config.n_test
        ),
    }
}

/// `PCA k` or `raw pixels`.
fn features(features: PairFeatures) -> String {
    match features {
        PairFeatures::Pca { k, .. } => format!("PCA {k}"),
        PairFeatures::RawPixels => "raw pixels".into(),
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}
