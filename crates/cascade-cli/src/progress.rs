//! Progress of long runs: a bar with repetition, method and ETA on a terminal, plain lines
//! otherwise (CI logs, pipes).

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

/// Progress over `reps x methods` units of work, on stderr.
pub struct Progress {
    bar: Option<ProgressBar>,
    reps: usize,
    methods: usize,
    start: Instant,
}

impl Progress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn new(reps: usize, methods: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new((reps * methods) as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg} (ETA {eta})",
                )
                .expect("the template is valid"),
            );
            bar
        });
        Self {
            bar,
            reps,
            methods,
            start: Instant::now(),
        }
    }

    /// A method of a repetition starts.
    pub fn method(&self, rep: usize, index: usize, name: &str) {
        if let Some(bar) = &self.bar {
            bar.set_position((rep * self.methods + index) as u64);
            bar.set_message(format!("rep {}/{} {name}", rep + 1, self.reps));
        }
    }

    /// A repetition finished.
    pub fn rep_done(&self, rep: usize) {
        match &self.bar {
            Some(bar) => bar.set_position(((rep + 1) * self.methods) as u64),
            None => {
                let elapsed = self.start.elapsed().as_secs_f64();
                let eta = elapsed / (rep + 1) as f64 * (self.reps - rep - 1) as f64;
                eprintln!(
                    "rep {}/{} done, {elapsed:.1} s elapsed, about {eta:.0} s left",
                    rep + 1,
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

    /// Clears the bar after an error in repetition `rep`, passing the error on.
    pub fn fail<E>(&self, rep: usize, error: E) -> E {
        if let Some(bar) = &self.bar {
            bar.abandon_with_message(format!("failed in rep {}", rep + 1));
        }
        error
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
