//! `cascade run`: compare methods over repetitions, print the tables, write the JSON if asked.

use std::time::Instant;

use crate::args::RunArgs;
use crate::engine::{RepResults, Reps, compare_over_reps, planned_task_steps};
use crate::error::CliError;
use crate::eta::EtaSummary;
use crate::notes::print_notes;
use crate::output::{check_writable, write_json};
use crate::progress::Progress;
use crate::run_json::{JsonHeader, MethodJson, RunJson, SettingJson};
use crate::session::Session;
use crate::table;

/// Runs the comparison, prints the tables and writes the JSON file if asked.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    if let Some(path) = &args.json {
        check_writable(path)?;
    }
    let session = Session::open(&args.data, &args.source, &args.method, 0)?;
    let (methods, methods_note) = session.methods(args.methods.as_deref())?;
    if let Some(note) = &methods_note {
        eprintln!("note: {note}");
    }
    let checked = session.check(&args.method, methods, args.budgets.as_deref())?;
    let configs = checked.configs();
    let budgets: Vec<usize> = configs.iter().map(|c| c.plan.budget.total).collect();
    let reps = args.reps.get();
    let start = Instant::now();
    let progress = Progress::new("run", reps, planned_task_steps(&checked, reps));
    let several = budgets.len() > 1;
    let mut eta = None;
    let results =
        compare_over_reps(
            &session,
            &checked,
            Reps {
                count: reps,
                stack: args.stack.get(),
            },
            &progress,
            |first| {
                print_notes(first.iter().zip(&budgets).flat_map(|(setting, &b)| {
                    setting.iter().map(move |m| (m, several.then_some(b)))
                }));
                eta = EtaSummary::of(configs[0].train.eta, configs[0].model, &first[0]);
            },
        );
    progress.finish();
    let RepResults {
        reports,
        completed,
        error,
    } = results;
    let outcome = error.map_or(Ok(()), Err);
    let wall = start.elapsed().as_secs_f64();
    if let Some(path) = &args.json {
        // Written even when a repetition failed, so finished repetitions are never lost.
        if outcome.is_ok() || completed > 0 {
            let json = RunJson {
                header: JsonHeader::new(args, &session),
                wall_seconds: wall,
                eta: eta.clone(),
                methods_note: methods_note.clone(),
                completed_reps: completed,
                error: outcome.as_ref().err().map(|e| e.to_string()),
                settings: budgets
                    .iter()
                    .zip(&reports)
                    .map(|(&budget, reports)| SettingJson {
                        budget,
                        methods: reports.iter().map(MethodJson::new).collect(),
                    })
                    .collect(),
            };
            write_json(path, &json)?;
            eprintln!(
                "results of {completed} repetition(s) written to {}",
                path.display()
            );
        }
    }
    outcome?;

    let eta_line = eta.map_or_else(|| format!("eta {}", args.method.eta), |e| e.line());
    for (budget, reports) in budgets.iter().zip(&reports) {
        println!(
            "{}, B = {budget}, model {}, {reps} reps, device {}; {eta_line}",
            session.describe(),
            configs[0].model,
            session.device.backend,
        );
        println!("{}", table::results(reports));
        if let Some(verdict) = crate::verdict::verdict(reports) {
            println!("{verdict}");
        }
    }
    println!("wall time {wall:.1} s");
    Ok(())
}
