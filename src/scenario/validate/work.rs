//! The work a scenario asks for (steps, rows, snapshots, events, memory,
//! the injection layout), refused beyond documented limits before any work
//! starts, and the largest value a model parameter may take.

use super::{Check, BYTES_PER_SITE, MAX_SITES};
use crate::error::ScenarioError;
use crate::model::params::*;

/// Largest value of a rate, amount, length or time parameter (in its unit).
pub const MAX_MAGNITUDE: f64 = 1e9;

/// The work a scenario may ask for (README, Reliability): beyond these a
/// scenario is refused before any work, as a grid beyond memory is.
pub mod limits {
    /// Agent steps of one run (run.days × 24 / run.dt_h).
    pub const STEPS: u64 = 10_000_000;
    /// Site-steps of one run (sites × steps): about a day at today's speed.
    pub const SITE_STEPS: f64 = 2e13;
    /// Rows of the time series.
    pub const ROWS: u64 = 1_000_000;
    /// Snapshots written.
    pub const SNAPSHOTS: u64 = 10_000;
    /// Bytes of snapshots on disk (VTI, about `VTI_BYTES_PER_SITE` a site).
    pub const SNAPSHOT_BYTES: f64 = 64.0 * (1u64 << 30) as f64;
    /// Size of a VTI snapshot per site (ASCII; measured 146 at 128²), with margin.
    pub const VTI_BYTES_PER_SITE: f64 = 200.0;
    /// Dose, senolytic, stress and graft events of one run, together.
    pub const EVENTS: f64 = 1_000_000.0;
    /// Sites visited to lay out the injection doses of a run (doses ×
    /// points × (8·radius + 1)²: each dose lays its Gaussians out anew).
    pub const INJECTION_SITES: f64 = 1e10;
}

/// Checks the run's span in steps and its rows of time series; returns the steps.
pub(super) fn span(s: &Scenario, c: &Check) -> Result<f64, ScenarioError> {
    let steps = s.run.days * 24.0 / s.run.dt_h;
    if steps > limits::STEPS as f64 {
        // The key at fault: the span if it is too long even at hourly steps.
        let (key, value) = if s.run.days * 24.0 > limits::STEPS as f64 {
            ("run.days", s.run.days)
        } else {
            ("run.dt_h", s.run.dt_h)
        };
        return Err(c.fail(
            key,
            show(value),
            format!(
                "{} days in steps of {} h is {steps:.3e} steps, more than the limit of {} (README, Reliability)",
                show(s.run.days),
                show(s.run.dt_h),
                limits::STEPS
            ),
        ));
    }
    let rows = steps / (s.run.output_every_h / s.run.dt_h).round().max(1.0);
    if rows > limits::ROWS as f64 {
        return Err(c.fail(
            "run.output_every_h",
            s.run.output_every_h,
            format!(
                "gives {rows:.3e} rows of time series, more than the limit of {}",
                limits::ROWS
            ),
        ));
    }
    Ok(steps)
}

/// Checks the grid against memory and indexing, and the site-steps and
/// snapshots the run implies.
pub(super) fn grid(s: &Scenario, c: &Check, memory: u64, steps: f64) -> Result<(), ScenarioError> {
    let sites = (s.grid.nx as u64).checked_mul(s.grid.ny as u64);
    let need = sites.and_then(|n| n.checked_mul(BYTES_PER_SITE));
    match need {
        Some(b) if b <= memory => {}
        _ => {
            return Err(c.fail(
                grid_key(s, c),
                grid_value(s, c),
                format!(
                    "the grid of {} × {} sites needs about {} of memory ({} bytes per site), more than the {} available",
                    s.grid.nx,
                    s.grid.ny,
                    human_bytes(need),
                    BYTES_PER_SITE,
                    human_bytes(Some(memory))
                ),
            ))
        }
    }
    if sites.is_none_or(|n| n >= MAX_SITES) {
        return Err(c.fail(
            grid_key(s, c),
            grid_value(s, c),
            format!("the grid of {} × {} sites must have fewer than 2³¹ = {MAX_SITES} sites (sites are indexed by 32-bit integers)", s.grid.nx, s.grid.ny),
        ));
    }
    let site_steps = sites.unwrap_or(u64::MAX) as f64 * steps;
    if site_steps > limits::SITE_STEPS {
        return Err(c.fail(
            grid_key(s, c),
            grid_value(s, c),
            format!(
                "the grid of {} × {} sites over {steps:.0} steps gives {site_steps:.2e} site-steps, more than the limit of {:.0e} (README, Reliability)",
                s.grid.nx,
                s.grid.ny,
                limits::SITE_STEPS
            ),
        ));
    }
    if s.run.snapshot_every_h != 0.0 {
        let after_doses = if s.run.snapshot_after_dose_h > 0.0 {
            let end_h = steps * s.run.dt_h;
            s.treatments
                .iter()
                // Intervals below a step are refused later, with their own message.
                .filter(|t| t.timing().every_h.is_none_or(|e| e >= s.run.dt_h))
                .map(|t| t.timing().count_before(end_h))
                .sum::<f64>()
        } else {
            0.0
        };
        let n = (steps / (s.run.snapshot_every_h / s.run.dt_h).round().max(1.0)).floor()
            + 2.0
            + after_doses;
        let bytes = n * sites.unwrap_or(u64::MAX) as f64 * limits::VTI_BYTES_PER_SITE;
        if n > limits::SNAPSHOTS as f64 || bytes > limits::SNAPSHOT_BYTES {
            return Err(c.fail(
                "run.snapshot_every_h",
                s.run.snapshot_every_h,
                format!(
                    "gives {n:.0} snapshots, about {:.1} GiB on disk; the limits are {} snapshots and {:.0} GiB (set 0 for the final state only)",
                    bytes / (1u64 << 30) as f64,
                    limits::SNAPSHOTS,
                    limits::SNAPSHOT_BYTES / (1u64 << 30) as f64
                ),
            ));
        }
    }
    Ok(())
}

/// Checks the dose, senolytic, stress and graft events and the injection layout.
pub(super) fn events(s: &Scenario, c: &Check, end_h: f64) -> Result<(), ScenarioError> {
    let mut events = (s.stress.len() + s.grafts.len()) as f64;
    let mut injection_sites = 0.0;
    for (i, t) in s.treatments.iter().enumerate() {
        let doses = firings(&t.timing(), end_h);
        events += doses;
        if let Delivery::Injection { radius, points, .. } = &t.delivery {
            injection_sites +=
                (doses + 1.0) * points.len() as f64 * (8.0 * radius.ceil() + 1.0).powi(2);
        }
        if injection_sites > limits::INJECTION_SITES {
            return Err(c.fail(
                &format!("treatments[{i}].delivery.points"),
                format!("{} points of radius {}", points_len(&t.delivery), radius_of(&t.delivery)),
                format!("laying the injection doses out visits {injection_sites:.2e} sites, more than the limit of {:.0e} (fewer points, doses or a smaller radius)", limits::INJECTION_SITES),
            ));
        }
    }
    for x in &s.senolytics {
        events += firings(&x.timing(), end_h);
    }
    if events > limits::EVENTS {
        let key = s
            .treatments
            .iter()
            .enumerate()
            .map(|(i, t)| {
                (
                    firings(&t.timing(), end_h),
                    format!("treatments[{i}].every_h"),
                )
            })
            .chain(s.senolytics.iter().enumerate().map(|(i, x)| {
                (
                    firings(&x.timing(), end_h),
                    format!("senolytics[{i}].every_h"),
                )
            }))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map_or_else(|| "stress".to_string(), |(_, k)| k);
        return Err(c.fail(
            &key,
            format!("{events:.3e} events"),
            format!(
                "the schedules give {events:.3e} dose, senolytic, stress and graft events in the run, more than the limit of {:.0e} (README, Reliability)",
                limits::EVENTS
            ),
        ));
    }
    Ok(())
}

/// The grid key to name when the grid as a whole is refused: the side
/// set last (by `--set` rather than a file), else the larger.
fn grid_key(s: &Scenario, c: &Check) -> &'static str {
    let (ox, oy) = (c.origins.of("grid.nx"), c.origins.of("grid.ny"));
    if oy == "--set" && ox != "--set" {
        "grid.ny"
    } else if ox == "--set" || s.grid.nx >= s.grid.ny {
        "grid.nx"
    } else {
        "grid.ny"
    }
}

fn grid_value(s: &Scenario, c: &Check) -> usize {
    if grid_key(s, c) == "grid.nx" {
        s.grid.nx
    } else {
        s.grid.ny
    }
}

/// How many times a schedule fires within `end_h` (without listing them).
fn firings(sched: &Timing, end_h: f64) -> f64 {
    match (sched.times_h, sched.start_h, sched.every_h) {
        (Some(t), _, _) => t.len() as f64,
        (None, Some(start), Some(every)) => {
            let n = ((end_h - start) / every).floor().max(0.0) + 1.0;
            sched.count.map_or(n, |k| n.min(k as f64))
        }
        _ => 1.0,
    }
}

/// A number as a reader takes it in: with an exponent when very large or small.
pub(super) fn show(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-4..1e9).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

fn points_len(d: &Delivery) -> usize {
    match d {
        Delivery::Injection { points, .. } => points.len(),
        _ => 0,
    }
}

fn radius_of(d: &Delivery) -> f64 {
    match d {
        Delivery::Injection { radius, .. } => *radius,
        _ => 0.0,
    }
}

fn human_bytes(b: Option<u64>) -> String {
    match b {
        None => "more than 16 EiB".into(),
        Some(b) if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        Some(b) => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
    }
}
