//! What a scenario gives the tissue: secretome products and their release
//! screening, dose schedules and their deliveries, senolytics and MSC
//! grafts (docs/model.md §6; keys in docs/scenario-reference.md). Part of
//! the resolved scenario (`params`, which re-exports these types).

use crate::model::geometry::Region;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TissueSource {
    BoneMarrow,
    Adipose,
    UmbilicalCord,
    Placenta,
    DentalPulp,
    Gingiva,
    IpscDerived,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Extracellular vesicles only.
    Ev,
    /// Conditioned medium: a vesicular fraction plus a soluble fraction.
    Cm,
}

/// A secretome product: the producer culture and how its batches vary.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub source: TissueSource,
    pub donor_age_years: f64,
    pub passage: u32,
    #[serde(default)]
    pub cryo_cycles: u32,
    #[serde(default = "form_ev")]
    pub form: Form,
    /// Coefficient of variation of batch potency (lognormal, mean 1).
    #[serde(default)]
    pub batch_cv: f64,
    /// Coefficient of variation of a batch's senescent fraction (lognormal, mean 1).
    #[serde(default)]
    pub batch_senescent_cv: f64,
    /// Doses given from one batch before a new batch is made.
    #[serde(default = "one_u32")]
    pub doses_per_batch: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qc: Option<Qc>,
}
fn form_ev() -> Form {
    Form::Ev
}
fn one_u32() -> u32 {
    1
}

/// Release screening of batches (docs/model.md §6.2).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qc {
    /// Assay noise: SD of the measured senescent fraction (absolute).
    pub assay_sd: f64,
    /// A batch whose measured senescent fraction exceeds this is rejected.
    pub release_threshold: f64,
    /// Batches tested per release before the dose is skipped.
    #[serde(default = "default_max_batches")]
    pub max_batches: u32,
}
fn default_max_batches() -> u32 {
    20
}

/// How a dose is put into the tissue.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum Delivery {
    /// Topical, spread evenly over the whole lattice.
    Uniform { au_per_site: f64 },
    /// Evenly over a region (e.g. a wound bed).
    Region { au_per_site: f64, region: Region },
    /// Injections at points, each spread as a Gaussian of `radius` sites.
    Injection {
        au_per_point: f64,
        radius: f64,
        points: Vec<[f64; 2]>,
    },
}

/// A dose schedule: explicit `times_h`, or `start_h` + `every_h` (+ `count`,
/// else until the run ends).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Treatment {
    pub product: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times_h: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_h: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_h: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    pub delivery: Delivery,
}

/// The timing of a treatment or senolytic as written: explicit `times_h`, or
/// `start_h` (+ `every_h`, + `count`). Both keep the four keys inline (serde
/// cannot flatten under `deny_unknown_fields`); this view is what code uses.
#[derive(Clone, Copy, Debug)]
pub struct Timing<'a> {
    pub times_h: Option<&'a [f64]>,
    pub start_h: Option<f64>,
    pub every_h: Option<f64>,
    pub count: Option<u32>,
}

impl Timing<'_> {
    /// How many of `times(end_h)` there are, counted without listing them
    /// (validation bounds work before it checks the intervals).
    pub fn count_before(&self, end_h: f64) -> f64 {
        if let Some(times) = self.times_h {
            return times.iter().filter(|&&x| x < end_h).count() as f64;
        }
        let start = self.start_h.unwrap_or(0.0);
        if start >= end_h {
            return 0.0;
        }
        match self.every_h {
            Some(every) if every > 0.0 => {
                let n = ((end_h - start) / every).ceil().max(1.0);
                self.count.map_or(n, |c| n.min(c as f64))
            }
            _ => 1.0,
        }
    }
    /// Times (h) of the doses within a run of `end_h` hours, by index
    /// (start + k·every), never by repeated addition.
    pub fn times(&self, end_h: f64) -> Vec<f64> {
        if let Some(times) = self.times_h {
            return times.iter().copied().filter(|&x| x < end_h).collect();
        }
        let start = self.start_h.unwrap_or(0.0);
        match self.every_h {
            None => vec![start],
            Some(every) => (0..self.count.map_or(u64::MAX, u64::from))
                .map(|k| start + k as f64 * every)
                .take_while(|&x| x < end_h)
                .collect(),
        }
    }
}

impl Treatment {
    pub fn timing(&self) -> Timing<'_> {
        Timing {
            times_h: self.times_h.as_deref(),
            start_h: self.start_h,
            every_h: self.every_h,
            count: self.count,
        }
    }
}

impl Senolytic {
    pub fn timing(&self) -> Timing<'_> {
        Timing {
            times_h: self.times_h.as_deref(),
            start_h: self.start_h,
            every_h: self.every_h,
            count: self.count,
        }
    }
}

/// A senolytic (or genetic ablation, as in p16-3MR mice): at each dose, every
/// senescent (arrested or deep) tissue cell in the region is removed with
/// probability `efficacy`. Schedule as for treatments.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Senolytic {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times_h: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_h: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_h: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Probability that a dose removes a given senescent cell.
    pub efficacy: f64,
    #[serde(default = "crate::model::params::region_all")]
    pub region: Region,
}

/// A graft of producer MSCs placed at `time_h`; they secrete EVs continuously
/// and senesce (switching to senescent cargo and full SASP) over weeks.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Graft {
    /// The product whose producer culture (source, donor, passage) the graft is.
    pub product: String,
    #[serde(default)]
    pub time_h: f64,
    pub region: Region,
    /// Fraction of the region's sites that receive an MSC.
    #[serde(default = "crate::model::params::one")]
    pub fill: f64,
    /// EV release per MSC (au/h).
    #[serde(default = "default_graft_ev")]
    pub ev_per_h: f64,
    /// Senescence hazard of grafted MSCs (1/day); free ("over weeks").
    #[serde(default = "default_graft_sen")]
    pub senescence_per_day: f64,
    /// Death hazard of grafted MSCs (1/day); free (graft attrition).
    #[serde(default = "default_graft_death")]
    pub death_per_day: f64,
}
fn default_graft_ev() -> f64 {
    0.5
}
fn default_graft_sen() -> f64 {
    0.03
}
fn default_graft_death() -> f64 {
    0.02
}
