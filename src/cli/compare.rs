//! `senesim compare`.

use super::{default_out, signals, threads_or_default, CompareArgs, Stopped, Usage};
use crate::cancel::Cancel;
use crate::error::RunError;
use crate::study::compare::{arms_of, compare as run_compare, table, ArmSpec, CompareOptions};
use std::path::{Path, PathBuf};

pub fn compare(a: CompareArgs) -> anyhow::Result<i32> {
    let CompareArgs {
        scenario,
        replicates,
        threads,
        out,
        sets,
        quiet,
        no_plots,
        force,
    } = a;
    let plots = !no_plots;
    let threads = threads_or_default(threads)?;
    let (valid, arms) = prepare(&scenario, &sets, replicates)?;
    let loaded = valid.loaded();
    let out = out.unwrap_or_else(|| default_compare_out(&scenario));
    eprintln!(
        "senesim compare: {} — {} arms × {} replicates on {} threads → {}",
        crate::text::printable(&loaded.scenario.name),
        arms.len(),
        replicates,
        threads,
        out.display()
    );
    let cancel = Cancel::new();
    let opts = CompareOptions {
        replicates,
        threads,
        out: out.clone(),
        progress: !quiet,
        force,
        plotter: if plots { Some(draw_compare) } else { None },
        cancel: cancel.clone(),
    };
    signals::install(&cancel);
    let report = match run_compare(loaded, &arms, &opts) {
        Ok(r) => r,
        Err(RunError::Interrupted { .. }) => {
            return Err(Stopped(format!(
                "the comparison in {} is marked incomplete; finished replicates are saved: \
                 rerun the same command to continue",
                out.display()
            ))
            .into())
        }
        Err(e) => return Err(e.into()),
    };
    print!("{}", table(&report));
    eprintln!(
        "outputs: {}/{{comparison.json, runs.csv, timeseries.csv, table.txt{}}}",
        out.display(),
        if plots { ", plots/" } else { "" }
    );
    Ok(0)
}

/// `runs/<scenario file name>-compare`.
pub fn default_compare_out(scenario: &Path) -> PathBuf {
    let mut d = default_out(Some(scenario)).into_os_string();
    d.push("-compare");
    PathBuf::from(d)
}

/// The scenario and its arms, checked as `senesim compare` checks them:
/// `replicates` in range, every arm a valid scenario, and at least one arm
/// that differs from the untreated control.
pub fn prepare(
    scenario: &Path,
    sets: &[String],
    replicates: u64,
) -> anyhow::Result<(crate::scenario::Valid, Vec<ArmSpec>)> {
    if !(2..=crate::study::sweep::spec::MAX_REPLICATES).contains(&replicates) {
        return Err(Usage(format!(
            "--replicates {replicates}: must be between 2 and {} (a confidence interval needs at least 2)",
            crate::study::sweep::spec::MAX_REPLICATES
        ))
        .into());
    }
    let valid = super::run::load(Some(scenario), sets, None)?;
    let arms = arms_of(Some(scenario), sets, valid.loaded())?;
    if arms.iter().skip(1).all(|a| {
        serde_json::to_value(&a.scenario).ok() == serde_json::to_value(&arms[0].scenario).ok()
    }) {
        return Err(Usage(format!(
            "{}: every arm equals the untreated control (the scenario has no treatments, grafts or senolytics, and no [[arms]] that change it): there is nothing to compare",
            scenario.display()
        ))
        .into());
    }
    Ok((valid, arms))
}

pub fn draw_compare(dir: &std::path::Path) -> Result<Vec<PathBuf>, crate::error::PlotError> {
    crate::plot::compare::plot_compare(dir, crate::plot::figure::Format::Png)
}
