//! Continuing an interrupted run folder: from its checkpoint, or, when
//! every step was done and only the plots were left, by drawing them.

use super::folder::{run_world, Claim, ManifestRecord, Plotter, RunOptions, State};
use super::{with_threads, RunError};
use crate::cancel::Cancel;
use crate::error::{CheckpointError, FolderError, OutputError, PlotError};
use crate::io::folder::{self, Access, Kind};
use crate::io::output::write_json;
use crate::model::observe::Summary;
use crate::model::world::World;
use crate::run::checkpoint::{self, Checkpoint};
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

/// Continues the interrupted run in `dir`, on `threads` workers: from its
/// checkpoint (the outputs equal an uninterrupted run's), or, when every
/// step was done and only the plots were left, by drawing them.
pub fn resume_dir(
    dir: &Path,
    threads: usize,
    progress: bool,
    cancel: &Cancel,
    plotter: Option<&'static dyn Plotter>,
) -> Result<Summary, RunError> {
    let lock = folder::lock(dir, folder::LOCK, Access::Exclusive)?;
    let m = ManifestRecord::read(dir);
    let path = dir.join(checkpoint::FILE);
    if std::fs::symlink_metadata(&path).is_err() {
        if let Some(m) = m.filter(|m| {
            m.state == Some(State::Interrupted)
                && m.steps_done == m.steps_total
                && m.steps_total > 0
        }) {
            return finish_plots(dir, &m, lock, cancel, plotter);
        }
        return Err(FolderError::Refused {
            dir: dir.to_path_buf(),
            rule: "no checkpoint.bin: nothing to resume (a run saves one when interrupted, or with --checkpoint-every; \
                   a run killed outright has none: rerun its command to start it again)"
                .into(),
        }
        .into());
    }
    if folder::kind(dir) != Some(Kind::Run) {
        return Err(FolderError::Refused {
            dir: dir.to_path_buf(),
            rule: "is not a run folder (no run manifest.json beside checkpoint.bin)".into(),
        }
        .into());
    }
    let c = checkpoint::read(&path)?;
    let job = m.and_then(|m| m.sweep);
    let opts = RunOptions {
        out: dir.to_path_buf(),
        threads,
        progress,
        plotter: plotter.filter(|_| c.head.plots),
        snapshots: c.head.snapshots,
        checkpoint_every_h: c.head.checkpoint_every_h,
        job,
        force: false,
        cancel: cancel.clone(),
    };
    with_threads(threads, || resume_locked(c, &opts, lock))?
}

/// The checkpoint saved in `dir` by an interrupted run of exactly `s` (as
/// resolved, seed included) in this senesim version, if there is one.
pub fn checkpoint_of(dir: &Path, s: &Scenario) -> Option<Checkpoint> {
    let c = checkpoint::read(&dir.join(checkpoint::FILE)).ok()?;
    let same = serde_json::to_string(s).is_ok_and(|j| j == c.head.scenario_json);
    same.then_some(c)
}

/// Continues the run saved in `c` into `opts.out`, on the current rayon pool.
pub fn resume_in_dir(c: Checkpoint, opts: &RunOptions) -> Result<Summary, RunError> {
    let lock = folder::lock(&opts.out, folder::LOCK, Access::Exclusive)?;
    resume_locked(c, opts, lock)
}

fn resume_locked(
    c: Checkpoint,
    opts: &RunOptions,
    lock: folder::Lock,
) -> Result<Summary, RunError> {
    let bad = |rule: String| {
        RunError::Checkpoint(CheckpointError {
            path: opts.out.join(checkpoint::FILE),
            rule,
        })
    };
    let s = c.head.scenario().map_err(bad)?;
    let area = c.head.treated_area().map_err(bad)?;
    let w = World::restore(s, c.world).map_err(bad)?;
    let claim = Claim {
        _lock: lock,
        earlier: Vec::new(),
    };
    run_world(
        w,
        c.rows,
        &c.head.scenario_source,
        opts,
        area.as_ref(),
        claim,
    )
}

/// A run whose steps and tables are done and whose plots were interrupted:
/// draws the plots and marks it complete.
fn finish_plots(
    dir: &Path,
    m: &ManifestRecord,
    lock: folder::Lock,
    cancel: &Cancel,
    plotter: Option<&'static dyn Plotter>,
) -> Result<Summary, RunError> {
    let _lock = lock;
    let Some(plotter) = plotter else {
        return Err(FolderError::Refused {
            dir: dir.to_path_buf(),
            rule: "only its plots are left to draw, and no plotter was given".into(),
        }
        .into());
    };
    crate::io::output::remove_temporaries(&dir.join("plots"));
    let text = folder::read_manifest(dir).unwrap_or_default();
    let summary: Summary =
        crate::io::input::read_capped(&dir.join(crate::io::folder::SUMMARY), 64 << 20)
            .ok()
            .and_then(|b| serde_json::from_slice::<Summary>(&b).ok())
            .ok_or_else(|| FolderError::Refused {
                dir: dir.to_path_buf(),
                rule: "its steps are done but summary.json does not read: rerun its command".into(),
            })?;
    let mut files = m.files.clone();
    let mut manifest = text;
    let plots = plotter.planned(dir);
    files.extend(plots.iter().map(|p| folder::relative(dir, p)));
    files.sort();
    files.dedup();
    manifest["files"] = serde_json::json!(files);
    write_json(&dir.join(crate::io::folder::MANIFEST), &manifest)?;
    match plotter.draw(dir, cancel) {
        Ok(_) => {}
        Err(PlotError::Interrupted) => {
            return Err(RunError::Interrupted {
                step: m.steps_done,
                // Every step was done: the run's end.
                time_h: m.steps_done as f64 * m.scenario["run"]["dt_h"].as_f64().unwrap_or(1.0),
                checkpoint: Some(dir.to_path_buf()),
            });
        }
        Err(e) => return Err(plot_failure(e).into()),
    }
    manifest["completed"] = true.into();
    manifest["state"] = serde_json::json!(State::Complete);
    if let Some(o) = manifest.as_object_mut() {
        o.remove("stopped");
        o.remove("resume");
    }
    write_json(&dir.join(crate::io::folder::MANIFEST), &manifest)?;
    Ok(summary)
}

pub(super) fn plot_failure(e: PlotError) -> OutputError {
    match e {
        PlotError::Output(o) => o,
        PlotError::Input { dir, rule } => OutputError::Encode {
            path: dir,
            message: rule,
        },
        PlotError::Interrupted => OutputError::Encode {
            path: PathBuf::new(),
            message: "interrupted".into(),
        },
    }
}
