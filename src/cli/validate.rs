//! `senesim validate`: runs the verification suite and writes its report.

use super::{threads_or_default, Usage};
use crate::run::with_threads;
use crate::validate::{run_checks, write_report, Manifest, CHECKS};
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Exit status when the suite ran and a check failed.
pub const EXIT_FAILED_CHECK: i32 = 3;

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// Output folder for report.md, report.json, manifest.json, plots/ and
    /// the scenarios the checks ran [default: runs/validate].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads [default: all cores]. Results do not depend on it
    /// (the determinism check runs its own 1- and 2-thread runs).
    #[arg(long)]
    threads: Option<usize>,
    /// Run only this check (repeatable); ids as listed in the report:
    /// point-source, gaussian-decay, convergence, mass-balance, boundaries,
    /// waiting-times, mean-field, saturating-clearance, lesion-containment,
    /// determinism.
    #[arg(long, value_name = "ID")]
    only: Vec<String>,
}

pub fn run_validate(a: ValidateArgs) -> anyhow::Result<i32> {
    let ids: Vec<&str> = CHECKS.iter().map(|(id, _)| *id).collect();
    if let Some(bad) = a.only.iter().find(|o| !ids.contains(&o.as_str())) {
        return Err(Usage(format!(
            "--only {bad}: no such check; the checks are {}",
            ids.join(", ")
        ))
        .into());
    }
    let threads = threads_or_default(a.threads)?;
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from("runs").join("validate"));
    // A report gets a folder of its own, written by one process at a time.
    let (_lock, _) = crate::io::folder::claim(&out, crate::io::folder::Kind::Validate, false)?;
    // A report left from an earlier suite must not pass for this one's.
    use crate::io::folder::{MANIFEST, REPORT_JSON, REPORT_MD};
    for f in [REPORT_MD, REPORT_JSON, MANIFEST] {
        let _ = std::fs::remove_file(out.join(f));
    }
    let n = if a.only.is_empty() {
        CHECKS.len()
    } else {
        a.only.len()
    };
    eprintln!(
        "senesim validate: {n} checks on {threads} threads → {}",
        out.display()
    );
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let t0 = Instant::now();
    let checks = with_threads(threads, || {
        run_checks(&out, &a.only, |c| {
            eprintln!(
                "  {} {:<22} {} ({:.1} s)",
                if c.passed { "pass" } else { "FAIL" },
                c.id,
                c.measured,
                c.seconds
            )
        })
    })?;
    let failed: Vec<&'static str> = checks.iter().filter(|c| !c.passed).map(|c| c.id).collect();
    let m = Manifest {
        senesim_version: env!("CARGO_PKG_VERSION"),
        threads,
        started_unix_s: started,
        wall_time_s: t0.elapsed().as_secs_f64(),
        checks: checks.len(),
        passed: checks.len() - failed.len(),
        failed: failed.clone(),
    };
    write_report(&out, &checks, &m)?;
    eprintln!(
        "{} of {} checks passed in {:.0} s; report: {}",
        m.passed,
        m.checks,
        m.wall_time_s,
        out.join(crate::io::folder::REPORT_MD).display()
    );
    if failed.is_empty() {
        Ok(0)
    } else {
        eprintln!("validation FAILED: {}", failed.join(", "));
        Ok(EXIT_FAILED_CHECK)
    }
}
