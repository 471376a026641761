//! Checks a resolved scenario before any work starts. Every rule is a hard
//! error that names the layer that set the key, the key, its value and the
//! rule (`scenario.toml: fields.sasp.diffusion = -3: must be > 0 (sites²/h)`).

use super::load::Origins;
use crate::error::ScenarioError;
use crate::model::geometry::Region;
use crate::model::params::*;

/// Bytes of memory per lattice site a run needs, with margin: measured peak
/// 127 (cells 72, five fields 40, graft sources 8, division and neighbour
/// workspace 5; `cargo bench --bench scale`), and a checkpoint briefly
/// holds a copy of the cells and fields (~112 more).
mod work;
use work::show;
pub use work::{limits, MAX_MAGNITUDE};

pub const BYTES_PER_SITE: u64 = 256;

/// Sites are indexed by u32 in the division workspace (division.rs).
pub const MAX_SITES: u64 = 1 << 31;

struct Check<'a> {
    origins: &'a Origins,
}

impl Check<'_> {
    fn fail(
        &self,
        key: &str,
        value: impl std::fmt::Display,
        rule: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError::Invalid {
            origin: self.origins.of(key),
            key: key.to_string(),
            value: value.to_string(),
            rule: rule.into(),
        }
    }
    fn positive(&self, key: &str, v: f64, unit: &str) -> Result<(), ScenarioError> {
        if v.is_finite() && v > 0.0 {
            self.bounded(key, v, unit)
        } else {
            Err(self.fail(key, show(v), format!("must be > 0 ({unit})")))
        }
    }
    fn nonneg(&self, key: &str, v: f64, unit: &str) -> Result<(), ScenarioError> {
        if v.is_finite() && v >= 0.0 {
            self.bounded(key, v, unit)
        } else {
            Err(self.fail(key, show(v), format!("must be ≥ 0 ({unit})")))
        }
    }
    /// Rates, amounts, lengths and times of the model are at most
    /// `MAX_MAGNITUDE` in their unit: far beyond any biology, and small
    /// enough that their products stay finite. The run's span and step
    /// (`run.*`) have their own limits (`limits`).
    fn bounded(&self, key: &str, v: f64, unit: &str) -> Result<(), ScenarioError> {
        if key.starts_with("run.") || v <= MAX_MAGNITUDE {
            Ok(())
        } else {
            Err(self.fail(
                key,
                show(v),
                format!("must be ≤ {MAX_MAGNITUDE:e} ({unit}): a value this large makes the arithmetic overflow"),
            ))
        }
    }
    /// Every key of defaults.toml obeys the range its comment gives
    /// (`reference`), checked in that file's order.
    fn ranges(&self, s: &Scenario) -> Result<(), ScenarioError> {
        use super::reference::{entries, number_at, Rule};
        let root = toml::Value::try_from(s)
            .map_err(|e| self.fail("(scenario)", "?", format!("does not serialise: {e}")))?;
        for e in entries() {
            let (Some(rule), Some(v)) = (e.rule, number_at(&root, &e.key)) else {
                continue;
            };
            match rule {
                Rule::Positive => self.positive(&e.key, v, &e.unit)?,
                Rule::NonNegative => self.nonneg(&e.key, v, &e.unit)?,
                Rule::Fraction => self.fraction(&e.key, v)?,
                // Counts (grid sizes): their upper limits are the work's (`work`).
                Rule::AtLeast(_) if rule.holds(v) => {}
                Rule::AtLeast(n) => {
                    return Err(self.fail(&e.key, show(v), format!("must be ≥ {n} ({})", e.unit)))
                }
            }
        }
        Ok(())
    }
    fn fraction(&self, key: &str, v: f64) -> Result<(), ScenarioError> {
        if (0.0..=1.0).contains(&v) {
            Ok(())
        } else {
            Err(self.fail(key, v, "must be a fraction in [0, 1]"))
        }
    }
    fn region(&self, key: &str, r: &Region, nx: usize, ny: usize) -> Result<(), ScenarioError> {
        r.check_inside(nx, ny)
            .map_err(|rule| self.fail(key, region_text(r), rule))
    }
    /// A time (h) within the run, [0, end_h).
    fn within_run(&self, key: &str, t: f64, end_h: f64) -> Result<(), ScenarioError> {
        if (0.0..end_h).contains(&t) {
            Ok(())
        } else {
            Err(self.fail(key, t, format!("must be in [0, {end_h}) h, the run's span")))
        }
    }
    /// `every` must be a whole number of steps of `dt`.
    fn multiple_of_dt(&self, key: &str, every: f64, dt: f64) -> Result<(), ScenarioError> {
        let k = every / dt;
        if (k - k.round()).abs() > 1e-9 * k.max(1.0) || k.round() < 1.0 {
            return Err(self.fail(
                key,
                every,
                format!("must be a whole number (≥ 1) of agent steps run.dt_h = {dt} (h)"),
            ));
        }
        Ok(())
    }
}

fn region_text(r: &Region) -> String {
    toml::to_string(r).map_or_else(
        |_| format!("{r:?}"),
        |s| format!("{{ {} }}", s.trim().replace('\n', ", ")),
    )
}

/// Memory available to this process, in bytes (MemAvailable on Linux).
pub fn available_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(8 << 30, |kb| kb * 1024)
}

pub fn validate(s: &Scenario, origins: &Origins) -> Result<(), ScenarioError> {
    validate_with_memory(s, origins, available_memory())
}

fn validate_with_memory(s: &Scenario, origins: &Origins, memory: u64) -> Result<(), ScenarioError> {
    let c = Check { origins };
    // Every key's range, from defaults.toml (`reference`).
    c.ranges(s)?;
    // Run and time.
    if s.run.dt_h > 24.0 {
        return Err(c.fail(
            "run.dt_h",
            s.run.dt_h,
            "must be ≤ 24 h: hazards are drawn once per step",
        ));
    }
    if s.run.dt_h * 3600.0 < 1.0 {
        return Err(c.fail(
            "run.dt_h",
            work::show(s.run.dt_h),
            "must be ≥ 1 s (1/3600 h): snapshots are named by the second",
        ));
    }
    c.multiple_of_dt("run.days", s.run.days * 24.0, s.run.dt_h)
        .map_err(|_| {
            c.fail(
                "run.days",
                s.run.days,
                format!(
                    "must span a whole number of steps of run.dt_h = {} h",
                    s.run.dt_h
                ),
            )
        })?;
    c.multiple_of_dt("run.output_every_h", s.run.output_every_h, s.run.dt_h)?;
    let steps = work::span(s, &c)?;
    if s.run.snapshot_every_h != 0.0 {
        c.multiple_of_dt("run.snapshot_every_h", s.run.snapshot_every_h, s.run.dt_h)?;
    }
    // Grid and memory.
    work::grid(s, &c, memory, steps)?;
    for (k, v, allow_newline) in [
        ("name", &s.name, false),
        ("description", &s.description, true),
    ] {
        if let Some(ch) = v
            .chars()
            .find(|&ch| ch.is_control() && !(allow_newline && (ch == '\n' || ch == '\t')))
        {
            return Err(c.fail(
                k,
                format!("\"{}\"", crate::text::printable(v)),
                format!("holds the control character {} (rule: names are printed and drawn: no control characters)", ch.escape_default()),
            ));
        }
    }
    // Fields.
    let f = &s.fields;
    if f.sasp.decay + f.sasp.uptake <= 0.0 {
        return Err(c.fail(
            "fields.sasp.decay",
            f.sasp.decay,
            "decay + uptake of sasp must be > 0: its steady state does not exist otherwise",
        ));
    }
    validate_events(s, &c)
}

fn validate_events(s: &Scenario, c: &Check) -> Result<(), ScenarioError> {
    let (nx, ny) = (s.grid.nx, s.grid.ny);
    let end_h = s.run.days * 24.0;
    if let Some(w) = &s.wound {
        c.region("wound.region", &w.region, nx, ny)?;
        c.nonneg(
            "wound.inflammation_per_h",
            w.inflammation_per_h,
            "au/h per site",
        )?;
        c.positive("wound.inflammation_tau_h", w.inflammation_tau_h, "h")?;
        c.nonneg(
            "wound.senescence_induction_per_h",
            w.senescence_induction_per_h,
            "1/h",
        )?;
        c.positive(
            "wound.senescence_induction_tau_h",
            w.senescence_induction_tau_h,
            "h",
        )?;
        c.nonneg("wound.contraction_per_h", w.contraction_per_h, "1/h")?;
        c.positive(
            "wound.contraction_half_saturation",
            w.contraction_half_saturation,
            "senescent cells per wound site",
        )?;
        c.positive("wound.pdgf_maturation_h", w.pdgf_maturation_h, "h")?;
        c.nonneg(
            "wound.immune_clearance_per_day",
            w.immune_clearance_per_day,
            "1/day per senescent cell per wound site",
        )?;
        c.positive("wound.immune_memory_h", w.immune_memory_h, "h")?;
        c.nonneg(
            "wound.topical_pdgf",
            w.topical_pdgf,
            "senescent cells per wound site",
        )?;
        // A contraction moves a line of tissue; it cannot reach past the lattice.
        let side = nx.max(ny);
        if w.contraction_reach as usize > side {
            return Err(c.fail(
                "wound.contraction_reach",
                w.contraction_reach,
                format!("must be ≤ {side} sites, the lattice's longer side"),
            ));
        }
    }
    for (i, st) in s.stress.iter().enumerate() {
        let k = |f: &str| format!("stress[{i}].{f}");
        c.within_run(&k("time_h"), st.time_h, end_h)?;
        c.nonneg(&k("damage"), st.damage, "damage units")?;
        c.positive(&k("duration_h"), st.duration_h, "h")?;
        c.region(&k("region"), &st.region, nx, ny)?;
    }
    for (name, pr) in &s.products {
        let k = |f: &str| format!("products.{name}.{f}");
        c.nonneg(&k("donor_age_years"), pr.donor_age_years, "years")?;
        if pr.donor_age_years > 120.0 {
            return Err(c.fail(
                &k("donor_age_years"),
                pr.donor_age_years,
                "must be ≤ 120 years",
            ));
        }
        if pr.passage > 60 {
            return Err(c.fail(
                &k("passage"),
                pr.passage,
                "must be ≤ 60 (MSCs stop dividing long before)",
            ));
        }
        c.nonneg(&k("batch_cv"), pr.batch_cv, "coefficient of variation")?;
        c.nonneg(
            &k("batch_senescent_cv"),
            pr.batch_senescent_cv,
            "coefficient of variation",
        )?;
        if pr.doses_per_batch == 0 {
            return Err(c.fail(&k("doses_per_batch"), 0, "must be ≥ 1"));
        }
        if let Some(q) = &pr.qc {
            c.nonneg(&k("qc.assay_sd"), q.assay_sd, "absolute senescent fraction")?;
            c.fraction(&k("qc.release_threshold"), q.release_threshold)?;
            if q.max_batches == 0 {
                return Err(c.fail(&k("qc.max_batches"), 0, "must be ≥ 1"));
            }
        }
    }
    let known = |key: String, prod: &str| -> Result<(), ScenarioError> {
        if s.products.contains_key(prod) {
            Ok(())
        } else {
            let names: Vec<&str> = s.products.keys().map(String::as_str).collect();
            Err(c.fail(
                &key,
                format!("\"{prod}\""),
                format!(
                    "no such product: define [products.{prod}] (defined: {})",
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                ),
            ))
        }
    };
    for (i, t) in s.treatments.iter().enumerate() {
        let k = |f: &str| format!("treatments[{i}].{f}");
        known(k("product"), &t.product)?;
        schedule(c, &format!("treatments[{i}]"), t.timing(), end_h)?;
        match &t.delivery {
            Delivery::Uniform { au_per_site } => {
                c.nonneg(&k("delivery.au_per_site"), *au_per_site, "au per site")?
            }
            Delivery::Region {
                au_per_site,
                region,
            } => {
                c.nonneg(&k("delivery.au_per_site"), *au_per_site, "au per site")?;
                c.region(&k("delivery.region"), region, nx, ny)?;
            }
            Delivery::Injection {
                au_per_point,
                radius,
                points,
            } => {
                c.nonneg(&k("delivery.au_per_point"), *au_per_point, "au")?;
                c.positive(&k("delivery.radius"), *radius, "sites")?;
                if *radius > nx.max(ny) as f64 {
                    return Err(c.fail(
                        &k("delivery.radius"),
                        radius,
                        format!("must be ≤ {} sites, the grid's larger side", nx.max(ny)),
                    ));
                }
                if points.is_empty() {
                    return Err(c.fail(
                        &k("delivery.points"),
                        "[]",
                        "must list at least one [x, y] point",
                    ));
                }
                for (j, p) in points.iter().enumerate() {
                    if !(p[0] >= 0.0 && p[0] < nx as f64 && p[1] >= 0.0 && p[1] < ny as f64) {
                        return Err(c.fail(
                            &format!("treatments[{i}].delivery.points[{j}]"),
                            format!("[{}, {}]", p[0], p[1]),
                            format!("must lie inside the {nx}×{ny} grid (sites)"),
                        ));
                    }
                }
            }
        }
    }
    for (i, x) in s.senolytics.iter().enumerate() {
        let prefix = format!("senolytics[{i}]");
        schedule(c, &prefix, x.timing(), end_h)?;
        c.fraction(&format!("{prefix}.efficacy"), x.efficacy)?;
        c.region(&format!("{prefix}.region"), &x.region, nx, ny)?;
    }
    if s.grafts.len() > 255 {
        return Err(c.fail(
            "grafts",
            format!("{} grafts", s.grafts.len()),
            "at most 255 grafts",
        ));
    }
    work::events(s, c, end_h)?;
    for (i, g) in s.grafts.iter().enumerate() {
        let k = |f: &str| format!("grafts[{i}].{f}");
        known(k("product"), &g.product)?;
        c.within_run(&k("time_h"), g.time_h, end_h)?;
        c.region(&k("region"), &g.region, nx, ny)?;
        c.fraction(&k("fill"), g.fill)?;
        c.nonneg(&k("ev_per_h"), g.ev_per_h, "au/h")?;
        c.nonneg(&k("senescence_per_day"), g.senescence_per_day, "1/day")?;
        c.nonneg(&k("death_per_day"), g.death_per_day, "1/day")?;
    }
    Ok(())
}

/// A schedule: `times_h`, or `start_h` (+ `every_h`, + `count`), within the run.
fn schedule(c: &Check, prefix: &str, sched: Timing, end_h: f64) -> Result<(), ScenarioError> {
    let Timing {
        times_h: times,
        start_h: start,
        every_h: every,
        count,
    } = sched;
    let k = |f: &str| format!("{prefix}.{f}");
    match (times, start, every) {
        (Some(times), None, None) if count.is_none() => {
            if times.is_empty() {
                return Err(c.fail(&k("times_h"), "[]", "must list at least one time (h)"));
            }
            for &t in times {
                c.within_run(&k("times_h"), t, end_h)?;
            }
            Ok(())
        }
        (None, Some(start), Some(every)) => {
            c.within_run(&k("start_h"), start, end_h)?;
            c.positive(&k("every_h"), every, "h")?;
            if count == Some(0) {
                return Err(c.fail(&k("count"), 0, "must be ≥ 1"));
            }
            Ok(())
        }
        (None, Some(start), None) if count.is_none() => c.within_run(&k("start_h"), start, end_h),
        _ => Err(c.fail(
            prefix,
            "schedule",
            "give either times_h = [...] or start_h (with every_h and optional count)",
        )),
    }
}
