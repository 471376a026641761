//! Scenario files: what a run is, read from TOML and checked before work starts.

mod load;

mod validate;

pub use crate::model::params::*;
pub(crate) use load::lookup;
pub(crate) use load::parse_message;
pub use load::{load, Loaded, Origins, BUILTIN, BUILTIN_NAME, MAX_EXTENDS_DEPTH};
pub use validate::{available_memory, validate, BYTES_PER_SITE};

use crate::error::ScenarioError;
use std::path::Path;

/// Loads and validates: the one entry point the CLI and tests use.
pub fn resolve(path: Option<&Path>, sets: &[String]) -> Result<Loaded, ScenarioError> {
    let loaded = load(path, sets)?;
    validate(&loaded.scenario, &loaded.origins)?;
    Ok(loaded)
}

impl Scenario {
    /// Number of agent steps in the run.
    pub fn steps(&self) -> u64 {
        (self.run.days * 24.0 / self.run.dt_h).round() as u64
    }
    /// Steps between timeseries rows.
    pub fn output_stride(&self) -> u64 {
        (self.run.output_every_h / self.run.dt_h).round().max(1.0) as u64
    }
    /// Steps between snapshots (None: only the final state).
    pub fn snapshot_stride(&self) -> Option<u64> {
        (self.run.snapshot_every_h > 0.0)
            .then(|| (self.run.snapshot_every_h / self.run.dt_h).round().max(1.0) as u64)
    }
    /// The same scenario with every treatment, graft and senolytic removed: the untreated
    /// control arm. Same tissue, same seed, so every shared draw is shared.
    pub fn untreated(&self) -> Scenario {
        let mut s = self.clone();
        s.treatments.clear();
        s.grafts.clear();
        s.senolytics.clear();
        s
    }
}
