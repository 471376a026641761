//! Division and migration into empty Moore neighbours (docs/model.md §5.8).
//!
//! Two cells may want the same empty site, so these events are resolved in
//! three phases that give the same result at any thread count:
//!
//! ```text
//!   A  every proliferative cell with an empty neighbour draws whether it acts
//!      (divide or hop) and which empty neighbour it targets   (parallel, keyed)
//!   B  every empty site picks, among the cells targeting it, the one with the
//!      lowest keyed priority                                  (parallel)
//!   C  winners are applied in site order                      (sequential, O(events))
//! ```
//!
//! No empty neighbour means no division (contact inhibition). Daughters both
//! keep the parent's damage level (a per-cell level, like foci density),
//! split its cargo, and count one more division; a tissue lineage reaching its
//! replicative limit arrests with origin `Replicative`.

use crate::model::cell::{Cell, Kind, Origin, Phenotype};
use crate::model::geometry::Grid;
use crate::model::params::CellParams;
use crate::model::rng::{happens, hazard_prob, Purpose};
use crate::model::rules::{young_signal, Env};
use rayon::prelude::*;

/// No intent / no winner. Sites are u32 (grids are limited to 2³¹ sites,
/// scenario/validate.rs), which halves this workspace.
const NONE: u32 = u32::MAX;

/// Local signals that modulate division and migration.
pub struct Signals<'a> {
    /// Tissue-age multipliers of division and migration.
    pub division_factor: f64,
    pub migration_factor: f64,
    pub sasp: &'a [f64],
    pub cm_young: &'a [f64],
    pub cm_senescent: &'a [f64],
}

pub use crate::model::rng::StepKey;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Moves {
    pub divisions: u64,
    pub migrations: u64,
    /// Wound margin holes closed by contraction (contraction.rs).
    #[serde(default)]
    pub contractions: u64,
}

/// Division and migration rates (1/h) of a cell, or None if it cannot act.
pub fn rates(cell: &Cell, env: &Env, p: &CellParams, age: (f64, f64)) -> Option<(f64, f64)> {
    if cell.phenotype != Phenotype::Proliferative {
        return None;
    }
    // Pro-regenerative signal of SASP (PDGF-AA): saturating, below the damaging level.
    let sasp = env.sasp + env.cm_senescent;
    let hs = sasp / (p.sasp_division_half_saturation + sasp);
    let hy = young_signal(cell, env, p);
    // Growth inhibition by SASP (TGF-β, IL-1): reversible, before any
    // arrest; transformed cells too (their advantage is their own faster,
    // unlimited division, not an escape from the tissue's signals).
    let inhibit = 1.0
        - p.sasp_division_inhibition
            * crate::model::rules::hill(
                sasp,
                p.sasp_inhibition_half_saturation,
                p.sasp_inhibition_hill,
            );
    match cell.kind {
        Kind::Tissue => {
            let he = cell.cargo_senescent / (p.ev_half_saturation + cell.cargo_senescent);
            let block = 1.0 - p.senescent_cargo_division_block * he;
            // The DNA-damage checkpoint: damage signalling that drives arrest
            // (the onset Hill, docs/model.md §5.2) first slows the cycle.
            let checkpoint = 1.0
                - p.damage_checkpoint
                    * crate::model::rules::hill(
                        cell.damage.total(),
                        p.onset_half_damage,
                        p.onset_hill,
                    );
            Some((
                block
                    * inhibit
                    * checkpoint
                    * age.0
                    * p.division_per_h
                    * (1.0 + p.young_division_boost * hy + p.sasp_division_boost * hs),
                block * age.1 * p.migration_per_h * (1.0 + p.sasp_division_boost * hs),
            ))
        }
        Kind::Transformed => {
            let cargo = cell.cargo_young + cell.cargo_senescent;
            let stim = cargo / (p.young_half_saturation + cargo);
            Some((
                inhibit
                    * p.division_per_h
                    * p.transformed_division_factor
                    * (1.0 + p.transformed_ev_stimulation * stim),
                p.migration_per_h,
            ))
        }
        Kind::Msc | Kind::Empty => None,
    }
}

/// Workspace of phase A, allocated once per world (4 bytes a site).
pub struct Scratch {
    intents: Vec<u32>,
}

impl Scratch {
    pub fn new(n: usize) -> Scratch {
        debug_assert!(n < 1 << 31);
        Scratch {
            intents: vec![NONE; n],
        }
    }
}

/// Phase A for site i: NONE, or the target site << 1 | divide.
fn intent(
    i: usize,
    grid: &Grid,
    cells: &[Cell],
    sig: &Signals,
    p: &CellParams,
    key: &StepKey,
) -> u32 {
    let env = Env {
        sasp: sig.sasp[i],
        cm_young: sig.cm_young[i],
        cm_senescent: sig.cm_senescent[i],
        ..Env::default()
    };
    let Some((k_div, k_mig)) = rates(
        &cells[i],
        &env,
        p,
        (sig.division_factor, sig.migration_factor),
    ) else {
        return NONE;
    };
    let total = k_div + k_mig;
    let u = key.stream.uniform(i as u64, Purpose::Action);
    if !happens(u, total, key.dt) {
        return NONE;
    }
    let mut empty = [0usize; 8];
    let mut m = 0;
    for (_, j) in grid.moore(i) {
        if cells[j].is_empty() {
            empty[m] = j;
            m += 1;
        }
    }
    if m == 0 {
        return NONE;
    }
    let pick = (key.stream.uniform(i as u64, Purpose::ActionTarget) * m as f64) as usize;
    let divide = u < hazard_prob(total, key.dt) * k_div / total;
    ((empty[pick.min(m - 1)] as u32) << 1) | divide as u32
}

/// Phase B for site i: the neighbour whose intent on i has the lowest keyed
/// priority, or NONE.
fn winner(i: usize, grid: &Grid, cells: &[Cell], intents: &[u32], key: &StepKey) -> u32 {
    if !cells[i].is_empty() {
        return NONE;
    }
    let mut best = NONE;
    let mut best_pri = u64::MAX;
    for (_, j) in grid.moore(i) {
        let it = intents[j];
        if it != NONE && (it >> 1) as usize == i {
            let pri = key.stream.hash(j as u64, Purpose::ActionPriority);
            if pri < best_pri || (pri == best_pri && (j as u32) < best) {
                best_pri = pri;
                best = j as u32;
            }
        }
    }
    best
}

pub fn divide_and_migrate(
    grid: &Grid,
    cells: &mut [Cell],
    sig: &Signals,
    p: &CellParams,
    key: &StepKey,
    scratch: &mut Scratch,
) -> Moves {
    let intents = &mut scratch.intents;
    let cells_ro: &[Cell] = cells;
    intents
        .par_iter_mut()
        .enumerate()
        .for_each(|(i, out)| *out = intent(i, grid, cells_ro, sig, p, key));
    let intents: &[u32] = intents;
    // (target, winner) pairs in site order (rayon keeps the order).
    let winners: Vec<(usize, usize)> = (0..cells_ro.len())
        .into_par_iter()
        .filter_map(|i| {
            let w = winner(i, grid, cells_ro, intents, key);
            (w != NONE).then_some((i, w as usize))
        })
        .collect();
    // Phase C: apply in site order.
    let mut moves = Moves::default();
    let t_new = key.now_h + key.dt;
    for (target, src) in winners {
        let divide = intents[src] & 1 == 1;
        if divide {
            let parent = &mut cells[src];
            parent.divisions = parent.divisions.saturating_add(1);
            parent.last_division_h = t_new;
            parent.cargo_young *= 0.5;
            parent.cargo_senescent *= 0.5;
            let arrests = parent.kind == Kind::Tissue && parent.divisions >= parent.limit;
            if arrests {
                let d = crate::model::rules::marker_delays(&key.stream, src as u64, p);
                parent.begin_senescence(Phenotype::Arrested, t_new, Origin::Replicative, d);
            }
            let mut daughter = *parent;
            if arrests {
                // Each sister draws its own marker delays, at its own site.
                let d = crate::model::rules::marker_delays(&key.stream, target as u64, p);
                daughter.begin_senescence(Phenotype::Arrested, t_new, Origin::Replicative, d);
            }
            cells[target] = daughter;
            moves.divisions += 1;
        } else {
            cells[target] = cells[src];
            cells[src] = Cell::EMPTY;
            moves.migrations += 1;
        }
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::geometry::Boundary;
    use crate::scenario::load;

    fn setup(nx: usize, ny: usize) -> (Grid, Vec<Cell>, CellParams) {
        let p = load(None, &[]).unwrap().scenario.cell_rules;
        (
            Grid::new(nx, ny, Boundary::NoFlux),
            vec![Cell::EMPTY; nx * ny],
            p,
        )
    }
    fn dm(g: &Grid, cells: &mut [Cell], sig: &Signals, p: &CellParams, key: &StepKey) -> Moves {
        divide_and_migrate(g, cells, sig, p, key, &mut Scratch::new(g.len()))
    }
    fn prolif() -> Cell {
        let mut c = Cell::EMPTY;
        c.kind = Kind::Tissue;
        c.limit = 50;
        c
    }

    #[test]
    fn contact_inhibition_no_empty_neighbour_no_division() {
        let (g, mut cells, p) = setup(8, 8);
        cells.iter_mut().for_each(|c| *c = prolif());
        let z = vec![0.0; 64];
        let sig = Signals {
            division_factor: 1.0,
            migration_factor: 1.0,
            sasp: &z,
            cm_young: &z,
            cm_senescent: &z,
        };
        for step in 0..200 {
            let m = dm(&g, &mut cells, &sig, &p, &StepKey::new(1, step, 0.0, 1.0));
            assert_eq!(m, Moves::default());
        }
    }

    #[test]
    fn a_lone_cell_divides_at_its_rate_and_conserves_nothing_twice() {
        let (g, _, mut p) = setup(9, 9);
        p.migration_per_h = 0.0;
        let z = vec![0.0; 81];
        let sig = Signals {
            division_factor: 1.0,
            migration_factor: 1.0,
            sasp: &z,
            cm_young: &z,
            cm_senescent: &z,
        };
        let trials = 4000;
        let mut divided = 0;
        for t in 0..trials {
            let mut cells = vec![Cell::EMPTY; 81];
            cells[40] = prolif();
            cells[40].cargo_young = 2.0;
            let m = dm(&g, &mut cells, &sig, &p, &StepKey::new(3, t, 0.0, 1.0));
            if m.divisions == 1 {
                divided += 1;
                let occ: Vec<&Cell> = cells.iter().filter(|c| c.is_occupied()).collect();
                assert_eq!(occ.len(), 2);
                assert!(occ
                    .iter()
                    .all(|c| c.divisions == 1 && (c.cargo_young - 1.0).abs() < 1e-15));
            }
        }
        // rate is boosted by young cargo: hy = 2/3
        let k = p.division_per_h * (1.0 + p.young_division_boost * 2.0 / 3.0);
        let expect = hazard_prob(k, 1.0) * trials as f64;
        assert!(
            (divided as f64 - expect).abs() < 4.0 * expect.sqrt(),
            "{divided} vs {expect}"
        );
    }

    #[test]
    fn conflicting_intents_never_overwrite_a_cell() {
        let (g, mut cells, mut p) = setup(16, 16);
        p.division_per_h = 5.0;
        p.migration_per_h = 5.0;
        for (i, c) in cells.iter_mut().enumerate() {
            if i % 3 != 0 {
                *c = prolif();
            }
        }
        let z = vec![0.0; 256];
        let sig = Signals {
            division_factor: 1.0,
            migration_factor: 1.0,
            sasp: &z,
            cm_young: &z,
            cm_senescent: &z,
        };
        let before = cells.iter().filter(|c| c.is_occupied()).count();
        let m = dm(&g, &mut cells, &sig, &p, &StepKey::new(2, 0, 0.0, 1.0));
        let after = cells.iter().filter(|c| c.is_occupied()).count();
        assert!(m.divisions > 0 && m.migrations > 0);
        assert_eq!(after, before + m.divisions as usize);
    }

    #[test]
    fn replicative_limit_arrests_both_daughters() {
        let (g, _, mut p) = setup(5, 5);
        p.division_per_h = 50.0;
        p.migration_per_h = 0.0;
        let z = vec![0.0; 25];
        let sig = Signals {
            division_factor: 1.0,
            migration_factor: 1.0,
            sasp: &z,
            cm_young: &z,
            cm_senescent: &z,
        };
        let mut cells = vec![Cell::EMPTY; 25];
        cells[12] = prolif();
        cells[12].divisions = 49;
        let m = dm(&g, &mut cells, &sig, &p, &StepKey::new(1, 0, 0.0, 1.0));
        assert_eq!(m.divisions, 1);
        let occ: Vec<&Cell> = cells.iter().filter(|c| c.is_occupied()).collect();
        assert!(occ
            .iter()
            .all(|c| c.phenotype == Phenotype::Arrested && c.origin == Origin::Replicative));
    }
}
