//! Running a scenario: the step loop, and a run folder with its outputs.
//!
//! `drive` is the one step loop; what happens at output and snapshot times is
//! up to a `Sink`, so an in-memory run (`simulate`, for tests and paired
//! comparisons) and a run that writes a folder (`folder`) share it.

pub mod checkpoint;
pub mod folder;
mod manifest;
mod resume;
mod simulate;
pub use folder::{resume_dir, run_in_dir, run_to_dir, JobLabel, ManifestRecord, RunOptions};
pub use simulate::{simulate, Observer, Options, Outcome};

use crate::cancel::Cancel;
pub use crate::error::{DriveError, RunError};
use crate::error::{NonFiniteError, OutputError, ThreadsError};
use crate::model::observe::{observe, summarise, Row, Summary};
use crate::model::treatment::treated_mask;
use crate::model::world::World;
use crate::scenario::Scenario;

/// What a run does at its output times.
pub trait Sink {
    fn row(&mut self, _world: &World, _row: &Row) -> Result<(), OutputError> {
        Ok(())
    }
    fn snapshot(&mut self, _world: &World) -> Result<(), OutputError> {
        Ok(())
    }
    /// Called after every step but the last (the sink decides when to save).
    fn checkpoint(&mut self, _world: &World, _rows: &[Row]) -> Result<(), OutputError> {
        Ok(())
    }
    fn progress(&mut self, _step: u64) {}
}

/// Runs `world` to its end, appending to `rows`. A fresh run (no rows yet)
/// first reports t = 0; a resumed one continues after its last step. Rows at
/// every output interval and at the end; snapshots likewise at their own
/// interval (or only at the end); the sink's `checkpoint` after every step.
/// Stops with an error when a field goes non-finite or negative, or when
/// `cancel` is cancelled; `rows` then holds what was reported.
pub fn drive(
    world: &mut World,
    rows: &mut Vec<Row>,
    sink: &mut dyn Sink,
    cancel: &Cancel,
) -> Result<(), DriveError> {
    let total = world.scenario.steps();
    let out = world.scenario.output_stride();
    let snaps = world.scenario.snapshot_steps();
    let is_snapshot = |k: u64| snaps.binary_search(&k).is_ok();
    let emit = |w: &World, rows: &mut Vec<Row>, sink: &mut dyn Sink| -> Result<(), DriveError> {
        let r = observe(w);
        check_row(w, &r)?;
        sink.row(w, &r)?;
        rows.push(r);
        Ok(())
    };
    let snapshot = |w: &World, sink: &mut dyn Sink| -> Result<(), DriveError> {
        check_cells(w)?;
        Ok(sink.snapshot(w)?)
    };
    if rows.is_empty() {
        emit(world, rows, sink)?;
        if is_snapshot(0) {
            snapshot(world, sink)?;
        }
    }
    while !world.is_done() {
        if cancel.is_cancelled() {
            return Err(DriveError::Interrupted {
                step: world.step,
                time_h: world.now_h(),
            });
        }
        world.step();
        world.check_fields()?;
        let k = world.step;
        if k.is_multiple_of(out) || k == total {
            emit(world, rows, sink)?;
        }
        if is_snapshot(k) {
            snapshot(world, sink)?;
        }
        if k < total {
            sink.checkpoint(world, rows)?;
        }
        sink.progress(k);
    }
    Ok(())
}

/// Refuses a row holding a non-finite value (it would be written as NaN).
fn check_row(w: &World, r: &Row) -> Result<(), NonFiniteError> {
    match crate::io::output::finite::first_non_finite(r) {
        None => Ok(()),
        Some((key, value)) => Err(NonFiniteError {
            quantity: format!("the time series' `{key}`"),
            step: w.step,
            time_h: w.now_h(),
            value,
        }),
    }
}

/// Refuses a world whose cells hold a non-finite damage or cargo (a
/// snapshot would write it).
fn check_cells(w: &World) -> Result<(), NonFiniteError> {
    for (i, c) in w.cells.iter().enumerate() {
        for (what, v) in [
            ("damage", c.damage.total()),
            ("young-EV cargo", c.cargo_young as f64),
            ("senescent-EV cargo", c.cargo_senescent as f64),
        ] {
            if !v.is_finite() {
                return Err(NonFiniteError {
                    quantity: format!(
                        "the {what} of the cell at site ({}, {})",
                        i % w.grid.nx,
                        i / w.grid.nx
                    ),
                    step: w.step,
                    time_h: w.now_h(),
                    value: v,
                });
            }
        }
    }
    Ok(())
}

struct Quiet;
impl Sink for Quiet {}

/// Runs a scenario in memory on the current rayon pool, uncancellable
/// (tests, benches and the verification suite; `simulate` is the public
/// entry point).
pub fn simulate_scenario(s: &Scenario) -> Result<(Vec<Row>, Summary), DriveError> {
    let mut w = World::new(s.clone());
    let mask = treated_mask(s, &w.grid);
    simulate_world(&mut w, mask.as_deref(), &Cancel::new())
}

/// Runs a world in memory, reporting spread outside `treated`.
pub fn simulate_world(
    w: &mut World,
    treated: Option<&[bool]>,
    cancel: &Cancel,
) -> Result<(Vec<Row>, Summary), DriveError> {
    let mut rows = Vec::new();
    drive(w, &mut rows, &mut Quiet, cancel)?;
    let summary = summarise(w, &rows, treated);
    Ok((rows, summary))
}

/// A progress bar counting `unit`s with an ETA, only when asked and stderr is
/// a terminal.
pub fn progress_bar(show: bool, len: u64, unit: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    (show && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(len);
        b.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}} {unit} (eta {{eta}})"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    })
}

/// Runs `f` on a rayon pool of `threads` workers.
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T, RunError> {
    Ok(pool(threads)?.install(f))
}

/// A rayon pool of `threads` workers: the one place pools are built.
pub fn pool(threads: usize) -> Result<rayon::ThreadPool, ThreadsError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| ThreadsError {
            threads,
            message: e.to_string(),
        })
}
