//! Ctrl-C (SIGINT) and SIGTERM: the first asks the grid to stop after the cell in progress is
//! saved; a second one ends the process at once (every saved cell is already complete on disk,
//! because cells are written atomically).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

/// Whether a stop was asked for.
#[derive(Clone)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Installs the handlers. Without them (an unusual platform) the default behaviour stays:
    /// the process ends at once, which loses only the cell in progress.
    pub fn install() -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [SIGINT, SIGTERM] {
            // Order matters: the conditional exit sees the flag set by an earlier signal.
            let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, flag.clone());
            let _ = signal_hook::flag::register(signal, flag.clone());
        }
        Self(flag)
    }

    /// Whether the user asked to stop.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
