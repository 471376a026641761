//! What a run reports per output interval and per run (docs/model.md §7).
//!
//! Fractions are of tissue cells (tissue kind plus transformed; grafted MSCs
//! are counted apart). `senescent_fraction` counts arrested + deep senescent
//! cells, the state the model's rules act on; `deep_senescent_fraction`
//! counts committed cells only. The virtual biomarkers lag that state as
//! real markers lag arrest (`cell::Markers`): `p21_fraction` within a day,
//! `sa_beta_gal_fraction` and `p16_fraction` over days, each cell after its
//! own delay. The proliferation index (the Ki67/EdU proxy) is the fraction
//! of tissue cells that divided in the last 24 h (a label both daughters
//! carry); the mean SASP level is the IL-6 proxy.

use crate::model::cell::{Cell, Kind, Origin, Phenotype};
use crate::model::product::BatchLedger;
use crate::model::world::World;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub time_h: f64,
    pub tissue_cells: u64,
    pub proliferative: u64,
    pub arrested: u64,
    pub senescent: u64,
    pub empty: u64,
    pub transformed: u64,
    pub msc: u64,
    pub msc_senescent: u64,
    pub origin_primary: u64,
    pub origin_replicative: u64,
    pub origin_paracrine: u64,
    pub origin_juxtacrine: u64,
    pub origin_ev_induced: u64,
    pub senescent_fraction: f64,
    pub deep_senescent_fraction: f64,
    /// Marker-positive fractions of tissue cells (markers lag arrest: see
    /// `cell::Markers`).
    pub sa_beta_gal_fraction: f64,
    pub p16_fraction: f64,
    pub p21_fraction: f64,
    pub proliferation_index: f64,
    pub mean_damage: f64,
    pub sasp_mean: f64,
    pub ev_young_total: f64,
    pub ev_senescent_total: f64,
    pub cm_young_total: f64,
    pub cm_senescent_total: f64,
    pub ev_delivered: f64,
    pub ev_taken_up: f64,
    /// Empty when the scenario has no wound.
    pub wound_closure: Option<f64>,
}

#[derive(Default)]
struct Tally {
    tissue: u64,
    prolif: u64,
    arrested: u64,
    senescent: u64,
    empty: u64,
    transformed: u64,
    msc: u64,
    msc_sen: u64,
    origins: [u64; 6],
    p21: u64,
    sa_beta_gal: u64,
    p16: u64,
    labelled: u64,
    damage: f64,
}

impl Tally {
    fn add(&mut self, c: &Cell, now: f64, p21_delay_h: f64) {
        match c.kind {
            Kind::Empty => self.empty += 1,
            Kind::Msc => {
                self.msc += 1;
                self.msc_sen += (c.phenotype != Phenotype::Proliferative) as u64;
            }
            Kind::Tissue | Kind::Transformed => {
                self.tissue += 1;
                self.damage += c.damage.total();
                self.labelled += (now - c.last_division_h as f64 <= 24.0) as u64;
                if c.kind == Kind::Transformed {
                    self.transformed += 1;
                    return;
                }
                match c.phenotype {
                    Phenotype::Proliferative => self.prolif += 1,
                    Phenotype::Arrested => self.arrested += 1,
                    Phenotype::Senescent => self.senescent += 1,
                }
                if c.phenotype != Phenotype::Proliferative {
                    self.origins[c.origin as usize] += 1;
                    let m = c.markers(now, p21_delay_h);
                    self.p21 += m.p21 as u64;
                    self.sa_beta_gal += m.sa_beta_gal as u64;
                    self.p16 += m.p16 as u64;
                }
            }
        }
    }
    fn merge(mut self, o: Tally) -> Tally {
        self.tissue += o.tissue;
        self.prolif += o.prolif;
        self.arrested += o.arrested;
        self.senescent += o.senescent;
        self.empty += o.empty;
        self.transformed += o.transformed;
        self.msc += o.msc;
        self.msc_sen += o.msc_sen;
        for k in 0..6 {
            self.origins[k] += o.origins[k];
        }
        self.p21 += o.p21;
        self.sa_beta_gal += o.sa_beta_gal;
        self.p16 += o.p16;
        self.labelled += o.labelled;
        self.damage += o.damage;
        self
    }
}

/// The dosed fields at one time, sampled at the end of every step
/// (`fields.csv`): fine enough to show each dose's rise and decay, which the
/// time series' output interval does not. `delivered_total` is the amount
/// all doses have delivered so far (au): a dose is where it steps up.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldSample {
    pub time_h: f64,
    pub ev_young_total: f64,
    pub ev_senescent_total: f64,
    pub cm_young_total: f64,
    pub cm_senescent_total: f64,
    pub delivered_total: f64,
}

/// The dosed fields' totals now (O(1) for a dormant or uniform field, a sum
/// over the sites otherwise).
pub fn field_sample(w: &World) -> FieldSample {
    use crate::model::fields::FieldId;
    let total = |id: FieldId| w.fields[id].total();
    FieldSample {
        time_h: w.now_h(),
        ev_young_total: total(FieldId::EvYoung),
        ev_senescent_total: total(FieldId::EvSenescent),
        cm_young_total: total(FieldId::CmYoung),
        cm_senescent_total: total(FieldId::CmSenescent),
        delivered_total: FieldId::DOSED
            .into_iter()
            .map(|id| w.fields[id].balance.delivered)
            .sum(),
    }
}

pub fn observe(w: &World) -> Row {
    let now = w.now_h();
    let p21_delay = w.scenario.cell_rules.p21_delay_h;
    // Per-row tallies combined in row order: the same at any thread count.
    let tallies: Vec<Tally> = w
        .cells
        .par_chunks(w.grid.nx)
        .map(|row| {
            let mut t = Tally::default();
            row.iter().for_each(|c| t.add(c, now, p21_delay));
            t
        })
        .collect();
    let t = tallies.into_iter().fold(Tally::default(), Tally::merge);
    let per = |x: f64| {
        if t.tissue == 0 {
            0.0
        } else {
            x / t.tissue as f64
        }
    };
    let o = |k: Origin| t.origins[k as usize];
    // The dosed fields' totals: the step's trace sample, not summed again.
    let dosed = match w.trace.last() {
        Some(f) if f.time_h == now => *f,
        _ => field_sample(w),
    };
    Row {
        time_h: now,
        tissue_cells: t.tissue,
        proliferative: t.prolif,
        arrested: t.arrested,
        senescent: t.senescent,
        empty: t.empty,
        transformed: t.transformed,
        msc: t.msc,
        msc_senescent: t.msc_sen,
        origin_primary: o(Origin::Primary),
        origin_replicative: o(Origin::Replicative),
        origin_paracrine: o(Origin::Paracrine),
        origin_juxtacrine: o(Origin::Juxtacrine),
        origin_ev_induced: o(Origin::EvInduced),
        senescent_fraction: per((t.arrested + t.senescent) as f64),
        deep_senescent_fraction: per(t.senescent as f64),
        sa_beta_gal_fraction: per(t.sa_beta_gal as f64),
        p16_fraction: per(t.p16 as f64),
        p21_fraction: per(t.p21 as f64),
        proliferation_index: per(t.labelled as f64),
        mean_damage: per(t.damage),
        sasp_mean: w.fields[crate::model::fields::FieldId::Sasp].total() / w.grid.len() as f64,
        ev_young_total: dosed.ev_young_total,
        ev_senescent_total: dosed.ev_senescent_total,
        cm_young_total: dosed.cm_young_total,
        cm_senescent_total: dosed.cm_senescent_total,
        ev_delivered: w.fields[crate::model::fields::FieldId::EvYoung]
            .balance
            .delivered
            + w.fields[crate::model::fields::FieldId::EvSenescent]
                .balance
                .delivered,
        ev_taken_up: w.fields[crate::model::fields::FieldId::EvYoung]
            .balance
            .taken_up
            + w.fields[crate::model::fields::FieldId::EvSenescent]
                .balance
                .taken_up,
        wound_closure: w.wound_closure(),
    }
}

/// Per-run metrics (docs/model.md §7).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub final_time_h: f64,
    /// Arrested + deep senescent, of tissue cells.
    pub final_senescent_fraction: f64,
    pub final_deep_senescent_fraction: f64,
    /// ∫ senescent fraction dt over the run (fraction·days), trapezoid over rows.
    pub auc_senescent_fraction_days: f64,
    pub mean_sasp: f64,
    pub final_proliferation_index: f64,
    pub final_transformed: u64,
    pub max_transformed: u64,
    /// Time to 50% / 90% wound closure (h), interpolated between steps; null
    /// if not reached or no wound.
    pub wound_closure_50_h: Option<f64>,
    pub wound_closure_90_h: Option<f64>,
    pub final_wound_closure: Option<f64>,
    /// Senescent fraction of tissue cells outside the locally treated area
    /// (region and injection deliveries, grafts) at the end: the spread
    /// beyond the treated area (the "domino effect"). Null if treatment is
    /// uniform or absent.
    pub senescent_fraction_outside_treated: Option<f64>,
    pub batches: BatchLedger,
    pub doses_skipped: u64,
    pub ev_delivered: f64,
    pub ev_taken_up: f64,
    pub onsets: u64,
    pub reversions: u64,
    pub transformations: u64,
    pub cleared: u64,
    pub deaths: u64,
    pub senolysed: u64,
    pub divisions: u64,
    pub migrations: u64,
    /// Wound margin holes closed by contraction.
    #[serde(default)]
    pub contractions: u64,
}

impl Summary {
    /// A wound-closure time censored at the run's end: `t` if the wound
    /// reached that closure, else (with a wound) the run's last time; None
    /// without a wound. The one censoring rule of compare and sweep tables.
    pub fn censored_h(&self, t: Option<f64>) -> Option<f64> {
        t.or(self.final_wound_closure.map(|_| self.final_time_h))
    }
}

fn trapezoid(rows: &[Row], f: impl Fn(&Row) -> f64) -> f64 {
    rows.windows(2)
        .map(|w| 0.5 * (f(&w[0]) + f(&w[1])) * (w[1].time_h - w[0].time_h) / 24.0)
        .sum()
}

/// Senescent fraction of tissue cells where `mask` is false.
pub fn senescent_fraction_outside(cells: &[Cell], mask: &[bool]) -> f64 {
    let (mut tissue, mut sen) = (0u64, 0u64);
    for (c, &m) in cells.iter().zip(mask) {
        if !m && c.is_tissue() {
            tissue += 1;
            sen += c.is_senescent_like() as u64;
        }
    }
    if tissue == 0 {
        0.0
    } else {
        sen as f64 / tissue as f64
    }
}

/// Per-run metrics. `treated` is the locally treated area (see
/// `treatment::treated_mask`); a paired control is given its treated arm's.
pub fn summarise(w: &World, rows: &[Row], treated: Option<&[bool]>) -> Summary {
    let last = rows.last().cloned().unwrap_or_default();
    Summary {
        final_time_h: last.time_h,
        final_senescent_fraction: last.senescent_fraction,
        final_deep_senescent_fraction: last.deep_senescent_fraction,
        auc_senescent_fraction_days: trapezoid(rows, |r| r.senescent_fraction),
        mean_sasp: if rows.is_empty() {
            0.0
        } else {
            rows.iter().map(|r| r.sasp_mean).sum::<f64>() / rows.len() as f64
        },
        final_proliferation_index: last.proliferation_index,
        final_transformed: last.transformed,
        max_transformed: rows.iter().map(|r| r.transformed).max().unwrap_or(0),
        wound_closure_50_h: w.closure.t50_h,
        wound_closure_90_h: w.closure.t90_h,
        final_wound_closure: last.wound_closure,
        senescent_fraction_outside_treated: treated
            .map(|m| senescent_fraction_outside(&w.cells, m)),
        batches: w.batches.ledger.clone(),
        doses_skipped: w.batches.skipped,
        ev_delivered: last.ev_delivered,
        ev_taken_up: last.ev_taken_up,
        onsets: w.events.onsets,
        reversions: w.events.reversions,
        transformations: w.events.transformations,
        cleared: w.events.cleared,
        deaths: w.events.deaths,
        senolysed: w.events.senolysed,
        divisions: w.moves.divisions,
        migrations: w.moves.migrations,
        contractions: w.moves.contractions,
    }
}
