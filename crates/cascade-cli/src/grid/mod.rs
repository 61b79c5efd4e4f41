//! `cascade grid`: a grid of settings x methods x repetitions, run resumably into a folder of
//! results, tables and figures.
//!
//! Settings on the same data that differ only in how plans are made (budget, allocation,
//! rounding, root, seed fraction, methods) form one *group* ([`groups`]): they share each
//! repetition's data and task distances, and train as one program. A *cell* is a group x a
//! block of `stack` repetitions; it is the unit that is computed, saved and skipped on resume.

mod cells;
mod expand;
mod figures;
mod groups;
mod interrupt;
mod options;
mod presets;
mod progress;
mod report;
mod results;
mod spec;
mod store;

use cascade_data::Problem;

use crate::args::GridArgs;
use crate::error::CliError;
use crate::metric::Metric;
use cells::{Expanded, run_cells};
use groups::{Prepared, group_settings};
use interrupt::Interrupt;
pub use spec::GridFile;
use spec::Value;
use store::{Manifest, Store};

/// Runs `cascade grid`.
pub fn grid(args: &GridArgs) -> Result<(), CliError> {
    if args.list_presets {
        for (name, text) in presets::PRESETS {
            let file = GridFile::parse(text, false, name)?;
            println!(
                "{name}: {} settings x {} reps. {}\n",
                file.settings(name)?.len(),
                file.reps.get(),
                file.description.unwrap_or_default()
            );
        }
        return Ok(());
    }
    let (file, origin) = load(args)?;
    if args.print_config {
        print!("{}", file.to_toml());
        return Ok(());
    }
    let Some(out) = &args.out else {
        return Err(CliError::Usage {
            option: "--out",
            reason: "say where the results go: --out DIR".into(),
        });
    };
    let settings = file.settings(&origin)?;
    let groups = group_settings(&settings);
    // Check every group (data readable, options valid, budget >= tasks) before computing
    // anything, so a typo in the last setting does not surface after an hour. The first group,
    // the one computed first, is kept rather than read again; the others are read again when
    // their turn comes, so that at most two groups' data are held at once.
    let mut metric = file.metric;
    let mut first_group = None;
    for group in &groups {
        let prepared = Prepared::new(&settings, group, &origin)?;
        let problem_metric = match prepared.session.tasks().problem() {
            Problem::Binary | Problem::Multiclass { .. } => Metric::Accuracy,
            Problem::Regression => Metric::Mse,
        };
        if metric == Some(Metric::Accuracy) && problem_metric != Metric::Accuracy {
            return Err(CliError::Grid {
                origin: origin.clone(),
                reason:
                    "metric = \"accuracy\" needs class labels (image tasks or --classification)"
                        .into(),
            });
        }
        metric.get_or_insert(problem_metric);
        first_group.get_or_insert(prepared);
    }
    let metric = metric.unwrap_or(Metric::Mse);
    let manifest = Manifest {
        reps: file.reps.get(),
        stack: file.stack.get(),
        settings: settings
            .iter()
            .map(|s| Ok((s.label(), serde_json::to_value(&s.args)?)))
            .collect::<Result<_, CliError>>()?,
    };
    let store = Store::open(out, &manifest)?;
    crate::output::write_atomic(&store.path("grid.toml"), file.to_toml().as_bytes())?;

    let interrupt = Interrupt::install();
    let grid = Expanded {
        origin: &origin,
        file: &file,
        settings: &settings,
        groups: &groups,
    };
    let cells = run_cells(&grid, first_group, metric, &store, &interrupt)?;
    let compute_seconds = cells.iter().map(|c| c.seconds).sum();
    let results = results::summarise(&settings, &cells, file.reps.get(), metric)?;
    let table = report::write_all(&store, &origin, &file, metric, &results, compute_seconds)?;
    if !args.no_plots {
        let written = figures::draw_all(&store.path("plots"), &results, metric)?;
        eprintln!(
            "{written} figures written to {}",
            store.path("plots").display()
        );
    }
    println!("{table}");
    eprintln!(
        "results written to {} (results.json, results.csv, table.md)",
        out.display()
    );
    Ok(())
}

/// The grid of a file or a preset, with the command line's overrides; and its name.
fn load(args: &GridArgs) -> Result<(GridFile, String), CliError> {
    let (mut file, origin) = match (&args.config, &args.preset) {
        (Some(path), None) => {
            let mut file = GridFile::read(path)?;
            file.resolve_paths(&spec::file_dir(path));
            (file, path.display().to_string())
        }
        (None, Some(name)) => (presets::preset(name)?, format!("preset {name}")),
        _ => {
            return Err(CliError::Usage {
                option: "CONFIG",
                reason: "give a grid file or --preset NAME (--list-presets lists them)".into(),
            });
        }
    };
    if let Some(reps) = args.reps {
        file.reps = reps;
    }
    if let Some(stack) = args.stack {
        file.stack = stack;
    }
    if let Some(device) = &args.device {
        file.axes.remove("device");
        file.base
            .insert("device".into(), Value::Text(device.to_string()));
    }
    if let Some(path) = &args.data_path {
        file.set_data_path(path)?;
    }
    Ok((file, origin))
}
