//! The world and one agent step, in a fixed order (docs/model.md §2):
//!
//! ```text
//!   t = k·Δt
//!   1. events due in [t, t+Δt) (schedule.rs): grafts placed, senolytics,
//!      doses into fields
//!   2. sources from cells as they stand at t (SASP, graft EVs) + wound pulse;
//!      in the same pass, what each cell shows its neighbours at t (deep
//!      senescent: juxtacrine; contact SASP: bystander), stencil.rs
//!   3. sasp: steady-state solve
//!   4. EV and CM fields: advanced over Δt (uptake ½, exact spectral, uptake ½);
//!      uptake credited to cell cargo pools
//!   5. (the neighbour sums of step 2's values, folded row by row in step 6)
//!   6. intracellular rules, every site in parallel (rules.rs)
//!   7. division and migration (division.rs)
//!   8. wound contraction (contraction.rs) and immune recruitment
//!   t ← (k+1)·Δt; wound closure tracked
//! ```
//!
//! Every random draw is keyed by (seed, step, site, purpose) and every sum is
//! ordered, so a run is bit-identical at any thread count.

use crate::math;
use crate::model::cell::Cell;
use crate::model::division::{divide_and_migrate, Moves, Signals, StepKey};
use crate::model::field::{Dosed, Pool, View};
use crate::model::fields::{FieldId, Fields};
use crate::model::geometry::Grid;
use crate::model::params::Scenario;
use crate::model::rules::{Ctx, Events};
use crate::model::schedule::Schedule;
use crate::model::scratch::Scratch;
use crate::model::sources::{Ahead, Emit, Tally};
use crate::model::spectral::Spectral;
use crate::model::treatment::Batches;
use crate::model::vacancy::Prepared;
use rayon::prelude::*;

mod events;
#[cfg(test)]
mod tests;

/// The phases of a step, in order (this file's header), as `step_with`
/// reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// 1. events due (grafts, senolytics, doses)
    Events,
    /// 2. SASP sources (and what cells show their neighbours)
    Sources,
    /// 3. the SASP's steady state
    Sasp,
    /// 4. EV and CM fields advanced, uptake credited
    Dosed,
    /// 5-6. neighbour signals folded into the intracellular rules
    Rules,
    /// 7. division and migration
    Division,
    /// 8. wound contraction, immune recruitment, closure tracking
    Wound,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::Events,
        Phase::Sources,
        Phase::Sasp,
        Phase::Dosed,
        Phase::Rules,
        Phase::Division,
        Phase::Wound,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Phase::Events => "events",
            Phase::Sources => "sources, shown to neighbours",
            Phase::Sasp => "sasp solve",
            Phase::Dosed => "EV/CM fields",
            Phase::Rules => "neighbour signals and cell rules",
            Phase::Division => "division/migration",
            Phase::Wound => "wound",
        }
    }
}

/// Time of wound closure crossings (h), interpolated between steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Closure {
    pub t50_h: Option<f64>,
    pub t90_h: Option<f64>,
    last: (f64, f64),
}

pub struct World {
    pub scenario: Scenario,
    pub grid: Grid,
    /// The cells, row-major. A step leaves records of them for the next
    /// (its sources, computed ahead; whether any cell holds young cargo):
    /// change them only before the first step, or build a new world
    /// (`World::restore`, `World::seeded`) from a changed state.
    pub cells: Vec<Cell>,
    /// The SASP, EV and CM fields, indexed by `FieldId`.
    pub fields: Fields,
    pub step: u64,
    /// Counts of what the cells did (arrests, clearances, ...).
    pub events: Events,
    pub moves: Moves,
    /// When grafts, senolytics, doses and exposures fall.
    pub schedule: Schedule,
    /// The batches the treatments dose from.
    pub batches: Batches,
    pub closure: Closure,
    /// Immune cells recruited into the wound bed by its senescent cells, in
    /// senescent cells per wound site (docs/model.md §6.4).
    pub wound_immune: f64,
    pub wound_mask: Option<Vec<bool>>,
    /// SA-β-gal+ fraction of tissue cells at the start of the step (X in
    /// the clearance law), counted with the SASP sources.
    load: f64,
    /// The wound's sites and centre, for its contraction.
    wound_bed: Option<crate::model::contraction::WoundBed>,
    spectral: Spectral,
    /// The `sasp` solver and the step's SASP sources.
    pub sasp: crate::model::sasp::SaspSolver,
    scratch: Scratch,
    /// The dosed fields' totals at t = 0 and after every step (`fields.csv`).
    pub trace: Vec<crate::model::observe::FieldSample>,
    /// The next step's sources, if this step's rules pass computed them.
    ahead: Ahead,
    /// Whether the rules pass computes the next step's sources (the
    /// default; `compute_sources_ahead`).
    sources_ahead: bool,
}

/// The clearance law's senescent load: SA-β-gal+ among tissue cells.
fn load_of(tissue: u64, senescent: u64) -> f64 {
    if tissue == 0 {
        0.0
    } else {
        senescent as f64 / tissue as f64
    }
}

impl World {
    pub fn new(scenario: Scenario) -> World {
        let g = &scenario.grid;
        let grid = Grid::new(g.nx, g.ny, g.boundary);
        let cells = crate::model::initial::initial_cells(&scenario, &grid);
        World::assemble(scenario, grid, cells)
    }

    /// A world at t = 0 of `scenario` holding `cells` (the wound, if any, cut
    /// into them), with the SASP field of that tissue.
    pub(crate) fn assemble(scenario: Scenario, grid: Grid, cells: Vec<Cell>) -> World {
        let f = &scenario.fields;
        let wound_mask = scenario.wound.as_ref().map(|w| w.region.mask(&grid));
        let wound_bed = wound_mask
            .as_deref()
            .and_then(|m| crate::model::contraction::WoundBed::new(m, &grid));
        let mut w = World {
            schedule: Schedule::new(&scenario, &grid),
            batches: Batches::new(&scenario),
            fields: Fields::new(f, grid, scenario.run.dt_h),
            spectral: Spectral::new(grid),
            sasp: crate::model::sasp::SaspSolver::new(grid, &f.sasp),
            scratch: Scratch::new(&grid),
            cells,
            grid,
            scenario,
            step: 0,
            events: Events::default(),
            moves: Moves::default(),
            closure: Closure::default(),
            wound_immune: 0.0,
            load: 0.0,
            wound_mask,
            wound_bed,
            trace: Vec::new(),
            ahead: Ahead::default(),
            sources_ahead: true,
        };
        if let Some(m) = &w.wound_mask {
            for (c, &inside) in w.cells.iter_mut().zip(m) {
                if inside {
                    *c = Cell::EMPTY;
                }
            }
        }
        w.closure.last = (0.0, w.wound_closure().unwrap_or(0.0));
        // The SASP field of the initial tissue, so that t = 0 reports it.
        w.solve_sasp();
        w.trace.push(crate::model::observe::field_sample(&w));
        w
    }

    /// SASP secretion of every site at the current time, plus the wound's
    /// inflammatory pulse averaged over the coming step; returns the total
    /// (au/h, summed in f64 in row order). The same pass counts the tissue
    /// cells and the senescent (SA-β-gal+) ones among them for the
    /// clearance law (`self.load`), and writes what each cell shows its
    /// neighbours (`Scratch::shown`) and the grafts' EV sources: the cells'
    /// kinds, phenotypes and clocks do not change again before the fields
    /// and the rules read them (uptake changes cargo only). When the
    /// previous step's rules pass computed all of this ahead (sources.rs),
    /// only the total is summed.
    fn sasp_sources(&mut self) -> f64 {
        let nx = self.grid.nx;
        if std::mem::take(&mut self.ahead.ready) {
            // The previous step's rules pass and division left them.
            let (tissue, sen) = (self.ahead.tissue, self.ahead.senescent);
            self.load = load_of(tissue, sen);
            let rows: Vec<f64> = self
                .sasp
                .source()
                .par_chunks(nx)
                .map(crate::model::field::lanes_sum)
                .collect();
            return rows.iter().sum();
        }
        let emit = Emit::new(
            &self.scenario,
            &self.schedule,
            self.wound_mask.as_deref(),
            self.now_h(),
        );
        let cells = &self.cells;
        let mut rows: Vec<(f64, Tally)> = self
            .sasp
            .source_mut()
            .par_chunks_mut(nx)
            .zip(self.scratch.shown.par_chunks_mut(nx))
            .enumerate()
            .map(|(r, (sa, shown))| {
                let mut tally = Tally::default();
                for (k, (x, sh)) in sa.iter_mut().zip(shown).enumerate() {
                    let i = r * nx + k;
                    (*x, *sh) = emit.cell(&cells[i], i, &mut tally);
                }
                (crate::model::field::lanes_sum(sa), tally)
            })
            .collect();
        let mut all = Tally::default();
        for r in rows.iter_mut() {
            all.append(&mut r.1);
        }
        self.load = load_of(all.tissue, all.senescent);
        self.scratch.graft = all.graft;
        rows.iter().map(|r| r.0).sum()
    }

    /// 2-3: SASP sources at the current time, solved to steady state.
    fn solve_sasp(&mut self) {
        let total = self.sasp_sources();
        self.solve_sasp_of(total);
    }

    /// 3: the steady state of the sources just written, which total `total`.
    fn solve_sasp_of(&mut self, total: f64) {
        self.sasp
            .solve(&mut self.fields[FieldId::Sasp], &mut self.spectral, total);
    }

    pub fn dt(&self) -> f64 {
        self.scenario.run.dt_h
    }

    pub fn now_h(&self) -> f64 {
        self.time_h(self.step)
    }

    /// The time (h) at which step `step` starts.
    fn time_h(&self, step: u64) -> f64 {
        step as f64 * self.dt()
    }

    /// The numerical guard: no solve has produced a non-finite value or a
    /// negative beyond round-off (checked inside each solve's clamping pass,
    /// at no extra cost). Deliveries add validated finite amounts and uptake
    /// only scales values down, so every path into a field is covered.
    pub fn check_fields(&self) -> Result<(), crate::error::NumericalError> {
        for f in self.fields.iter() {
            if let Some((value, i)) = f.defect {
                return Err(crate::error::NumericalError {
                    field: f.name,
                    step: self.step,
                    time_h: self.now_h(),
                    value,
                    x: i % self.grid.nx,
                    y: i / self.grid.nx,
                });
            }
        }
        Ok(())
    }

    pub fn is_done(&self) -> bool {
        self.step >= self.scenario.steps()
    }

    /// Fraction of the wound's sites occupied again, if there is a wound.
    pub fn wound_closure(&self) -> Option<f64> {
        let m = self.wound_mask.as_ref()?;
        let (mut inside, mut filled) = (0usize, 0usize);
        for (c, &w) in self.cells.iter().zip(m) {
            if w {
                inside += 1;
                filled += c.is_occupied() as usize;
            }
        }
        Some(if inside == 0 {
            1.0
        } else {
            filled as f64 / inside as f64
        })
    }

    /// Step 4: the EV and CM fields over Δt, their uptake credited to the
    /// cells' cargo pools, the grafts' EVs their point sources.
    fn advance_dosed_fields(&mut self) {
        let dt = self.dt();
        let World {
            scenario,
            cells,
            fields,
            spectral,
            scratch,
            ..
        } = self;
        let dormant = scenario.fields.dormant_fraction;
        let src = &scratch.graft;
        let [_, ev_young, ev_senescent, cm_young, cm_senescent] = fields.each_mut();
        let dosed = |field, sources, pool| Dosed {
            field,
            sources,
            pool,
        };
        crate::model::field::advance_together(
            &mut [
                dosed(ev_young, &src.young[..], Pool::Young),
                dosed(ev_senescent, &src.senescent[..], Pool::Senescent),
                dosed(cm_young, &[], Pool::None),
                dosed(cm_senescent, &[], Pool::None),
            ],
            spectral,
            cells,
            dt,
            dormant,
        );
    }

    /// Steps 5-6: every cell's intracellular rules, in parallel by blocks
    /// of rows, each row's neighbour signals folded first from
    /// `Scratch::shown`; the next step's sources computed ahead
    /// (rules_pass.rs).
    fn update_cells(&mut self, key: StepKey) {
        let load = self.load;
        let sites = self.grid.len();
        let exposure = self.schedule.exposure(self.now_h(), sites);
        // The next step's time, as `now_h` will give it.
        let next = self.time_h(self.step + 1);
        // The wound bed induces senescence while it is open (granulation
        // tissue, CCN1): scaled by the fraction still open at t.
        let induction = exposure.wound_induction_per_h * (1.0 - self.closure.last.1);
        // The immune cells recruited into the bed clear senescent cells there.
        let bed_clearance = self.scenario.wound.as_ref().map_or(0.0, |w| {
            w.immune_clearance_per_day / 24.0 * self.wound_immune
        });
        let World {
            scenario: s,
            grid,
            cells,
            fields,
            scratch,
            wound_mask,
            events,
            schedule,
            sasp,
            ahead,
            ..
        } = self;
        let ctx = Ctx::new(
            &s.cell_rules,
            &s.tissue,
            &s.grafts,
            key,
            s.tissue.clearance_per_h(load),
        );
        // Young cargo enters cells only by the uptake of young EVs: none
        // is held if none was at the last pass and none was taken up since.
        let young_taken = fields[FieldId::EvYoung].balance.taken_up;
        let cm_young = fields[FieldId::CmYoung].view();
        let young = !(matches!(cm_young, View::Uniform(v) if v == 0.0)
            && scratch.no_young_cargo == Some(young_taken));
        let around = crate::model::rules_pass::Surroundings {
            sasp: &fields[FieldId::Sasp].c,
            cm_young,
            cm_senescent: fields[FieldId::CmSenescent].view(),
            stress: exposure.stress_per_h.as_deref(),
            wound: wound_mask.as_deref(),
            induction,
            bed_clearance,
            young,
        };
        let emit = Emit::new(s, schedule, wound_mask.as_deref(), next);
        let rules = crate::model::rules_pass::Rules {
            ctx: &ctx,
            key: &key,
            emit: &emit,
        };
        let lattice = crate::model::rules_pass::Lattice {
            cells,
            shown: &mut scratch.shown,
            source: sasp.source_mut(),
            prepared: &mut scratch.prepared,
        };
        let out = crate::model::rules_pass::run(grid, lattice, &around, &rules);
        *events += out.events;
        scratch.no_young_cargo = (!out.young).then_some(young_taken);
        scratch.graft = out.tally.graft;
        *ahead = Ahead {
            ready: self.sources_ahead,
            tissue: out.tally.tissue,
            senescent: out.tally.senescent,
        };
    }

    /// Whether each step's rules pass computes the next step's sources
    /// (the default) or the step makes a pass over the cells for them:
    /// the same results either way (tests/sources_ahead.rs compares them).
    pub fn compute_sources_ahead(&mut self, on: bool) {
        self.sources_ahead = on;
        self.ahead.ready &= on;
    }

    /// The clearance law's senescent load at the start of the step: the
    /// SA-β-gal+ fraction of tissue-derived cells (written with the sources).
    pub fn senescent_load(&self) -> f64 {
        self.load
    }

    /// What each site's cell shows its neighbours at the start of the
    /// step (its contact SASP, the deep-senescent flag in the sign bit);
    /// after a step's rules pass, the next step's.
    pub fn shown(&self) -> &[f32] {
        &self.scratch.shown
    }

    /// What the rules pass of this step prepared for division (valid
    /// between the two phases: `step_with`'s `Phase::Rules`).
    pub fn prepared(&self) -> &Prepared {
        &self.scratch.prepared
    }

    /// The signals division reads at every site.
    pub fn division_signals(&self) -> Signals<'_> {
        Signals::of(&self.scenario, &self.fields)
    }

    /// Step 7: division into free neighbours, then migration, of the cells
    /// next to the empty sites the rules pass noted.
    fn divide_and_migrate(&mut self, key: &StepKey) {
        let sig = Signals::of(&self.scenario, &self.fields);
        let changed = &mut self.scratch.changed;
        changed.clear();
        let m = divide_and_migrate(
            &self.grid,
            &mut self.cells,
            &sig,
            &self.scenario.cell_rules,
            key,
            &self.scratch.prepared,
            changed,
        );
        self.moves.divisions += m.divisions;
        self.moves.migrations += m.migrations;
        if self.ahead.ready {
            let next = self.time_h(self.step + 1);
            let emit = Emit::new(
                &self.scenario,
                &self.schedule,
                self.wound_mask.as_deref(),
                next,
            );
            let shown = &mut self.scratch.shown;
            let source = self.sasp.source_mut();
            self.ahead
                .patch(&emit, &self.cells, &self.scratch.changed, source, shown);
        }
    }

    /// Step 8: the wound contracts (contraction.rs), and its senescent
    /// cells recruit immune cells: the recruited level relaxes toward the
    /// bed's senescent density over `wound.immune_memory_h`, exactly over Δt.
    fn contract_wound(&mut self) {
        let (Some(bed), Some(w)) = (&self.wound_bed, &self.scenario.wound) else {
            return;
        };
        let s = &self.scenario;
        let density = bed.senescent_density(&self.cells, self.now_h(), w);
        let keep = math::exp(-s.run.dt_h / w.immune_memory_h);
        self.wound_immune = self.wound_immune * keep + (1.0 - keep) * density;
        let rate = crate::model::contraction::rate_per_h(w, density + w.topical_pdgf);
        let step = (s.run.seed, self.step, s.run.dt_h);
        let closed = bed.contract(&self.grid, &mut self.cells, w, rate, step);
        self.moves.contractions += closed;
        // Contraction moved cells: the sources computed ahead no longer hold.
        if closed > 0 {
            self.ahead.ready = false;
        }
    }

    /// One step of Δt, in the order of this file's header.
    pub fn step(&mut self) {
        self.step_with(&mut |_, _| {});
    }

    /// One step, calling `lap` with the world as each phase ends (a
    /// profiler's and a test's hook: the bench `scale` times the phases
    /// with it; `step` passes a no-op).
    pub fn step_with(&mut self, lap: &mut dyn FnMut(Phase, &World)) {
        let s = &self.scenario;
        // One key for the step's draws, shared by the rules and division.
        let key = StepKey::new(s.run.seed, self.step, self.now_h(), s.run.dt_h);
        self.apply_events();
        lap(Phase::Events, self);
        let total = self.sasp_sources();
        lap(Phase::Sources, self);
        self.solve_sasp_of(total);
        lap(Phase::Sasp, self);
        self.advance_dosed_fields();
        lap(Phase::Dosed, self);
        self.update_cells(key);
        lap(Phase::Rules, self);
        self.divide_and_migrate(&key);
        lap(Phase::Division, self);
        self.contract_wound();
        self.step += 1;
        self.track_closure();
        self.trace.push(crate::model::observe::field_sample(self));
        lap(Phase::Wound, self);
    }

    fn track_closure(&mut self) {
        let Some(c) = self.wound_closure() else {
            return;
        };
        let t = self.now_h();
        let (t_prev, c_prev) = self.closure.last;
        let cross = |level: f64| -> Option<f64> {
            (c_prev < level && c >= level)
                .then(|| t_prev + (level - c_prev) / (c - c_prev) * (t - t_prev))
        };
        if self.closure.t50_h.is_none() {
            self.closure.t50_h = cross(0.5);
        }
        if self.closure.t90_h.is_none() {
            self.closure.t90_h = cross(0.9);
        }
        self.closure.last = (t, c);
    }
}
