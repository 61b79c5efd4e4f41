//! Progress of long runs: a bar with repetition, method and ETA on a terminal, plain lines
//! otherwise (CI logs, pipes).

use std::io::IsTerminal;
use std::time::Instant;

use cascade::experiment::Progress as Progress2;
use indicatif::{ProgressBar, ProgressStyle};

/// Progress over repetitions, on stderr.
pub struct Progress {
    bar: Option<ProgressBar>,
    reps: usize,
    start: Instant,
}

impl Progress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn new(reps: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(reps as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} reps {msg} (ETA {eta})",
                )
                .expect("the template is valid"),
            );
            bar
        });
        Self {
            bar,
            reps,
            start: Instant::now(),
        }
    }

    /// Reports what the comparison of repetitions `first..` is doing.
    pub fn step(&self, first: usize, what: Progress2) {
        if let Some(bar) = &self.bar {
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
            bar.set_message(message);
        }
    }

    /// `done` repetitions are finished.
    pub fn reps_done(&self, done: usize) {
        match &self.bar {
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
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
