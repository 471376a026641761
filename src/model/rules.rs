//! The intracellular rules of docs/model.md §5, applied to one site per step.
//!
//! `update_cell` is a pure function of the cell, its local environment (field
//! levels, senescent neighbours) and keyed random draws, so sites can be
//! updated in parallel in any order with identical results. Division and
//! migration, which involve two sites, are in `division.rs`.
//!
//! Order within a step, for one cell:
//!
//! ```text
//!   cargo loss → damage (exact over Δt) → death → by state:
//!     proliferative tissue: onset (damage Hill hazard ⊕ juxtacrine)
//!     arrested / senescent: clearance → commitment → reversion (→ transformation)
//!     MSC: senescence of the graft
//! ```

use crate::math;
use crate::model::cell::{Cell, Kind, Markers, Origin, Phenotype};
pub use crate::model::kinetics::hill;
use crate::model::kinetics::{relax_factors, YoungRepair};
use crate::model::params::{CellParams, Graft, TissueParams};
use crate::model::rng::{happens, hazard_prob, CellDraws, Purpose, StepKey, StepStream};

/// What a cell senses at its site this step.
#[derive(Clone, Copy, Debug, Default)]
pub struct Env {
    /// Local `sasp` (au), after this step's steady solve.
    pub sasp: f64,
    /// Local soluble young CM factors (au).
    pub cm_young: f64,
    /// Local soluble senescent CM factors (au), acting as SASP.
    pub cm_senescent: f64,
    /// Deep-senescent Moore neighbours at the start of the step.
    pub deep_neighbours: u8,
    /// Contact-range SASP of the Moore neighbours at the start of the step,
    /// in mature primary-cell equivalents (their `sasp_strength` summed; 0
    /// when the scenario has no SASP).
    pub bystander_signal: f32,
    /// Stress damage delivered to this site per hour during this step.
    pub stress_per_h: f64,
    /// Wound-induced arrest hazard at this site this step (1/h).
    pub wound_induction_per_h: f64,
    /// Extra clearance of a senescent cell at this site (the wound bed's
    /// immune cells), added to the tissue's (1/h).
    pub extra_clearance_per_h: f64,
}

/// What is the same for every site this step.
pub struct Ctx<'a> {
    pub cell_rules: &'a CellParams,
    pub tissue: &'a TissueParams,
    pub grafts: &'a [Graft],
    /// The keyed draws of this step (seed, step).
    pub stream: StepStream,
    /// Time at the start of the step (h).
    pub now_h: f64,
    pub dt: f64,
    /// Immune clearance hazard of a senescent cell this step (1/h): β/(κ+X).
    pub clearance_per_h: f64,
    /// Per-step constants derived from the above (see `Ctx::new`).
    p_clear: f64,
    p_apoptosis: f64,
    cargo_keep: f64,
    /// `relax_factors` of the repair rate without young cargo (most cells).
    basal_relax: (f64, f64),
}

impl<'a> Ctx<'a> {
    pub fn new(
        cell_rules: &'a CellParams,
        tissue: &'a TissueParams,
        grafts: &'a [Graft],
        key: StepKey,
        clearance_per_h: f64,
    ) -> Ctx<'a> {
        let (now_h, dt) = (key.now_h, key.dt);
        Ctx {
            cell_rules,
            tissue,
            grafts,
            stream: key.stream,
            now_h,
            dt,
            clearance_per_h,
            p_clear: hazard_prob(clearance_per_h, dt),
            p_apoptosis: hazard_prob(cell_rules.apoptosis_per_h, dt),
            cargo_keep: math::exp(-cell_rules.cargo_degradation_per_h * dt),
            // repair + young_repair·0 is repair exactly: the same factors.
            basal_relax: relax_factors(
                tissue.repair_per_h + cell_rules.young_repair_per_h * 0.0,
                dt,
            ),
        }
    }
}

impl Ctx<'_> {
    /// What `relax_of` needs, for `kinetics::relax_row`.
    pub fn young_repair(&self) -> YoungRepair {
        YoungRepair {
            half_saturation: self.cell_rules.young_half_saturation,
            repair_per_h: self.tissue.repair_per_h,
            young_repair_per_h: self.cell_rules.young_repair_per_h,
            dt: self.dt,
        }
    }

    /// `relax_factors` of the repair rate of a cell with young signal `hy`
    /// (rule 1: repair raised by young cargo).
    #[inline]
    pub fn relax_of(&self, hy: f64) -> (f64, f64) {
        if hy == 0.0 {
            self.basal_relax
        } else {
            relax_factors(
                self.tissue.repair_per_h + self.cell_rules.young_repair_per_h * hy,
                self.dt,
            )
        }
    }
}

/// What a cell senses this step, as the rules use it: the signals of its
/// environment and its cargo before this step's loss. The rules pass
/// computes them a row at a time (off each cell's chain of dependent
/// operations: `kinetics::hill_row`, `kinetics::relax_row`); `signals`
/// computes them for one cell, with the same bits.
#[derive(Clone, Copy, Debug)]
pub struct Signals {
    /// `sasp_signal`.
    pub hs: f64,
    /// `young_signal`.
    pub hy: f64,
    /// `Ctx::relax_of(hy)`.
    pub relax: (f64, f64),
}

/// A cell's `Signals` at `env`.
#[inline]
pub fn signals(cell: &Cell, env: &Env, ctx: &Ctx) -> Signals {
    let hy = young_signal(cell, env, ctx.cell_rules);
    Signals {
        hs: sasp_signal(env, ctx.cell_rules),
        hy,
        relax: ctx.relax_of(hy),
    }
}

/// What happened to a cell this step, for the run's event counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Events {
    pub onsets: u64,
    pub reversions: u64,
    pub transformations: u64,
    pub cleared: u64,
    pub deaths: u64,
    /// Removed by senolytic doses.
    pub senolysed: u64,
}

impl std::ops::AddAssign for Events {
    fn add_assign(&mut self, o: Events) {
        self.onsets += o.onsets;
        self.reversions += o.reversions;
        self.transformations += o.transformations;
        self.cleared += o.cleared;
        self.deaths += o.deaths;
        self.senolysed += o.senolysed;
    }
}

/// Young-cargo signal of a cell: saturating in internal cargo plus weighted
/// local soluble CM (docs/model.md §5.5).
#[inline]
pub fn young_signal(cell: &Cell, env: &Env, p: &CellParams) -> f64 {
    let y = cell.cargo_young as f64 + p.cm_young_weight * env.cm_young;
    // 0/(K + 0) is 0 (K > 0): most cells hold no cargo, so skip the division.
    if y == 0.0 {
        0.0
    } else {
        y / (p.young_half_saturation + y)
    }
}

/// SASP signal (Hill) from the local field plus soluble senescent CM.
#[inline]
pub fn sasp_signal(env: &Env, p: &CellParams) -> f64 {
    hill(
        env.sasp + env.cm_senescent,
        p.sasp_half_saturation,
        p.sasp_damage_hill,
    )
}

/// Damage-driven arrest hazard (1/h), Hill in total damage (docs/model.md §5.2).
#[inline]
pub fn onset_hazard(damage: f64, p: &CellParams) -> f64 {
    p.onset_max_per_h * hill(damage, p.onset_half_damage, p.onset_hill)
}

/// Bystander arrest hazard (1/h) from the contact-range SASP of the Moore
/// neighbours, `signal` in mature primary-cell equivalents (docs/model.md §5.4).
#[inline]
pub fn bystander_hazard(signal: f32, p: &CellParams) -> f64 {
    p.bystander_per_h * hill(signal as f64, p.bystander_half_signal, p.bystander_hill)
}

/// One cell's rules over one step, in this order (the rule numbers are
/// docs/model.md §5's): damage accrues and is repaired (rule 1); the cell may
/// die (rule 9), and a cell that dies does nothing else; a proliferative
/// tissue cell may arrest (rule 2, its paracrine part through rule 4's
/// damage); a senescent one may be cleared (rule 6), commit to deep
/// senescence, revert (rule 5) and, reverting, transform (rule 7). Division
/// and migration (rule 8) follow for all cells at once (division.rs); SASP
/// secretion (rule 3) is read by the next step's solve (`sasp_secretion`).
pub fn update_cell(cell: &mut Cell, site: usize, env: &Env, ctx: &Ctx) -> Events {
    let mut ev = Events::default();
    let sig = signals(cell, env, ctx);
    apply_rules(
        cell,
        &CellDraws::Stream(ctx.stream.site(site as u64)),
        (site, sig),
        env,
        ctx,
        &mut ev,
    );
    ev
}

/// `update_cell` with the cell's death and onset draws (`CellDraws`) and
/// its `Signals` at hand, counting what happened into `ev`: the path
/// most cells take each step (damage, death draw, an onset draw above its
/// bound) is inlined into the caller's loop; the rarer paths are calls.
#[inline(always)]
pub fn apply_rules(
    cell: &mut Cell,
    draws: &CellDraws,
    (site, sig): (usize, Signals),
    env: &Env,
    ctx: &Ctx,
    ev: &mut Events,
) {
    if cell.is_empty() {
        return;
    }
    let p = ctx.cell_rules;
    let dt = ctx.dt;

    // Signals use the pools as they stand after this step's uptake.
    let Signals { hs, hy, relax } = sig;
    let cs = cell.cargo_senescent as f64;
    let he = if cs == 0.0 {
        0.0
    } else {
        cs / (p.ev_half_saturation + cs)
    };
    // Cargo is lost over the step; a cell without any (most cells, and
    // every cell of a scenario without EVs) has nothing to lose: 0·keep is
    // 0, with its sign, so skipping the products changes no bit.
    if cell.cargo_young != 0.0 || cs != 0.0 {
        cell.cargo_young = (cell.cargo_young as f64 * ctx.cargo_keep) as f32;
        cell.cargo_senescent = (cs * ctx.cargo_keep) as f32;
    }

    // Damage (rule 1): inputs by source, one repair rate (raised by young cargo).
    let (e, g) = relax;
    let d = &mut cell.damage;
    d.intrinsic =
        (d.intrinsic as f64 * e + (ctx.tissue.basal_damage_per_h + env.stress_per_h) * g) as f32;
    d.sasp = (d.sasp as f64 * e + p.sasp_damage_per_h * hs * g) as f32;
    // EV damage is +0 in a cell that never held senescent cargo, and stays
    // +0 without any (0·e + 0·g = +0): the update is skipped, no bit moves.
    if he != 0.0 || d.ev.to_bits() != 0 {
        d.ev = (d.ev as f64 * e + p.ev_damage_per_h * he * g) as f32;
    }
    let damage = d.total();

    // Death (rule 9): basal apoptosis, steeply more above a damage threshold.
    let u_death = draws.death();
    let dies = match cell.kind {
        Kind::Msc => {
            let h = ctx
                .grafts
                .get(cell.graft as usize)
                .map_or(0.0, |g| g.death_per_day / 24.0);
            happens(u_death, h, dt)
        }
        _ if damage <= p.damage_death_threshold => u_death < ctx.p_apoptosis,
        _ => happens(
            u_death,
            p.apoptosis_per_h + p.damage_death_per_h * (damage - p.damage_death_threshold),
            dt,
        ),
    };
    if dies {
        *cell = Cell::EMPTY;
        ev.deaths += 1;
        return;
    }

    if let (Kind::Tissue, Phenotype::Proliferative) = (cell.kind, cell.phenotype) {
        // Onset (rule 2): damage hazard, juxtacrine and bystander
        // induction compete; the origin is the route that won the race.
        let u = draws.onset();
        let h_jux = p.juxtacrine_per_h * env.deep_neighbours as f64;
        // Each Hill factor is at most 1: a draw above the bound of the
        // total hazard cannot arrest, so the hazards are not computed
        // for it (most cells; the draws are keyed, nothing else moves).
        let bound = p.onset_max_per_h + p.bystander_per_h + env.wound_induction_per_h + h_jux;
        if u >= bound * dt * (1.0 + 1e-12) {
            return;
        }
        onset(cell, site, env, ctx, (u, h_jux, damage), ev);
    } else {
        later(cell, site, env, ctx, (hy, damage), ev);
    }
}

/// Rule 2 for a proliferative tissue cell whose onset draw `u` fell below
/// the bound of its hazard.
#[inline(never)]
fn onset(cell: &mut Cell, site: usize, env: &Env, ctx: &Ctx, at: (f64, f64, f64), ev: &mut Events) {
    let (u, h_jux, damage) = at;
    let (p, dt) = (ctx.cell_rules, ctx.dt);
    let h_dmg = onset_hazard(damage, p);
    let h_by = bystander_hazard(env.bystander_signal, p);
    let h_other = h_dmg + env.wound_induction_per_h;
    let h = h_other + h_jux + h_by;
    if happens(u, h, dt) {
        let prob = hazard_prob(h, dt);
        let origin = if u < prob * h_jux / h {
            Origin::Juxtacrine
        } else if u < prob * (h_jux + h_by) / h {
            Origin::Paracrine
        } else {
            cell.damage.dominant_origin()
        };
        let delays = marker_delays(&ctx.stream, site as u64, p);
        cell.begin_senescence(Phenotype::Arrested, ctx.now_h + dt, origin, delays);
        ev.onsets += 1;
    }
}

/// The rules of every cell but a proliferative tissue cell: clearance,
/// commitment, reversion and transformation of senescent cells; the
/// senescence of grafted MSCs.
#[inline(never)]
fn later(cell: &mut Cell, site: usize, env: &Env, ctx: &Ctx, at: (f64, f64), ev: &mut Events) {
    let (hy, damage) = at;
    debug_assert!(!(cell.kind == Kind::Tissue && cell.phenotype == Phenotype::Proliferative));
    let (p, dt) = (ctx.cell_rules, ctx.dt);
    let stream = ctx.stream.site(site as u64);
    let draw = |purpose| stream.uniform(purpose);
    let delays = || marker_delays(&ctx.stream, site as u64, p);
    match (cell.kind, cell.phenotype) {
        (Kind::Tissue, _)
        | (Kind::Msc, Phenotype::Senescent)
        | (Kind::Msc, Phenotype::Arrested) => {
            // Clearance (rule 6), saturating in the tissue's senescent load.
            let p_clear = if env.extra_clearance_per_h > 0.0 {
                hazard_prob(ctx.clearance_per_h + env.extra_clearance_per_h, dt)
            } else {
                ctx.p_clear
            };
            if draw(Purpose::Clearance) < p_clear {
                *cell = Cell::EMPTY;
                ev.cleared += 1;
                return;
            }
            if cell.kind == Kind::Msc {
                return;
            }
            // Commitment: arrested cells become deep senescent (docs/model.md §3).
            if cell.phenotype == Phenotype::Arrested
                && ctx.now_h + dt - cell.onset_h as f64 >= p.commitment_h
            {
                cell.phenotype = Phenotype::Senescent;
            }
            // Rejuvenation by young cargo (rule 5); transformation risk (rule 7).
            let factor = if cell.phenotype == Phenotype::Senescent {
                p.deep_reversion_factor
            } else {
                1.0
            };
            let h_rev = p.reversion_max_per_h * hy * factor;
            // No hazard, no reversion, whatever the draw (`happens` is
            // false for a rate ≤ 0): most cells hold no young cargo, and
            // the draw, keyed, is not computed for them.
            if h_rev > 0.0 && happens(draw(Purpose::Reversion), h_rev, dt) {
                let risky = damage > p.transform_damage_threshold;
                cell.phenotype = Phenotype::Proliferative;
                cell.origin = Origin::None;
                cell.damage.scale(p.reversion_damage_factor);
                ev.reversions += 1;
                if risky && draw(Purpose::Transformation) < p.transform_probability {
                    cell.kind = Kind::Transformed;
                    ev.transformations += 1;
                }
            }
        }
        (Kind::Msc, Phenotype::Proliferative) => {
            // Grafted MSCs senesce over weeks (docs/model.md §6.3).
            let h = ctx
                .grafts
                .get(cell.graft as usize)
                .map_or(0.0, |g| g.senescence_per_day / 24.0);
            if happens(draw(Purpose::MscSenescence), h, dt) {
                let t = ctx.now_h + dt;
                cell.begin_senescence(Phenotype::Senescent, t, Origin::Primary, delays());
                ev.onsets += 1;
            }
        }
        (Kind::Transformed, _) | (Kind::Empty, _) => {}
    }
}

/// The marker delays of a cell turning senescent this step at `key` (its
/// site, or a keyed source-site): the one draw of every onset.
#[inline]
pub fn marker_delays(
    stream: &crate::model::rng::StepStream,
    key: u64,
    p: &CellParams,
) -> (
    crate::model::cell::MarkerDelay,
    crate::model::cell::MarkerDelay,
) {
    Markers::delays(
        stream.normal(key, Purpose::MarkerSaBetaGal),
        stream.normal(key, Purpose::MarkerP16),
        p,
    )
}

/// SASP secretion of a cell (au/h): ramps over maturation after onset;
/// secondary senescent cells secrete a blunted fraction (docs/model.md §5.3).
#[inline]
pub fn sasp_secretion(cell: &Cell, now_h: f64, p: &CellParams) -> f64 {
    p.sasp_secretion_per_h * sasp_strength(cell, now_h, p)
}

/// A cell's SASP relative to a mature primary cell's: 0 unless senescent,
/// its maturity, times the secondary factor if it is secondary.
#[inline]
pub fn sasp_strength(cell: &Cell, now_h: f64, p: &CellParams) -> f64 {
    if !cell.is_senescent_like() || cell.kind == Kind::Transformed {
        return 0.0;
    }
    let f = if cell.origin.is_secondary() {
        p.secondary_sasp_factor
    } else {
        1.0
    };
    f * cell.maturity(now_h, p.sasp_maturation_h)
}

pub(crate) mod quiet;

#[cfg(test)]
mod tests;
