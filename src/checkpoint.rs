//! Checkpoints: a run's full state at a step boundary, so that `senesim
//! resume DIR` continues it to outputs identical, bit for bit, to an
//! uninterrupted run's, and `senesim run --from-checkpoint FILE` starts new
//! treatments on a saved tissue.
//!
//! A checkpoint holds the scenario as resolved (JSON text, floats exact), the
//! rows written so far, and the world: cells, the five fields with their
//! books, treatment progress (doses given, batches in use, the QC ledger),
//! event counters, wound-closure crossings and the step counter. Random
//! numbers are keyed by (seed, step, site, purpose), so there is no
//! generator state. Format: the line `senesim checkpoint 1`, then the
//! fields in bincode (standard configuration). A checkpoint is only resumed
//! by the senesim version that wrote it.

use crate::error::OutputError;
use crate::observe::Row;
use crate::output::write_atomic;
use crate::scenario::Scenario;
use crate::sim::WorldState;
use serde::{Deserialize, Serialize};
use std::path::Path;

const MAGIC: &[u8] = b"senesim checkpoint 1\n";

/// The file name of a run folder's checkpoint.
pub const FILE: &str = "checkpoint.bin";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    pub head: Head,
    pub rows: Vec<Row>,
    pub world: WorldState,
}

/// What a checkpoint says about its run, besides the state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Head {
    pub senesim_version: String,
    /// The run's scenario as resolved, as JSON.
    pub scenario_json: String,
    /// The scenario whose treated area the run's spread is measured on, if
    /// not its own (a paired control's).
    pub treated_area_json: Option<String>,
    pub scenario_source: String,
    pub snapshots: bool,
    pub plots: bool,
    pub checkpoint_every_h: Option<f64>,
}

impl Head {
    pub fn scenario(&self) -> Result<Scenario, String> {
        serde_json::from_str(&self.scenario_json).map_err(|e| format!("scenario: {e}"))
    }

    pub fn treated_area(&self) -> Result<Option<Scenario>, String> {
        self.treated_area_json
            .as_deref()
            .map(|j| serde_json::from_str(j).map_err(|e| format!("treated area: {e}")))
            .transpose()
    }
}

impl Checkpoint {
    /// Simulated time of the checkpoint (h).
    pub fn time_h(&self) -> Result<f64, String> {
        Ok(self.world.step as f64 * self.head.scenario()?.run.dt_h)
    }
}

/// Writes `c` to `path` atomically.
pub fn write(path: &Path, c: &Checkpoint) -> Result<(), OutputError> {
    let mut bytes = MAGIC.to_vec();
    bincode::serde::encode_into_std_write(c, &mut bytes, bincode::config::standard()).map_err(
        |e| OutputError::Encode {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
    )?;
    write_atomic(path, &bytes)
}

/// Reads a checkpoint, refusing other files and other senesim versions.
pub fn read(path: &Path) -> Result<Checkpoint, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let body = bytes.strip_prefix(MAGIC).ok_or_else(|| {
        format!(
            "{}: not a senesim checkpoint (it does not start with `senesim checkpoint 1`)",
            path.display()
        )
    })?;
    let (c, used): (Checkpoint, usize) =
        bincode::serde::decode_from_slice(body, bincode::config::standard())
            .map_err(|e| format!("{}: damaged checkpoint: {e}", path.display()))?;
    if used != body.len() {
        return Err(format!(
            "{}: damaged checkpoint: {} trailing bytes",
            path.display(),
            body.len() - used
        ));
    }
    if c.head.senesim_version != env!("CARGO_PKG_VERSION") {
        return Err(format!(
            "{}: written by senesim {}, this is {}: a run continues bit for bit only in the version that started it",
            path.display(),
            c.head.senesim_version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    Ok(c)
}
