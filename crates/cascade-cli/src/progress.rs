//! Progress of long runs: a bar with repetition, method and ETA on a terminal, plain lines
//! otherwise (CI logs, pipes): one a finished repetition, and one every 10 seconds in between
//! ([`Ticker`]).

use std::io::IsTerminal;
use std::time::Instant;

use cascade::experiment::Progress as Progress2;
use indicatif::{ProgressBar, ProgressStyle};

use crate::ticker::{Ticker, Unit};

/// Progress over repetitions, on stderr.
pub struct Progress {
    bar: TerminalBar,
    ticker: Ticker,
    reps: usize,
    start: Instant,
}

impl Progress {
    /// A bar when stderr is a terminal, plain lines otherwise, for `reps` repetitions that
    /// take at most `task_steps` task-steps in all.
    pub fn new(what: &str, reps: usize, task_steps: u64) -> Self {
        let bar = TerminalBar::new(
            reps as u64,
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} reps {msg} (ETA {eta})",
        );
        Self {
            bar,
            ticker: Ticker::start(what, task_steps, Unit::TaskSteps, false),
            reps,
            start: Instant::now(),
        }
    }

    /// Reports what the comparison of repetitions `first..` is doing.
    pub fn step(&self, first: usize, what: Progress2) {
        let message = match what {
            Progress2::Planning { rep } => {
                format!("rep {}/{}: distances and plans", first + rep + 1, self.reps)
            }
            Progress2::Training { rep, method } => {
                format!("rep {}/{}: training {method}", first + rep + 1, self.reps)
            }
            Progress2::TrainingStacked { plans } => {
                format!("training {plans} plans as one batched program")
            }
        };
        if let Some(bar) = self.bar.get() {
            bar.set_message(message.clone());
        }
        self.ticker.set_message(message);
    }

    /// `done` repetitions are finished.
    pub fn reps_done(&self, done: usize) {
        match self.bar.get() {
            Some(bar) => bar.set_position(done as u64),
            None => {
                let elapsed = self.start.elapsed().as_secs_f64();
                let eta = elapsed / done as f64 * (self.reps - done) as f64;
                eprintln!(
                    "{done}/{} repetitions done, {elapsed:.1} s elapsed, about {eta:.0} s left",
                    self.reps
                );
            }
        }
    }

    /// Runs `f` with the bar hidden, so printed lines do not mix with it.
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        self.bar.suspend(f)
    }

    /// Clears the bar and stops the lines.
    pub fn finish(self) {
        self.bar.finish();
        self.ticker.finish();
    }
}

/// An indicatif bar on stderr when stderr is a terminal; nothing otherwise, where the
/// commands print plain lines instead (CI logs, pipes). Shared by run, grid and tune.
pub struct TerminalBar(Option<ProgressBar>);

impl TerminalBar {
    /// A bar of `len` steps drawn with `template`, if stderr is a terminal.
    pub fn new(len: u64, template: &str) -> Self {
        Self(std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(len);
            bar.set_style(ProgressStyle::with_template(template).expect("the template is valid"));
            bar
        }))
    }

    /// The bar, if there is one.
    pub fn get(&self) -> Option<&ProgressBar> {
        self.0.as_ref()
    }

    /// Runs `f` with the bar hidden, so printed lines do not mix with it.
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.0 {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
