//! Progress of long work: a bar redrawn five times a second on a terminal, and off a terminal
//! (CI logs, pipes, `nohup`) a line on stderr every 10 seconds with done/total and an ETA, so
//! that even one repetition of a budget of 1e11 steps is never silent.
//!
//! Work is counted in task-steps (one gradient step of one task), read from
//! [`cascade::progress::task_steps`], which every executor's training loop adds to; or in units
//! the command counts itself (a grid's repetition-settings, tune's trials, bench's
//! measurements), with the task-steps taken so far shown beside them as a sign of life.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cascade::progress::task_steps;
use indicatif::{ProgressBar, ProgressStyle};

/// Seconds between lines off a terminal; `CASCADE_PROGRESS_SECONDS` overrides it (tests).
const LINE_SECONDS: f64 = 10.0;

/// A running progress display; stops (and clears its bar) when finished or dropped.
pub struct Ticker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// What a [`Ticker`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Task-steps, read from the training loops' count.
    TaskSteps,
    /// Units of this name, which the command reports with [`Ticker::set_done`].
    Named(&'static str),
}

struct Shared {
    what: String,
    unit: Unit,
    total: u64,
    /// Units done ([`Unit::Named`]), and how many of them were done before this process
    /// started on them (loaded from disk: not counted in the rate).
    done: AtomicU64,
    skipped: AtomicU64,
    start_count: u64,
    start: Instant,
    stop: AtomicBool,
    message: Mutex<String>,
    bar: Option<ProgressBar>,
}

impl Ticker {
    /// Shows `what` working toward `total` task-steps: a bar on a terminal when `bar` (commands
    /// with a bar of their own pass false and get only the lines off a terminal), and lines
    /// otherwise.
    pub fn start(what: &str, total: u64, unit: Unit, bar: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = (terminal && bar).then(|| {
            let bar = ProgressBar::new(total.max(1));
            let template = format!(
                "{what} [{{elapsed_precise}}] {{bar:30}} {{percent:>3}}% of {} {} {{msg}} \
                 (ETA {{eta}})",
                count(total),
                unit.name()
            );
            bar.set_style(ProgressStyle::with_template(&template).expect("the template is valid"));
            bar
        });
        let shared = Arc::new(Shared {
            what: what.to_string(),
            unit,
            total,
            done: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            start_count: task_steps(),
            start: Instant::now(),
            stop: AtomicBool::new(false),
            message: Mutex::new(String::new()),
            bar,
        });
        let thread = (!terminal || shared.bar.is_some()).then(|| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || shared.tick())
        });
        Self { shared, thread }
    }

    /// `done` units are finished ([`Unit::Named`]), of which `skipped` were found done
    /// already (a resumed grid's saved cells) and do not count toward the rate.
    pub fn set_done(&self, done: u64, skipped: u64) {
        self.shared.done.store(done, Ordering::Relaxed);
        self.shared.skipped.store(skipped, Ordering::Relaxed);
    }

    /// Sets what the work is doing now (shown after the count).
    pub fn set_message(&self, message: String) {
        if let Some(bar) = &self.shared.bar {
            bar.set_message(message.clone());
        }
        *self
            .shared
            .message
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = message;
    }

    /// Runs `f` with the bar hidden, so printed lines do not mix with it.
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.shared.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Stops the display and clears the bar.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Some(bar) = &self.shared.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    /// The thread: redraws the bar, or prints a line every [`LINE_SECONDS`], until stopped.
    fn tick(&self) {
        let every = std::env::var("CASCADE_PROGRESS_SECONDS")
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .unwrap_or(LINE_SECONDS);
        let mut next_line = every;
        while !self.stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(if self.bar.is_some() {
                200
            } else {
                50
            }));
            let done = self.done();
            match &self.bar {
                Some(bar) => bar.set_position(done.min(self.total)),
                None => {
                    let elapsed = self.start.elapsed().as_secs_f64();
                    if elapsed >= next_line {
                        next_line = elapsed + every;
                        eprintln!("{}", self.line(done, elapsed));
                    }
                }
            }
        }
    }

    fn steps(&self) -> u64 {
        task_steps().saturating_sub(self.start_count)
    }

    fn done(&self) -> u64 {
        match self.unit {
            Unit::TaskSteps => self.steps(),
            Unit::Named(_) => self.done.load(Ordering::Relaxed),
        }
    }

    /// `what: done/total UNIT (p%), elapsed, ETA[, task-steps so far]; message`.
    fn line(&self, done: u64, elapsed: f64) -> String {
        let message = self.message.lock().unwrap_or_else(|e| e.into_inner());
        let percent = 100.0 * done as f64 / self.total.max(1) as f64;
        let skipped = match self.unit {
            Unit::TaskSteps => 0,
            Unit::Named(_) => self.skipped.load(Ordering::Relaxed),
        };
        let rate_done = done.saturating_sub(skipped);
        let left = if rate_done == 0 {
            "time left unknown yet".to_string()
        } else {
            let eta = elapsed / rate_done as f64 * self.total.saturating_sub(done) as f64;
            format!("about {} left", duration(eta))
        };
        let mut line = format!(
            "{}: {}/{} {} ({:.0}%), {} elapsed, {left}",
            self.what,
            count(done),
            count(self.total),
            self.unit.name(),
            percent.min(100.0),
            duration(elapsed)
        );
        if let Unit::Named(_) = self.unit {
            line += &format!(", {} task-steps so far", count(self.steps()));
        }
        if !message.is_empty() {
            line += &format!("; {message}");
        }
        line
    }
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::TaskSteps => "task-steps",
            Unit::Named(name) => name,
        }
    }
}

/// `n` as people read counts: 950, 12.3k, 4.5M, 1.2e11.
fn count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.1e}", n as f64),
    }
}

/// Seconds as `2.5 s`, `42 s`, `12 min` or `3.5 h`.
fn duration(seconds: f64) -> String {
    if seconds < 10.0 {
        format!("{seconds:.1} s")
    } else if seconds < 120.0 {
        format!("{seconds:.0} s")
    } else if seconds < 7200.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_durations_read_as_people_write_them() {
        assert_eq!(count(950), "950");
        assert_eq!(count(12_345), "12.3k");
        assert_eq!(count(4_500_000), "4.5M");
        assert_eq!(count(120_000_000_000), "1.2e11");
        assert_eq!(duration(2.54), "2.5 s");
        assert_eq!(duration(42.0), "42 s");
        assert_eq!(duration(720.0), "12 min");
        assert_eq!(duration(12_600.0), "3.5 h");
    }

    #[test]
    fn a_line_says_done_total_elapsed_and_time_left() {
        let shared = Shared {
            what: "train".into(),
            unit: Unit::TaskSteps,
            total: 1000,
            done: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            start_count: 0,
            start: Instant::now(),
            stop: AtomicBool::new(false),
            message: Mutex::new("level 2/5".into()),
            bar: None,
        };
        // 250 of 1000 in 10 s: 30 s left.
        assert_eq!(
            shared.line(250, 10.0),
            "train: 250/1.0k task-steps (25%), 10 s elapsed, about 30 s left; level 2/5"
        );
        assert!(shared.line(0, 1.0).contains("time left unknown yet"));
    }
}
