//! A world's full state at a step boundary, and the world rebuilt from it:
//! what a checkpoint holds (its file format is `io::checkpoint`'s). The
//! random numbers are keyed by (seed, step, site, purpose), so there is no
//! generator state to save.

use crate::model::cell::Cell;
use crate::model::division::Moves;
use crate::model::field::{Balance, FieldState};
use crate::model::fields::FieldId;
use crate::model::geometry::Grid;
use crate::model::params::Scenario;
use crate::model::rules::Events;
use crate::model::treatment::Batches;
use crate::model::world::{Closure, World};

/// A world's state at a step boundary (see `World::state`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct WorldState {
    pub step: u64,
    pub cells: Vec<Cell>,
    /// sasp, ev_young, ev_senescent, cm_young, cm_senescent.
    pub fields: Vec<FieldState>,
    pub events: Events,
    pub moves: Moves,
    pub batches: Batches,
    pub closure: Closure,
    /// The wound bed's recruited immune level (`World::wound_immune`).
    pub wound_immune: f64,
    /// The `sasp` multigrid's measured contraction per cycle, which steers
    /// how many cycles the next solve takes (`SaspSolver::contraction`).
    pub sasp_contraction: f64,
    /// The dosed fields' totals so far (`World::trace`).
    pub trace: Vec<crate::model::observe::FieldSample>,
}

impl WorldState {
    /// Whether this state can be a step of a run of `s`: as many cells and
    /// field values as sites, a step within the run, treatment progress
    /// matching the scenario's treatments.
    pub fn fits(&self, s: &Scenario) -> Result<(), String> {
        let sites = s.grid.nx * s.grid.ny;
        if self.cells.len() != sites {
            return Err(format!(
                "{} cells for the {}×{} grid",
                self.cells.len(),
                s.grid.nx,
                s.grid.ny
            ));
        }
        // (field 0 is the `sasp` one; the others are dosed)
        let sized = |(k, f): (usize, &FieldState)| f.fits(sites, k > 0);
        if self.fields.len() != FieldId::ALL.len() || !self.fields.iter().enumerate().all(sized) {
            return Err("the fields do not match the grid".into());
        }
        if self.step > s.steps() {
            return Err(format!(
                "step {} is past the run's {} steps",
                self.step,
                s.steps()
            ));
        }
        self.batches.fits(s)
    }
}

impl World {
    /// Everything a checkpoint needs to continue this world bit for bit
    /// (the random numbers are keyed by seed, step and site: no generator
    /// state to save).
    pub fn state(&self) -> WorldState {
        WorldState {
            step: self.step,
            cells: self.cells.clone(),
            fields: self.fields.iter().map(|f| f.state()).collect(),
            events: self.events,
            moves: self.moves,
            batches: self.batches.clone(),
            closure: self.closure,
            wound_immune: self.wound_immune,
            sasp_contraction: self.sasp.contraction(),
            trace: self.trace.clone(),
        }
    }

    /// The world of `scenario` continued from a saved state of the same run.
    pub fn restore(scenario: Scenario, st: WorldState) -> Result<World, String> {
        let mut w = World::new(scenario);
        if st.cells.len() != w.cells.len() || st.fields.len() != FieldId::ALL.len() {
            return Err(format!(
                "the checkpoint holds {} sites, the scenario's grid {}",
                st.cells.len(),
                w.cells.len()
            ));
        }
        let mut fields = st.fields.into_iter();
        for f in w.fields.iter_mut() {
            f.restore(fields.next().ok_or("missing field")?)?;
        }
        w.cells = st.cells;
        w.step = st.step;
        w.events = st.events;
        w.moves = st.moves;
        w.batches = st.batches;
        w.closure = st.closure;
        w.wound_immune = st.wound_immune;
        w.sasp.set_contraction(st.sasp_contraction);
        w.trace = st.trace;
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
                onset_h: (c.onset_h as f64 - time_h) as f32,
                last_division_h: (c.last_division_h as f64 - time_h) as f32,
                ..*c
            })
            .collect();
        let mut w = World::assemble(scenario, grid, cells);
        // The dosed fields carry over; the SASP is recomputed from the cells.
        for (id, s) in FieldId::DOSED.into_iter().zip(st.fields.iter().skip(1)) {
            let f = &mut w.fields[id];
            f.restore(FieldState {
                c: s.c.clone(),
                level: s.level,
                balance: Balance::default(),
                active: s.active,
                peak: s.peak,
                uniform: s.uniform,
            })?;
            f.balance.initial = f.total();
        }
        w.trace = vec![crate::model::observe::field_sample(&w)];
        Ok(w)
    }
}
