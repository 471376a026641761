//! Work on a thread of its own, with the GIL released, that Ctrl-C stops.
//!
//! The engine runs on a worker thread while the calling thread, holding no
//! GIL, polls it; between polls it takes the GIL to let Python run its
//! signal handlers (`check_signals`). A Ctrl-C (SIGINT, or a notebook's
//! "interrupt kernel") cancels the work's token; the worker stops at the end
//! of its step, saves what the command line saves on SIGINT (the folder
//! marked incomplete, a checkpoint to resume from), and the call then
//! raises the interrupt.

use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use senesim::Cancel;
use std::time::Duration;

/// Runs `work` on its own thread and waits for it, the GIL released; on a
/// Python signal (KeyboardInterrupt), cancels `cancel` and, once the work
/// has stopped, raises that signal's exception.
pub fn run<T: Send + 'static>(
    py: Python<'_>,
    cancel: &Cancel,
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> PyResult<T> {
    let handle = std::thread::Builder::new()
        .name("senesim".into())
        .spawn(work)
        .map_err(PyErr::from)?;
    let mut interrupted: Option<PyErr> = None;
    let mut wait = Duration::from_millis(1);
    while !handle.is_finished() {
        py.detach(|| std::thread::sleep(wait));
        wait = (wait * 2).min(Duration::from_millis(10));
        if interrupted.is_none() {
            if let Err(e) = py.check_signals() {
                cancel.cancel();
                interrupted = Some(e);
            }
        }
    }
    let result = handle.join().map_err(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        super::errors::internal(format!(
            "senesim failed unexpectedly (a bug: please report it): {what}"
        ))
    })?;
    match (result, interrupted) {
        // The work saw the cancellation: say where it stopped.
        (Err(e), Some(signal)) if signal.is_instance_of::<PyKeyboardInterrupt>(py) => {
            Err(super::errors::to_py(py, e))
        }
        (Err(e), None) => Err(super::errors::to_py(py, e)),
        // A signal handler's own exception, or one that came as the work
        // finished: raised as Python raised it.
        (_, Some(signal)) => Err(signal),
        (Ok(v), None) => Ok(v),
    }
}
