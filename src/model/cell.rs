//! The state of one lattice site and the names of its parts.
//!
//! A site holds at most one cell. Cell state is stored as one compact record
//! per site (`Vec<Cell>`, row-major), because every rule of a step reads and
//! writes nearly all of a cell's state together; the diffusing fields, which
//! the solvers sweep one at a time, are separate contiguous `Vec<f64>` grids.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Kind {
    Empty = 0,
    /// A fibroblast or keratinocyte (set per scenario).
    Tissue = 1,
    /// A grafted MSC producing secretome (MODEL.md §6.3).
    Msc = 2,
    /// The risk outcome (MODEL.md §5.7).
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

/// Why a cell became senescent (MODEL.md §3).
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
/// attributed (MODEL.md §5.2). All parts are repaired at the same rate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Damage {
    /// Basal and stress-exposure damage.
    pub intrinsic: f64,
    /// Damage caused by SASP.
    pub sasp: f64,
    /// Damage caused by internalised senescent-EV cargo.
    pub ev: f64,
}

impl Damage {
    #[inline]
    pub fn total(&self) -> f64 {
        self.intrinsic + self.sasp + self.ev
    }
    #[inline]
    pub fn scale(&mut self, f: f64) {
        self.intrinsic *= f;
        self.sasp *= f;
        self.ev *= f;
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
    pub onset_h: f64,
    /// Internalised young-EV cargo (au).
    pub cargo_young: f64,
    /// Internalised senescent-EV cargo (au).
    pub cargo_senescent: f64,
    /// Time of the last division (h); −∞ if none.
    pub last_division_h: f64,
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
        last_division_h: f64::NEG_INFINITY,
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
    /// Fraction of the mature SASP (and p16 proxy) reached, ramping linearly
    /// over `maturation_h` after onset.
    #[inline]
    pub fn maturity(&self, now_h: f64, maturation_h: f64) -> f64 {
        if !self.is_senescent_like() {
            0.0
        } else {
            ((now_h - self.onset_h) / maturation_h).clamp(0.0, 1.0)
        }
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
    fn maturity_ramps_from_onset() {
        let mut c = Cell::EMPTY;
        c.kind = Kind::Tissue;
        assert_eq!(c.maturity(100.0, 120.0), 0.0);
        c.phenotype = Phenotype::Arrested;
        c.onset_h = 40.0;
        assert!((c.maturity(100.0, 120.0) - 0.5).abs() < 1e-12);
        assert_eq!(c.maturity(1000.0, 120.0), 1.0);
    }
}
