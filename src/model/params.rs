//! The resolved scenario: every parameter of a run, complete and named.
//!
//! These structs are what serde reads after the layering in `load.rs`
//! (defaults, presets, `extends` chain, file, `--set`), so every key is
//! present; unknown keys are refused. They are checked by `validate.rs`
//! before any work starts. Units: time in hours unless a key says days,
//! lengths in lattice sites (default 10 µm), amounts in arbitrary units (au).
//! Sources of every default: `defaults.toml` and docs/scenario-reference.md.

use crate::model::geometry::{Boundary, Region};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use super::interventions::{
    Delivery, Form, Graft, Product, Qc, Senolytic, Timing, TissueSource, Treatment,
};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub run: RunParams,
    pub grid: GridParams,
    pub tissue: TissueParams,
    #[serde(rename = "cells")]
    pub cell_rules: CellParams,
    pub fields: FieldsParams,
    pub secretome: SecretomeParams,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wound: Option<Wound>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stress: Vec<Stress>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub products: BTreeMap<String, Product>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub treatments: Vec<Treatment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grafts: Vec<Graft>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub senolytics: Vec<Senolytic>,
    /// Further arms for `senesim compare`, each this scenario with overrides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arms: Vec<Arm>,
}

/// A named variant of the scenario (e.g. CM instead of EV, or with QC):
/// `set` holds `key.path=value` overrides, as on the command line.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub set: Vec<String>,
}

/// The `[run]` keys. Each one's meaning, unit, range and source
/// are its comment in scenario/defaults.toml, the one source from which
/// validation and docs/scenario-reference.md take them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    pub days: f64,
    pub dt_h: f64,
    pub output_every_h: f64,
    pub snapshot_every_h: f64,
    pub snapshot_after_dose_h: f64,
    /// Written as a string (see `rng::seed_text`); read as an integer or a string.
    #[serde(with = "crate::model::rng::seed_text")]
    pub seed: u64,
}

/// The `[grid]` keys. Each one's meaning, unit, range and source
/// are its comment in scenario/defaults.toml, the one source from which
/// validation and docs/scenario-reference.md take them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridParams {
    pub nx: usize,
    pub ny: usize,
    pub site_um: f64,
    pub boundary: Boundary,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TissueAge {
    Young,
    Aged,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellType {
    Fibroblast,
    Keratinocyte,
}

/// The `[tissue]` keys. Each one's meaning, unit, range and source
/// are its comment in scenario/defaults.toml, the one source from which
/// validation and docs/scenario-reference.md take them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TissueParams {
    pub age: TissueAge,
    pub cell_type: CellType,
    pub density: f64,
    pub initial_senescent_fraction: f64,
    pub initial_secondary_share: f64,
    pub basal_damage_per_h: f64,
    pub repair_per_h: f64,
    pub clearance_beta_per_day: f64,
    pub clearance_kappa: f64,
    pub initial_divisions_mean: f64,
    pub initial_divisions_sd: f64,
    /// Multiplies `cells.division_per_h` (tissue age effect).
    pub division_factor: f64,
    /// Multiplies `cells.migration_per_h` (tissue age effect).
    pub migration_factor: f64,
}

/// The `[cells]` keys. Each one's meaning, unit, range and source
/// are its comment in scenario/defaults.toml, the one source from which
/// validation and docs/scenario-reference.md take them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellParams {
    pub replicative_limit_mean: f64,
    pub replicative_limit_sd: f64,
    pub onset_max_per_h: f64,
    pub onset_half_damage: f64,
    pub onset_hill: f64,
    pub juxtacrine_per_h: f64,
    pub bystander_per_h: f64,
    pub bystander_half_signal: f64,
    pub bystander_hill: f64,
    pub commitment_h: f64,
    pub sasp_maturation_h: f64,
    pub p21_delay_h: f64,
    pub sa_beta_gal_delay_h: f64,
    pub p16_delay_h: f64,
    pub marker_delay_spread: f64,
    pub sasp_secretion_per_h: f64,
    pub secondary_sasp_factor: f64,
    pub sasp_damage_per_h: f64,
    pub sasp_half_saturation: f64,
    pub sasp_damage_hill: f64,
    pub ev_damage_per_h: f64,
    pub ev_half_saturation: f64,
    pub cargo_degradation_per_h: f64,
    pub young_repair_per_h: f64,
    pub young_half_saturation: f64,
    pub cm_young_weight: f64,
    pub reversion_max_per_h: f64,
    pub deep_reversion_factor: f64,
    pub reversion_damage_factor: f64,
    pub transform_damage_threshold: f64,
    pub transform_probability: f64,
    pub transformed_division_factor: f64,
    pub transformed_ev_stimulation: f64,
    pub division_per_h: f64,
    pub senescent_cargo_division_block: f64,
    pub young_division_boost: f64,
    pub sasp_division_boost: f64,
    pub sasp_division_half_saturation: f64,
    pub sasp_division_inhibition: f64,
    pub sasp_inhibition_half_saturation: f64,
    pub sasp_inhibition_hill: f64,
    pub damage_checkpoint: f64,
    pub migration_per_h: f64,
    pub apoptosis_per_h: f64,
    pub damage_death_threshold: f64,
    pub damage_death_per_h: f64,
}

/// Linear coefficients of one field: ∂c/∂t = D∇²c − (decay + uptake·occupied)c + s.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldParams {
    /// D, sites²/h.
    pub diffusion: f64,
    /// First-order decay, 1/h.
    pub decay: f64,
    /// Uptake by an occupied site, 1/h.
    pub uptake: f64,
    /// How the field is solved (docs/model.md §4).
    #[serde(default)]
    pub solver: Solver,
}

/// A field's solver (docs/model.md §4, the numerical contract).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// The fast solver: warm-started multigrid for `sasp` (up to a SASP
    /// range of `sasp::MULTIGRID_MAX_RANGE` sites), the separable
    /// heat-kernel step for EV and CM fields whose kernel is narrow and
    /// that have no source this step; the spectral solve otherwise (odd
    /// grids for multigrid, wide kernels, graft sources).
    #[default]
    Auto,
    /// The exact spectral solve every step (the reference).
    Spectral,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsParams {
    /// A dosed field whose total falls below this fraction of its peak
    /// (since it was last dormant) is flushed to zero, the amount booked,
    /// and not solved until it receives something again.
    #[serde(default = "default_dormant_fraction")]
    pub dormant_fraction: f64,
    pub sasp: FieldParams,
    pub ev_young: FieldParams,
    pub ev_senescent: FieldParams,
    pub cm_young: FieldParams,
    pub cm_senescent: FieldParams,
}

fn default_dormant_fraction() -> f64 {
    1e-3
}

/// The `[secretome]` keys. Each one's meaning, unit, range and source
/// are its comment in scenario/defaults.toml, the one source from which
/// validation and docs/scenario-reference.md take them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretomeParams {
    pub age_onset_years: f64,
    pub age_coefficient: f64,
    pub passage_scale: f64,
    pub passage_tau: f64,
    pub cryo_per_cycle: f64,
    pub senescent_ev_output: f64,
    pub cm_vesicular_fraction: f64,
}

/// A wound: the region is emptied at t = 0 and releases an inflammatory
/// (SASP-like) pulse s(t) = inflammation_per_h · exp(−t/τ) per wound site.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wound {
    pub region: Region,
    /// au/h per wound site at t = 0; leukocyte cytokines (Huynh 2022: 2-5 days).
    #[serde(default = "default_inflammation")]
    pub inflammation_per_h: f64,
    /// Decay time of the pulse (h).
    #[serde(default = "default_inflammation_tau")]
    pub inflammation_tau_h: f64,
    /// Arrest hazard of proliferative cells inside the wound at t = 0 (1/h),
    /// scaled by the wound's open fraction and decaying as exp(−t/τ): the
    /// wound matrix (CCN1) induces transient senescence in the granulation
    /// tissue while it is open (Demaria et al. 2014). Free; 0 = off.
    #[serde(default)]
    pub senescence_induction_per_h: f64,
    /// Decay time of that induction (h).
    #[serde(default = "default_induction_tau")]
    pub senescence_induction_tau_h: f64,
    /// Contraction rate of a margin hole at saturating PDGF signal (1/h):
    /// myofibroblasts pull the margin inward (Demaria et al. 2014); free.
    #[serde(default = "default_contraction")]
    pub contraction_per_h: f64,
    /// PDGF signal (maturity-weighted senescent cells per wound site) of
    /// half that rate; free.
    #[serde(default = "default_contraction_k")]
    pub contraction_half_saturation: f64,
    /// Sites of tissue a contraction moves (the line behind the margin).
    #[serde(default = "default_contraction_reach")]
    pub contraction_reach: u32,
    /// Hours after onset for a senescent cell's PDGF-AA to reach full
    /// strength (the contraction signal); free.
    #[serde(default = "default_pdgf_maturation")]
    pub pdgf_maturation_h: f64,
    /// Removal of senescent cells in the wound bed by the immune cells their
    /// SASP recruited (1/day per unit of the recruited level, in senescent
    /// cells per wound site); free, 0 = off.
    #[serde(default = "default_immune_clearance")]
    pub immune_clearance_per_day: f64,
    /// Memory of that recruitment (h): the recruited level follows the
    /// bed's senescent density with this time constant; free.
    #[serde(default = "default_immune_memory")]
    pub immune_memory_h: f64,
    /// Topical PDGF-AA, in units of the signal (Demaria et al. 2014 rescue
    /// the delay of senescent-cell removal with it); 0 = none.
    #[serde(default)]
    pub topical_pdgf: f64,
}
fn default_contraction() -> f64 {
    0.2
}
fn default_contraction_k() -> f64 {
    0.04
}
fn default_pdgf_maturation() -> f64 {
    24.0
}
fn default_immune_clearance() -> f64 {
    200.0
}
fn default_immune_memory() -> f64 {
    336.0
}
fn default_contraction_reach() -> u32 {
    8
}
fn default_induction_tau() -> f64 {
    144.0
}
fn default_inflammation() -> f64 {
    8.0
}
fn default_inflammation_tau() -> f64 {
    48.0
}

/// A stress exposure (UVB, H2O2, irradiation, doxorubicin, high glucose): a
/// pulse of primary damage delivered evenly over `duration_h` in a region.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stress {
    #[serde(default = "default_stress_kind")]
    pub kind: String,
    pub time_h: f64,
    /// Damage added per exposed cell over the pulse (damage units).
    pub damage: f64,
    #[serde(default = "one")]
    pub duration_h: f64,
    #[serde(default = "region_all")]
    pub region: Region,
}
fn default_stress_kind() -> String {
    "stress".into()
}
pub(crate) fn one() -> f64 {
    1.0
}
pub(crate) fn region_all() -> Region {
    Region::All
}

impl TissueParams {
    /// Immune clearance hazard of one senescent cell (1/h) at senescent load
    /// `x` (fraction of tissue cells): β/(κ + X), saturating (docs/model.md §5.6).
    pub fn clearance_per_h(&self, x: f64) -> f64 {
        self.clearance_beta_per_day / (self.clearance_kappa + x) / 24.0
    }
}
impl Scenario {
    /// Number of agent steps in the run.
    pub fn steps(&self) -> u64 {
        (self.run.days * 24.0 / self.run.dt_h).round() as u64
    }
    /// Steps between timeseries rows.
    pub fn output_stride(&self) -> u64 {
        (self.run.output_every_h / self.run.dt_h).round().max(1.0) as u64
    }
    /// Steps between snapshots (None: only the final state).
    pub fn snapshot_stride(&self) -> Option<u64> {
        (self.run.snapshot_every_h > 0.0)
            .then(|| (self.run.snapshot_every_h / self.run.dt_h).round().max(1.0) as u64)
    }
    /// The steps at which a run takes a snapshot, in order, each once: every
    /// `snapshot_every_h` from t = 0; with those, `snapshot_after_dose_h`
    /// after each dose (the first step ending at or after it), to show a
    /// dose's EVs before uptake clears them; and the last step.
    pub fn snapshot_steps(&self) -> Vec<u64> {
        let total = self.steps();
        let mut steps: Vec<u64> = match self.snapshot_stride() {
            Some(s) => (0..=total).step_by(s as usize).collect(),
            None => Vec::new(),
        };
        let after = self.run.snapshot_after_dose_h;
        if self.snapshot_stride().is_some() && after > 0.0 {
            let end_h = total as f64 * self.run.dt_h;
            for t in &self.treatments {
                for dose in t.timing().times(end_h) {
                    // The dose falls at the start of the step holding it.
                    let at = (dose / self.run.dt_h).floor() * self.run.dt_h;
                    let k = ((at + after) / self.run.dt_h - 1e-9).ceil().max(0.0) as u64;
                    steps.push(k.min(total));
                }
            }
        }
        steps.push(total);
        steps.sort_unstable();
        steps.dedup();
        steps
    }
    /// The same scenario with every treatment, graft and senolytic removed: the untreated
    /// control arm. Same tissue, same seed, so every shared draw is shared.
    pub fn untreated(&self) -> Scenario {
        let mut s = self.clone();
        s.treatments.clear();
        s.grafts.clear();
        s.senolytics.clear();
        s
    }
}
