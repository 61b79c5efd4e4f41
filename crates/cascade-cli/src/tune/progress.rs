//! Progress of the trials: a bar with method, trial and best value so far on a terminal, one
//! line per trial otherwise (CI logs, pipes), and one every 10 seconds in between. Diverged
//! trials are always reported.

use cascade::method::Method;

use super::trial::TrialRecord;
use crate::progress::TerminalBar;
use crate::table::decimals;
use crate::ticker::{Ticker, Unit};

/// Progress over all methods' trials, on stderr.
pub struct TuneProgress {
    bar: TerminalBar,
    ticker: Ticker,
    done: std::cell::Cell<u64>,
}

impl TuneProgress {
    /// A bar over `total` trials when stderr is a terminal, plain lines otherwise.
    pub fn new(total: usize) -> Self {
        let bar = TerminalBar::new(
            total as u64,
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} trials {msg} (ETA {eta})",
        );
        Self {
            bar,
            ticker: Ticker::start("tune", total as u64, Unit::Named("trials"), false),
            done: std::cell::Cell::new(0),
        }
    }

    /// Trial `record` of `method` (of `trials`) is done; `best` is the best value so far.
    pub fn trial(&self, method: Method, trials: usize, record: &TrialRecord, best: Option<f64>) {
        let best = best.map_or("none yet".into(), shown);
        self.done.set(self.done.get() + 1);
        self.ticker.set_done(self.done.get(), 0);
        self.ticker.set_message(format!(
            "{method}: trial {}/{trials}, best {best}",
            record.trial
        ));
        if let Some(error) = &record.error {
            let line = format!(
                "warning: {method} trial {}/{trials} ({}) counts as the worst value: {error}",
                record.trial,
                params(record)
            );
            match self.bar.get() {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
        }
        match self.bar.get() {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(format!(
                    "{method}: trial {}/{trials}, best {best}",
                    record.trial
                ));
            }
            None if record.error.is_none() => eprintln!(
                "{method} trial {}/{trials}: {} -> {} (best {best}), {:.2} s",
                record.trial,
                params(record),
                record.value.map_or("-".into(), shown),
                record.seconds
            ),
            None => {}
        }
    }

    /// Clears the bar and stops the lines.
    pub fn finish(self) {
        self.bar.finish();
        self.ticker.finish();
    }
}

/// A value to four significant digits.
pub fn shown(value: f64) -> String {
    format!("{value:.*}", decimals(value))
}

/// `eta 0.0123, f 0.21` (or just eta).
fn params(record: &TrialRecord) -> String {
    match record.seed_fraction {
        Some(f) => format!("eta {:.3e}, f {f:.3}", record.eta),
        None => format!("eta {:.3e}", record.eta),
    }
}
