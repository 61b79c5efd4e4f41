//! The repetition engine behind `run`, `grid` and `tune`: repetitions of checked settings on
//! a session's data, several stacked as one batched program, keeping the finished ones when
//! one fails.

use std::borrow::Cow;

use cascade::experiment::{MethodOutcome, Progress as Step, Repetition, compare_grid};
use cascade::method::Method;
use cascade::report::MethodReport;
use cascade_data::TaskSet;

use crate::checked::Checked;
use crate::error::CliError;
use crate::progress::Progress;
use crate::session::Session;
use crate::settings::rep_seeds;

/// One repetition's outcomes: `[setting][method]`.
pub type RepOutcomes = Vec<Vec<MethodOutcome>>;

/// How many repetitions to run, and how many train together as one batched program.
#[derive(Debug, Clone, Copy)]
pub struct Reps {
    /// Repetitions 0..count.
    pub count: usize,
    /// Repetitions per batched program.
    pub stack: usize,
}

/// The most task-steps `reps` repetitions of `checked` take: every method but the mean spends
/// at most its setting's budget (what a progress display counts toward).
pub fn planned_task_steps(checked: &Checked, reps: usize) -> u64 {
    let per_rep: u64 = checked
        .configs()
        .iter()
        .map(|c| {
            let training = c.methods.iter().filter(|m| **m != Method::Mean).count();
            (training * c.plan.budget.total) as u64
        })
        .sum();
    per_rep.saturating_mul(reps as u64)
}

/// What [`compare_over_reps`] returns.
pub struct RepResults {
    /// `reports[s][m]`: setting `s`, method `m`, over the finished repetitions.
    pub reports: Vec<Vec<MethodReport>>,
    /// Repetitions finished (fewer than asked when one failed).
    pub completed: usize,
    /// The failure that stopped the run, if any.
    pub error: Option<CliError>,
}

/// Runs repetitions `0..reps.count` of every setting of `checked` on `session`'s data,
/// `reps.stack` repetitions per batched program, reporting to `progress`; `on_first` sees the
/// first finished repetition's outcomes (to show its plans' notes once). Stops at the first
/// repetition that fails and keeps the ones before.
pub fn compare_over_reps(
    session: &Session,
    checked: &Checked,
    reps: Reps,
    progress: &Progress,
    mut on_first: impl FnMut(&RepOutcomes),
) -> RepResults {
    let mut reports: Vec<Vec<MethodReport>> = checked
        .configs()
        .iter()
        .map(|c| c.methods.iter().map(|&m| MethodReport::new(m)).collect())
        .collect();
    let mut done = 0;
    let outcome: Result<(), CliError> = (0..reps.count).step_by(reps.stack).try_for_each(|first| {
        let chunk: Vec<usize> = (first..(first + reps.stack).min(reps.count)).collect();
        let (outcomes, failure) = run_chunk(session, checked, &chunk, &|first, what| {
            progress.step(first, what)
        });
        for outcome in outcomes {
            if done == 0 {
                progress.suspend(|| on_first(&outcome));
            }
            for (setting_reports, setting) in reports.iter_mut().zip(&outcome) {
                for (report, method) in setting_reports.iter_mut().zip(setting) {
                    report.push(method);
                }
            }
            done += 1;
        }
        if failure.is_none() || done > first {
            progress.reps_done(done);
        }
        failure.map_or(Ok(()), Err)
    });
    RepResults {
        reports,
        completed: done,
        error: outcome.err(),
    }
}

/// Runs repetitions `reps` of `checked` on `session`'s data, stacked as one program. If the
/// stacked program fails, reruns them one at a time (the results are the same) to keep the
/// ones that succeed and name the one that fails. Returns the finished repetitions (in order,
/// up to the first failure; `[rep][setting][method]`) and the failure. `progress` hears the
/// first repetition of the program and what it is doing.
pub fn run_chunk(
    session: &Session,
    checked: &Checked,
    reps: &[usize],
    progress: &dyn Fn(usize, Step),
) -> (Vec<RepOutcomes>, Option<CliError>) {
    let seed = session.seed;
    let compare = |reps: &[usize]| -> Result<Vec<RepOutcomes>, CliError> {
        // The session's repetition was read once already: reuse it rather than draw it again
        // (a PCA fit, a CSV parse).
        let sets: Vec<Cow<TaskSet>> = reps
            .iter()
            .map(|&r| match r {
                r if r == session.rep => Ok(Cow::Borrowed(session.tasks())),
                _ => session.source.rep_tasks(seed, r).map(Cow::Owned),
            })
            .collect::<Result<_, CliError>>()?;
        let labels: Vec<String> = reps.iter().map(|r| format!("rep {}", r + 1)).collect();
        let repetitions: Vec<Repetition> = sets
            .iter()
            .zip(reps)
            .zip(&labels)
            .map(|((set, &r), label)| Repetition {
                set: set.as_ref(),
                seed: rep_seeds(seed, r).1,
                label,
            })
            .collect();
        Ok(compare_grid(
            &repetitions,
            checked.configs(),
            &session.device.device,
            |p| progress(reps[0], p),
        )?)
    };
    let in_rep = |rep: usize, error: CliError| CliError::InRepetition {
        rep: rep + 1,
        source: Box::new(error),
    };
    match compare(reps) {
        Ok(outcomes) => (outcomes, None),
        Err(error) if reps.len() == 1 => (Vec::new(), Some(in_rep(reps[0], error))),
        Err(_) => {
            let mut outcomes = Vec::new();
            for &rep in reps {
                match compare(&[rep]) {
                    Ok(mut one) => outcomes.push(one.remove(0)),
                    Err(error) => return (outcomes, Some(in_rep(rep, error))),
                }
            }
            (outcomes, None)
        }
    }
}
