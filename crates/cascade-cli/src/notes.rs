//! Telling the user what the plans noticed: degenerate distances and tasks given 0 steps.

use std::collections::HashSet;

use cascade::experiment::MethodOutcome;
use cascade::plan::{Plan, PlanNote};

/// Prints each plan's notes to stderr as `warning:` lines, each distinct line once (the
/// settings of one repetition share its distances, so they repeat the same notes).
pub fn print_notes<'a>(outcomes: impl IntoIterator<Item = &'a MethodOutcome>) {
    let mut printed = HashSet::new();
    for outcome in outcomes {
        for line in plan_warnings(&outcome.plan) {
            if printed.insert(line.clone()) {
                eprintln!("{line}");
            }
        }
    }
}

/// Prints one plan's notes to stderr as `warning:` lines.
pub fn print_plan_notes(plan: &Plan) {
    plan_warnings(plan).for_each(|line| eprintln!("{line}"));
}

/// One plan's notes as `warning:` lines.
fn plan_warnings(plan: &Plan) -> impl Iterator<Item = String> + '_ {
    plan.notes.iter().map(|note| {
        format!(
            "warning: {}: {}",
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
