//! Train a cascade, save it, load it back and predict, with the built-in models.
//!
//! Draws 40 synthetic regression tasks, trains an MST cascade over the gradient distance with
//! a linear model per task, saves it to a directory, loads it onto the device again and
//! predicts the first task's test rows. The predictions are in the data's units: the saved
//! scalers undo each task's standardisation.
//!
//! Run with `cargo run --release --example save_and_predict`.

use cascade::train::Prediction;
use cascade::trained::{CascadeTrainer, TrainedCascade};
use cascade_data::synthetic::SyntheticConfig;
use cascade_models::{Backend, ModelKind};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tasks = SyntheticConfig {
        n_tasks: 40,
        ..Default::default()
    }
    .generate(&mut StdRng::seed_from_u64(3))?;
    let device = Backend::Flex.device()?.device;

    // MST over the gradient distance, 5 steps a task, learning rates from the data. Fitting
    // reads only the training rows; the test rows are scored in a separate call.
    let (trained, report) =
        CascadeTrainer::new(5 * tasks.len()).fit(&tasks, &ModelKind::Linear, &device)?;
    let trained_by = report.trained_by.clone();
    let report = report.evaluated(trained.evaluate_set(&tasks)?)?;
    println!(
        "trained {} tasks ({trained_by}): mean test MSE {:.2} ({} steps)",
        trained.len(),
        report.mean_mse(),
        report.steps_used
    );

    let dir = std::env::temp_dir().join("cascade-save-and-predict");
    trained.save(&dir)?;
    println!("saved to {}", dir.display());

    let loaded = TrainedCascade::<ModelKind>::load(&dir, &device)?;
    let task = &tasks.tasks()[0];
    let predictions = loaded.predict(&task.id, &task.test.x)?;
    for (prediction, truth) in predictions.iter().zip(task.test.y.iter()).take(5) {
        if let Prediction::Value(value) = prediction {
            println!("{}: predicted {value:8.3}, true {truth:8.3}", task.id);
        }
    }
    let error = loaded.evaluate(&task.id, &task.test.x, task.test.y.as_slice())?;
    println!(
        "{}: test MSE {:.2} after loading (before saving: {:.2})",
        task.id, error.mse, report.tasks[0].test_mse
    );
    Ok(())
}
