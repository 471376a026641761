//! The library's entry point for a run in memory: a validated scenario in,
//! its time series and summary out, on a pool of its own, cancellable, with
//! an observer told of every row and step.

use super::{drive, with_threads, Sink};
use crate::cancel::Cancel;
use crate::error::{OutputError, RunError};
use crate::model::observe::{summarise, Row, Summary};
use crate::model::treatment::treated_mask;
use crate::model::world::World;
use crate::scenario::Valid;

/// Told of a run's progress as it goes (progress bars, live plots, early
/// stopping through a `Cancel` it holds).
pub trait Observer: Send {
    /// A time-series row, at each output interval and at the end.
    fn row(&mut self, _row: &Row) {}
    /// After each step (`step` of `total`).
    fn step(&mut self, _step: u64, _total: u64) {}
}

/// How to run: worker threads (default: all cores), a cancellation token,
/// an observer.
#[derive(Default)]
pub struct Options {
    pub threads: Option<usize>,
    pub cancel: Cancel,
    pub observer: Option<Box<dyn Observer>>,
}

/// What a run gives: every row of its time series, and its summary.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub rows: Vec<Row>,
    pub summary: Summary,
}

struct Observed {
    observer: Option<Box<dyn Observer>>,
    total: u64,
}

impl Sink for Observed {
    fn row(&mut self, _w: &World, row: &Row) -> Result<(), OutputError> {
        if let Some(o) = self.observer.as_mut() {
            o.row(row);
        }
        Ok(())
    }
    fn progress(&mut self, step: u64) {
        if let Some(o) = self.observer.as_mut() {
            o.step(step, self.total);
        }
    }
}

/// Runs a validated scenario in memory. Errors: a numerical failure
/// (`RunError::Numerical`, `RunError::NonFinite`), a cancellation
/// (`RunError::Interrupted`), a thread pool that cannot start.
pub fn simulate(s: &Valid, opts: Options) -> Result<Outcome, RunError> {
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let Options {
        cancel, observer, ..
    } = opts;
    let scenario = s.scenario().clone();
    with_threads(threads, move || {
        let mut w = World::new(scenario);
        let mask = treated_mask(&w.scenario, &w.grid);
        let mut sink = Observed {
            observer,
            total: w.scenario.steps(),
        };
        let mut rows = Vec::new();
        drive(&mut w, &mut rows, &mut sink, &cancel)?;
        let summary = summarise(&w, &rows, mask.as_deref());
        Ok(Outcome { rows, summary })
    })?
}
