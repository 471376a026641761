//! `senesim run`, `senesim resume` and `senesim check`.

use super::{default_out, signals, threads_or_default, Stopped, Usage};
use crate::cancel::Cancel;
use crate::error::RunError;
use crate::model::observe::Summary;
use crate::run::{run_to_dir, RunOptions};
use crate::scenario::Builder;
use anyhow::Context;
use std::path::{Path, PathBuf};

pub struct RunArgs {
    pub scenario: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    pub sets: Vec<String>,
    pub quiet: bool,
    pub no_plots: bool,
    pub checkpoint_every: Option<f64>,
    pub from_checkpoint: Option<PathBuf>,
    pub force: bool,
}

/// The scenario named on the command line (or the built-in one), with its
/// `--set` overrides and `--seed`, validated.
pub fn load(
    path: Option<&Path>,
    sets: &[String],
    seed: Option<u64>,
) -> Result<crate::scenario::Valid, crate::error::ScenarioError> {
    let mut b = path.map_or_else(Builder::builtin, Builder::file);
    for s in sets {
        b = b.set_text(s.clone());
    }
    if let Some(s) = seed {
        b = b.seed(s);
    }
    b.build()
}

pub fn run(a: RunArgs) -> anyhow::Result<i32> {
    let valid = load(a.scenario.as_deref(), &a.sets, a.seed)?;
    let threads = threads_or_default(a.threads)?;
    if let Some(h) = a.checkpoint_every {
        if !(h.is_finite() && h > 0.0) {
            return Err(Usage(format!(
                "--checkpoint-every {h}: must be a positive number of hours"
            ))
            .into());
        }
    }
    let from = a
        .from_checkpoint
        .as_deref()
        .map(crate::run::checkpoint::read)
        .transpose()
        .context("--from-checkpoint")?;
    let out = a.out.unwrap_or_else(|| default_out(a.scenario.as_deref()));
    let cancel = Cancel::new();
    let mut opts = RunOptions::single(out.clone(), threads, !a.quiet);
    if !a.no_plots {
        opts.plotter = Some(&crate::plot::run::RUN_PLOTS);
    }
    opts.force = a.force;
    opts.checkpoint_every_h = a.checkpoint_every;
    opts.cancel = cancel.clone();
    let s = valid.scenario();
    eprintln!(
        "senesim: {} — {} days on {}×{} sites, seed {}, {} threads → {}",
        crate::text::printable(&s.name),
        s.run.days,
        s.grid.nx,
        s.grid.ny,
        s.run.seed,
        threads,
        out.display()
    );
    signals::install(&cancel);
    let result = match (&from, &a.from_checkpoint) {
        (Some(c), Some(path)) => crate::run::folder::run_seeded(valid.loaded(), c, path, &opts),
        _ => run_to_dir(valid.loaded(), &opts),
    };
    report(&out, result, !a.no_plots)
}

pub fn resume(dir: PathBuf, threads: Option<usize>, quiet: bool) -> anyhow::Result<i32> {
    let threads = threads_or_default(threads)?;
    let cancel = Cancel::new();
    signals::install(&cancel);
    eprintln!("senesim: resuming {} on {threads} threads", dir.display());
    let plots = crate::run::ManifestRecord::read(&dir).is_none_or(|m| m.scenario.is_object());
    report(
        &dir,
        crate::run::resume_dir(
            &dir,
            threads,
            !quiet,
            &cancel,
            Some(&crate::plot::run::RUN_PLOTS),
        ),
        plots,
    )
}

pub fn check(scenario: PathBuf, sets: Vec<String>) -> anyhow::Result<i32> {
    let valid = load(Some(&scenario), &sets, None)?;
    let t =
        toml::to_string_pretty(valid.scenario()).context("cannot print the resolved scenario")?;
    println!("# {} resolved: valid\n{t}", valid.source());
    Ok(0)
}

/// Reports how a run folder's run ended.
fn report(out: &Path, result: Result<Summary, RunError>, plots: bool) -> anyhow::Result<i32> {
    match result {
        Ok(s) => {
            eprintln!(
                "done: final senescent (arrested or deep) {:.1}%, deep senescent {:.1}%, transformed {}{}",
                100.0 * s.final_senescent_fraction,
                100.0 * s.final_deep_senescent_fraction,
                s.final_transformed,
                s.wound_closure_90_h.map_or(String::new(), |t| format!(
                    ", 90% wound closure at day {:.1}",
                    t / 24.0
                ))
            );
            eprintln!(
                "outputs: {}/{{timeseries.csv, summary.json, manifest.json, snapshots/, snapshots.pvd, fields.csv{}}}",
                out.display(),
                if plots { ", plots/" } else { "" }
            );
            Ok(0)
        }
        Err(e @ RunError::Interrupted { .. }) => Err(Stopped(e.to_string()).into()),
        Err(e @ (RunError::Folder(_) | RunError::Checkpoint(_))) => Err(e.into()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("run into {} failed", out.display()))),
    }
}
