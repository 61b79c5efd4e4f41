//! Progress of a grid: a bar with the cell, its repetitions and an ETA on a terminal; one plain
//! line per cell otherwise (CI logs, pipes), and one every 10 seconds in between.

use std::time::Instant;

use crate::progress::TerminalBar;
use crate::ticker::{Ticker, Unit};

/// Progress over a grid's cells, weighted by the repetition-settings each holds.
pub struct GridProgress {
    bar: TerminalBar,
    ticker: Ticker,
    total_cells: usize,
    total_work: u64,
    done_work: u64,
    /// Work done by this process (cells loaded from disk excluded), for the ETA.
    computed_work: u64,
    start: Instant,
}

impl GridProgress {
    /// Progress over `total_cells` cells holding `total_work` repetition-settings.
    pub fn new(total_cells: usize, total_work: u64) -> Self {
        let bar = TerminalBar::new(
            total_work,
            "{spinner} [{elapsed_precise}] {bar:30} {percent:>3}% {msg} (ETA {eta})",
        );
        Self {
            bar,
            ticker: Ticker::start(
                "grid",
                total_work,
                Unit::Named("repetition-settings"),
                false,
            ),
            total_cells,
            total_work,
            done_work: 0,
            computed_work: 0,
            start: Instant::now(),
        }
    }

    /// Says what cell `cell` (0-based) is doing.
    pub fn working(&self, cell: usize, what: &str) {
        let message = format!("cell {}/{}: {what}", cell + 1, self.total_cells);
        if let Some(bar) = self.bar.get() {
            bar.set_message(message.clone());
        }
        self.ticker.set_message(message);
    }

    /// Cell `cell`, holding `work` repetition-settings, was found on disk.
    pub fn skipped(&mut self, cell: usize, work: u64, what: &str) {
        self.done_work += work;
        self.ticker
            .set_done(self.done_work, self.done_work - self.computed_work);
        match self.bar.get() {
            Some(bar) => {
                bar.set_position(self.done_work);
                bar.reset_eta();
            }
            None => eprintln!(
                "cell {}/{} ({what}) is saved already",
                cell + 1,
                self.total_cells
            ),
        }
    }

    /// Cell `cell`, holding `work` repetition-settings, finished in `seconds`.
    pub fn finished(&mut self, cell: usize, work: u64, what: &str, seconds: f64) {
        self.done_work += work;
        self.computed_work += work;
        self.ticker
            .set_done(self.done_work, self.done_work - self.computed_work);
        match self.bar.get() {
            Some(bar) => bar.set_position(self.done_work),
            None => {
                let elapsed = self.start.elapsed().as_secs_f64();
                let left = (self.total_work - self.done_work) as f64;
                let eta = elapsed / self.computed_work as f64 * left;
                eprintln!(
                    "cell {}/{} ({what}) done in {seconds:.1} s; {elapsed:.0} s elapsed, about {eta:.0} s left",
                    cell + 1,
                    self.total_cells
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
