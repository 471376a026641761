//! The tissue at t = 0 (docs/model.md §6.4): occupancy, replicative
//! limits and divisions, basal damage, and the senescent cells a tissue of
//! its age already holds, with their time since onset and origin.

use crate::model::cell::{Cell, Kind, Origin, Phenotype};
use crate::model::geometry::Grid;
use crate::model::params::Scenario;
use crate::model::rng::{exponential, normal, uniform, Purpose};
use rayon::prelude::*;

/// The tissue at t = 0, before the wound is cut (docs/model.md §6.4).
pub fn initial_cells(s: &Scenario, grid: &Grid) -> Vec<Cell> {
    let t = &s.tissue;
    let p = &s.cell_rules;
    let seed = s.run.seed;
    let x0 = t.initial_senescent_fraction;
    let clear_h = t.clearance_per_h(x0).max(1e-6);
    let d_basal = if t.repair_per_h > 0.0 {
        t.basal_damage_per_h / t.repair_per_h
    } else {
        0.0
    };
    (0..grid.len())
        .into_par_iter()
        .map(|i| {
            let site = i as u64;
            if uniform(seed, 0, site, Purpose::InitOccupancy) >= t.density {
                return Cell::EMPTY;
            }
            let mut c = Cell::EMPTY;
            c.kind = Kind::Tissue;
            let limit = (p.replicative_limit_mean
                + p.replicative_limit_sd * normal(seed, 0, site, Purpose::InitLimit))
            .round()
            .clamp(1.0, u16::MAX as f64);
            c.limit = limit as u16;
            let div = (t.initial_divisions_mean
                + t.initial_divisions_sd * normal(seed, 0, site, Purpose::InitDivisions))
            .round()
            .clamp(0.0, limit - 1.0);
            c.divisions = div as u16;
            c.damage.intrinsic = d_basal as f32;
            if uniform(seed, 0, site, Purpose::InitSenescent) < x0 {
                // Time since onset: exponential with the clearance rate, the
                // age distribution of senescent cells at steady state.
                let age_h =
                    (exponential(seed, 0, site, Purpose::InitOnsetAge) / clear_h).min(60.0 * 24.0);
                let phenotype = if age_h < p.commitment_h {
                    Phenotype::Arrested
                } else {
                    Phenotype::Senescent
                };
                let stream = crate::model::rng::StepStream::new(seed, 0);
                let delays = crate::model::rules::marker_delays(&stream, site, p);
                let origin =
                    if uniform(seed, 0, site, Purpose::InitOrigin) < t.initial_secondary_share {
                        Origin::Paracrine
                    } else {
                        Origin::Primary
                    };
                c.begin_senescence(phenotype, -age_h, origin, delays);
                c.damage.intrinsic = p.onset_half_damage as f32;
            }
            c
        })
        .collect()
}
