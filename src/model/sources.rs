//! What the cells emit at the start of a step (world.rs, step 2): each
//! site's SASP secretion plus the wound's inflammatory pulse (the `sasp`
//! solve's source), what its cell shows its Moore neighbours (its contact
//! SASP with the deep-senescent flag, `stencil::pack`), the grafts' EV
//! sources, and the tissue and SA-β-gal+ counts of the clearance law.
//!
//! One function (`Emit::site`) computes a site's values, used in two ways
//! that give the same bits:
//!
//! - a pass over the cells at the start of the step (`World::sasp_sources`);
//! - ahead of time: the previous step's rules pass computes them as it
//!   leaves each cell, at the next step's time (rules_pass.rs), and
//!   division patches the sites it changes (`Ahead::patch`). This saves a
//!   whole pass over the 40-byte cells per step. Anything else that changes
//!   cells between the rules pass and the next step (grafts placed,
//!   senolytics, wound contraction, a restored checkpoint) drops the
//!   values computed ahead (`Ahead::ready`), and the pass runs.
//!
//! `tests/sources_ahead.rs` runs worlds both ways in lockstep and compares
//! the sources and the cells bit for bit at every step.

use crate::model::cell::{Cell, Kind, Phenotype};
use crate::model::params::{CellParams, Scenario};
use crate::model::rules::sasp_strength;
use crate::model::schedule::Schedule;
use crate::model::stencil::pack;
use crate::model::treatment::{graft_source, GraftSources};

/// How every site's emission is computed at one time.
pub struct Emit<'a> {
    scenario: &'a Scenario,
    p: &'a CellParams,
    now_h: f64,
    /// No SASP in the scenario removes both contact routes' weights.
    contact: bool,
    grafts: bool,
    /// The wound's sites, while its inflammatory pulse is defined.
    wound: Option<&'a [bool]>,
    /// The pulse's mean over the step (au/h per wound site).
    pulse: f64,
}

impl<'a> Emit<'a> {
    /// The emission of the step starting at `now_h`.
    pub fn new(
        scenario: &'a Scenario,
        schedule: &Schedule,
        wound_mask: Option<&'a [bool]>,
        now_h: f64,
    ) -> Emit<'a> {
        let pulse = schedule.wound_sasp_per_h(now_h);
        let p = &scenario.cell_rules;
        Emit {
            scenario,
            p,
            now_h,
            contact: p.sasp_secretion_per_h > 0.0,
            grafts: !scenario.grafts.is_empty(),
            wound: wound_mask.filter(|_| pulse.is_some()),
            pulse: pulse.unwrap_or(0.0),
        }
    }

    /// Site `i`'s SASP source (au/h) and what its cell shows its neighbours.
    #[inline]
    pub fn site(&self, c: &Cell, i: usize) -> (f32, f32) {
        let strength = sasp_strength(c, self.now_h, self.p);
        let mut v = self.p.sasp_secretion_per_h * strength;
        if self.wound.is_some_and(|m| m[i]) {
            v += self.pulse;
        }
        let deep = c.kind == Kind::Tissue && c.phenotype == Phenotype::Senescent;
        let weight = if self.contact { strength as f32 } else { 0.0 };
        (v as f32, pack(deep, weight))
    }

    /// Everything site `i` emits: its counts and graft sources into `tally`,
    /// its (SASP source, shown value) returned. Most cells are proliferative
    /// tissue cells, which secrete nothing, show nothing and count as
    /// tissue: that path is inlined, the general one a call (the same
    /// values: `site` gives (0, 0) for such a cell where no wound pulses).
    #[inline(always)]
    pub fn cell(&self, c: &Cell, i: usize, tally: &mut Tally) -> (f32, f32) {
        if c.kind == Kind::Tissue && c.phenotype == Phenotype::Proliferative && self.silent_tissue()
        {
            tally.tissue += 1;
            return (0.0, 0.0);
        }
        self.any_cell(c, i, tally)
    }

    /// Whether every proliferative tissue cell emits (0, 0) and counts as
    /// tissue alone (`cell`'s inlined path): no wound pulses.
    #[inline]
    pub fn silent_tissue(&self) -> bool {
        self.wound.is_none()
    }

    /// `cell` for any cell.
    #[inline(never)]
    fn any_cell(&self, c: &Cell, i: usize, tally: &mut Tally) -> (f32, f32) {
        let (t, s) = counts(c);
        tally.tissue += t;
        tally.senescent += s;
        if self.grafts {
            graft_source(self.scenario, c, i, &mut tally.graft);
        }
        self.site(c, i)
    }
}

/// What a run of sites emitted besides their values: the clearance law's
/// counts and the grafts' EV sources (in site order).
#[derive(Default, Debug)]
pub struct Tally {
    pub tissue: u64,
    pub senescent: u64,
    pub graft: GraftSources,
}

impl Tally {
    /// Adds `other`, which follows this run of sites.
    pub fn append(&mut self, other: &mut Tally) {
        self.tissue += other.tissue;
        self.senescent += other.senescent;
        self.graft.append(&mut other.graft);
    }
}

/// (tissue-derived, SA-β-gal+ tissue-derived) of a cell, for the
/// clearance law's senescent load.
#[inline]
pub fn counts(c: &Cell) -> (u64, u64) {
    let t = c.is_tissue();
    (t as u64, (t && c.is_senescent_like()) as u64)
}

/// `counts` of a cell packed in a byte (tissue in bit 0, senescent in bit
/// 1), for the cells division replaces.
#[inline]
pub fn was(c: &Cell) -> u8 {
    let (t, s) = counts(c);
    (t | s << 1) as u8
}

/// The next step's emission, computed by this step's rules pass.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ahead {
    /// Whether `sasp.source`, `shown` and the graft sources hold the values
    /// of the step about to start, and `tissue`/`senescent` its counts.
    pub(crate) ready: bool,
    pub(crate) tissue: u64,
    pub(crate) senescent: u64,
}

impl Ahead {
    /// Division changed the sites in `changed` (each once, with `counts`
    /// of its cell before, packed by `was`): their values are computed
    /// again, and the counts moved by the difference. Division never moves
    /// or makes an MSC, so the graft sources stand.
    pub(crate) fn patch(
        &mut self,
        emit: &Emit,
        cells: &[Cell],
        changed: &[(u32, u8)],
        source: &mut [f32],
        shown: &mut [f32],
    ) {
        for &(i, was) in changed {
            let i = i as usize;
            let c = &cells[i];
            debug_assert!(c.kind != Kind::Msc);
            (source[i], shown[i]) = emit.site(c, i);
            let (t1, s1) = counts(c);
            self.tissue = self.tissue + t1 - (was & 1) as u64;
            self.senescent = self.senescent + s1 - (was >> 1) as u64;
        }
    }
}
