//! SIGINT and SIGTERM: the first asks runs to stop at the end of their
//! current step (they keep what they wrote, mark themselves incomplete and
//! save a checkpoint); a second one ends the process at once (exit 130).

use crate::cancel::Cancel;
use signal_hook::consts::{SIGINT, SIGTERM};

/// Ties SIGINT and SIGTERM to `cancel`; a failure to install is reported,
/// not fatal.
pub fn install(cancel: &Cancel) {
    for sig in [SIGINT, SIGTERM] {
        // Order matters: the shutdown check sees the flag as the first
        // signal left it, so only a second signal exits.
        let ok = signal_hook::flag::register_conditional_shutdown(sig, 130, cancel.flag())
            .and_then(|_| signal_hook::flag::register(sig, cancel.flag()));
        if let Err(e) = ok {
            eprintln!("warning: cannot handle signal {sig}: {e}; an interrupted run will not save its state");
        }
    }
}
