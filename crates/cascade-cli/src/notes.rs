//! Telling the user what the plans noticed: degenerate distances and tasks given 0 steps.

use cascade::experiment::MethodOutcome;
use cascade::plan::{Plan, PlanNote};

/// Prints each plan's notes to stderr as `warning:` lines (once per method and note).
pub fn print_notes(outcomes: &[MethodOutcome]) {
    for outcome in outcomes {
        print_plan_notes(&outcome.plan);
    }
}

/// Prints one plan's notes to stderr as `warning:` lines.
pub fn print_plan_notes(plan: &Plan) {
    for note in &plan.notes {
        eprintln!(
            "warning: {}: {}",
            plan.method,
            describe(note, &plan.task_ids)
        );
    }
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
