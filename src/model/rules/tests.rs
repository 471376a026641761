//! Tests of the per-cell rules (rules.rs).

use super::*;
use crate::scenario::load;

fn params() -> (CellParams, TissueParams) {
    let s = load(None, &[]).unwrap().scenario;
    (s.cell_rules, s.tissue)
}
fn tissue_cell() -> Cell {
    let mut c = Cell::EMPTY;
    c.kind = Kind::Tissue;
    c.limit = 50;
    c
}
fn ctx<'a>(p: &'a CellParams, t: &'a TissueParams, step: u64) -> Ctx<'a> {
    Ctx::new(p, t, &[], StepKey::new(5, step, step as f64, 1.0), 0.0)
}

#[test]
fn damage_relaxes_to_basal_over_repair() {
    let (mut p, t) = params();
    p.onset_max_per_h = 0.0;
    p.apoptosis_per_h = 0.0;
    let mut c = tissue_cell();
    for s in 0..5000 {
        update_cell(&mut c, 0, &Env::default(), &ctx(&p, &t, s));
    }
    let expect = t.basal_damage_per_h / t.repair_per_h;
    // Stored in f32, the update x·e + b·g stalls where one step moves x
    // by less than half an ulp: within ulp/(1 − e) of the exact level
    // (1 − e ≈ repair·Δt = 0.01 here: up to ~100 ulps, 1e-5 relative).
    let stall = f32::EPSILON as f64 / (1.0 - math::exp(-t.repair_per_h));
    assert!(
        (c.damage.total() - expect).abs() < stall * expect,
        "{} vs {expect}",
        c.damage.total()
    );
}

#[test]
fn sasp_raises_damage_and_young_cargo_lowers_it() {
    let (mut p, t) = params();
    p.onset_max_per_h = 0.0;
    p.apoptosis_per_h = 0.0;
    let run = |env: Env, cargo: f64| {
        let mut c = tissue_cell();
        for s in 0..2000 {
            c.cargo_young = cargo as f32; // held constant
            update_cell(&mut c, 0, &env, &ctx(&p, &t, s));
        }
        c.damage
    };
    let base = run(Env::default(), 0.0);
    let sasp = run(
        Env {
            sasp: 1.0,
            ..Env::default()
        },
        0.0,
    );
    let young = run(
        Env {
            sasp: 1.0,
            ..Env::default()
        },
        5.0,
    );
    assert!(sasp.total() > base.total() + 0.3);
    assert_eq!(sasp.dominant_origin(), Origin::Paracrine);
    assert!(young.total() < sasp.total() * 0.8);
}

#[test]
fn onset_frequency_matches_hazard() {
    let (mut p, t) = params();
    p.apoptosis_per_h = 0.0;
    let mut t = t;
    t.basal_damage_per_h = 0.0;
    t.repair_per_h = 0.0;
    let n = 20_000;
    let mut count = 0;
    for site in 0..n {
        let mut c = tissue_cell();
        c.damage.intrinsic = 1.0; // hazard = onset_max / 2
        let e = update_cell(&mut c, site, &Env::default(), &ctx(&p, &t, 0));
        count += e.onsets;
        if e.onsets == 1 {
            assert_eq!(c.phenotype, Phenotype::Arrested);
            assert_eq!(c.origin, Origin::Primary);
        }
    }
    let expect = hazard_prob(p.onset_max_per_h / 2.0, 1.0) * n as f64;
    let sd = expect.sqrt();
    assert!(
        (count as f64 - expect).abs() < 4.0 * sd,
        "{count} vs {expect}"
    );
}

#[test]
fn juxtacrine_induction_records_its_origin() {
    let (mut p, t) = params();
    p.onset_max_per_h = 0.0;
    p.juxtacrine_per_h = 0.5;
    let mut n_jux = 0;
    for site in 0..2000 {
        let mut c = tissue_cell();
        let env = Env {
            deep_neighbours: 4,
            ..Env::default()
        };
        if update_cell(&mut c, site, &env, &ctx(&p, &t, 0)).onsets == 1 {
            assert_eq!(c.origin, Origin::Juxtacrine);
            n_jux += 1;
        }
    }
    // P = 1 − e^{−2} = 0.865
    assert!((n_jux as f64 / 2000.0 - 0.8647).abs() < 0.04, "{n_jux}");
}

#[test]
fn arrested_cells_commit_after_commitment_time_and_reversion_needs_young_cargo() {
    let (mut p, t) = params();
    p.apoptosis_per_h = 0.0;
    let mut c = tissue_cell();
    c.phenotype = Phenotype::Arrested;
    c.origin = Origin::Primary;
    c.onset_h = 0.0;
    for s in 0..(p.commitment_h as u64 + 1) {
        update_cell(&mut c, 0, &Env::default(), &ctx(&p, &t, s));
    }
    assert_eq!(
        c.phenotype,
        Phenotype::Senescent,
        "no cargo: no reversion, commitment happens"
    );
    // Saturating young cargo reverts arrested cells at ≈ reversion_max.
    p.reversion_max_per_h = 0.2;
    let mut rev = 0;
    for site in 0..5000 {
        let mut c = tissue_cell();
        c.phenotype = Phenotype::Arrested;
        c.cargo_young = 1e6;
        c.damage.intrinsic = 0.4;
        rev += update_cell(&mut c, site, &Env::default(), &ctx(&p, &t, 3)).reversions;
        if c.phenotype == Phenotype::Proliferative {
            assert!(c.damage.total() < 0.4 * p.reversion_damage_factor + 0.01);
        }
    }
    let expect = hazard_prob(0.2, 1.0) * 5000.0;
    assert!(
        (rev as f64 - expect).abs() < 4.0 * expect.sqrt(),
        "{rev} vs {expect}"
    );
}

#[test]
fn only_damaged_reverting_cells_transform() {
    let (mut p, t) = params();
    p.apoptosis_per_h = 0.0;
    p.reversion_max_per_h = 100.0;
    p.transform_probability = 0.5;
    let trial = |d: f64| {
        let mut tr = 0;
        for site in 0..2000 {
            let mut c = tissue_cell();
            c.phenotype = Phenotype::Arrested;
            c.cargo_young = 1e6;
            c.damage.intrinsic = d as f32;
            tr += update_cell(&mut c, site, &Env::default(), &ctx(&p, &t, 0)).transformations;
        }
        tr
    };
    assert_eq!(trial(0.2), 0);
    let n = trial(2.0) as f64;
    assert!((n - 1000.0).abs() < 4.0 * 500f64.sqrt(), "{n}");
}

#[test]
fn clearance_removes_senescent_cells_at_its_rate() {
    let (mut p, t) = params();
    p.apoptosis_per_h = 0.0;
    let c = Ctx::new(&p, &t, &[], StepKey::new(5, 0, 0.0, 1.0), 0.1);
    let mut cleared = 0;
    for site in 0..5000 {
        let mut cell = tissue_cell();
        cell.phenotype = Phenotype::Senescent;
        cleared += update_cell(&mut cell, site, &Env::default(), &c).cleared;
    }
    let expect = hazard_prob(0.1, 1.0) * 5000.0;
    assert!((cleared as f64 - expect).abs() < 4.0 * expect.sqrt());
}

#[test]
fn secondary_sasp_is_blunted_and_ramps_with_maturity() {
    let (p, _) = params();
    let mut c = tissue_cell();
    c.phenotype = Phenotype::Senescent;
    c.origin = Origin::Primary;
    c.onset_h = 0.0;
    let full = sasp_secretion(&c, 1000.0, &p);
    assert_eq!(full, p.sasp_secretion_per_h);
    assert!((sasp_secretion(&c, p.sasp_maturation_h / 2.0, &p) - full / 2.0).abs() < 1e-12);
    c.origin = Origin::Paracrine;
    assert!((sasp_secretion(&c, 1000.0, &p) - full * p.secondary_sasp_factor).abs() < 1e-12);
    c.phenotype = Phenotype::Proliferative;
    assert_eq!(sasp_secretion(&c, 1000.0, &p), 0.0);
}

/// The rules pass hands `apply_rules` an `Env` without the field levels
/// (they reach the rules through `Signals`): cells of every kind and
/// phenotype, at every level, take the same steps either way.
#[test]
fn apply_rules_reads_no_field_level_of_its_env() {
    let (mut p, t) = params();
    // Hazards high enough that every branch is taken.
    p.onset_max_per_h = 0.3;
    p.reversion_max_per_h = 0.5;
    p.transform_probability = 0.5;
    p.transform_damage_threshold = 0.0;
    let mut r = 0.37f64;
    let mut next = || {
        r = (r * 7.31 + 0.123).fract();
        r
    };
    let mut seen = Events::default();
    for site in 0..4000usize {
        let mut c = tissue_cell();
        c.phenotype = [
            Phenotype::Proliferative,
            Phenotype::Arrested,
            Phenotype::Senescent,
        ][site % 3];
        c.origin = if site % 3 == 0 {
            Origin::None
        } else {
            Origin::Primary
        };
        c.damage.intrinsic = (3.0 * next()) as f32;
        c.cargo_young = (4.0 * next()) as f32;
        c.cargo_senescent = (2.0 * next()) as f32;
        let env = Env {
            sasp: 5.0 * next(),
            cm_young: next(),
            cm_senescent: next(),
            deep_neighbours: (8.0 * next()) as u8,
            bystander_signal: (3.0 * next()) as f32,
            stress_per_h: 0.01 * next(),
            wound_induction_per_h: 0.1 * next(),
            extra_clearance_per_h: 0.1 * next(),
        };
        let local = Env {
            sasp: 0.0,
            cm_young: 0.0,
            cm_senescent: 0.0,
            ..env
        };
        let ctx = ctx(&p, &t, site as u64 % 7);
        let sig = signals(&c, &env, &ctx);
        let stream = CellDraws::Stream(ctx.stream.site(site as u64));
        let (mut a, mut b) = (c, c);
        let (mut ea, mut eb) = (Events::default(), Events::default());
        apply_rules(&mut a, &stream, (site, sig), &env, &ctx, &mut ea);
        apply_rules(&mut b, &stream, (site, sig), &local, &ctx, &mut eb);
        assert_eq!(a, b, "site {site}");
        assert_eq!(ea, eb, "site {site}");
        seen += ea;
    }
    assert!(
        seen.onsets > 0 && seen.reversions > 0 && seen.transformations > 0,
        "{seen:?}"
    );
    assert!(seen.cleared > 0 || seen.deaths > 0, "{seen:?}");
}
