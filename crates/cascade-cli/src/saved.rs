//! `cascade predict` and `cascade evaluate`: a saved cascade on new rows in its data's layout,
//! or on image files in client folders when it was trained on them.

use std::collections::HashMap;
use std::path::Path;

use cascade::train::{Prediction, TestError};
use cascade::trained::TrainedCascade;
use cascade_data::DataSchema;
use cascade_models::ModelKind;
use serde::Serialize;

use crate::args::{EvaluateArgs, PredictArgs};
use crate::error::CliError;
use crate::metrics::{self, TaskMetrics};
use crate::output::write_json;
use crate::rows_csv::write_predictions;
use crate::saved_input::SavedInput;
use crate::settings;

/// Writes one prediction per input row (or image file) of a known task.
pub fn predict(args: &PredictArgs) -> Result<(), CliError> {
    let (trained, schema) = load(&args.dir, &args.device)?;
    let input = SavedInput::read(&args.input, &schema, false)?;
    let groups = group(&trained, &input, &args.input)?;
    let mut out: Vec<(String, usize, Prediction)> = Vec::with_capacity(input.len());
    for (task, indices) in &groups {
        let predictions = trained.predict(task, &input.features(indices)?)?;
        out.extend(
            indices
                .iter()
                .zip(predictions)
                .map(|(&i, p)| (task.clone(), i, p)),
        );
    }
    out.sort_by_key(|(_, i, _)| *i);
    let keyed: Vec<(String, String, Prediction)> = out
        .into_iter()
        .map(|(task, i, p)| (task, input.keys[i].clone(), p))
        .collect();
    write_predictions(&args.out, &trained.class_names, input.key_column, &keyed)?;
    println!(
        "wrote {} predictions for {} tasks to {}",
        keyed.len(),
        groups.len(),
        args.out.display()
    );
    Ok(())
}

/// What `evaluate --json` holds: `mean` is an object `{metric: value}`, as in `train --json`.
#[derive(Serialize)]
struct EvaluateReport {
    cascade: String,
    input: String,
    #[serde(serialize_with = "metrics::serialize_means")]
    mean: Vec<(&'static str, f64)>,
    tasks: Vec<TaskMetrics>,
}

/// Prints each known task's metrics on the labelled rows, and their means.
pub fn evaluate(args: &EvaluateArgs) -> Result<(), CliError> {
    let (trained, schema) = load(&args.dir, &args.device)?;
    let input = SavedInput::read(&args.input, &schema, true)?;
    let y = input.y.as_ref().expect("labelled input holds targets");
    let groups = group(&trained, &input, &args.input)?;
    let classes = trained.problem.is_classification();
    let mut results = Vec::with_capacity(groups.len());
    for (task, indices) in &groups {
        let truth: Vec<f64> = indices.iter().map(|&i| y[i]).collect();
        let error: TestError = trained.evaluate(task, &input.features(indices)?, &truth)?;
        results.push(TaskMetrics {
            task: task.clone(),
            rows: indices.len(),
            error,
            classes,
        });
    }
    println!(
        "{} on {} ({} {}): test metrics per task (data units):",
        args.dir.display(),
        args.input.display(),
        input.len(),
        input.noun
    );
    println!("{}", metrics::table(&results));
    if let Some(path) = &args.json {
        write_json(
            path,
            &EvaluateReport {
                cascade: args.dir.display().to_string(),
                input: args.input.display().to_string(),
                mean: metrics::means(&results),
                tasks: results,
            },
        )?;
    }
    Ok(())
}

/// The saved cascade and the layout of its rows.
fn load(dir: &Path, device: &str) -> Result<(TrainedCascade<ModelKind>, DataSchema), CliError> {
    let device = settings::device(device)?;
    let trained = TrainedCascade::<ModelKind>::load(dir, &device.device)?;
    let schema = trained
        .schema
        .clone()
        .ok_or_else(|| cascade::CascadeError::Store {
            path: dir.join("schema.json").display().to_string(),
            reason: "missing: the cascade was saved without its data layout (cascade train \
                     writes one)"
                .into(),
        })?;
    Ok((trained, schema))
}

/// The input items (rows or image files) of each task the cascade knows, in order of first
/// appearance; items of other tasks are counted on stderr and skipped. No item of a known task
/// is an error.
fn group(
    trained: &TrainedCascade<ModelKind>,
    input: &SavedInput,
    path: &Path,
) -> Result<Vec<(String, Vec<usize>)>, CliError> {
    let noun = input.noun;
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    let mut position: HashMap<&str, usize> = HashMap::new();
    let mut unknown: Vec<(&str, usize)> = Vec::new();
    for (i, task) in input.tasks.iter().enumerate() {
        if trained.task_index(task).is_err() {
            match unknown.iter_mut().find(|(t, _)| t == task) {
                Some((_, n)) => *n += 1,
                None => unknown.push((task, 1)),
            }
            continue;
        }
        let k = *position.entry(task).or_insert_with(|| {
            groups.push((task.clone(), Vec::new()));
            groups.len() - 1
        });
        groups[k].1.push(i);
    }
    if input.unseen_categories > 0 {
        eprintln!(
            "note: {} rows hold a category never seen in training: its one-hot block is all zeros",
            input.unseen_categories
        );
    }
    if input.len() == 0 {
        return Err(CliError::Usage {
            option: "--input",
            reason: format!("{}: holds no {noun} to read", path.display()),
        });
    }
    if groups.is_empty() {
        return Err(CliError::Usage {
            option: "--input",
            reason: format!(
                "{}: no {} belongs to a task of the cascade (its {} {noun} name {} other \
                 tasks, e.g. '{}'; the cascade has {} tasks, e.g. '{}')",
                path.display(),
                noun.trim_end_matches('s'),
                input.len(),
                unknown.len(),
                unknown.first().map_or("", |u| u.0),
                trained.len(),
                trained.task_ids[0]
            ),
        });
    }
    if !unknown.is_empty() {
        let skipped: usize = unknown.iter().map(|(_, n)| n).sum();
        let listed: Vec<String> = unknown
            .iter()
            .take(10)
            .map(|(t, n)| format!("'{t}' ({n} {noun})"))
            .collect();
        eprintln!(
            "warning: skipped {skipped} {noun} of {} tasks the cascade was not trained on: {}{}",
            unknown.len(),
            listed.join(", "),
            if unknown.len() > 10 { ", ..." } else { "" }
        );
    }
    Ok(groups)
}
