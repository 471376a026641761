//! Checks of the model's behaviour (docs/model.md §5.3, §5.6, §8) and of
//! determinism across thread counts.

use super::Result;

use super::analytic::rk4;
use super::numerics::PALETTE;
use super::scenarios::{lesion, LesionKind, CLEARANCE, EVERYTHING};
use super::{Check, Setup, Table};
use crate::error::{OutputError, ValidateError};
use crate::model::world::World;
use crate::plot::lines::{Chart, Corner, Curve};
use crate::run::{run_in_dir, simulate_scenario, with_threads, RunOptions};
use plotters::style::RGBColor;
use std::path::Path;

const GROUP: &str = "Model behaviour";

/// Senescent (SA-β-gal+) tissue cells.
fn senescent(w: &World) -> usize {
    w.cells
        .iter()
        .filter(|c| c.is_tissue() && c.is_senescent_like())
        .count()
}

/// Time (h) at which a decreasing series first reaches `level`, linearly
/// interpolated.
fn crossing(series: &[(f64, f64)], level: f64) -> Option<f64> {
    series.windows(2).find_map(|w| {
        let ((t0, a), (t1, b)) = (w[0], w[1]);
        (a > level && b <= level).then(|| t0 + (a - level) / (a - b) * (t1 - t0))
    })
}

/// Karin et al. 2019: removal saturates, so the half-life of a senescent
/// population grows with its load.
pub fn saturating_clearance(setup: &Setup) -> Result<Check> {
    let mut c = Check::new(
        "saturating-clearance",
        GROUP,
        "Saturating clearance: half-life grows with load",
    );
    let loads = [0.02, 0.1, 0.3, 0.6];
    let base = setup.scenario("saturating_clearance", CLEARANCE, &[])?;
    let (beta, kappa) = (
        base.tissue.clearance_beta_per_day,
        base.tissue.clearance_kappa,
    );
    c.tests = format!(
        "A 256² aged tissue (β = {beta}/day, κ = {kappa}) starts with a senescent \
         load X₀ of 2%, 10%, 30% or 60% and has nothing but immune clearance (no \
         onset, division or death). Each senescent cell is removed at β/(κ + X) \
         per day, X the tissue's current senescent fraction (docs/model.md §5.6), so \
         the population S of senescent cells (a fraction of sites, P the \
         proliferative fraction, constant here) follows S' = −β/(κ + S/(P+S))·S. \
         The time for S to halve is measured on the lattice and compared with \
         that ODE (RK4), and must grow with the load, as in Karin et al. \
         (Nat Commun 2019): removal saturates when senescent cells are many."
    );
    c.tolerance = "each measured half-life within 3 standard errors of the ODE's, and half-lives increasing with load, at least 3× from 2% to 60% load.".into();
    c.why = "The crossing time of a population of n₀ cells has a standard error of \
             ≈ 1/(k·√n₀), k the per-cell removal rate at the half-way point (binomial \
             noise of S over the slope of the decay); 3 standard errors keep false \
             alarms rare. The ODE's own ratio between 60% and 2% load is ≈ 5, and a \
             non-saturating removal (constant rate) would give 1, so ≥ 3 is a clear \
             test of saturation."
        .into();
    let mut table = Table::new(&[
        "load X₀",
        "senescent cells",
        "half-life lattice (days)",
        "half-life ODE (days)",
        "± 3 SE (days)",
        "removal at X₀ (1/day)",
    ]);
    let mut ok = true;
    let mut decay_curves = Vec::new();
    let mut measured = Vec::new();
    for (k, &x0) in loads.iter().enumerate() {
        let mut s = base.clone();
        s.tissue.initial_senescent_fraction = x0;
        let mut w = World::new(s);
        let sites = w.grid.len() as f64;
        let n0 = senescent(&w);
        let p0 = w.cells.iter().filter(|c| c.is_tissue()).count() - n0;
        let mut series = vec![(0.0, 1.0)];
        while !w.is_done() {
            w.step();
            let f = senescent(&w) as f64 / n0 as f64;
            if w.step.is_multiple_of(6) {
                series.push((w.now_h(), f));
            }
            if f < 0.45 {
                series.push((w.now_h(), f));
                break;
            }
        }
        let (ps, ss) = (p0 as f64 / sites, n0 as f64 / sites);
        let rate = |s: f64| base.tissue.clearance_per_h(s / (ps + s));
        let ode = rk4(
            &[ss],
            |_, y| vec![-rate(y[0]) * y[0]],
            0.1,
            1.0,
            series.last().map_or(0.0, |p| p.0) + 48.0,
        );
        let ode_frac: Vec<(f64, f64)> = ode.iter().map(|(t, y)| (*t, y[0] / ss)).collect();
        let (Some(t_lat), Some(t_ode)) = (crossing(&series, 0.5), crossing(&ode_frac, 0.5)) else {
            return Err(ValidateError::Failed(format!(
                "load {x0}: the senescent population did not halve within the run"
            )));
        };
        let se = 1.0 / (rate(ss / 2.0) * (n0 as f64).sqrt());
        ok &= (t_lat - t_ode).abs() <= 3.0 * se;
        measured.push((x0, t_lat / 24.0, t_ode / 24.0));
        table.row(vec![
            format!("{:.0}%", 100.0 * x0),
            n0.to_string(),
            format!("{:.2}", t_lat / 24.0),
            format!("{:.2}", t_ode / 24.0),
            format!("{:.2}", 3.0 * se / 24.0),
            format!("{:.3}", 24.0 * rate(ss)),
        ]);
        decay_curves.push(Curve::line(
            &format!("X₀ = {:.0}%", 100.0 * x0),
            PALETTE[k],
            series.iter().map(|(t, f)| (t / 24.0, *f)),
        ));
        decay_curves.push(Curve {
            dashed: true,
            ..Curve::line(
                "",
                RGBColor(0, 0, 0),
                ode_frac
                    .iter()
                    .filter(|(t, _)| *t <= series.last().map_or(0.0, |p| p.0))
                    .map(|(t, f)| (t / 24.0, *f)),
            )
        });
    }
    let increasing = measured.windows(2).all(|w| w[1].1 > w[0].1);
    let ratio = measured.last().map_or(0.0, |m| m.1) / measured[0].1;
    c.passed = ok && increasing && ratio >= 3.0;
    c.measured =
        format!(
        "half-life {} days (lattice) vs {} (ODE) at loads 2/10/30/60%; ratio 60%:2% = {ratio:.1}",
        measured.iter().map(|m| format!("{:.1}", m.1)).collect::<Vec<_>>().join("/"),
        measured.iter().map(|m| format!("{:.1}", m.2)).collect::<Vec<_>>().join("/"),
    );
    c.table = Some(table);
    let mut decay = Chart::new(
        "senescent cells left (ODE dashed)",
        "time (days)",
        "fraction of the initial senescent cells",
        decay_curves,
    );
    decay.legend = Corner::UpperRight;
    decay.reference = Some(0.5);
    let mut hl = Chart::new(
        "half-life against load",
        "initial senescent load X₀",
        "half-life (days)",
        vec![
            Curve::line("lattice", PALETTE[0], measured.iter().map(|m| (m.0, m.1))),
            Curve {
                dashed: true,
                ..Curve::line(
                    "ODE",
                    RGBColor(0, 0, 0),
                    measured.iter().map(|m| (m.0, m.2)),
                )
            },
        ],
    );
    hl.markers = true;
    setup.plot(&mut c, 2, vec![decay, hl])?;
    Ok(c)
}

/// Replicates of the lesion check: each must pass.
const SEEDS: [u64; 2] = [1, 2];

/// Teo et al. 2019, Martin 2024: uniform secondary SASP keeps a small
/// lesion spreading; blunted secondary SASP contains it.
pub fn lesion_containment(setup: &Setup) -> Result<Check> {
    let mut c = Check::new(
        "lesion-containment",
        GROUP,
        "Small lesions: spread with uniform secondary SASP, contained when blunted",
    );
    let factors = [("uniform", 1.0), ("blunted", 0.3)];
    c.tests = "Two small lesions of primary senescent cells (a stress pulse) in 64² \
               young tissue with no background damage and no clearance, as in \
               Martin's Senescence_Spread model: a disc of r = 10 sites in confluent \
               tissue (~300 primary cells) and Martin's lesion, ~30 primary cells \
               within r = 5.5 sites of a tissue at 35% density. Secondary (paracrine) \
               senescent cells secrete `cells.secondary_sasp_factor` × the primary \
               SASP: 1.0 (uniform) or 0.3 (blunted, Teo et al. 2019). The count of \
               secondary cells is followed for 90 days; the growth over the last \
               third against the middle third tells spread from containment. Two \
               replicates (seeds 1 and 2) of each lesion, each judged."
        .into();
    c.tolerance = "in each lesion and replicate, uniform: growth over days 60-90 above 100 \
                   cells and above the growth over days 30-60 (still spreading, not \
                   slowing); blunted: growth over days 60-90 below ⅕ of the uniform \
                   growth; at day 90 uniform ≥ 2.5× blunted."
        .into();
    c.why = "docs/model.md §5.4 and §8: with uniform SASP the spread is unbounded, with \
             blunted SASP it is contained (Martin's model: 100 secondary cells ~120× \
             later, and contained). The margins were set from the measured spread \
             (docs/calibration.md): equal factors (no blunting effect) fail them."
        .into();
    let mut table = Table::new(&[
        "lesion, secondary SASP",
        "day 30",
        "day 60",
        "day 90",
        "growth days 60-90",
    ]);
    let mut curves = Vec::new();
    let mut ok = true;
    let mut figures = Vec::new();
    let kinds = [
        (LesionKind::Confluent, "confluent r = 10"),
        (LesionKind::Sparse, "sparse, 35%"),
    ];
    for (kind, name) in kinds {
        for seed in SEEDS {
            let mut counts = Vec::new();
            for (k, (label, f)) in factors.iter().enumerate() {
                let s = setup.scenario(
                    "lesion",
                    &lesion(kind),
                    &[
                        format!("cells.secondary_sasp_factor={f}"),
                        format!("run.seed={seed}"),
                    ],
                )?;
                let rows = simulate_scenario(&s)?.0;
                let at = |day: f64| {
                    rows.iter()
                        .find(|r| (r.time_h - day * 24.0).abs() < 1e-9)
                        .map_or(0.0, |r| r.origin_paracrine as f64)
                };
                let (d30, d60, d90) = (at(30.0), at(60.0), at(90.0));
                table.row(vec![
                    format!("{name}, {label} ({f}), seed {seed}"),
                    format!("{d30:.0}"),
                    format!("{d60:.0}"),
                    format!("{d90:.0}"),
                    format!("{:+.0}", d90 - d60),
                ]);
                counts.push((d30, d60, d90));
                if seed == SEEDS[0] {
                    curves.push(Curve {
                        dashed: kind == LesionKind::Sparse,
                        ..Curve::line(
                            &format!("{name}, {label} ({f}× primary)"),
                            PALETTE[k],
                            rows.iter()
                                .map(|r| (r.time_h / 24.0, r.origin_paracrine as f64)),
                        )
                    });
                }
            }
            let (u, b) = (counts[0], counts[1]);
            let (gu, gb) = ((u.1 - u.0, u.2 - u.1), b.2 - b.1);
            ok &= gu.1 > 100.0 && gu.1 > gu.0 && gb < 0.2 * gu.1 && u.2 >= 2.5 * b.2;
            figures.push(format!(
                "{name}, seed {seed}: day 90 uniform {:.0} vs blunted {:.0}, growth over days 60-90 {:+.0} vs {gb:+.0}",
                u.2, b.2, gu.1
            ));
        }
    }
    c.passed = ok;
    c.measured = figures.join("; ");
    c.table = Some(table);
    let ch = Chart::new(
        "",
        "time (days)",
        "secondary (paracrine) senescent cells",
        curves,
    );
    setup.plot(&mut c, 1, vec![ch])?;
    Ok(c)
}

/// Every file two runs wrote, but the manifest (which records threads and
/// wall time) and the lock file (the writer's PID), compared byte for
/// byte: (files, bytes, files that differ).
fn compare_dirs(a: &Path, b: &Path) -> Result<(usize, u64, Vec<String>)> {
    let mut files = Vec::new();
    let mut stack = vec![a.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(OutputError::io(&d))? {
            let p = e.map_err(OutputError::io(&d))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .file_name()
                .is_some_and(|n| n != crate::io::folder::MANIFEST && n != crate::io::folder::LOCK)
            {
                files.push(
                    p.strip_prefix(a)
                        .map_err(|e| ValidateError::Failed(e.to_string()))?
                        .to_path_buf(),
                );
            }
        }
    }
    files.sort();
    let mut bytes = 0;
    let mut differ = Vec::new();
    for f in &files {
        let (x, y) = (
            std::fs::read(a.join(f)).map_err(OutputError::io(a.join(f)))?,
            std::fs::read(b.join(f)).unwrap_or_default(),
        );
        bytes += x.len() as u64;
        if x != y {
            differ.push(f.display().to_string());
        }
    }
    Ok((files.len(), bytes, differ))
}

/// The same scenario and seed at 1 and 2 threads give identical outputs.
pub fn determinism(setup: &Setup) -> Result<Check> {
    let mut c = Check::new(
        "determinism",
        "Determinism",
        "Identical outputs at 1 and 2 threads",
    );
    c.tests = "The mass-balance check's scenario with every mechanism (wound, stress, \
               EV and CM doses, QC-screened batches, a senescing graft), run to its \
               end twice, on 1 and on 2 worker threads, writing its full outputs \
               (time series, summary, VTK snapshots of every field and cell state). \
               Every file but manifest.json (which records the thread count and \
               wall time) is compared byte for byte."
        .into();
    c.tolerance = "every byte equal.".into();
    c.why = "Random draws are a pure function of (seed, step, site, purpose) and sums \
             are taken in a fixed order (docs/model.md §5), so results may not depend on \
             how work is split between threads; any difference, even in the last \
             bit of one value, is a defect."
        .into();
    let s = setup.scenario(
        "determinism",
        EVERYTHING,
        &["run.snapshot_every_h=48".into()],
    )?;
    let dir = setup.out.join("determinism");
    // Runs from an earlier suite would leave files the new runs do not write.
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(OutputError::io(&dir))?;
    }
    let mut dirs = Vec::new();
    for threads in [1usize, 2] {
        let out = dir.join(format!("threads-{threads}"));
        let opts = RunOptions::single(out.clone(), threads, false);
        with_threads(threads, || {
            run_in_dir(&s, "validate: determinism", &opts, None)
        })??;
        dirs.push(out);
    }
    let (files, bytes, differ) = compare_dirs(&dirs[0], &dirs[1])?;
    c.passed = differ.is_empty() && files > 0;
    c.measured = if differ.is_empty() {
        format!("{files} files, {bytes} bytes: identical")
    } else {
        format!(
            "{} of {files} files differ: {}",
            differ.len(),
            differ.join(", ")
        )
    };
    Ok(c)
}
