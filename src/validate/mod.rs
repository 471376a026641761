//! `senesim validate`: a verification suite that checks the numerics and the
//! model against analytic solutions, exact distributions and the model's own
//! mean-field limit, and writes a report (Markdown, JSON, plots) with pass
//! or fail and the measured figure of each check.
//!
//! Every check is deterministic (fixed seeds), so a failure is reproducible;
//! its tolerance is stated in the report with the reason for it.

pub mod analytic;
mod behaviour;
mod biology;
mod conservation;
mod kinetics;
mod numerics;
mod report;
pub mod scenarios;
mod targets;
pub mod tissue;

pub use report::{write_report, Manifest};

/// What a check returns: its report, or why it could not be carried out.
pub type Result<T> = std::result::Result<T, crate::error::ValidateError>;

use crate::io::output::write_atomic;
use crate::plot::figure::{save, Format};
use crate::plot::lines::{Chart, Panels};
use crate::scenario::{resolve, Scenario};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A table of figures under a check (e.g. error by distance).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// One check's outcome, as the report shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub group: &'static str,
    pub title: &'static str,
    /// What the check tests and how.
    pub tests: String,
    /// The pass criterion.
    pub tolerance: String,
    /// Why that tolerance.
    pub why: String,
    /// The measured figure(s), one line.
    pub measured: String,
    pub passed: bool,
    pub table: Option<Table>,
    /// The figure, relative to the output folder.
    pub plot: Option<String>,
    pub seconds: f64,
}

impl Check {
    fn new(id: &'static str, group: &'static str, title: &'static str) -> Check {
        Check {
            id,
            group,
            title,
            tests: String::new(),
            tolerance: String::new(),
            why: String::new(),
            measured: String::new(),
            passed: false,
            table: None,
            plot: None,
            seconds: 0.0,
        }
    }
}

/// Where a check writes its figure and scratch runs.
pub struct Setup {
    pub out: PathBuf,
}

impl Setup {
    /// Saves `charts` as `plots/<id>.png` and records it on `check`.
    fn plot(&self, check: &mut Check, columns: usize, charts: Vec<Chart>) -> Result<()> {
        let dir = self.out.join("plots");
        std::fs::create_dir_all(&dir).map_err(crate::error::OutputError::io(&dir))?;
        let fig = Panels {
            title: check.title.to_string(),
            columns,
            charts,
        };
        save(&fig, &dir.join(format!("{}.png", check.id)), Format::Png)?;
        check.plot = Some(format!("plots/{}.png", check.id));
        Ok(())
    }

    /// Writes `text` as `scenarios/<stem>.toml` in the output folder (so a
    /// check's runs can be repeated with `senesim run`) and resolves it with
    /// `sets`, as the command line would.
    fn scenario(&self, stem: &str, text: &str, sets: &[String]) -> Result<Scenario> {
        let dir = self.out.join("scenarios");
        std::fs::create_dir_all(&dir).map_err(crate::error::OutputError::io(&dir))?;
        let path = dir.join(format!("{stem}.toml"));
        write_atomic(&path, text.as_bytes())?;
        Ok(resolve(Some(&path), sets)?.scenario)
    }
}

type CheckFn = fn(&Setup) -> Result<Check>;

/// Every check, in report order: (id, function).
pub const CHECKS: &[(&str, CheckFn)] = &[
    ("point-source", numerics::point_source),
    ("gaussian-decay", numerics::gaussian_decay),
    ("convergence", numerics::convergence),
    ("mass-balance", conservation::mass_balance),
    ("boundaries", conservation::boundaries),
    ("waiting-times", kinetics::waiting_times),
    ("mean-field", kinetics::mean_field),
    ("saturating-clearance", behaviour::saturating_clearance),
    ("lesion-containment", behaviour::lesion_containment),
    ("marker-kinetics", biology::marker_kinetics),
    ("bystander", biology::bystander),
    ("skin-baselines", targets::skin_baselines),
    ("secretome-effects", targets::secretome_effects),
    ("wound-closure", targets::wound_closure),
    ("single-cell-bystander", tissue::single_cell_bystander),
    (
        "wound-transient-senescence",
        tissue::transient_wound_senescence,
    ),
    ("determinism", behaviour::determinism),
];

/// Runs the checks whose ids are in `only` (all when empty) into `out`,
/// calling `done` after each. A check that cannot run (an I/O error) is
/// reported as failed with the error as its figure.
pub fn run_checks(out: &Path, only: &[String], mut done: impl FnMut(&Check)) -> Vec<Check> {
    let setup = Setup {
        out: out.to_path_buf(),
    };
    let mut checks = Vec::new();
    for (id, f) in CHECKS {
        if !only.is_empty() && !only.iter().any(|o| o == id) {
            continue;
        }
        let t0 = Instant::now();
        let mut c = f(&setup).unwrap_or_else(|e| {
            let mut c = Check::new(id, "Error", "check could not run");
            c.measured = format!("error: {e:#}");
            c
        });
        c.seconds = t0.elapsed().as_secs_f64();
        done(&c);
        checks.push(c);
    }
    checks
}

/// `x` as a percentage with 2 significant digits past the point as needed.
pub(crate) fn pct(x: f64) -> String {
    if x >= 0.1 {
        format!("{:.1}%", 100.0 * x)
    } else {
        format!("{:.2}%", 100.0 * x)
    }
}

/// Scientific notation with 2 significant digits.
pub(crate) fn sci(x: f64) -> String {
    format!("{x:.1e}")
}
