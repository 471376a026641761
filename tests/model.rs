//! The model's qualitative behaviours (docs/model.md §1, §5, §8), on small grids,
//! over fixed seeds with paired (common-random-number) controls.

mod common;
use common::*;
use senesim::model::observe::{Row, Summary};
use senesim::model::world::World;
use senesim::run::simulate_scenario;
use senesim::scenario::{resolve, Scenario};

fn scenario(text: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    scenario_text(text, &sets)
}

fn with_seed(s: &Scenario, seed: u64) -> Scenario {
    let mut s = s.clone();
    s.run.seed = seed;
    s
}

/// Aged tissue with weekly EVs of PRODUCT (young or old), 48², 21 days: the
/// design `senesim validate`'s secretome-effects check runs too.
const AGED_PATCH: &str = senesim::validate::scenarios::SECRETOME_PATCH;

fn paired(product: &str, seeds: std::ops::Range<u64>) -> Vec<(Summary, Summary)> {
    let s = scenario(&AGED_PATCH.replace("PRODUCT", product), &[]);
    seeds
        .map(|seed| {
            let treated = with_seed(&s, seed);
            (
                simulate_scenario(&treated.untreated()).unwrap().1,
                simulate_scenario(&treated).unwrap().1,
            )
        })
        .collect()
}

#[test]
fn young_msc_evs_rejuvenate_aged_tissue_against_paired_controls() {
    for (control, treated) in paired("young", 1..4) {
        // Measured: control 0.10-0.13, treated 0.03-0.045 at day 21 (difference ≥ 0.067).
        assert!(
            treated.final_senescent_fraction < control.final_senescent_fraction - 0.04,
            "control {} treated {}",
            control.final_senescent_fraction,
            treated.final_senescent_fraction
        );
        assert!(treated.reversions > 0);
        assert_eq!(control.reversions, 0, "no young cargo, no reversion");
    }
}

#[test]
fn aged_high_passage_evs_drive_senescent_drift() {
    for (control, treated) in paired("old", 1..4) {
        assert!(
            // Measured: control 0.10-0.13, treated 0.71-0.75.
            treated.final_senescent_fraction > control.final_senescent_fraction + 0.3,
            "control {} treated {}",
            control.final_senescent_fraction,
            treated.final_senescent_fraction
        );
        assert!(treated.auc_senescent_fraction_days > control.auc_senescent_fraction_days);
    }
}

#[test]
fn treated_arm_and_control_share_every_draw_before_the_first_dose() {
    let s = scenario(&AGED_PATCH.replace("PRODUCT", "young"), &[]);
    let (control, _) = simulate_scenario(&s.untreated()).unwrap();
    let (treated, _) = simulate_scenario(&s).unwrap();
    // Rows at t = 0 and 24 h precede the dose delivered in the step starting at 24 h.
    assert_eq!(control[..2], treated[..2]);
    assert_ne!(control[3], treated[3]);
}

// Lesion spread and containment: tests/paracrine.rs.

const WOUND: &str = r#"
[run]
days = 14.0
output_every_h = 12.0
snapshot_every_h = 0.0
[grid]
nx = 64
ny = 64
[tissue]
cell_type = "keratinocyte"
[wound]
region = { shape = "circle", cx = 32.0, cy = 32.0, r = 16.0 }
"#;

/// The library's punch wounds (induced transient senescence, contraction,
/// immune recruitment) on a 128² lattice with a wound of r = 45 sites.
#[test]
fn wounds_close_and_aged_tissue_closes_slower() {
    let t90 = |file: &str, seed: u64| {
        let sets: Vec<String> = [
            "grid.nx=128",
            "grid.ny=128",
            "run.days=14",
            "wound.region={shape=\"circle\",cx=64.0,cy=64.0,r=45.0}",
        ]
        .iter()
        .map(|x| x.to_string())
        .chain([format!("run.seed={seed}")])
        .collect();
        let path = std::path::Path::new("scenarios").join(file);
        let s = resolve(Some(&path), &sets).unwrap().scenario;
        let (rows, sum) = simulate_scenario(&s).unwrap();
        assert_eq!(rows[0].wound_closure, Some(0.0));
        let closure: Vec<f64> = rows.iter().map(|r| r.wound_closure.unwrap()).collect();
        assert!(
            closure.windows(2).filter(|w| w[1] < w[0] - 0.05).count() == 0,
            "closure does not collapse: {closure:?}"
        );
        sum.wound_closure_90_h
            .unwrap_or_else(|| panic!("{file} did not close: {closure:?}"))
    };
    let young: Vec<f64> = (1..=3).map(|s| t90("wound_young.toml", s)).collect();
    let aged: Vec<f64> = (1..=3).map(|s| t90("wound_aged.toml", s)).collect();
    // Measured (seeds 1-3): young 136-138 h, aged 157-162 h.
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        mean(&aged) > 1.08 * mean(&young),
        "90% closure: young {young:?} h, aged {aged:?} h"
    );
}

#[test]
fn a_stress_pulse_makes_cells_senescent_over_days() {
    let dish = r#"
[run]
days = 10.0
snapshot_every_h = 0.0
[grid]
nx = 40
ny = 40
[tissue]
age = "young"
[[stress]]
kind = "h2o2"
time_h = 0.0
damage = 1.5
duration_h = 2.0
"#;
    let s = scenario(dish, &[]);
    let (rows, _) = simulate_scenario(&s).unwrap();
    let (control, _) = simulate_scenario(&Scenario {
        stress: vec![],
        ..s.clone()
    })
    .unwrap();
    let last = rows.last().unwrap();
    // Measured 0.89 at day 10 (control 0.02).
    assert!(
        last.sa_beta_gal_fraction > 0.5,
        "{}",
        last.sa_beta_gal_fraction
    );
    assert!(control.last().unwrap().sa_beta_gal_fraction < 0.05);
    assert!(last.origin_primary > last.origin_paracrine);
}

#[test]
fn field_books_balance_over_a_whole_run_with_every_mechanism() {
    let s = scenario(FULL, &[]);
    let mut w = World::new(s);
    while !w.is_done() {
        w.step();
        for f in [
            &w.fields[senesim::model::fields::FieldId::EvYoung],
            &w.fields[senesim::model::fields::FieldId::EvSenescent],
            &w.fields[senesim::model::fields::FieldId::CmYoung],
            &w.fields[senesim::model::fields::FieldId::CmSenescent],
        ] {
            let b = f.balance;
            let scale = (b.secreted + b.delivered).max(1e-300);
            let err = (f.total() - b.expected_total()).abs() / scale;
            // docs/model.md §4: f32 values, f64 books, 1e-6 over a run.
            assert!(err < 1e-6, "{} at step {}: {err}", f.name, w.step);
        }
    }
    assert!(
        w.fields[senesim::model::fields::FieldId::EvYoung]
            .balance
            .delivered
            > 0.0
            && w.fields[senesim::model::fields::FieldId::EvSenescent]
                .balance
                .secreted
                > 0.0
    );
    assert!(
        w.fields[senesim::model::fields::FieldId::CmSenescent]
            .balance
            .delivered
            > 0.0
    );
}

#[test]
fn grafted_msc_senesce_and_switch_to_senescent_cargo() {
    let graft = r#"
[run]
days = 30.0
snapshot_every_h = 0.0
[grid]
nx = 40
ny = 40
[products.msc]
source = "bone_marrow"
donor_age_years = 30.0
passage = 4
[[grafts]]
product = "msc"
region = { shape = "circle", cx = 20.0, cy = 20.0, r = 6.0 }
senescence_per_day = 0.1
death_per_day = 0.0
"#;
    let (rows, _) = simulate_scenario(&scenario(graft, &[])).unwrap();
    let frac = |r: &Row| r.msc_senescent as f64 / r.msc as f64;
    assert!(rows[1].msc > 50);
    assert!(frac(&rows[1]) < 0.2);
    // Hazard 0.1/day: 1 − e^{−3} = 95% by day 30.
    assert!(
        frac(rows.last().unwrap()) > 0.85,
        "{}",
        frac(rows.last().unwrap())
    );
}

#[test]
fn qc_screening_rejects_batches_and_reduces_drift() {
    let base = AGED_PATCH.replace("PRODUCT", "old").replace(
        "cryo_cycles = 2",
        "cryo_cycles = 0\npassage = 8\nbatch_senescent_cv = 0.8",
    );
    // passage appears twice in [products.old] otherwise: keep the later one only.
    let base = base.replacen("passage = 15\n", "", 1);
    let screened =
        format!("{base}\n[products.old.qc]\nassay_sd = 0.03\nrelease_threshold = 0.45\n");
    let mut drift = (0.0, 0.0);
    for seed in 1..4 {
        let u = simulate_scenario(&with_seed(&scenario(&base, &[]), seed))
            .unwrap()
            .1;
        let q = simulate_scenario(&with_seed(&scenario(&screened, &[]), seed))
            .unwrap()
            .1;
        assert_eq!(u.batches.tested, 0);
        assert!(q.batches.tested >= q.batches.used && q.batches.used > 0);
        drift.0 += u.final_senescent_fraction;
        drift.1 += q.final_senescent_fraction;
    }
    // Measured: unscreened 0.21-0.26, screened 0.14-0.23 (mean difference 0.06).
    assert!(
        drift.1 < drift.0 - 0.06,
        "unscreened {} screened {}",
        drift.0 / 3.0,
        drift.1 / 3.0
    );
}

/// A wound's state (its closure, its recruited immune level) survives a
/// checkpoint: a world restored mid-run ends where the unbroken run ends.
#[test]
fn a_wound_restored_from_its_state_continues_bit_for_bit() {
    let s = scenario(
        WOUND,
        &[
            "wound.senescence_induction_per_h=0.02",
            "wound.senescence_induction_tau_h=240",
            "run.days=4",
        ],
    );
    let mut whole = World::new(s.clone());
    let mut half = World::new(s.clone());
    for _ in 0..48 {
        whole.step();
        half.step();
    }
    assert!(
        half.wound_immune > 0.0,
        "the wound has recruited immune cells"
    );
    // A contraction measured mid-run (as after a jump in the sources),
    // not the one a fresh world's first solve measures.
    half.sasp.set_contraction(0.37);
    whole.sasp.set_contraction(0.37);
    let mut restored = World::restore(s, half.state()).unwrap();
    assert!(restored.sasp.is_multigrid());
    assert_eq!(
        restored.sasp.contraction().to_bits(),
        half.sasp.contraction().to_bits(),
        "the multigrid's stopping rule continues from where it was"
    );
    while !whole.is_done() {
        whole.step();
        restored.step();
    }
    assert_eq!(
        whole.wound_immune.to_bits(),
        restored.wound_immune.to_bits()
    );
    assert_eq!(whole.closure, restored.closure);
    assert!(whole.cells == restored.cells);
    // The fields too: the multigrid's stopping rule carries its measured
    // contraction across the checkpoint.
    for (a, b) in whole.fields.iter().zip(restored.fields.iter()) {
        assert!(
            a.values() == b.values(),
            "{} differs after the restore",
            a.name
        );
        assert_eq!(a.c.len(), b.c.len(), "{} stored differently", a.name);
    }
}
