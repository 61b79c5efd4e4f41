//! `cascade train`: train one method on one task set, print its per-task test metrics, and
//! save the trained cascade for `predict` and `evaluate`.

use std::path::PathBuf;
use std::time::Instant;

use cascade::experiment::MethodOutcome;
use cascade::method::Method;
use serde::Serialize;

use crate::args::TrainArgs;
use crate::error::CliError;
use crate::eta::EtaSummary;
use crate::metrics::{self, TaskMetrics};
use crate::output::{check_writable, write_json};
use crate::rows_csv::write_test_rows;
use crate::session::Session;
use crate::ticker::{Ticker, Unit};

/// What `--json` holds.
#[derive(Serialize)]
struct TrainReport<'a> {
    data: String,
    method: String,
    model: String,
    budget: usize,
    steps_used: usize,
    training_seconds: f64,
    /// The executor and device that trained the cascade.
    executor: &'a str,
    device: &'a str,
    eta: Option<EtaSummary>,
    saved: Option<&'a PathBuf>,
    #[serde(serialize_with = "metrics::serialize_means")]
    mean: Vec<(&'static str, f64)>,
    tasks: Vec<TaskMetrics>,
}

/// Trains `--method` on repetition 0's tasks (the data `cascade run` uses for its first
/// repetition, with the same plan, learning rates and initialisations), prints the test
/// metrics, and saves the cascade to `--out`.
pub fn train(args: &TrainArgs) -> Result<(), CliError> {
    if let (Some(plan), Some(job)) = (&args.plan, args.job) {
        for (given, option) in [
            (args.out.is_some(), "--out"),
            (args.test_out.is_some(), "--test-out"),
            (args.json.is_some(), "--json"),
        ] {
            if given {
                return Err(CliError::Usage {
                    option,
                    reason: "a job of a plan writes its records to PLAN/jobs/ID; join the jobs \
                             with `cascade merge PLAN --out DIR`"
                        .into(),
                });
            }
        }
        return crate::jobs::train_job::train_job(plan, job, args.method.device);
    }
    if args.train_method == Method::Mean {
        return Err(CliError::Usage {
            option: "--method",
            reason: "the Mean baseline trains no model to keep; choose a trained method".into(),
        });
    }
    if let Some(dir) = &args.out {
        // A folder of something else, or one that cannot be written, fails before training.
        cascade::trained::store::check_save_to(dir)?;
    }
    for path in [&args.test_out, &args.json].into_iter().flatten() {
        check_writable(path)?;
    }
    let session = Session::open_keeping_backbone(&args.data, &args.source, &args.method, 0)?;
    let set = session.tasks();
    let schema = &session.schema;
    let device = &session.device;
    let (trainer, model) = session.trainer(&args.method, args.train_method)?;
    let method = trainer.method;
    let description = session.describe();
    eprintln!(
        "training {method} ({}) on {description}, B = {} on {}",
        model, trainer.plan.budget.total, device.backend
    );
    let ticker = Ticker::start(
        &format!("training {method}"),
        trainer.plan.budget.total as u64,
        Unit::TaskSteps,
        true,
    );
    let start = Instant::now();
    let fitted = trainer.fit(set, &model, &device.device);
    ticker.finish();
    let (trained, report) = fitted?;
    // Fitting read no test row; the held-out rows (backbone features, with a backbone) are
    // scored here, as a separate step.
    let run = report.evaluated(trained.evaluate_set(set)?)?;
    // With a backbone, the saved cascade reads raw images: it keeps the backbone and the raw
    // rows' layout.
    let (trained, saved_schema, test_rows) = match &session.kept {
        Some(kept) => (
            trained
                .with_schema(kept.schema.clone())
                .with_backbone(kept.backbone.clone())?,
            &kept.schema,
            &kept.raw,
        ),
        None => (trained.with_schema(schema.clone()), schema, set),
    };
    let eta = EtaSummary::of(
        trainer.train.eta,
        model,
        &[MethodOutcome {
            plan: trained.plan.clone(),
            run: run.clone(),
        }],
    );
    if let Some(dir) = &args.out {
        trained.save(dir)?;
    }
    if let Some(path) = &args.test_out {
        write_test_rows(path, saved_schema, test_rows)?;
    }
    let classes = set.problem().is_classification();
    let rows: Vec<TaskMetrics> = run
        .tasks
        .iter()
        .zip(set.tasks())
        .map(|(result, task)| TaskMetrics {
            task: result.task.clone(),
            rows: task.test.n_rows(),
            error: result.test_error(),
            classes,
        })
        .collect();
    println!(
        "{method} on {description}: {} steps in {:.2} s ({:.1} s with distances and planning), \
         trained by {}",
        run.steps_used,
        run.training_seconds(),
        start.elapsed().as_secs_f64(),
        run.trained_by
    );
    if let Some(eta) = &eta {
        println!("{}", eta.line());
    }
    println!("test metrics per task (data units):");
    println!("{}", metrics::table(&rows));
    match &args.out {
        Some(dir) => println!(
            "saved {} task models{} to {} (predict with: cascade predict {} --input {})",
            trained.len(),
            if trained.backbone.is_some() {
                " and their backbone"
            } else {
                ""
            },
            dir.display(),
            dir.display(),
            if saved_schema.images.is_some() {
                "ROWS.csv or an image folder"
            } else {
                "ROWS.csv"
            }
        ),
        None => eprintln!("note: nothing saved; pass --out DIR to keep the trained cascade"),
    }
    if let Some(path) = &args.test_out {
        println!("wrote the held-out test rows to {}", path.display());
    }
    if let Some(path) = &args.json {
        write_json(
            path,
            &TrainReport {
                data: description,
                method: method.to_string(),
                model: model.to_string(),
                budget: trainer.plan.budget.total,
                steps_used: run.steps_used,
                training_seconds: run.training_seconds(),
                executor: &run.trained_by.executor,
                device: &run.trained_by.device,
                eta,
                saved: args.out.as_ref(),
                mean: metrics::means(&rows),
                tasks: rows,
            },
        )?;
    }
    Ok(())
}
