//! A run that writes a folder: `timeseries.csv`, `summary.json`,
//! `manifest.json`, and as asked `snapshots/*.vti`, `plots/` and
//! `checkpoint.bin`; and `resume_dir`, which continues an interrupted one.
//!
//! `manifest.json` is written first with `completed: false` and rewritten
//! with `true` last. A run that stops early (SIGINT/SIGTERM, a numerical
//! failure) keeps what it wrote (`timeseries.csv.partial`, earlier
//! snapshots), rewrites its manifest with the step reached and why it
//! stopped, and, when interrupted, saves a checkpoint to resume from.

use super::{drive, progress_bar, with_threads, DriveError, RunError, Sink};
use crate::cancel::Cancel;
use crate::error::{CheckpointError, FolderError, OutputError, PlotError};
use crate::io::folder::{self, Kind};
use crate::io::output::snapshot::{write_pvd, write_vti};
use crate::io::output::{write_atomic_with, write_json, TimeseriesWriter};
use crate::model::observe::{summarise, Row, Summary};
use crate::model::treatment::treated_mask;
use crate::model::world::World;
use crate::run::checkpoint::{self, Checkpoint, Head};
use crate::scenario::{Loaded, Scenario};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::manifest::Manifest;
pub use super::manifest::{JobLabel, ManifestRecord, State};
use super::resume::plot_failure;
pub use super::resume::{checkpoint_of, resume_dir, resume_in_dir};

pub struct RunOptions {
    pub out: PathBuf,
    pub threads: usize,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
    /// Draws the run's plots into `plots/` at its end (`plot::run::RUN_PLOTS`;
    /// None: no plots). Running does not depend on plotting: the caller
    /// chooses.
    pub plotter: Option<&'static dyn Plotter>,
    /// Write `snapshots/*.vti` (at the scenario's snapshot interval, or only at the end).
    pub snapshots: bool,
    /// Save `checkpoint.bin` every this many simulated hours.
    pub checkpoint_every_h: Option<f64>,
    /// The sweep job this run is, recorded in its manifest.
    pub job: Option<JobLabel>,
    /// Replace a run of another scenario or seed in `out`, or write into a
    /// non-empty folder senesim did not make (touching only its own file names).
    pub force: bool,
    /// Stops the run at the end of a step (or between plots) when cancelled.
    pub cancel: Cancel,
}

impl RunOptions {
    fn plots(&self) -> bool {
        self.plotter.is_some()
    }

    /// A single run as `senesim run` makes it: snapshots, progress bar (and
    /// plots, if a plotter is set).
    pub fn single(out: PathBuf, threads: usize, progress: bool) -> Self {
        RunOptions {
            out,
            threads,
            progress,
            plotter: None,
            snapshots: true,
            checkpoint_every_h: None,
            job: None,
            force: false,
            cancel: Cancel::new(),
        }
    }
}

/// Draws a run folder's plots, for `run_world` at the end of a run and for
/// `resume` (the plotting lives in `plot`, which reads folders; this keeps
/// running independent of it).
pub trait Plotter: Sync {
    /// The files `draw` would write for the folder as it is now.
    fn planned(&self, dir: &Path) -> Vec<PathBuf>;
    /// Draws them; ends between two figures with `PlotError::Interrupted`
    /// when `cancel` is cancelled.
    fn draw(&self, dir: &Path, cancel: &Cancel) -> Result<Vec<PathBuf>, PlotError>;
}

struct DirSink {
    dir: PathBuf,
    ts: Option<TimeseriesWriter>,
    bar: Option<indicatif::ProgressBar>,
    snapshots: bool,
    /// The times of the run's snapshots (h), for `snapshots.pvd`.
    snapshot_times: Vec<f64>,
    /// Steps between checkpoints, and what a checkpoint says of its run.
    checkpoint: Option<(u64, Head)>,
}

/// The collection of a run's snapshots with their times (ParaView).
pub const SNAPSHOT_COLLECTION: &str = "snapshots.pvd";

/// The times (h) of the snapshots of a run of `s`.
fn snapshot_times(s: &Scenario) -> Vec<f64> {
    s.snapshot_steps()
        .into_iter()
        .map(|k| k as f64 * s.run.dt_h)
        .collect()
}

/// A snapshot's path in a run folder, by its time: whole hours
/// `snapshot_0000168h.vti`; a time within an hour (Δt below 1 h) adds its
/// seconds, `snapshot_0000000h1800s.vti`, so that no two snapshots of a run
/// share a name and the names sort in time order.
pub fn snapshot_name(time_h: f64) -> String {
    let secs = (time_h * 3600.0).round() as u64;
    let (h, s) = (secs / 3600, secs % 3600);
    if s == 0 {
        format!("snapshots/snapshot_{h:07}h.vti")
    } else {
        format!("snapshots/snapshot_{h:07}h{s:04}s.vti")
    }
}

impl Sink for DirSink {
    fn row(&mut self, _w: &World, row: &Row) -> Result<(), OutputError> {
        self.ts.as_mut().map_or(Ok(()), |t| t.push(row))
    }
    fn snapshot(&mut self, w: &World) -> Result<(), OutputError> {
        if !self.snapshots {
            return Ok(());
        }
        let path = self.dir.join(snapshot_name(w.now_h()));
        write_atomic_with(&path, |f| write_vti(f, w).map_err(OutputError::io(&path)))?;
        // The collection lists the snapshots written so far (a resumed run
        // kept its earlier ones), each with its real time.
        let written: Vec<(f64, String)> = self
            .snapshot_times
            .iter()
            .filter(|&&t| t <= w.now_h())
            .map(|&t| (t, snapshot_name(t)))
            .collect();
        let pvd = self.dir.join(SNAPSHOT_COLLECTION);
        write_atomic_with(&pvd, |f| {
            write_pvd(f, &written).map_err(OutputError::io(&pvd))
        })
    }
    fn checkpoint(&mut self, w: &World, rows: &[Row]) -> Result<(), OutputError> {
        match &mut self.checkpoint {
            Some((every, head)) if w.step.is_multiple_of(*every) => {
                save_checkpoint(&self.dir, head, w, rows)
            }
            _ => Ok(()),
        }
    }
    fn progress(&mut self, step: u64) {
        if let Some(b) = &self.bar {
            b.set_position(step);
        }
    }
}

pub(super) fn save_checkpoint(
    dir: &Path,
    head: &Head,
    w: &World,
    rows: &[Row],
) -> Result<(), OutputError> {
    let c = Checkpoint {
        head: head.clone(),
        rows: rows.to_vec(),
        world: w.state(),
    };
    checkpoint::write(&dir.join(checkpoint::FILE), &c)
}

/// Every file a run of `s` with `opts` may write before its plots: the
/// manifest lists them from the start, so that whatever moment the run is
/// stopped at, each file it left is one its manifest owns.
fn planned_files(s: &Scenario, opts: &RunOptions) -> Vec<String> {
    let mut f: Vec<String> = [
        folder::MANIFEST,
        folder::TIMESERIES,
        folder::TIMESERIES_PARTIAL,
        folder::SUMMARY,
        checkpoint::FILE,
    ]
    .map(String::from)
    .to_vec();
    if opts.snapshots {
        f.extend(snapshot_times(s).into_iter().map(snapshot_name));
        f.push(SNAPSHOT_COLLECTION.into());
        f.push(folder::FIELDS.into());
    }
    f
}

/// Runs a resolved scenario and writes its folder. Runs on a pool of
/// `opts.threads`.
pub fn run_to_dir(loaded: &Loaded, opts: &RunOptions) -> Result<Summary, RunError> {
    with_threads(opts.threads, || {
        run_in_dir(&loaded.scenario, &loaded.source, opts, None)
    })?
}

/// As `run_to_dir`, on the current rayon pool. `treated_area`: measure spread
/// outside this scenario's treated area instead of the run's own (a paired
/// control is measured on its treated arm's area).
pub fn run_in_dir(
    s: &Scenario,
    source: &str,
    opts: &RunOptions,
    treated_area: Option<&Scenario>,
) -> Result<Summary, RunError> {
    let lock = claim_fresh(s, opts)?;
    run_world(
        World::new(s.clone()),
        Vec::new(),
        source,
        opts,
        treated_area,
        lock,
    )
}

/// As `run_to_dir`, but on the tissue saved in the checkpoint `from` (read
/// from `path`; see `World::seeded`): the scenario's treatments start at
/// t = 0 on that tissue. Its grid must be the scenario's.
pub fn run_seeded(
    loaded: &Loaded,
    from: &Checkpoint,
    path: &Path,
    opts: &RunOptions,
) -> Result<Summary, RunError> {
    let bad = |rule: String| {
        RunError::Checkpoint(CheckpointError {
            path: path.to_path_buf(),
            rule,
        })
    };
    let saved = from.head.scenario().map_err(bad)?;
    let g = &loaded.scenario.grid;
    if (saved.grid.nx, saved.grid.ny, saved.grid.site_um) != (g.nx, g.ny, g.site_um) {
        return Err(bad(format!(
            "its tissue is {}×{} sites of {} µm; {} has grid {}×{} of {} µm (rule: grid.nx, grid.ny and grid.site_um must match the checkpoint's)",
            saved.grid.nx, saved.grid.ny, saved.grid.site_um, loaded.source, g.nx, g.ny, g.site_um
        )));
    }
    let t0 = from.time_h().map_err(|e| seed_error(opts, e))?;
    with_threads(opts.threads, || {
        let lock = claim_fresh(&loaded.scenario, opts)?;
        let w = World::seeded(loaded.scenario.clone(), &from.world, t0)
            .map_err(|e| seed_error(opts, e))?;
        run_world(w, Vec::new(), &loaded.source, opts, None, lock)
    })?
}

fn seed_error(opts: &RunOptions, rule: String) -> RunError {
    RunError::Checkpoint(CheckpointError {
        path: opts.out.clone(),
        rule,
    })
}

/// Locks `opts.out` for a fresh run of `s` and clears what an earlier run
/// there owned: refuses a folder in use, one holding anything but a run,
/// a run of another scenario or seed (unless `force`), and a non-empty
/// folder senesim did not make (unless `force`).
fn claim_fresh(s: &Scenario, opts: &RunOptions) -> Result<Claim, RunError> {
    let dir = &opts.out;
    let (lock, earlier) = folder::claim(dir, Kind::Run, opts.force)?;
    let mut owned = Vec::new();
    if let Some(m) = earlier {
        let same = serde_json::to_value(s).is_ok_and(|v| v == m["scenario"]);
        if !same && !opts.force {
            let seed = m["seed"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| m["seed"].to_string());
            return Err(FolderError::Refused {
                dir: dir.clone(),
                rule: format!(
                    "holds a run of \"{}\" (seed {seed}); this run would overwrite it \
                     (rule: a run folder holds one scenario and seed; choose another --out, or pass --force)",
                    crate::text::printable(m["scenario"]["name"].as_str().unwrap_or("?")),
                ),
            }
            .into());
        }
        owned = folder::owned_files(&m);
    }
    Ok(Claim {
        _lock: lock,
        earlier: owned,
    })
}

/// A folder locked for this run, and the files an earlier run there owned.
pub struct Claim {
    /// Held until the run returns (released on drop).
    pub(super) _lock: folder::Lock,
    pub(super) earlier: Vec<String>,
}

/// Runs `w` on to its end in `opts.out`, `rows` being what it has reported
/// so far (none for a fresh run). The folder is locked (`claim`) until the
/// run returns.
pub(super) fn run_world(
    mut w: World,
    mut rows: Vec<Row>,
    source: &str,
    opts: &RunOptions,
    treated_area: Option<&Scenario>,
    claim: Claim,
) -> Result<Summary, RunError> {
    let s = w.scenario.clone();
    let dir = &opts.out;
    let started = Instant::now();
    let started_unix_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let resumed_from_step = (!rows.is_empty()).then_some(w.step);
    let mut outputs = vec![folder::TIMESERIES, folder::SUMMARY];
    if opts.snapshots {
        outputs.extend(["snapshots/", SNAPSHOT_COLLECTION, folder::FIELDS]);
    }
    if opts.plots() {
        outputs.push("plots/");
    }
    // The files this run may write, and (until they are gone) those an
    // earlier run here owned: whenever the run stops, its manifest owns
    // every file in the folder that senesim wrote.
    let mut files = planned_files(&s, opts);
    if resumed_from_step.is_some() {
        if let Some(m) = ManifestRecord::read(dir) {
            files.extend(m.files.into_iter().filter(|f| !f.starts_with("plots/")));
        }
    }
    files.extend(claim.earlier.iter().cloned());
    files.sort();
    files.dedup();
    let sasp_solver = w.sasp.name();
    let manifest = |state: State,
                    steps_done: u64,
                    stopped: Option<String>,
                    resume: Option<String>,
                    files: &[String]| {
        let m = Manifest {
            kind: Kind::Run.name(),
            senesim_version: env!("CARGO_PKG_VERSION"),
            scenario_source: source,
            seed: s.run.seed,
            threads: opts.threads,
            simd: crate::model::simd::name(),
            sasp_solver,
            started_unix_s,
            wall_time_s: started.elapsed().as_secs_f64(),
            completed: state == State::Complete,
            state,
            steps_done,
            steps_total: s.steps(),
            stopped,
            resume,
            resumed_from_step,
            checkpoint_every_h: opts.checkpoint_every_h,
            outputs: outputs.clone(),
            files,
            sweep: opts.job.as_ref(),
            scenario: &s,
        };
        write_json(&dir.join(crate::io::folder::MANIFEST), &m)
    };
    // Mark the folder as this run's first, then clear what an earlier run
    // owned (a resumed run keeps its snapshots and checkpoint) and any
    // temporary a killed writer left behind.
    manifest(State::Running, w.step, None, None, &files)?;
    for sub in ["", "snapshots", "plots"] {
        crate::io::output::remove_temporaries(&dir.join(sub));
    }
    if resumed_from_step.is_none() {
        folder::remove_owned(dir, &claim.earlier);
    } else {
        let plots: Vec<String> = claim
            .earlier
            .iter()
            .filter(|f| f.starts_with("plots/"))
            .cloned()
            .collect();
        folder::remove_owned(dir, &plots);
    }
    if opts.snapshots {
        std::fs::create_dir_all(dir.join("snapshots")).map_err(OutputError::io(dir))?;
    }
    let mut ts = TimeseriesWriter::create(dir)?;
    for r in &rows {
        ts.push(r)?;
    }
    let head = Head {
        senesim_version: env!("CARGO_PKG_VERSION").into(),
        scenario_json: serde_json::to_string(&s).map_err(|e| OutputError::Encode {
            path: dir.join(checkpoint::FILE),
            message: e.to_string(),
        })?,
        treated_area_json: treated_area.and_then(|a| serde_json::to_string(a).ok()),
        scenario_source: source.to_string(),
        snapshots: opts.snapshots,
        plots: opts.plots(),
        checkpoint_every_h: opts.checkpoint_every_h,
    };
    let every = opts
        .checkpoint_every_h
        .map(|h| ((h / s.run.dt_h).round() as u64).max(1));
    let bar = progress_bar(opts.progress, s.steps(), "h-steps");
    if let Some(b) = &bar {
        b.set_position(w.step);
    }
    let mut sink = DirSink {
        dir: dir.clone(),
        ts: Some(ts),
        bar,
        snapshots: opts.snapshots,
        snapshot_times: snapshot_times(&s),
        checkpoint: every.map(|e| (e, head.clone())),
    };
    let result = drive(&mut w, &mut rows, &mut sink, &opts.cancel);
    if let Some(b) = &sink.bar {
        b.finish_and_clear();
    }
    let failed = |step: u64, why: String, files: &[String]| {
        manifest(State::Failed, step, Some(why), None, files)
    };
    match result {
        Ok(()) => {}
        Err(DriveError::Output(e)) => {
            drop(sink);
            failed(w.step, e.to_string(), &files)?;
            return Err(e.into());
        }
        Err(DriveError::Interrupted { step, time_h }) => {
            // The rows so far stay in timeseries.csv.partial (flushed row by row).
            drop(sink);
            save_checkpoint(dir, &head, &w, &rows)?;
            manifest(
                State::Interrupted,
                step,
                Some(format!("interrupted at t = {time_h} h")),
                Some(format!("senesim resume {}", crate::text::shell_word(dir))),
                &files,
            )?;
            return Err(RunError::Interrupted {
                step,
                time_h,
                checkpoint: Some(dir.clone()),
            });
        }
        Err(DriveError::Numerical(e)) => {
            drop(sink);
            failed(e.step, e.to_string(), &files)?;
            return Err(e.into());
        }
        Err(DriveError::NonFinite(e)) => {
            drop(sink);
            failed(e.step, e.to_string(), &files)?;
            return Err(e.into());
        }
    }
    // The tables: short, written whole (a signal now is acted on after them).
    crate::cancel::test_hold("tables", &opts.cancel);
    if let Some(t) = sink.ts.take() {
        t.finish()?;
    }
    let mask = treated_mask(treated_area.unwrap_or(&s), &w.grid);
    let summary = summarise(&w, &rows, mask.as_deref());
    if let Some((key, value)) = crate::io::output::finite::first_non_finite(&summary) {
        let e = crate::error::NonFiniteError {
            quantity: format!("the summary's `{key}`"),
            step: w.step,
            time_h: w.now_h(),
            value,
        };
        failed(w.step, e.to_string(), &files)?;
        return Err(e.into());
    }
    write_json(&dir.join(crate::io::folder::SUMMARY), &summary)?;
    if opts.snapshots {
        crate::io::output::write_field_trace(&dir.join(folder::FIELDS), &w.trace)?;
    }
    // With --checkpoint-every, the final state is kept (to seed new arms
    // with `--from-checkpoint`); otherwise a finished run needs none.
    if opts.checkpoint_every_h.is_some() {
        save_checkpoint(dir, &head, &w, &rows)?;
    } else {
        let _ = std::fs::remove_file(dir.join(checkpoint::FILE));
    }
    if let Some(plotter) = opts.plotter {
        let plots = plotter.planned(dir);
        files.extend(plots.iter().map(|p| folder::relative(dir, p)));
        files.sort();
        files.dedup();
        let plotting = |why: &str| {
            manifest(
                State::Interrupted,
                w.step,
                Some(why.into()),
                Some(format!(
                    "senesim resume {} (every step is done: it draws the plots)",
                    crate::text::shell_word(dir)
                )),
                &files,
            )
        };
        // Until the plots are drawn, the folder says how to finish it.
        plotting("the plots were being drawn")?;
        match plotter.draw(dir, &opts.cancel) {
            Ok(_) => {}
            Err(PlotError::Interrupted) => {
                crate::io::output::remove_temporaries(&dir.join("plots"));
                plotting("interrupted while drawing the plots")?;
                return Err(RunError::Interrupted {
                    step: w.step,
                    time_h: w.now_h(),
                    checkpoint: Some(dir.clone()),
                });
            }
            Err(e) => {
                let e = plot_failure(e);
                failed(w.step, e.to_string(), &files)?;
                return Err(e.into());
            }
        }
    }
    manifest(State::Complete, w.step, None, None, &files)?;
    Ok(summary)
}
