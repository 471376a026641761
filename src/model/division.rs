//! Division and migration into empty Moore neighbours (docs/model.md §5.8).
//!
//! Two cells may want the same empty site, so these events are resolved in
//! three phases that give the same result at any thread count:
//!
//! ```text
//!   A  every proliferative cell with an empty neighbour draws whether it acts
//!      (divide or hop) and which empty neighbour it targets   (parallel, keyed)
//!   B  every targeted site picks, among the cells targeting it, the one
//!      with the lowest keyed priority                 (sort of the actions)
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
use crate::model::vacancy::Prepared;
use rayon::prelude::*;

/// No intent. Sites are u32 (grids are limited to 2³¹ sites,
/// scenario/validate.rs).
const NONE: u32 = u32::MAX;

/// What drives division and migration the same at every site.
#[derive(Clone, Copy, Debug)]
pub struct Drive {
    /// Tissue-age multipliers of division and migration.
    pub age: (f64, f64),
    /// Upper bounds of a tissue and of a transformed cell's division plus
    /// migration rate (1/h), widened against round-off (`rate_bound`).
    pub rate_bound: (f64, f64),
}

impl Drive {
    /// The drive of a scenario's tissue.
    pub fn of(s: &crate::model::params::Scenario) -> Drive {
        Drive::new(
            &s.cell_rules,
            s.tissue.division_factor,
            s.tissue.migration_factor,
        )
    }

    pub fn new(p: &CellParams, division_factor: f64, migration_factor: f64) -> Drive {
        let age = (division_factor, migration_factor);
        Drive {
            age,
            rate_bound: rate_bound(p, age),
        }
    }
}

/// The local signals that modulate division and migration at every site
/// (the fields division reads).
pub struct Signals<'a> {
    pub drive: Drive,
    pub sasp: &'a [f32],
    pub cm_young: crate::model::field::View<'a>,
    pub cm_senescent: crate::model::field::View<'a>,
}

impl<'a> Signals<'a> {
    /// The signals of a scenario's tissue, from its fields of `sasp` and CM.
    pub fn of(
        s: &crate::model::params::Scenario,
        f: &'a crate::model::fields::Fields,
    ) -> Signals<'a> {
        use crate::model::fields::FieldId;
        Signals {
            drive: Drive::of(s),
            sasp: &f[FieldId::Sasp].c,
            cm_young: f[FieldId::CmYoung].view(),
            cm_senescent: f[FieldId::CmSenescent].view(),
        }
    }

    /// What division reads of site i (the rules' `Env` holds the same).
    #[inline]
    pub fn env(&self, i: usize) -> Env {
        Env {
            sasp: self.sasp[i] as f64,
            cm_young: self.cm_young.at(i) as f64,
            cm_senescent: self.cm_senescent.at(i) as f64,
            ..Env::default()
        }
    }
}

/// Upper bounds of `rates(..)` summed, for a tissue and for a transformed
/// cell, over every cargo, damage and signal: each saturating signal at
/// its largest, each damping factor 1 − x·h (h in [0, 1]) at max(1, 1 − x),
/// widened by 1e-9 so that no rounding of `rates` can exceed them.
pub fn rate_bound(p: &CellParams, age: (f64, f64)) -> (f64, f64) {
    let damp = |x: f64| 1f64.max(1.0 - x);
    let boost = |x: f64| 1.0 + x.max(0.0);
    let inhibit = damp(p.sasp_division_inhibition);
    let tissue = damp(p.senescent_cargo_division_block)
        * (inhibit
            * damp(p.damage_checkpoint)
            * (age.0 * p.division_per_h).max(0.0)
            * (boost(p.young_division_boost) + p.sasp_division_boost.max(0.0))
            + (age.1 * p.migration_per_h).max(0.0) * boost(p.sasp_division_boost));
    let transformed = inhibit
        * (p.division_per_h * p.transformed_division_factor).max(0.0)
        * boost(p.transformed_ev_stimulation)
        + p.migration_per_h.max(0.0);
    (tissue * (1.0 + 1e-9), transformed * (1.0 + 1e-9))
}

/// An upper bound of a tissue cell's `rates(..)` summed, from its own
/// signals: the same saturating signals as `rates`, each damping factor at
/// its largest (as in `rate_bound`), widened by 1e-9. Cheaper than `rates`
/// (no Hill functions) and tighter than `rate_bound` for most cells (no
/// young cargo, little SASP).
#[inline]
pub fn tissue_rate_bound(cell: &Cell, env: &Env, p: &CellParams, age: (f64, f64)) -> f64 {
    let damp = |x: f64| 1f64.max(1.0 - x);
    let (_, hs, hy) = signals(cell, env, p);
    let division = (age.0 * p.division_per_h).max(0.0)
        * (1.0 + p.young_division_boost * hy + p.sasp_division_boost * hs).max(0.0);
    let migration =
        (age.1 * p.migration_per_h).max(0.0) * (1.0 + p.sasp_division_boost * hs).max(0.0);
    damp(p.senescent_cargo_division_block)
        * (damp(p.sasp_division_inhibition) * damp(p.damage_checkpoint) * division + migration)
        * (1.0 + 1e-9)
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

/// The local SASP (field plus senescent CM), its pro-regenerative signal
/// (PDGF-AA: saturating, below the damaging level) and the young-cargo
/// signal, as `rates` and `tissue_rate_bound` read them.
#[inline]
fn signals(cell: &Cell, env: &Env, p: &CellParams) -> (f64, f64, f64) {
    let sasp = env.sasp + env.cm_senescent;
    let hs = sasp / (p.sasp_division_half_saturation + sasp);
    (sasp, hs, young_signal(cell, env, p))
}

/// Division and migration rates (1/h) of a cell, or None if it cannot act.
pub fn rates(cell: &Cell, env: &Env, p: &CellParams, age: (f64, f64)) -> Option<(f64, f64)> {
    if cell.phenotype != Phenotype::Proliferative {
        return None;
    }
    let (sasp, hs, hy) = signals(cell, env, p);
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
            let cs = cell.cargo_senescent as f64;
            let he = cs / (p.ev_half_saturation + cs);
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
            let cargo = cell.cargo_young as f64 + cell.cargo_senescent as f64;
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

/// Whether the Action draw `u` of a cell falls below the bound of its
/// rates: of every cell's (`rate_bound`) or of this tissue cell's own
/// (`tissue_rate_bound`). Most draws do not, and the rates are then not
/// computed: the draws are keyed, so skipping them changes no result.
#[inline]
fn below_bound(cell: &Cell, u: f64, env: &Env, p: &CellParams, dt: f64, drive: &Drive) -> bool {
    let bound = match (cell.kind, cell.phenotype) {
        (Kind::Tissue, Phenotype::Proliferative) => drive.rate_bound.0,
        (Kind::Transformed, Phenotype::Proliferative) => drive.rate_bound.1,
        _ => return false,
    };
    u < bound * dt
        && (cell.kind != Kind::Tissue || u < tissue_rate_bound(cell, env, p, drive.age) * dt)
}

/// Phase A for a cell next to an empty site (`Prepared::next_to_vacancy`):
/// NONE, or the empty neighbour it targets << 1 | divide. Its Action draw
/// is tested against the bound of its rates before the rates are computed.
fn intent(
    i: usize,
    grid: &Grid,
    cells: &[Cell],
    prep: &Prepared,
    sig: &Signals,
    p: &CellParams,
    key: &StepKey,
) -> u32 {
    let (cell, env) = (&cells[i], sig.env(i));
    let u = key.stream.uniform(i as u64, Purpose::Action);
    if !below_bound(cell, u, &env, p, key.dt, &sig.drive) {
        return NONE;
    }
    let mut empty = [0usize; 8];
    let mut m = 0;
    let (around, n) = grid.moore_sites(i);
    for &j in &around[..n] {
        if prep.vacant.get(j) {
            empty[m] = j;
            m += 1;
        }
    }
    if m == 0 {
        return NONE;
    }
    let Some((k_div, k_mig)) = rates(cell, &env, p, sig.drive.age) else {
        return NONE;
    };
    let total = k_div + k_mig;
    if !happens(u, total, key.dt) {
        return NONE;
    }
    let pick = (key.stream.uniform(i as u64, Purpose::ActionTarget) * m as f64) as usize;
    let divide = u < hazard_prob(total, key.dt) * k_div / total;
    ((empty[pick.min(m - 1)] as u32) << 1) | divide as u32
}

/// One action of phase A: `src` acts on the empty site `target`, with its
/// keyed priority (lowest wins), dividing or hopping.
#[derive(Clone, Copy)]
struct Act {
    target: u32,
    priority: u64,
    src: u32,
    divide: bool,
}

/// Division and migration of one step, given what the rules pass prepared
/// (`Prepared`: the empty sites; `Prepared::scan` finds them from the
/// cells). Every
/// site it changes is pushed to `changed` once, with what its cell counted
/// before (`sources::was`).
pub fn divide_and_migrate(
    grid: &Grid,
    cells: &mut [Cell],
    sig: &Signals,
    p: &CellParams,
    key: &StepKey,
    prep: &Prepared,
    changed: &mut Vec<(u32, u8)>,
) -> Moves {
    let cells_ro: &[Cell] = cells;
    // Phase A, sparse: only a cell with an empty neighbour can act (in a
    // confluent tissue a few % of the sites), and of those only the few
    // whose draw falls below the bound of their rates (`below_bound`).
    let mut acts: Vec<Act> = (0..grid.ny)
        .into_par_iter()
        .map_init(Vec::new, |words, y| {
            let row = prep.next_to_vacancy(grid, y, words).filter_map(|i| {
                let it = intent(i, grid, cells_ro, prep, sig, p, key);
                (it != NONE).then(|| Act {
                    target: it >> 1,
                    priority: key.stream.hash(i as u64, Purpose::ActionPriority),
                    src: i as u32,
                    divide: it & 1 == 1,
                })
            });
            row.collect::<Vec<Act>>()
        })
        .flatten_iter()
        .collect();
    // Phase B: per target, the lowest priority (ties to the lowest site);
    // the keys are unique, so the order is total and thread-independent.
    acts.par_sort_unstable_by_key(|a| (a.target, a.priority, a.src));
    acts.dedup_by_key(|a| a.target);
    let winners = acts
        .into_iter()
        .map(|a| (a.target as usize, a.src as usize, a.divide));
    // Phase C: apply in site order.
    let mut moves = Moves::default();
    let t_new = key.now_h + key.dt;
    for (target, src, divide) in winners {
        // Sources act once and targets were empty: each site once.
        changed.push((src as u32, crate::model::sources::was(&cells[src])));
        changed.push((target as u32, crate::model::sources::was(&cells[target])));
        if divide {
            let parent = &mut cells[src];
            parent.divisions = parent.divisions.saturating_add(1);
            parent.last_division_h = t_new as f32;
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
        let prep = Prepared::scan(g, cells);
        divide_and_migrate(g, cells, sig, p, key, &prep, &mut Vec::new())
    }
    /// Signals of a tissue with no SASP or CM anywhere, at age factors 1.
    fn flat<'a>(p: &CellParams, z: &'a [f32]) -> Signals<'a> {
        Signals {
            drive: Drive::new(p, 1.0, 1.0),
            sasp: z,
            cm_young: crate::model::field::View::Grid(z),
            cm_senescent: crate::model::field::View::Grid(z),
        }
    }
    fn prolif() -> Cell {
        let mut c = Cell::EMPTY;
        c.kind = Kind::Tissue;
        c.limit = 50;
        c
    }

    /// The bound skips only draws that could not act: every cell kind,
    /// cargo, damage and signal, at defaults and at extreme parameters.
    #[test]
    fn rate_bound_bounds_every_rate() {
        let (_, _, p0) = setup(1, 1);
        let mut extreme = p0.clone();
        extreme.young_division_boost = 3.0;
        extreme.transformed_division_factor = 4.0;
        extreme.damage_checkpoint = 0.0;
        for p in [p0, extreme] {
            for age in [(1.0, 1.0), (0.5, 0.7), (1.3, 0.2)] {
                let (tissue, transformed) = rate_bound(&p, age);
                for k in 0..4000u64 {
                    let r = |salt| crate::model::rng::uniform(9, k, salt, Purpose::Action);
                    let mut c = prolif();
                    c.kind = if k % 3 == 0 {
                        Kind::Transformed
                    } else {
                        Kind::Tissue
                    };
                    c.cargo_young = (100.0 * r(1) * r(1)) as f32;
                    c.cargo_senescent = (100.0 * r(2) * r(2)) as f32;
                    c.damage.intrinsic = (5.0 * r(3)) as f32;
                    let env = Env {
                        sasp: 50.0 * r(4) * r(4),
                        cm_young: 10.0 * r(5),
                        cm_senescent: 10.0 * r(6) * r(6),
                        ..Env::default()
                    };
                    let (d, m) = rates(&c, &env, &p, age).unwrap();
                    let bound = if c.kind == Kind::Tissue {
                        let own = tissue_rate_bound(&c, &env, &p, age);
                        assert!(d + m <= own, "{d} + {m} > {own} (the cell's own)");
                        assert!(own <= tissue * (1.0 + 1e-12), "{own} > {tissue}");
                        tissue
                    } else {
                        transformed
                    };
                    assert!(d + m <= bound, "{d} + {m} > {bound}");
                }
            }
        }
    }

    #[test]
    fn contact_inhibition_no_empty_neighbour_no_division() {
        let (g, mut cells, p) = setup(8, 8);
        cells.iter_mut().for_each(|c| *c = prolif());
        let z = vec![0.0f32; 64];
        let sig = flat(&p, &z);
        for step in 0..200 {
            let m = dm(&g, &mut cells, &sig, &p, &StepKey::new(1, step, 0.0, 1.0));
            assert_eq!(m, Moves::default());
        }
    }

    #[test]
    fn a_lone_cell_divides_at_its_rate_and_conserves_nothing_twice() {
        let (g, _, mut p) = setup(9, 9);
        p.migration_per_h = 0.0;
        let z = vec![0.0f32; 81];
        let sig = flat(&p, &z);
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
        let z = vec![0.0f32; 256];
        let sig = flat(&p, &z);
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
        let z = vec![0.0f32; 25];
        let sig = flat(&p, &z);
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
