//! Conservation checks of the field solvers: mass balance and boundaries.

use super::analytic::gaussian_field;
use super::numerics::{name, worst_where_resolved, BOUNDARIES, GROUP, PALETTE, SASP};
use super::scenarios::EVERYTHING;
use super::Result;
use super::{pct, sci, Check, Setup, Table};
use crate::model::field::{ordered_sum, Field, Pool};
use crate::model::geometry::{Boundary, Grid};
use crate::model::spectral::Spectral;
use crate::model::treatment::SiteWeights;
use crate::plot::lines::{Chart, Corner, Curve};
use crate::scenario::FieldParams;
use plotters::style::RGBColor;

/// Every amount booked: the field's total equals initial + secreted +
/// delivered − decayed − taken up − lost, every step.
pub fn mass_balance(setup: &Setup) -> Result<Check> {
    let mut c = Check::new("mass-balance", GROUP, "Mass balance");
    c.tests = "(1) One EV-like field (D = 10 sites²/h, decay 0.03/h, uptake 0.1/h at \
               occupied sites, 1 site in 13 empty) on a 96×64 lattice for 200 steps of \
               1 h, with a graded dose every 50 steps: secreting from scattered sites \
               (the exact spectral step), and dosed only (the f32 heat-kernel step, \
               flushed when it falls dormant); uptake is moved into the cells' cargo \
               pools. (2) A whole run of the model with every mechanism (wound, stress \
               pulse, EV and CM doses by injection, region and uniform delivery, a \
               senescing MSC graft secreting EVs) on 48×40 sites for 8 days: the books \
               of all four time-dependent fields, every step. (3) The exact spectral \
               `sasp` steady state (the reference the multigrid solve is held to, \
               tests/sasp_warm_start.rs): λ·Σc = Σ secretion. All on no-flux and \
               periodic lattices. The figure is |total − (initial + secreted + \
               delivered − decayed − taken up − lost at boundaries − flushed)| / \
               (secreted + delivered)."
        .into();
    c.tolerance = "relative imbalance ≤ 1e-6 at every step of every field.".into();
    c.why = "docs/model.md §4, the numerical contract of issue 19: field values in \
             f32, every book in f64, mass balance to 1e-6 relative over a run. Each \
             amount is booked as what the step did to the f32 values (uptake as the \
             exact loss of each site, doses as what the sites hold, decay with the \
             factor applied), and the kernel step conserves the total in exact \
             arithmetic (flux form), so only f32 round-off, unbiased and ~1e-8 over \
             a run, separates the books from the total; 1e-6 catches any lost or \
             invented material above that."
        .into();
    let mut table = Table::new(&["case", "no-flux", "periodic"]);
    let mut worst: f64 = 0.0;
    // (1) One field.
    for (secreting, label) in [
        (true, "one EV field secreting (spectral step), 200 steps"),
        (
            false,
            "one EV field dosed (kernel step, flushed when dormant), 200 steps",
        ),
    ] {
        let mut row = vec![label.to_string()];
        for b in BOUNDARIES {
            let e = single_field_balance(b, secreting);
            worst = worst.max(e);
            row.push(sci(e));
        }
        table.row(row);
    }
    // (2) Whole model.
    let mut series: Vec<Curve> = Vec::new();
    let mut row = vec!["whole model, 4 fields × 192 steps".to_string()];
    for b in BOUNDARIES {
        let s = setup.scenario(
            "mass_balance",
            EVERYTHING,
            &[format!("grid.boundary={}", name(b).replace('-', "_"))],
        )?;
        let mut w = crate::model::world::World::new(s);
        let mut per_field = vec![Vec::new(); 4];
        let mut e_max: f64 = 0.0;
        while !w.is_done() {
            w.step();
            for (k, f) in [
                &w.fields[crate::model::fields::FieldId::EvYoung],
                &w.fields[crate::model::fields::FieldId::EvSenescent],
                &w.fields[crate::model::fields::FieldId::CmYoung],
                &w.fields[crate::model::fields::FieldId::CmSenescent],
            ]
            .iter()
            .enumerate()
            {
                let bal = f.balance;
                let scale = bal.secreted + bal.delivered;
                let e = if scale > 0.0 {
                    (f.total() - bal.expected_total()).abs() / scale
                } else {
                    0.0
                };
                e_max = e_max.max(e);
                per_field[k].push((w.now_h(), e.max(1e-18)));
            }
        }
        worst = worst.max(e_max);
        row.push(sci(e_max));
        if b == Boundary::NoFlux {
            for (k, nm) in ["ev_young", "ev_senescent", "cm_young", "cm_senescent"]
                .iter()
                .enumerate()
            {
                series.push(Curve::line(
                    nm,
                    PALETTE[k],
                    std::mem::take(&mut per_field[k]).into_iter(),
                ));
            }
        }
    }
    table.row(row);
    // (3) Steady state.
    let mut row = vec!["sasp steady state, 40 sources".to_string()];
    let (d, lambda, q) = SASP;
    for b in BOUNDARIES {
        let n = 128;
        let mut sp = Spectral::new(Grid::new(n, n, b));
        let mut f: Vec<f64> = (0..n * n)
            .map(|i| if (i * 7919) % 409 == 0 { q } else { 0.0 })
            .collect();
        let s_total = ordered_sum(&f, n);
        sp.steady(&mut f, d, lambda);
        let e = (lambda * ordered_sum(&f, n) - s_total).abs() / s_total;
        worst = worst.max(e);
        row.push(sci(e));
    }
    table.row(row);
    c.passed = worst <= 1e-6;
    c.measured = format!("worst relative imbalance {}", sci(worst));
    c.table = Some(table);
    let mut ch = Chart::new(
        "whole model, no-flux: relative imbalance after each step",
        "time (h)",
        "relative imbalance (0 drawn as 1e-18)",
        series,
    );
    ch.log_y = true;
    ch.reference = Some(1e-6);
    ch.legend = Corner::LowerRight;
    setup.plot(&mut c, 1, vec![ch])?;
    Ok(c)
}

/// Worst relative imbalance of one field with every kind of book entry:
/// secreting (the spectral step) or only dosed (the kernel step, flushed
/// when dormant).
fn single_field_balance(boundary: Boundary, secreting: bool) -> f64 {
    let (nx, ny) = (96, 64);
    let grid = Grid::new(nx, ny, boundary);
    let mut sp = Spectral::new(grid);
    let params = FieldParams {
        diffusion: 10.0,
        decay: 0.03,
        uptake: 0.1,
        solver: crate::scenario::Solver::Auto,
    };
    let mut f = Field::new("ev_young", params, grid, 1.0);
    let mut cells: Vec<crate::model::cell::Cell> = (0..nx * ny)
        .map(|i| {
            let mut c = crate::model::cell::Cell::EMPTY;
            if (i * 7919) % 13 != 0 {
                c.kind = crate::model::cell::Kind::Tissue;
            }
            c
        })
        .collect();
    let src: Vec<(usize, f64)> = (0..nx * ny).step_by(97).map(|i| (i, 2.5)).collect();
    let mut worst: f64 = 0.0;
    for step in 0..200 {
        if step % 50 == 0 {
            let dose: Vec<f64> = (0..nx * ny)
                .map(|i| (i % nx) as f64 / nx as f64 * 3.0)
                .collect();
            f.deliver(&SiteWeights::Table(dose), 1.0);
        }
        let s = if secreting { &src[..] } else { &[] };
        f.advance(&mut sp, s, &mut cells, Pool::Young, 1.0, 1e-3);
        let scale = f.balance.secreted + f.balance.delivered;
        worst = worst.max((f.total() - f.balance.expected_total()).abs() / scale);
    }
    worst
}

/// Walls reflect (method of images) and periodic edges wrap, both without
/// losing material.
pub fn boundaries(setup: &Setup) -> Result<Check> {
    let mut c = Check::new("boundaries", GROUP, "No-flux and periodic boundaries");
    let (n, var0, d, t) = (64usize, 16.0, 10.0, 24.0);
    let nf = n as f64;
    c.tests = format!(
        "A Gaussian pulse (σ₀ = 4 sites) placed 5 sites from a corner of a {n}² \
         lattice spreads for {t} h with D = {d} sites²/h and no decay (σ = 22 \
         sites, so it reaches every edge). No-flux: the exact solution is the \
         pulse plus its mirror images in the walls (method of images; the walls \
         lie half a site outside the edge cells). Periodic: the pulse starts \
         centred on the corner and the exact solution is the sum of its periodic \
         copies. Both are compared wherever the solution exceeds 1% of its peak \
         (here: the whole grid), and the total must not change. For contrast the \
         table also gives the error against the free-space solution, which \
         ignores the boundary."
    );
    c.tolerance =
        "worst relative error ≤ 1% against the image solution; total conserved to 1e-12 relative."
            .into();
    c.why = "The same 1% as the free-space checks (docs/model.md §4), now with the \
             boundary inside the compared region; with no decay, a no-flux or \
             periodic edge may lose nothing, so the total may only move by \
             round-off."
        .into();
    let mut table = Table::new(&[
        "boundary",
        "error vs images",
        "error vs free space",
        "total change",
    ]);
    let mut worst: f64 = 0.0;
    let mut worst_mass: f64 = 0.0;
    let mut curves = Vec::new();
    for (bi, b) in BOUNDARIES.into_iter().enumerate() {
        let (x0, images): (f64, Vec<(f64, f64)>) = match b {
            // Walls at 0 and n: reflections x → −x and x → 2n − x, twice over.
            Boundary::NoFlux => {
                let x0 = 5.0;
                let xs: Vec<f64> = [-1.0, 0.0, 1.0]
                    .iter()
                    .flat_map(|k: &f64| [2.0 * nf * k + x0, 2.0 * nf * k - x0])
                    .collect();
                (
                    x0,
                    xs.iter()
                        .flat_map(|&x| xs.iter().map(move |&y| (x, y)))
                        .collect(),
                )
            }
            Boundary::Periodic => {
                let xs: Vec<f64> = [-1.0, 0.0, 1.0, 2.0].iter().map(|k| nf * k).collect();
                (
                    0.0,
                    xs.iter()
                        .flat_map(|&x| xs.iter().map(move |&y| (x, y)))
                        .collect(),
                )
            }
        };
        let mut sp = Spectral::new(Grid::new(n, n, b));
        let mut f = gaussian_field(n, n, 1.0, 1000.0, var0, d, 0.0, 0.0, &images);
        let m0 = ordered_sum(&f, n);
        sp.advance(&mut f, None, d, 0.0, t);
        let exact = gaussian_field(n, n, 1.0, 1000.0, var0, d, 0.0, t, &images);
        let free = gaussian_field(n, n, 1.0, 1000.0, var0, d, 0.0, t, &[(x0, x0)]);
        let e = worst_where_resolved(&f, &exact);
        let e_free = worst_where_resolved(&f, &free);
        let dm = (ordered_sum(&f, n) - m0).abs() / m0;
        worst = worst.max(e);
        worst_mass = worst_mass.max(dm);
        table.row(vec![name(b).into(), pct(e), pct(e_free), sci(dm)]);
        // Profile along the diagonal from the corner.
        curves.push(Curve::line(
            &format!("lattice, {}", name(b)),
            PALETTE[bi],
            (0..n).map(|k| (k as f64 + 0.5, f[k * n + k])),
        ));
        curves.push(Curve {
            dashed: true,
            ..Curve::line(
                &format!("images, {}", name(b)),
                RGBColor(0, 0, 0),
                (0..n).map(|k| (k as f64 + 0.5, exact[k * n + k])),
            )
        });
        if b == Boundary::NoFlux {
            curves.push(Curve {
                dashed: true,
                ..Curve::line(
                    "free space (no walls)",
                    RGBColor(150, 150, 150),
                    (0..n).map(|k| (k as f64 + 0.5, free[k * n + k])),
                )
            });
        }
    }
    c.passed = worst <= 0.01 && worst_mass <= 1e-12;
    c.measured = format!(
        "worst {} against images; total conserved to {}",
        pct(worst),
        sci(worst_mass)
    );
    c.table = Some(table);
    let mut ch = Chart::new(
        "",
        "position along the diagonal from the corner (sites)",
        "concentration at t = 24 h (au)",
        curves,
    );
    ch.legend = Corner::UpperRight;
    setup.plot(&mut c, 1, vec![ch])?;
    Ok(c)
}
