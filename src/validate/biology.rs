//! Checks of the model against the biology it must reproduce (docs/model.md
//! §8): each runs a calibration target's design over seeds and compares
//! the figures with the source's, with tolerances.

use super::numerics::PALETTE;
use super::Result;
use super::{pct, Check, Setup, Table};
use crate::model::observe::Row;
use crate::plot::lines::{Chart, Curve};
use crate::run::simulate_scenario;

pub(super) const GROUP: &str = "Biology";
pub(super) const SEEDS: [u64; 2] = [1, 2];

/// The shipped scenarios these checks run (the same files users run).
const H2O2: &str = include_str!("../../scenarios/in_vitro_h2o2_rescue.toml");
const BYSTANDER: &str = include_str!("../../scenarios/in_vitro_bystander.toml");

pub(super) fn at(rows: &[Row], day: f64) -> Row {
    rows.iter()
        .find(|r| (r.time_h - day * 24.0).abs() < 1e-9)
        .cloned()
        .unwrap_or_default()
}

pub(super) fn runs(
    setup: &Setup,
    stem: &str,
    text: &str,
    sets: &[&str],
    seed: u64,
) -> Result<Vec<Row>> {
    let mut sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    sets.push(format!("run.seed={seed}"));
    let s = setup.scenario(stem, text, &sets)?;
    Ok(simulate_scenario(&s)?.0)
}

pub(super) fn curve(
    label: &str,
    k: usize,
    dashed: bool,
    rows: &[Row],
    f: fn(&Row) -> f64,
) -> Curve {
    Curve {
        dashed,
        ..Curve::line(
            label,
            PALETTE[k % PALETTE.len()],
            rows.iter().map(|r| (r.time_h / 24.0, f(r))),
        )
    }
}

/// Markers lag arrest (Coppé 2008; the review's designs; Stein 1999): after
/// an H2O2 pulse SA-β-gal+ stays below 15% at day 2 and is about 50% at days
/// 7-10; on a sparse dish proliferation falls within 2 days.
pub fn marker_kinetics(setup: &Setup) -> Result<Check> {
    let mut c = Check::new(
        "marker-kinetics",
        GROUP,
        "Markers lag arrest after a stress pulse",
    );
    c.tests = "The in vitro H2O2 design (scenarios/in_vitro_h2o2_rescue.toml, untreated: \
               a confluent dish of young fibroblasts, a 0.9-damage pulse over 2 h, no \
               clearance) reports the SA-β-gal+ fraction at days 2, 7 and 10 against \
               the fraction of arrested cells; the same pulse on a sub-confluent dish \
               (density 0.1) reports the proliferation index (divided in 24 h) at days \
               1 and 2 against the unstressed dish. Sources: SA-β-gal+ about 50% 7-10 \
               days after the stress (the review's designs; Coppé et al. 2008), \
               markers later than arrest (Dimri 1995; Stein 1999)."
        .into();
    c.tolerance = "every seed: SA-β-gal+ < 15% at day 2 while ≥ 25% have arrested; \
                   38-62% at each of days 7-10; proliferation at days 1 and 2 below 0.8× \
                   the unstressed dish's."
        .into();
    c.why = "The source gives about half at days 7-10, not a confidence interval: ±12 \
             points covers the spread of the designs the review lists; across seeds the \
             model varies by ±1 point. 0.8× is a fall the EdU/Ki67 assays of the \
             designs would detect."
        .into();
    let mut table = Table::new(&[
        "seed",
        "arrested, day 2",
        "SA-β-gal+ day 2",
        "day 7",
        "day 10",
        "proliferation day 2 (stressed / unstressed)",
    ]);
    let (mut ok, mut figures, mut curves) = (true, Vec::new(), Vec::new());
    for (k, &seed) in SEEDS.iter().enumerate() {
        let dish = runs(setup, "marker_kinetics", H2O2, &["treatments=[]"], seed)?;
        let sparse = ["treatments=[]", "tissue.density=0.1"];
        let stressed = runs(setup, "marker_kinetics_sparse", H2O2, &sparse, seed)?;
        let calm = runs(
            setup,
            "marker_kinetics_calm",
            H2O2,
            &["treatments=[]", "tissue.density=0.1", "stress=[]"],
            seed,
        )?;
        let (d2, d7, d10) = (at(&dish, 2.0), at(&dish, 7.0), at(&dish, 10.0));
        ok &= d2.sa_beta_gal_fraction < 0.15 && d2.senescent_fraction >= 0.25;
        for day in [7.0, 8.0, 9.0, 10.0] {
            ok &= (0.38..=0.62).contains(&at(&dish, day).sa_beta_gal_fraction);
        }
        let prolif = |rows: &[Row], d| at(rows, d).proliferation_index;
        for day in [1.0, 2.0] {
            ok &= prolif(&stressed, day) < 0.8 * prolif(&calm, day);
        }
        table.row(vec![
            seed.to_string(),
            pct(d2.senescent_fraction),
            pct(d2.sa_beta_gal_fraction),
            pct(d7.sa_beta_gal_fraction),
            pct(d10.sa_beta_gal_fraction),
            format!("{:.2} / {:.2}", prolif(&stressed, 2.0), prolif(&calm, 2.0)),
        ]);
        figures.push(format!(
            "seed {seed}: SA-β-gal+ {} at day 2 ({} arrested), {} at day 7, {} at day 10",
            pct(d2.sa_beta_gal_fraction),
            pct(d2.senescent_fraction),
            pct(d7.sa_beta_gal_fraction),
            pct(d10.sa_beta_gal_fraction)
        ));
        let dashed = k > 0;
        curves.push(curve(
            &format!("arrested or deep, seed {seed}"),
            0,
            dashed,
            &dish,
            |r| r.senescent_fraction,
        ));
        curves.push(curve(
            &format!("p21+, seed {seed}"),
            1,
            dashed,
            &dish,
            |r| r.p21_fraction,
        ));
        curves.push(curve(
            &format!("SA-β-gal+, seed {seed}"),
            2,
            dashed,
            &dish,
            |r| r.sa_beta_gal_fraction,
        ));
        curves.push(curve(
            &format!("p16+, seed {seed}"),
            3,
            dashed,
            &dish,
            |r| r.p16_fraction,
        ));
    }
    c.passed = ok;
    c.measured = figures.join("; ");
    c.table = Some(table);
    let ch = Chart::new(
        "",
        "time after the pulse (days)",
        "fraction of cells",
        curves,
    );
    setup.plot(&mut c, 1, vec![ch])?;
    Ok(c)
}

/// Bystander senescence (Hubackova et al. 2012): in senescent-conditioned
/// medium proliferation falls by day 4 and SA-β-gal+ appears by about day
/// 20, not in the first week.
pub fn bystander(setup: &Setup) -> Result<Check> {
    let mut c = Check::new(
        "bystander",
        GROUP,
        "Bystander senescence in conditioned medium",
    );
    c.tests = "scenarios/in_vitro_bystander.toml: a sub-confluent dish of young \
               fibroblasts in conditioned medium from fully senescent producers, \
               renewed every 72 h, against the same dish in fresh medium. Reports the \
               proliferation index at day 4 and the SA-β-gal+ fraction at days 7 and \
               20. Source: Hubackova et al. (Aging 2012): bystanders stop \
               proliferating within 4 days and turn SA-β-gal+ over about three weeks."
        .into();
    c.tolerance = "every seed: the control still divides at day 4 (index > 0.5) and the \
                   treated dish's index is below 0.8× the control's; SA-β-gal+ below 10% \
                   at day 7; above 30%, and 20 points above the control, at day 20."
        .into();
    c.why = "The source reports the direction and the days, not effect sizes: the \
             thresholds ask for a fall an assay detects and for positivity that is rare \
             in the first week and common by day 20; across seeds the model varies by \
             ±0.02 in proliferation and ±1 point in SA-β-gal+."
        .into();
    let mut table = Table::new(&[
        "seed",
        "proliferation day 4 (CM / control)",
        "SA-β-gal+ day 7",
        "SA-β-gal+ day 20 (CM / control)",
    ]);
    let (mut ok, mut figures, mut curves) = (true, Vec::new(), Vec::new());
    for (k, &seed) in SEEDS.iter().enumerate() {
        let cm = runs(setup, "bystander", BYSTANDER, &[], seed)?;
        let ctl = runs(
            setup,
            "bystander_control",
            BYSTANDER,
            &["treatments=[]"],
            seed,
        )?;
        let (p, pc) = (
            at(&cm, 4.0).proliferation_index,
            at(&ctl, 4.0).proliferation_index,
        );
        let week = at(&cm, 7.0).sa_beta_gal_fraction;
        let (d20, c20) = (
            at(&cm, 20.0).sa_beta_gal_fraction,
            at(&ctl, 20.0).sa_beta_gal_fraction,
        );
        ok &= pc > 0.5 && p < 0.8 * pc && week < 0.10 && d20 > 0.3 && d20 > c20 + 0.2;
        table.row(vec![
            seed.to_string(),
            format!("{p:.2} / {pc:.2}"),
            pct(week),
            format!("{} / {}", pct(d20), pct(c20)),
        ]);
        figures.push(format!(
            "seed {seed}: proliferation {p:.2} vs {pc:.2} at day 4; SA-β-gal+ {} at day 7, {} at day 20",
            pct(week),
            pct(d20)
        ));
        let dashed = k > 0;
        curves.push(curve(
            &format!("CM: proliferation, seed {seed}"),
            0,
            dashed,
            &cm,
            |r| r.proliferation_index,
        ));
        curves.push(curve(
            &format!("CM: SA-β-gal+, seed {seed}"),
            2,
            dashed,
            &cm,
            |r| r.sa_beta_gal_fraction,
        ));
        curves.push(curve(
            &format!("control: proliferation, seed {seed}"),
            4,
            dashed,
            &ctl,
            |r| r.proliferation_index,
        ));
    }
    c.passed = ok;
    c.measured = figures.join("; ");
    c.table = Some(table);
    let ch = Chart::new("", "time in medium (days)", "fraction of cells", curves);
    setup.plot(&mut c, 1, vec![ch])?;
    Ok(c)
}
