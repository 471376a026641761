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
use crate::checkpoint::{self, Checkpoint, Head};
use crate::error::{OutputError, PlotError};
use crate::observe::{summarise, Row, Summary};
use crate::output::{snapshot::write_vti, write_atomic_with, write_json, TimeseriesWriter};
use crate::plot;
use crate::scenario::{Loaded, Scenario};
use crate::sim::World;
use crate::treatment::treated_mask;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct RunOptions {
    pub out: PathBuf,
    pub threads: usize,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
    /// Draw the run's plots into `plots/` (see `plot::run`).
    pub plots: bool,
    /// Write `snapshots/*.vti` (at the scenario's snapshot interval, or only at the end).
    pub snapshots: bool,
    /// Save `checkpoint.bin` every this many simulated hours.
    pub checkpoint_every_h: Option<f64>,
    /// The sweep job this run is, recorded in its manifest.
    pub job: Option<JobLabel>,
}

impl RunOptions {
    /// A single run as `senesim run` makes it: plots, snapshots, progress bar.
    pub fn single(out: PathBuf, threads: usize, progress: bool) -> Self {
        RunOptions {
            out,
            threads,
            progress,
            plots: true,
            snapshots: true,
            checkpoint_every_h: None,
            job: None,
        }
    }
}

/// Which sweep job a run folder holds, so a resumed or merged sweep can tell
/// its own completed runs from anything else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobLabel {
    pub run_id: String,
    pub point: usize,
    pub replicate: u64,
    pub arm: String,
    /// Fingerprint of the run's scenario and seed (see `sweep::plan`).
    pub scenario_hash: String,
}

#[derive(Serialize)]
struct Manifest<'a> {
    senesim_version: &'static str,
    scenario_source: &'a str,
    seed: u64,
    threads: usize,
    started_unix_s: u64,
    wall_time_s: f64,
    completed: bool,
    steps_done: u64,
    steps_total: u64,
    /// Why the run stopped before its end (absent when it ran or runs on).
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped: Option<String>,
    /// The step this process continued from (`senesim resume`).
    #[serde(skip_serializing_if = "Option::is_none")]
    resumed_from_step: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checkpoint_every_h: Option<f64>,
    outputs: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sweep: Option<&'a JobLabel>,
    scenario: &'a Scenario,
}

/// What a finished run's `manifest.json` is read back as.
#[derive(Deserialize)]
pub struct ManifestRecord {
    pub senesim_version: String,
    pub completed: bool,
    pub seed: u64,
    #[serde(default)]
    pub sweep: Option<JobLabel>,
    pub scenario: serde_json::Value,
}

struct DirSink {
    dir: PathBuf,
    ts: Option<TimeseriesWriter>,
    bar: Option<indicatif::ProgressBar>,
    snapshots: bool,
    /// Steps between checkpoints, and what a checkpoint says of its run.
    checkpoint: Option<(u64, Head)>,
}

impl Sink for DirSink {
    fn row(&mut self, _w: &World, row: &Row) -> Result<(), OutputError> {
        self.ts.as_mut().map_or(Ok(()), |t| t.push(row))
    }
    fn snapshot(&mut self, w: &World) -> Result<(), OutputError> {
        if !self.snapshots {
            return Ok(());
        }
        let dir = self.dir.join("snapshots");
        let path = dir.join(format!("snapshot_{:07}h.vti", w.now_h().round() as u64));
        write_atomic_with(&path, |f| write_vti(f, w).map_err(OutputError::io(&path)))
    }
    fn checkpoint(&mut self, w: &World, rows: &[Row]) -> Result<(), OutputError> {
        match &mut self.checkpoint {
            Some((every, head)) if w.step % *every == 0 => {
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

fn save_checkpoint(dir: &Path, head: &Head, w: &World, rows: &[Row]) -> Result<(), OutputError> {
    let c = Checkpoint {
        head: head.clone(),
        rows: rows.to_vec(),
        world: w.state(),
    };
    checkpoint::write(&dir.join(checkpoint::FILE), &c)
}

/// Every file a run folder may hold; cleared before a run so that none is
/// mistaken for this run's.
const RUN_FILES: [&str; 4] = [
    "timeseries.csv",
    "timeseries.csv.partial",
    "summary.json",
    checkpoint::FILE,
];

/// Removes the files of `dir` whose extension is one of `exts`.
fn clear(dir: &Path, exts: &[&str]) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.path()
                .extension()
                .is_some_and(|x| exts.iter().any(|y| x == *y))
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
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
    run_world(
        World::new(s.clone()),
        Vec::new(),
        source,
        opts,
        treated_area,
    )
}

/// As `run_to_dir`, but on the tissue saved in `from` (see `World::seeded`):
/// the scenario's treatments start at t = 0 on that tissue.
pub fn run_seeded(
    loaded: &Loaded,
    from: &Checkpoint,
    opts: &RunOptions,
) -> Result<Summary, RunError> {
    let t0 = from.time_h().map_err(|e| seed_error(opts, e))?;
    with_threads(opts.threads, || {
        let w = World::seeded(loaded.scenario.clone(), &from.world, t0)
            .map_err(|e| seed_error(opts, e))?;
        run_world(w, Vec::new(), &loaded.source, opts, None)
    })?
}

fn seed_error(opts: &RunOptions, message: String) -> RunError {
    RunError::Output(OutputError::Encode {
        path: opts.out.clone(),
        message,
    })
}

/// Continues the interrupted run in `dir` from its checkpoint, on `threads`
/// workers; the outputs equal an uninterrupted run's.
pub fn resume_dir(dir: &Path, threads: usize, progress: bool) -> Result<Summary, RunError> {
    let path = dir.join(checkpoint::FILE);
    let bad = |message: String| {
        RunError::Output(OutputError::Encode {
            path: path.clone(),
            message,
        })
    };
    let c = checkpoint::read(&path).map_err(bad)?;
    let job = std::fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<ManifestRecord>(&t).ok())
        .and_then(|m| m.sweep);
    let opts = RunOptions {
        out: dir.to_path_buf(),
        threads,
        progress,
        plots: c.head.plots,
        snapshots: c.head.snapshots,
        checkpoint_every_h: c.head.checkpoint_every_h,
        job,
    };
    with_threads(threads, || resume_in_dir(c, &opts))?
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
    let bad = |message: String| {
        RunError::Output(OutputError::Encode {
            path: opts.out.join(checkpoint::FILE),
            message,
        })
    };
    let s = c.head.scenario().map_err(bad)?;
    let area = c.head.treated_area().map_err(bad)?;
    let w = World::restore(s, c.world).map_err(bad)?;
    run_world(w, c.rows, &c.head.scenario_source, opts, area.as_ref())
}

/// Runs `w` on to its end in `opts.out`, `rows` being what it has reported
/// so far (none for a fresh run).
fn run_world(
    mut w: World,
    mut rows: Vec<Row>,
    source: &str,
    opts: &RunOptions,
    treated_area: Option<&Scenario>,
) -> Result<Summary, RunError> {
    let s = w.scenario.clone();
    let dir = &opts.out;
    std::fs::create_dir_all(dir).map_err(OutputError::io(dir))?;
    let started = Instant::now();
    let started_unix_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let resumed_from_step = (!rows.is_empty()).then_some(w.step);
    let mut outputs = vec!["timeseries.csv", "summary.json"];
    if opts.snapshots {
        outputs.push("snapshots/");
    }
    if opts.plots {
        outputs.push("plots/");
    }
    let manifest = |completed: bool, steps_done: u64, stopped: Option<String>| Manifest {
        senesim_version: env!("CARGO_PKG_VERSION"),
        scenario_source: source,
        seed: s.run.seed,
        threads: opts.threads,
        started_unix_s,
        wall_time_s: started.elapsed().as_secs_f64(),
        completed,
        steps_done,
        steps_total: s.steps(),
        stopped,
        resumed_from_step,
        checkpoint_every_h: opts.checkpoint_every_h,
        outputs: outputs.clone(),
        sweep: opts.job.as_ref(),
        scenario: &s,
    };
    // Mark the folder incomplete first, then clear an earlier run's outputs
    // (a resumed run keeps its snapshots and checkpoint) and any temporary
    // a killed writer left behind.
    write_json(&dir.join("manifest.json"), &manifest(false, w.step, None))?;
    for sub in ["", "snapshots", "plots"] {
        crate::output::remove_temporaries(&dir.join(sub));
    }
    if resumed_from_step.is_none() {
        for stale in RUN_FILES {
            let _ = std::fs::remove_file(dir.join(stale));
        }
        clear(&dir.join("snapshots"), &["vti"]);
    }
    clear(&dir.join("plots"), &["png", "svg", "gif"]);
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
        plots: opts.plots,
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
        checkpoint: every.map(|e| (e, head.clone())),
    };
    let result = drive(&mut w, &mut rows, &mut sink);
    if let Some(b) = &sink.bar {
        b.finish_and_clear();
    }
    match result {
        Ok(()) => {}
        Err(DriveError::Output(e)) => return Err(e.into()),
        Err(DriveError::Interrupted { step, time_h }) => {
            // The rows so far stay in timeseries.csv.partial (flushed row by row).
            drop(sink);
            save_checkpoint(dir, &head, &w, &rows)?;
            write_json(
                &dir.join("manifest.json"),
                &manifest(false, step, Some(format!("interrupted at t = {time_h} h"))),
            )?;
            return Err(RunError::Interrupted {
                step,
                time_h,
                checkpoint: Some(dir.clone()),
            });
        }
        Err(DriveError::Numerical(e)) => {
            drop(sink);
            write_json(
                &dir.join("manifest.json"),
                &manifest(false, e.step, Some(e.to_string())),
            )?;
            return Err(e.into());
        }
    }
    if let Some(t) = sink.ts.take() {
        t.finish()?;
    }
    let mask = treated_mask(treated_area.unwrap_or(&s), &w.grid);
    let summary = summarise(&w, &rows, mask.as_deref());
    write_json(&dir.join("summary.json"), &summary)?;
    if opts.plots {
        plot::run::plot_run(dir, plot::figure::Format::Png).map_err(|e| match e {
            PlotError::Output(o) => o,
            PlotError::Input { dir, rule } => OutputError::Encode {
                path: dir,
                message: rule,
            },
        })?;
    }
    // With --checkpoint-every, the final state is kept (to seed new arms
    // with `--from-checkpoint`); otherwise a finished run needs none.
    if opts.checkpoint_every_h.is_some() {
        save_checkpoint(dir, &head, &w, &rows)?;
    } else {
        let _ = std::fs::remove_file(dir.join(checkpoint::FILE));
    }
    write_json(&dir.join("manifest.json"), &manifest(true, w.step, None))?;
    Ok(summary)
}
