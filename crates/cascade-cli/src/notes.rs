//! Telling the user what the plans noticed (degenerate distances, tasks given 0 steps) and what
//! reading the data noticed (skipped tasks, notes).

use std::collections::HashSet;

use cascade::experiment::MethodOutcome;
use cascade::plan::{Plan, PlanNote};

/// Prints each plan's notes to stderr as `warning:` lines, each distinct line once (the
/// settings of one repetition share its distances, so they repeat the same notes). A budget
/// given with an outcome names the setting in notes that depend on it (tasks with 0 steps).
pub fn print_notes<'a>(outcomes: impl IntoIterator<Item = (&'a MethodOutcome, Option<usize>)>) {
    let mut printed = HashSet::new();
    for (outcome, budget) in outcomes {
        for line in plan_warnings(&outcome.plan, budget) {
            if printed.insert(line.clone()) {
                eprintln!("{line}");
            }
        }
    }
}

/// Prints one plan's notes to stderr as `warning:` lines.
pub fn print_plan_notes(plan: &Plan) {
    plan_warnings(plan, None).for_each(|line| eprintln!("{line}"));
}

/// One plan's notes as `warning:` lines; `budget` is named in budget-dependent notes.
pub fn plan_warnings(plan: &Plan, budget: Option<usize>) -> impl Iterator<Item = String> + '_ {
    plan.notes.iter().map(move |note| {
        let setting = match (note, budget) {
            (PlanNote::ZeroStepTasks { .. }, Some(b)) => format!(" (B = {b})"),
            _ => String::new(),
        };
        format!(
            "warning: {}{setting}: {}",
            plan.method,
            describe(note, &plan.task_ids)
        )
    })
}

fn describe(note: &PlanNote, ids: &[String]) -> String {
    match note {
        PlanNote::ConstantDistance { distance } => format!(
            "distance '{distance}' is the same for every pair of tasks on this data, so its tree is decided by tie-breaking alone"
        ),
        PlanNote::ZeroStepTasks { tasks } => {
            let shown: Vec<&str> = tasks.iter().take(5).map(|&v| ids[v].as_str()).collect();
            let more = if tasks.len() > 5 {
                format!(" and {} more", tasks.len() - 5)
            } else {
                String::new()
            };
            format!(
                "{} task(s) get 0 steps and keep their parent's parameters: {}{more}",
                tasks.len(),
                shown.join(", ")
            )
        }
    }
}

/// Prints what reading the data noticed, to stderr: one `note:` line per fact, and the tasks
/// left out (the first ten, with their reasons, then a count).
pub fn print_loading_notes(loaded: &cascade_data::LoadedTasks) {
    for note in &loaded.notes {
        eprintln!("note: {note}");
    }
    if loaded.skipped.is_empty() {
        return;
    }
    eprintln!(
        "warning: {} task(s) skipped, {} kept:",
        loaded.skipped.len(),
        loaded.tasks.len()
    );
    for skipped in loaded.skipped.iter().take(10) {
        eprintln!("  {}: {}", skipped.id, skipped.reason);
    }
    if loaded.skipped.len() > 10 {
        eprintln!("  ... and {} more", loaded.skipped.len() - 10);
    }
}
