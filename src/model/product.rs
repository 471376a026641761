//! Secretome products: from a producer culture to the cargo of one batch.
//!
//! docs/model.md §6.1. A producer culture (tissue source, donor age, passage,
//! freeze-thaw cycles) has a fraction f of senescent producers:
//!
//! ```text
//!   f = 1 − exp(−σ · [ a·max(0, age − age₀)² + s·(e^{p/τ} − 1) + c·cycles ])
//! ```
//!
//! σ is the tissue source's senescence susceptibility. The coefficients are
//! fitted to macaque BM-MSCs at passage 3 (1.3% SA-β-gal+ young vs 35% aged;
//! Aging 2019) and adipose MSCs senescent by passage 15. A batch draws a
//! lognormal potency factor and a lognormal factor on f (mean 1, scenario CV).
//! Its cargo per au dosed: young = potency·(1 − f), senescent =
//! potency·f·(senescent EV output), since senescent producers shed more, and
//! SASP-laden, EVs (Borghesan et al. 2019).

use crate::math;
use crate::model::params::{Product, SecretomeParams, TissueSource};
use crate::model::rng::{lognormal_unit_mean, normal, Purpose};
use serde::{Deserialize, Serialize};

/// (potency, senescence susceptibility σ) of each MSC tissue source. Free
/// parameters: the review (de Brito & Trentin 2024) finds every source
/// rejuvenating; perinatal and iPSC-derived MSCs senesce later in culture.
pub fn source_preset(s: TissueSource) -> (f64, f64) {
    match s {
        TissueSource::BoneMarrow => (1.0, 1.0),
        TissueSource::Adipose => (1.0, 1.0),
        TissueSource::UmbilicalCord => (1.2, 0.6),
        TissueSource::Placenta => (1.1, 0.7),
        TissueSource::DentalPulp => (1.1, 0.8),
        TissueSource::Gingiva => (1.0, 0.9),
        TissueSource::IpscDerived => (1.0, 0.5),
    }
}

/// Expected senescent producer fraction of a product's culture.
pub fn producer_senescent_fraction(p: &Product, m: &SecretomeParams) -> f64 {
    let (_, sigma) = source_preset(p.source);
    let age = (p.donor_age_years - m.age_onset_years).max(0.0);
    let h = m.age_coefficient * age * age
        + m.passage_scale * (math::exp(p.passage as f64 / m.passage_tau) - 1.0)
        + m.cryo_per_cycle * p.cryo_cycles as f64;
    -math::exp_m1(-sigma * h)
}

/// One batch as made and (maybe) screened.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Batch {
    pub potency: f64,
    pub senescent_fraction: f64,
    /// What the QC assay measured, if the product is screened.
    pub measured: Option<f64>,
}

impl Batch {
    /// Young and senescent EV cargo per au of product.
    pub fn cargo_per_au(&self, m: &SecretomeParams) -> (f64, f64) {
        let f = self.senescent_fraction;
        (
            self.potency * (1.0 - f),
            self.potency * f * m.senescent_ev_output,
        )
    }
}

/// The draws of a batch are keyed by (seed, stream, attempt): `stream`
/// identifies the treatment and release, so a treated arm's batches do not
/// depend on other treatments, and two arms with the same schedule share them.
pub fn make_batch(p: &Product, m: &SecretomeParams, seed: u64, stream: u64, attempt: u64) -> Batch {
    let (potency0, _) = source_preset(p.source);
    let f0 = producer_senescent_fraction(p, m);
    let potency = potency0
        * lognormal_unit_mean(
            normal(seed, stream, attempt, Purpose::BatchPotency),
            p.batch_cv,
        );
    let f = (f0
        * lognormal_unit_mean(
            normal(seed, stream, attempt, Purpose::BatchSenescent),
            p.batch_senescent_cv,
        ))
    .min(1.0);
    let measured = p.qc.as_ref().map(|q| {
        (f + q.assay_sd * normal(seed, stream, attempt, Purpose::BatchAssay)).clamp(0.0, 1.0)
    });
    Batch {
        potency,
        senescent_fraction: f,
        measured,
    }
}

/// Counts of QC screening, reported per run (docs/model.md §6.2).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BatchLedger {
    pub tested: u64,
    pub rejected: u64,
    pub used: u64,
    /// Releases where every batch up to `qc.max_batches` failed: the dose was skipped.
    pub releases_failed: u64,
    /// Senescent fraction of every batch used, in order of use.
    pub used_senescent_fractions: Vec<f64>,
}

/// Releases a batch for use: makes batches until one passes QC (or the
/// product is unscreened). None if every attempt failed.
pub fn release(
    p: &Product,
    m: &SecretomeParams,
    seed: u64,
    stream: u64,
    ledger: &mut BatchLedger,
) -> Option<Batch> {
    let attempts = p.qc.as_ref().map_or(1, |q| q.max_batches as u64);
    for attempt in 0..attempts {
        let b = make_batch(p, m, seed, stream, attempt);
        if let (Some(q), Some(measured)) = (&p.qc, b.measured) {
            ledger.tested += 1;
            if measured > q.release_threshold {
                ledger.rejected += 1;
                continue;
            }
        }
        ledger.used += 1;
        ledger.used_senescent_fractions.push(b.senescent_fraction);
        return Some(b);
    }
    ledger.releases_failed += 1;
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Form, Qc};

    fn model() -> SecretomeParams {
        crate::scenario::load(None, &[]).unwrap().scenario.secretome
    }
    fn product(source: TissueSource, age: f64, passage: u32) -> Product {
        Product {
            source,
            donor_age_years: age,
            passage,
            cryo_cycles: 0,
            form: Form::Ev,
            batch_cv: 0.0,
            batch_senescent_cv: 0.0,
            doses_per_batch: 1,
            qc: None,
        }
    }

    #[test]
    fn calibration_points_of_the_producer_model() {
        let m = model();
        // Macaque BM-MSCs at passage 3: 1.3% young vs 35% aged.
        let young = producer_senescent_fraction(&product(TissueSource::BoneMarrow, 5.0, 3), &m);
        let aged = producer_senescent_fraction(&product(TissueSource::BoneMarrow, 60.0, 3), &m);
        assert!((young - 0.013).abs() < 0.003, "young {young}");
        assert!((aged - 0.35).abs() < 0.03, "aged {aged}");
        // Adipose MSCs are senescent by passage 15 (over half the culture).
        let p15 = producer_senescent_fraction(&product(TissueSource::Adipose, 30.0, 15), &m);
        assert!(p15 > 0.5, "p15 {p15}");
    }

    #[test]
    fn senescence_rises_with_age_passage_and_cryopreservation() {
        let m = model();
        let base = product(TissueSource::BoneMarrow, 30.0, 5);
        let f = |p: &Product| producer_senescent_fraction(p, &m);
        let mut older = base.clone();
        older.donor_age_years = 50.0;
        let mut later = base.clone();
        later.passage = 10;
        let mut frozen = base.clone();
        frozen.cryo_cycles = 3;
        assert!(f(&older) > f(&base));
        assert!(f(&later) > f(&base));
        assert!(f(&frozen) > f(&base));
        let mut cord = base.clone();
        cord.source = TissueSource::UmbilicalCord;
        assert!(f(&cord) < f(&base));
    }

    #[test]
    fn qc_rejects_bad_batches_and_lowers_used_senescence() {
        let m = model();
        let mut p = product(TissueSource::BoneMarrow, 60.0, 10);
        p.batch_senescent_cv = 0.6;
        let mut unscreened = BatchLedger::default();
        for s in 0..400 {
            release(&p, &m, 9, s, &mut unscreened).unwrap();
        }
        p.qc = Some(Qc {
            assay_sd: 0.02,
            release_threshold: 0.4,
            max_batches: 50,
        });
        let mut screened = BatchLedger::default();
        for s in 0..400 {
            release(&p, &m, 9, s, &mut screened);
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert_eq!(unscreened.tested, 0);
        assert!(screened.rejected > 0);
        assert_eq!(screened.tested, screened.rejected + screened.used);
        assert!(
            mean(&screened.used_senescent_fractions) < mean(&unscreened.used_senescent_fractions)
        );
        // With small assay noise no used batch is far above the threshold.
        assert!(screened
            .used_senescent_fractions
            .iter()
            .all(|&f| f < 0.4 + 5.0 * 0.02));
    }

    #[test]
    fn batch_variability_follows_its_cv() {
        let m = model();
        let mut p = product(TissueSource::BoneMarrow, 30.0, 5);
        p.batch_cv = 0.3;
        let pot: Vec<f64> = (0..4000)
            .map(|s| make_batch(&p, &m, 1, s, 0).potency)
            .collect();
        let mean = pot.iter().sum::<f64>() / pot.len() as f64;
        let sd = (pot.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / pot.len() as f64).sqrt();
        assert!((mean - 1.0).abs() < 0.03, "mean {mean}");
        assert!((sd / mean - 0.3).abs() < 0.03, "cv {}", sd / mean);
    }
}
