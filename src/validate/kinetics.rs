//! Checks of the stochastic rules: waiting times against their hazards in a
//! well-mixed setting, and the lattice against its mean-field ODE.

use super::analytic::{ks_p_value, rk4};
use super::numerics::PALETTE;
use super::scenarios::MEAN_FIELD;
use super::Result;
use super::{Check, Setup, Table};
use crate::math;
use crate::model::cell::{Cell, Kind, Origin, Phenotype};
use crate::model::rules::{onset_hazard, sasp_signal, update_cell, Ctx, Env, Events};
use crate::plot::lines::{Chart, Corner, Curve};
use crate::scenario::{load, CellParams, TissueParams};
use plotters::style::RGBColor;
use rayon::prelude::*;

const GROUP: &str = "Stochastic kinetics";
/// Cells per waiting-time sample.
const N: usize = 20_000;
/// The hazard error a sample of N must be able to detect (the check's power).
const OFF: f64 = 0.05;
/// The error in the onset hazard the mean-field comparison must detect.
const OFF_ODE: f64 = 0.1;
/// Runs averaged into each lattice curve of the mean-field check.
const MEAN_FIELD_REPLICATES: u64 = 3;

/// One event the rules draw, set up so that its hazard is constant.
struct Process {
    name: &'static str,
    hazard_per_h: f64,
    /// How the hazard follows from the scenario's parameters.
    formula: String,
    cell_rules: CellParams,
    tissue: TissueParams,
    clearance_per_h: f64,
    start: Cell,
    event: fn(&Events) -> bool,
}

/// Waiting times (in steps of `dt`) of the process's event for N cells, each
/// at its own site, drawing the rules' own keyed random numbers.
fn sample(p: &Process, seed: u64, dt: f64) -> Vec<u64> {
    let max_steps = (40.0 / (p.hazard_per_h * dt)).ceil() as u64;
    (0..N)
        .into_par_iter()
        .map(|site| {
            let mut c = p.start;
            for s in 0..max_steps {
                let ctx = Ctx::new(
                    &p.cell_rules,
                    &p.tissue,
                    &[],
                    crate::model::rng::StepKey::new(seed, s, s as f64 * dt, dt),
                    p.clearance_per_h,
                );
                if (p.event)(&update_cell(&mut c, site, &Env::default(), &ctx)) {
                    return s + 1;
                }
            }
            max_steps + 1
        })
        .collect()
}

/// Kolmogorov-Smirnov distance between the empirical distribution of
/// `steps` (sorted) and the exact one, P(T ≤ kΔt) = 1 − e^{−h·kΔt}: both are
/// step functions jumping at whole steps, so the supremum is at a step.
fn ks_distance(sorted: &[u64], h: f64, dt: f64) -> f64 {
    let n = sorted.len() as f64;
    let mut d: f64 = 0.0;
    let mut i = 0;
    let last = *sorted.last().unwrap_or(&0);
    for k in 1..=last {
        while i < sorted.len() && sorted[i] <= k {
            i += 1;
        }
        let exact = -math::exp_m1(-h * k as f64 * dt);
        d = d.max((i as f64 / n - exact).abs());
    }
    d
}

fn processes() -> Result<Vec<Process>> {
    let s = load(None, &[])?.scenario;
    let (mut cells, mut tissue) = (s.cell_rules.clone(), s.tissue.clone());
    // Only the event under test may happen: no death, and damage held where
    // it starts (no basal input, no repair).
    cells.apoptosis_per_h = 0.0;
    cells.damage_death_per_h = 0.0;
    tissue.basal_damage_per_h = 0.0;
    tissue.repair_per_h = 0.0;
    let mut tissue_cell = Cell::EMPTY;
    tissue_cell.kind = Kind::Tissue;
    tissue_cell.limit = 50;
    let mut out = Vec::new();
    // Onset at the damage of half-maximal hazard.
    // (as the cell stores it, in f32)
    let d0 = cells.onset_half_damage as f32 as f64;
    let mut c = tissue_cell;
    c.damage.intrinsic = d0 as f32;
    out.push(Process {
        name: "onset",
        hazard_per_h: onset_hazard(d0, &cells),
        formula: format!(
            "onset_max · dⁿ/(Kⁿ + dⁿ) = {} × ½ at d = K = {d0}",
            cells.onset_max_per_h
        ),
        cell_rules: cells.clone(),
        tissue: tissue.clone(),
        clearance_per_h: 0.0,
        start: c,
        event: |e| e.onsets == 1,
    });
    // Clearance at Karin et al.'s old-mouse load, X = 0.12.
    let x = 0.12;
    let h_clear = tissue.clearance_per_h(x);
    let mut c = tissue_cell;
    c.phenotype = Phenotype::Senescent;
    c.origin = Origin::Primary;
    out.push(Process {
        name: "clearance",
        hazard_per_h: h_clear,
        formula: format!(
            "β/(κ + X)/24 = {}/({} + {x})/24 (aged tissue at X = {x})",
            tissue.clearance_beta_per_day, tissue.clearance_kappa
        ),
        cell_rules: cells.clone(),
        tissue: tissue.clone(),
        clearance_per_h: h_clear,
        start: c,
        event: |e| e.cleared == 1,
    });
    // Reversion of an arrested cell holding young cargo at half saturation
    // (cargo kept: no degradation; no commitment within the sample).
    let mut rc = cells.clone();
    rc.cargo_degradation_per_h = 0.0;
    rc.commitment_h = 1e12;
    let mut c = tissue_cell;
    c.phenotype = Phenotype::Arrested;
    c.origin = Origin::Primary;
    c.cargo_young = rc.young_half_saturation as f32;
    out.push(Process {
        name: "reversion",
        hazard_per_h: rc.reversion_max_per_h * 0.5,
        formula: format!(
            "reversion_max · y/(K + y) = {} × ½ at cargo y = K",
            rc.reversion_max_per_h
        ),
        cell_rules: rc,
        tissue,
        clearance_per_h: 0.0,
        start: c,
        event: |e| e.reversions == 1,
    });
    Ok(out)
}

/// Waiting times of onset, clearance and reversion against their hazards.
pub fn waiting_times(setup: &Setup) -> Result<Check> {
    let mut c = Check::new(
        "waiting-times",
        GROUP,
        "Waiting times of onset, clearance and reversion",
    );
    let dt = 1.0;
    c.tests = format!(
        "Well-mixed, no space: {N} independent cells each run through the model's \
         own per-cell update (rules.rs, with its keyed random numbers) in 1 h \
         steps, in conditions that hold one hazard constant at its value from \
         the default parameters; each cell's waiting time to the event is \
         recorded. The rules draw each event with probability 1 − e^(−hΔt) per \
         step, so the waiting time must follow P(T ≤ kΔt) = 1 − e^(−h·kΔt) \
         exactly. A one-sample Kolmogorov-Smirnov test compares the sample with \
         that law; to show the test has power, the same sample is also tested \
         against a hazard {:.0}% higher.",
        100.0 * OFF
    );
    c.tolerance = format!(
        "KS p-value ≥ 0.01 against the configured hazard, and < 0.01 against a hazard {:.0}% off.",
        100.0 * OFF
    );
    c.why = format!(
        "A 1% significance level keeps false alarms rare for a fixed-seed \
         suite; with n = {N}, a {:.0}% hazard error shifts the CDF by ≈ {:.3}, \
         well beyond the 1% critical distance 1.63/√n = {:.3}, so a wrong rate \
         or a bias in the random numbers would be caught. The asymptotic \
         Kolmogorov p-value is conservative for a distribution on whole steps.",
        100.0 * OFF,
        OFF / std::f64::consts::E,
        1.63 / (N as f64).sqrt()
    );
    let mut table = Table::new(&[
        "event",
        "hazard h (1/h)",
        "from",
        "mean wait (h): sample / exact",
        "KS D",
        "p",
        &format!("p at {:.2}h", 1.0 + OFF),
    ]);
    let mut ok = true;
    let mut charts = Vec::new();
    let mut figures = Vec::new();
    for (k, p) in processes()?.iter().enumerate() {
        let mut t = sample(p, 2026 + k as u64, dt);
        t.sort_unstable();
        let h = p.hazard_per_h;
        let d = ks_distance(&t, h, dt);
        let pv = ks_p_value(d, N);
        let p_off = ks_p_value(ks_distance(&t, h * (1.0 + OFF), dt), N);
        ok &= pv >= 0.01 && p_off < 0.01;
        let mean = t.iter().map(|&s| s as f64 * dt).sum::<f64>() / N as f64;
        // Mean of a geometric number of whole steps: Δt/(1 − e^{−hΔt}).
        let exact_mean = dt / -math::exp_m1(-h * dt);
        table.row(vec![
            p.name.into(),
            format!("{h:.5}"),
            p.formula.clone(),
            format!("{mean:.1} / {exact_mean:.1}"),
            format!("{d:.4}"),
            format!("{pv:.2}"),
            format!("{p_off:.1e}"),
        ]);
        figures.push(format!(
            "{} p = {pv:.2} ({:+.0}%: {p_off:.0e})",
            p.name,
            100.0 * OFF
        ));
        let t_max = 3.0 / h;
        let step = (t.len() / 200).max(1);
        let emp = (0..t.len())
            .step_by(step)
            .map(|i| (t[i] as f64 * dt, (i + 1) as f64 / N as f64))
            .filter(|(x, _)| *x <= t_max);
        let exact = (0..=100).map(|i| {
            let x = (i as f64 / 100.0 * t_max / dt).round() * dt;
            (x, -math::exp_m1(-h * x))
        });
        let mut ch = Chart::new(
            &format!("{} (h = {h:.4}/h)", p.name),
            "waiting time (h)",
            "cumulative fraction",
            vec![
                Curve::line(&format!("{N} cells"), PALETTE[k], emp),
                Curve {
                    dashed: true,
                    ..Curve::line("1 − e^(−h·t)", RGBColor(0, 0, 0), exact)
                },
            ],
        );
        ch.legend = Corner::LowerRight;
        charts.push(ch);
    }
    c.passed = ok;
    c.measured = figures.join("; ");
    c.table = Some(table);
    setup.plot(&mut c, 3, charts)?;
    Ok(c)
}

/// The lattice's mean senescent fraction against the mean-field ODE.
pub fn mean_field(setup: &Setup) -> Result<Check> {
    let mut c = Check::new(
        "mean-field",
        GROUP,
        "Lattice vs mean-field ODE (fast diffusion)",
    );
    let fast = setup.scenario("mean_field", MEAN_FIELD, &[])?;
    let (p, t, f) = (&fast.cell_rules, &fast.tissue, &fast.fields.sasp);
    let lambda = f.decay + f.uptake;
    let d_i = t.basal_damage_per_h / t.repair_per_h;
    let (q, ks, kh, nh) = (
        p.sasp_secretion_per_h,
        p.sasp_damage_per_h,
        p.sasp_half_saturation,
        p.sasp_damage_hill,
    );
    let (kappa, r) = (t.clearance_kappa, t.repair_per_h);
    c.tests = format!(
        "A {}² periodic tissue (aged defaults, {:.0}% senescent at t = 0) in which \
         the only mechanisms are the ones the ODE has: SASP-driven damage, damage-\
         driven onset, saturating clearance (no division, migration, death or \
         contact induction; SASP matures within one step; secondary SASP as \
         strong as primary). With SASP diffusion raised 1000× (range √(D/λ) = 474 \
         sites, spanning most of the lattice) the field is nearly uniform, every proliferative \
         cell sees the same SASP and carries the same damage, and the fractions of \
         proliferative (P) and senescent (S) sites should follow \
         the mean-field ODE of the same rules:\n\n\
         ```text\n\
         c  = q·S/λ                                  uniform SASP (steady state)\n\
         d' = k·cⁿ/(Kⁿ + cⁿ) − r·d                   SASP damage of proliferative cells\n\
         P' = −h(d₀ + d)·P,  h(x) = hₘ·xᵐ/(Kₘᵐ + xᵐ)   damage-driven onset\n\
         S' =  h(d₀ + d)·P − β/(κ + S/(P+S))·S       onset − saturating clearance\n\
         ```\n\n\
         with q = {q} au/h, λ = {lambda}/h, k = {ks}/h, K = {kh}, n = {nh}, r = {r}/h, \
         d₀ = basal/repair = {d_i:.3}, hₘ = {}/h, Kₘ = {}, m = {}, β = {}/day, κ = {kappa}, \
         d(0) = 0 (docs/model.md §5.1-5.2, 5.6). The ODE is integrated by RK4 (0.05 h steps). \
         To show the comparison has power, the lattice is also compared with the \
         ODE whose onset hazard hₘ is {:.0}% higher. To show the approach to the \
         mean field, the same tissue is also run at slower SASP diffusion (D = 36, \
         360 and the default 3600 sites²/h: ranges of 1.5, 4.7 and 15 sites), where \
         cells next to senescent ones see more SASP than the mean.",
        fast.grid.nx,
        100.0 * t.initial_senescent_fraction,
        p.onset_max_per_h,
        p.onset_half_damage,
        p.onset_hill,
        t.clearance_beta_per_day,
        100.0 * OFF_ODE
    );
    c.tolerance = "at the fast diffusion, |S(lattice) − S(ODE)| ≤ 0.02 at every 12 h output over 40 days \
                   (S the mean of 3 seeds); \
                   the worst departure shrinks (within 0.005, the sampling noise) as the SASP range grows."
        .into();
    let sites = (fast.grid.nx * fast.grid.ny) as f64;
    // Each lattice curve is the mean of `MEAN_FIELD_REPLICATES` runs (the
    // replicate seeds of a comparison, `replicate_seed`).
    let frac = |s: &crate::scenario::Scenario| -> Result<Vec<(f64, f64, f64)>> {
        let mut mean: Vec<(f64, f64, f64)> = Vec::new();
        let share = 1.0 / (MEAN_FIELD_REPLICATES as f64 * sites);
        for k in 0..MEAN_FIELD_REPLICATES {
            let mut s = s.clone();
            s.run.seed = crate::study::compare::replicate_seed(s.run.seed, k);
            let rows = crate::run::simulate_scenario(&s)?.0;
            mean.resize(rows.len(), (0.0, 0.0, 0.0));
            for (m, row) in mean.iter_mut().zip(&rows) {
                m.0 = row.time_h;
                m.1 += (row.arrested + row.senescent) as f64 * share;
                m.2 += row.proliferative as f64 * share;
            }
        }
        Ok(mean)
    };
    let lat = frac(&fast)?;
    let (s0, p0) = (lat[0].1, lat[0].2);
    // The rules' own functions, with the field uniform at its mean.
    let ode_with = |onset_factor: f64| {
        rk4(
            &[p0, s0, 0.0],
            |_, y| {
                let (pp, ss, d) = (y[0], y[1], y[2]);
                let env = Env {
                    sasp: q * ss / lambda,
                    ..Env::default()
                };
                let on = onset_factor * onset_hazard(d_i + d, p) * pp;
                let clear = t.clearance_per_h(ss / (pp + ss)) * ss;
                vec![-on, on - clear, ks * sasp_signal(&env, p) - r * d]
            },
            0.05,
            fast.run.output_every_h,
            fast.run.days * 24.0,
        )
    };
    let ode = ode_with(1.0);
    let ode_off = ode_with(1.0 + OFF_ODE);
    let mut worst: f64 = 0.0;
    let mut worst_off: f64 = 0.0;
    let mut table = Table::new(&[
        "day",
        "S lattice",
        "S ODE",
        "difference",
        &format!("S ODE, hₘ +{:.0}%", 100.0 * OFF_ODE),
    ]);
    for (k, ((row, (_, y)), (_, y_off))) in lat.iter().zip(&ode).zip(&ode_off).enumerate() {
        worst = worst.max((row.1 - y[1]).abs());
        worst_off = worst_off.max((row.1 - y_off[1]).abs());
        if k % 10 == 0 {
            table.row(vec![
                format!("{:.0}", row.0 / 24.0),
                format!("{:.4}", row.1),
                format!("{:.4}", y[1]),
                format!("{:+.4}", row.1 - y[1]),
                format!("{:.4}", y_off[1]),
            ]);
        }
    }
    c.why = format!(
        "The ODE is the limit of many sites; a finite lattice lags it where S \
         climbs fastest (days 12-18), by a lag that shrinks with the number of \
         sites N: the mean of 12 runs was 0.030, 0.019 and 0.011 below the ODE \
         at day 15 on 128², 256² and 512² sites (and unchanged, 0.028, with \
         Δt = 0.25 h on 128²: it is not the step's lag). At 128² the check's \
         pass depended on its seeds (worst |ΔS| 0.006-0.042 over 16 sets of 3 \
         runs), so it runs on {} sites, where 4 sets of 3 runs gave \
         0.006-0.013 (with the multigrid `sasp` solve, whose f32 round-off at \
         this range exceeded 1e-3; the exact solve now runs beyond a range of 64 \
         sites). 0.02 leaves room for that and the sampling noise (one \
         run's S ≈ √(S(1−S)/N) ≈ 0.001), and is still small enough that an \
         onset hazard {:.0}% off (ΔS up to {worst_off:.3}) is rejected. The mean \
         field is a limit, so the departure must fall as diffusion gets faster.",
        sites,
        100.0 * OFF_ODE
    );
    // The approach to the mean field as diffusion gets faster: the same
    // tissue at shorter SASP ranges √(D/λ).
    let mut trend = Vec::new();
    let mut slow_curves = Vec::new();
    for (k, d) in [36.0, 360.0, 3600.0].into_iter().enumerate() {
        let s = setup.scenario(
            "mean_field",
            MEAN_FIELD,
            &[format!("fields.sasp.diffusion={d}")],
        )?;
        let l = frac(&s)?;
        let dev = l
            .iter()
            .zip(&ode)
            .map(|(a, (_, y))| (a.1 - y[1]).abs())
            .fold(0.0, f64::max);
        let range = (d / lambda).sqrt();
        trend.push((range, dev));
        slow_curves.push(Curve::line(
            &format!("lattice, range {range:.1} sites"),
            PALETTE[k + 1],
            l.iter().map(|r| (r.0 / 24.0, r.1)),
        ));
    }
    trend.push(((f.diffusion / lambda).sqrt(), worst));
    let approaches = trend.windows(2).all(|w| w[1].1 <= w[0].1 + 0.005);
    for (range, dev) in &trend {
        table.row(vec![
            format!("range {range:.1} sites"),
            String::new(),
            String::new(),
            format!("worst {dev:.4}"),
            String::new(),
        ]);
    }
    c.passed = worst <= 0.02 && worst_off > 0.02 && approaches;
    c.measured = format!(
        "worst |ΔS| = {worst:.4} (S: {:.3} → {:.3} over 40 days); {worst_off:.3} against the ODE with hₘ +{:.0}%; \
         departure {} at SASP ranges {} sites",
        lat[0].1,
        lat.last().map_or(0.0, |r| r.1),
        100.0 * OFF_ODE,
        trend.iter().map(|t| format!("{:.3}", t.1)).collect::<Vec<_>>().join(" → "),
        trend.iter().map(|t| format!("{:.1}", t.0)).collect::<Vec<_>>().join("/"),
    );
    c.table = Some(table);
    let mut curves = vec![
        Curve::line(
            "lattice, fast diffusion",
            PALETTE[0],
            lat.iter().map(|r| (r.0 / 24.0, r.1)),
        ),
        Curve {
            dashed: true,
            ..Curve::line(
                "mean-field ODE",
                RGBColor(0, 0, 0),
                ode.iter().map(|(t, y)| (t / 24.0, y[1])),
            )
        },
        Curve {
            dashed: true,
            ..Curve::line(
                &format!("ODE, hₘ +{:.0}%", 100.0 * OFF_ODE),
                RGBColor(150, 150, 150),
                ode_off.iter().map(|(t, y)| (t / 24.0, y[1])),
            )
        },
    ];
    curves.extend(slow_curves);
    let mut ch = Chart::new(
        "senescent sites over time",
        "time (days)",
        "fraction of sites senescent (SA-β-gal+)",
        curves,
    );
    ch.legend = Corner::LowerRight;
    let mut tr = Chart::new(
        "approach to the mean field",
        "SASP range √(D/λ) (sites)",
        "worst |S(lattice) − S(ODE)|",
        vec![Curve::line(
            "lattice vs ODE",
            PALETTE[0],
            trend.iter().cloned(),
        )],
    );
    tr.log_x = true;
    tr.log_y = true;
    tr.markers = true;
    tr.reference = Some(0.02);
    tr.legend = Corner::UpperRight;
    setup.plot(&mut c, 2, vec![ch, tr])?;
    Ok(c)
}
