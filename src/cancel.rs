//! Stopping a run from outside: a cancellation token that a run checks at
//! the end of every step (and between plots), so that each run, or each
//! group of runs, can be stopped on its own. The command line ties one
//! token to SIGINT and SIGTERM (`cli::signals`). A leaf: it imports nothing
//! of the crate.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A cancellation token: cheap to clone; every clone sees one flag.
#[derive(Clone, Debug, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
}

impl Cancel {
    /// A token not yet cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }
    /// Asks every run holding this token to stop at the end of its step.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
    /// The flag itself, for a signal handler to set (`signal_hook::flag`).
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.flag)
    }
}

/// A hook for the tests that interrupt a run at a given phase, or hold a
/// folder while a second writer tries it: when the environment variable
/// `SENESIM_TEST_HOLD` is `PHASE` (or `PHASE:MS`), the first time the phase
/// is reached the process says so on stderr (`holding at PHASE`) and waits
/// until `cancel` is cancelled (at most 30 s, or MS milliseconds), then goes
/// on. Phases: `tables` (a run's, compare's or sweep's), `plots`,
/// `replicate` (after a compare replicate is saved). Without the variable
/// it does nothing.
pub fn test_hold(phase: &str, cancel: &Cancel) {
    static HELD: AtomicBool = AtomicBool::new(false);
    let Ok(v) = std::env::var("SENESIM_TEST_HOLD") else {
        return;
    };
    let (p, ms) = v.split_once(':').map_or((v.as_str(), 30_000), |(p, m)| {
        (p, m.parse().unwrap_or(30_000))
    });
    if p == phase && !HELD.swap(true, Ordering::Relaxed) {
        eprintln!("holding at {phase}");
        let t0 = std::time::Instant::now();
        while !cancel.is_cancelled() && t0.elapsed().as_millis() < ms {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_flag_and_tokens_are_independent() {
        let (a, b) = (Cancel::new(), Cancel::new());
        let a2 = a.clone();
        a2.cancel();
        assert!(a.is_cancelled() && !b.is_cancelled());
    }
}
