//! The state of one lattice site and the names of its parts.
//!
//! A site holds at most one cell. Cell state is stored as one compact record
//! per site (`Vec<Cell>`, row-major), because every rule of a step reads and
//! writes nearly all of a cell's state together; the diffusing fields, which
//! the solvers sweep one at a time, are separate contiguous `Vec<f64>` grids.

use crate::math;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Kind {
    Empty = 0,
    /// A fibroblast or keratinocyte (set per scenario).
    Tissue = 1,
    /// A grafted MSC producing secretome (docs/model.md §6.3).
    Msc = 2,
    /// The risk outcome (docs/model.md §5.7).
    Transformed = 3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Phenotype {
    Proliferative = 0,
    /// Early senescent: arrested, SASP rising, reversible.
    Arrested = 1,
    /// Deep senescent: committed, full SASP, reversal much weaker.
    Senescent = 2,
}

/// Why a cell became senescent (docs/model.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Origin {
    None = 0,
    /// Cell-intrinsic damage: basal and stress exposures.
    Primary = 1,
    /// Replicative limit reached.
    Replicative = 2,
    /// Damage mostly from SASP (secondary).
    Paracrine = 3,
    /// Notch-JAG1 induction by senescent neighbours (secondary).
    Juxtacrine = 4,
    /// Damage mostly from internalised senescent-EV cargo (secondary).
    EvInduced = 5,
}

impl Origin {
    pub const ALL: [Origin; 5] = [
        Origin::Primary,
        Origin::Replicative,
        Origin::Paracrine,
        Origin::Juxtacrine,
        Origin::EvInduced,
    ];
    /// Secondary senescent cells secrete a blunted SASP (Teo et al. 2019).
    pub fn is_secondary(self) -> bool {
        matches!(
            self,
            Origin::Paracrine | Origin::Juxtacrine | Origin::EvInduced
        )
    }
    pub fn name(self) -> &'static str {
        match self {
            Origin::None => "none",
            Origin::Primary => "primary",
            Origin::Replicative => "replicative",
            Origin::Paracrine => "paracrine",
            Origin::Juxtacrine => "juxtacrine",
            Origin::EvInduced => "ev_induced",
        }
    }
}

/// Damage, split by where it came from so that a damage-driven onset can be
/// attributed (docs/model.md §5.2). All parts are repaired at the same rate.
/// Stored in f32 (docs/model.md §4: cell state in f32, its arithmetic in
/// f64); `total` sums the parts in f64.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Damage {
    /// Basal and stress-exposure damage.
    pub intrinsic: f32,
    /// Damage caused by SASP.
    pub sasp: f32,
    /// Damage caused by internalised senescent-EV cargo.
    pub ev: f32,
}

impl Damage {
    #[inline]
    pub fn total(&self) -> f64 {
        self.intrinsic as f64 + self.sasp as f64 + self.ev as f64
    }
    #[inline]
    pub fn scale(&mut self, f: f64) {
        self.intrinsic = (self.intrinsic as f64 * f) as f32;
        self.sasp = (self.sasp as f64 * f) as f32;
        self.ev = (self.ev as f64 * f) as f32;
    }
    /// The origin a damage-driven onset is attributed to: its largest part.
    pub fn dominant_origin(&self) -> Origin {
        if self.sasp >= self.intrinsic && self.sasp >= self.ev {
            Origin::Paracrine
        } else if self.ev > self.intrinsic {
            Origin::EvInduced
        } else {
            Origin::Primary
        }
    }
}

/// One site's cell: 40 bytes. Continuous state is stored in f32 and
/// computed in f64 (docs/model.md §4); clocks are f32 hours, exact on the
/// step grid of any Δt that is a binary fraction of an hour up to 2²⁴ h
/// (1900 years), otherwise rounded to 2⁻²⁴ of their value; marker delays
/// are u16 eighths of an hour (`MarkerDelay`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub kind: Kind,
    pub phenotype: Phenotype,
    pub origin: Origin,
    /// For MSCs: the index of the graft they came from.
    pub graft: u8,
    pub divisions: u16,
    /// Replicative limit of this lineage (population doublings).
    pub limit: u16,
    pub damage: Damage,
    /// Time of senescence onset (h); meaningful when not proliferative.
    pub onset_h: f32,
    /// Internalised young-EV cargo (au).
    pub cargo_young: f32,
    /// Internalised senescent-EV cargo (au).
    pub cargo_senescent: f32,
    /// Time of the last division (h); −∞ if none.
    pub last_division_h: f32,
    /// Delays after onset (h) at which this cell's SA-β-gal and p16 become
    /// detectable, drawn at onset (`Markers::delays`); meaningful when not
    /// proliferative.
    pub sa_beta_gal_delay: MarkerDelay,
    pub p16_delay: MarkerDelay,
}

/// A marker's delay after onset, in eighths of an hour, rounded to the
/// nearest and capped at 8191.875 h (341 days; docs/model.md §7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerDelay(pub u16);

impl MarkerDelay {
    pub const MAX_H: f64 = u16::MAX as f64 / 8.0;
    #[inline]
    pub fn from_hours(h: f64) -> MarkerDelay {
        MarkerDelay((h * 8.0).round().clamp(0.0, u16::MAX as f64) as u16)
    }
    #[inline]
    pub fn hours(self) -> f64 {
        self.0 as f64 / 8.0
    }
}

impl Cell {
    pub const EMPTY: Cell = Cell {
        kind: Kind::Empty,
        phenotype: Phenotype::Proliferative,
        origin: Origin::None,
        graft: 0,
        divisions: 0,
        limit: 0,
        damage: Damage {
            intrinsic: 0.0,
            sasp: 0.0,
            ev: 0.0,
        },
        onset_h: 0.0,
        cargo_young: 0.0,
        cargo_senescent: 0.0,
        last_division_h: f32::NEG_INFINITY,
        sa_beta_gal_delay: MarkerDelay(0),
        p16_delay: MarkerDelay(0),
    };

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.kind == Kind::Empty
    }
    #[inline]
    pub fn is_occupied(&self) -> bool {
        self.kind != Kind::Empty
    }
    /// SA-β-gal positive: arrested or deep senescent.
    #[inline]
    pub fn is_senescent_like(&self) -> bool {
        self.kind != Kind::Empty && self.phenotype != Phenotype::Proliferative
    }
    /// A tissue-derived cell (not a grafted MSC).
    #[inline]
    pub fn is_tissue(&self) -> bool {
        matches!(self.kind, Kind::Tissue | Kind::Transformed)
    }
    /// Hours since senescence onset, if the cell is senescent (arrested or deep).
    #[inline]
    pub fn senescent_for_h(&self, now_h: f64) -> Option<f64> {
        self.is_senescent_like()
            .then_some(now_h - self.onset_h as f64)
    }
    /// The cell's markers at `now_h` (all negative unless senescent).
    #[inline]
    pub fn markers(&self, now_h: f64, p21_delay_h: f64) -> Markers {
        match self.senescent_for_h(now_h) {
            None => Markers::default(),
            Some(age) => Markers {
                p21: age >= p21_delay_h,
                sa_beta_gal: age >= self.sa_beta_gal_delay.hours(),
                p16: age >= self.p16_delay.hours(),
            },
        }
    }
    /// Becomes senescent (arrested, or deep for `phenotype`) at `onset_h`
    /// with `origin`, its marker delays drawn as `delays`.
    #[inline]
    pub fn begin_senescence(
        &mut self,
        phenotype: Phenotype,
        onset_h: f64,
        origin: Origin,
        delays: (MarkerDelay, MarkerDelay),
    ) {
        self.phenotype = phenotype;
        self.onset_h = onset_h as f32;
        self.origin = origin;
        (self.sa_beta_gal_delay, self.p16_delay) = delays;
    }
    /// Fraction of the mature SASP (the IL-6 proxy) reached, ramping linearly
    /// over `maturation_h` after onset.
    #[inline]
    pub fn maturity(&self, now_h: f64, maturation_h: f64) -> f64 {
        if !self.is_senescent_like() {
            0.0
        } else {
            ((now_h - self.onset_h as f64) / maturation_h).clamp(0.0, 1.0)
        }
    }
}

/// Which virtual biomarkers a cell shows (docs/model.md §7). Senescence
/// markers lag the arrest: p21 after a fixed delay (the p53-p21 response,
/// within a day), SA-β-gal and p16 after delays drawn per cell at onset
/// (lognormal, median and spread from `[cells]`), so a stressed culture
/// turns SA-β-gal+ over days, not the hour its cells arrest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Markers {
    pub p21: bool,
    pub sa_beta_gal: bool,
    pub p16: bool,
}

impl Markers {
    /// A cell's (SA-β-gal, p16) delays (h) from two standard normals:
    /// median·e^{σz}, stored to 1/8 h (`MarkerDelay`).
    #[inline]
    pub fn delays(
        z_sa_beta_gal: f64,
        z_p16: f64,
        p: &crate::model::params::CellParams,
    ) -> (MarkerDelay, MarkerDelay) {
        let s = p.marker_delay_spread;
        (
            MarkerDelay::from_hours(p.sa_beta_gal_delay_h * math::exp(s * z_sa_beta_gal)),
            MarkerDelay::from_hours(p.p16_delay_h * math::exp(s * z_p16)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominant_origin_is_the_largest_part() {
        let d = |i, s, e| Damage {
            intrinsic: i,
            sasp: s,
            ev: e,
        };
        assert_eq!(d(1.0, 0.2, 0.1).dominant_origin(), Origin::Primary);
        assert_eq!(d(0.1, 0.5, 0.2).dominant_origin(), Origin::Paracrine);
        assert_eq!(d(0.1, 0.2, 0.5).dominant_origin(), Origin::EvInduced);
    }

    #[test]
    fn marker_delays_round_to_an_eighth_of_an_hour_and_cap() {
        assert_eq!(MarkerDelay::from_hours(72.06).hours(), 72.0);
        assert_eq!(MarkerDelay::from_hours(72.07).hours(), 72.125);
        assert_eq!(MarkerDelay::from_hours(-1.0).hours(), 0.0);
        assert_eq!(MarkerDelay::from_hours(1e9).hours(), MarkerDelay::MAX_H);
        assert_eq!(MarkerDelay::from_hours(f64::NAN).hours(), 0.0);
    }

    #[test]
    fn maturity_ramps_from_onset() {
        let mut c = Cell::EMPTY;
        c.kind = Kind::Tissue;
        assert_eq!(c.maturity(100.0, 120.0), 0.0);
        c.phenotype = Phenotype::Arrested;
        c.onset_h = 40.0;
        assert!((c.maturity(100.0, 120.0) - 0.5).abs() < 1e-12);
        assert_eq!(std::mem::size_of::<Cell>(), 40);
        assert_eq!(c.maturity(1000.0, 120.0), 1.0);
    }
}
