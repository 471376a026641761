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

use crate::cell::Cell;
use crate::division::Moves;
use crate::error::OutputError;
use crate::field::{Balance, FieldState};
use crate::geometry::Grid;
use crate::observe::Row;
use crate::output::write_atomic_with;
use crate::rules::Events;
use crate::scenario::Scenario;
use crate::sim::{Closure, World};
use crate::treatment::Plan;
use serde::{Deserialize, Serialize};
use std::io::Write;
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
    write_atomic_with(path, |f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
        w.write_all(MAGIC).map_err(OutputError::io(path))?;
        bincode::serde::encode_into_std_write(c, &mut w, bincode::config::standard()).map_err(
            |e| OutputError::Encode {
                path: path.to_path_buf(),
                message: e.to_string(),
            },
        )?;
        w.flush().map_err(OutputError::io(path))
    })
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

/// A world's state at a step boundary (see `World::state`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct WorldState {
    pub step: u64,
    pub cells: Vec<Cell>,
    /// sasp, ev_young, ev_senescent, cm_young, cm_senescent.
    pub fields: Vec<FieldState>,
    pub events: Events,
    pub moves: Moves,
    pub plan: Plan,
    pub closure: Closure,
}

impl World {
    /// Everything a checkpoint needs to continue this world bit for bit
    /// (the random numbers are keyed by seed, step and site: no generator
    /// state to save).
    pub fn state(&self) -> WorldState {
        WorldState {
            step: self.step,
            cells: self.cells.clone(),
            fields: [
                &self.sasp,
                &self.ev_young,
                &self.ev_senescent,
                &self.cm_young,
                &self.cm_senescent,
            ]
            .map(|f| f.state())
            .to_vec(),
            events: self.events,
            moves: self.moves,
            plan: self.plan.clone(),
            closure: self.closure,
        }
    }

    /// The world of `scenario` continued from a saved state of the same run.
    pub fn restore(scenario: Scenario, st: WorldState) -> Result<World, String> {
        let mut w = World::new(scenario);
        if st.cells.len() != w.cells.len() || st.fields.len() != 5 {
            return Err(format!(
                "the checkpoint holds {} sites, the scenario's grid {}",
                st.cells.len(),
                w.cells.len()
            ));
        }
        let mut fields = st.fields.into_iter();
        for f in [
            &mut w.sasp,
            &mut w.ev_young,
            &mut w.ev_senescent,
            &mut w.cm_young,
            &mut w.cm_senescent,
        ] {
            f.restore(fields.next().ok_or("missing field")?)?;
        }
        w.cells = st.cells;
        w.step = st.step;
        w.events = st.events;
        w.moves = st.moves;
        w.plan = st.plan;
        w.closure = st.closure;
        Ok(w)
    }

    /// A new run of `scenario` (t = 0, its own treatments and wound) on the
    /// tissue of a saved state at `time_h`: cells (their clocks shifted so
    /// that `time_h` becomes 0) and the EV and CM fields they hold; the SASP
    /// field is recomputed from the cells.
    pub fn seeded(scenario: Scenario, st: &WorldState, time_h: f64) -> Result<World, String> {
        let g = &scenario.grid;
        let grid = Grid::new(g.nx, g.ny, g.boundary);
        if st.cells.len() != grid.len() {
            return Err(format!(
                "the checkpoint holds {} sites, the scenario's grid {}×{} = {}",
                st.cells.len(),
                g.nx,
                g.ny,
                grid.len()
            ));
        }
        let cells = st
            .cells
            .iter()
            .map(|c| Cell {
                onset_h: c.onset_h - time_h,
                last_division_h: c.last_division_h - time_h,
                ..*c
            })
            .collect();
        let mut w = World::assemble(scenario, grid, cells);
        for (f, s) in [
            &mut w.ev_young,
            &mut w.ev_senescent,
            &mut w.cm_young,
            &mut w.cm_senescent,
        ]
        .into_iter()
        .zip(st.fields.iter().skip(1))
        {
            f.restore(FieldState {
                c: s.c.clone(),
                balance: Balance::default(),
                active: s.active,
            })?;
            f.balance.initial = f.total();
        }
        Ok(w)
    }
}
