//! Running a scenario: the step loop, and a run folder with its outputs.
//!
//! `drive` is the one step loop; what happens at output and snapshot times is
//! up to a `Sink`, so an in-memory run (`simulate`, for tests and paired
//! comparisons) and a run that writes a folder (`run_to_dir`) share it.

use crate::error::{OutputError, PlotError};
use crate::observe::{observe, summarise, Row, Summary};
use crate::output::{snapshot::write_vti, write_atomic, write_json, TimeseriesWriter};
use crate::plot;
use crate::scenario::{Loaded, Scenario};
use crate::sim::World;
use crate::treatment::treated_mask;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
}

/// What a run does at its output times.
pub trait Sink {
    fn row(&mut self, _world: &World, _row: &Row) -> Result<(), OutputError> {
        Ok(())
    }
    fn snapshot(&mut self, _world: &World) -> Result<(), OutputError> {
        Ok(())
    }
    fn progress(&mut self, _step: u64) {}
}

/// Runs `world` to its end. Rows at t = 0, every output interval, and at the
/// end; snapshots likewise at their own interval (or only at the end).
pub fn drive(world: &mut World, sink: &mut dyn Sink) -> Result<Vec<Row>, OutputError> {
    let total = world.scenario.steps();
    let out = world.scenario.output_stride();
    let snap = world.scenario.snapshot_stride();
    let mut rows = Vec::with_capacity((total / out + 2) as usize);
    let emit = |w: &World, rows: &mut Vec<Row>, sink: &mut dyn Sink| -> Result<(), OutputError> {
        let r = observe(w);
        sink.row(w, &r)?;
        rows.push(r);
        Ok(())
    };
    emit(world, &mut rows, sink)?;
    if snap.is_some() {
        sink.snapshot(world)?;
    }
    while !world.is_done() {
        world.step();
        let k = world.step;
        if k % out == 0 || k == total {
            emit(world, &mut rows, sink)?;
        }
        if snap.is_some_and(|s| k % s == 0) || (k == total && snap.is_none_or(|s| k % s != 0)) {
            sink.snapshot(world)?;
        }
        sink.progress(k);
    }
    Ok(rows)
}

struct Quiet;
impl Sink for Quiet {}

/// Runs a scenario in memory on the current rayon pool.
pub fn simulate(s: &Scenario) -> (Vec<Row>, Summary) {
    let mut w = World::new(s.clone());
    let mask = treated_mask(s, &w.grid);
    simulate_world(&mut w, mask.as_deref())
}

/// Runs a world in memory, reporting spread outside `treated`.
pub fn simulate_world(w: &mut World, treated: Option<&[bool]>) -> (Vec<Row>, Summary) {
    let rows = drive(w, &mut Quiet).expect("the in-memory sink does not fail");
    let summary = summarise(w, &rows, treated);
    (rows, summary)
}

/// A progress bar counting `unit`s with an ETA, only when asked and stderr is
/// a terminal.
pub fn progress_bar(show: bool, len: u64, unit: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    (show && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(len);
        b.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}} {unit} (eta {{eta}})"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    })
}

/// Runs `f` on a rayon pool of `threads` workers.
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T, RunError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads {
            threads,
            message: e.to_string(),
        })?;
    Ok(pool.install(f))
}

pub struct RunOptions {
    pub out: PathBuf,
    pub threads: usize,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
    /// Draw the run's plots into `plots/` (see `plot::run`).
    pub plots: bool,
    /// Write `snapshots/*.vti` (at the scenario's snapshot interval, or only at the end).
    pub snapshots: bool,
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
        let mut buf = Vec::new();
        write_vti(&mut buf, w).map_err(OutputError::io(&path))?;
        write_atomic(&path, &buf)
    }
    fn progress(&mut self, step: u64) {
        if let Some(b) = &self.bar {
            b.set_position(step);
        }
    }
}

/// Every file a run folder may hold; cleared before a run so that none is
/// mistaken for this run's.
const RUN_FILES: [&str; 3] = ["timeseries.csv", "timeseries.csv.partial", "summary.json"];

/// Removes the files of `sub` (a run's snapshots or plots) whose extension is
/// one of `exts`.
fn clear(dir: &std::path::Path, exts: &[&str]) {
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

/// Runs a resolved scenario and writes its folder: `timeseries.csv`,
/// `summary.json`, `manifest.json`, and as asked `snapshots/*.vti` and
/// `plots/`. Runs on a pool of `opts.threads`.
pub fn run_to_dir(loaded: &Loaded, opts: &RunOptions) -> Result<Summary, RunError> {
    let s = loaded.scenario.clone();
    let source = loaded.source.clone();
    let opts_ref = opts;
    with_threads(opts.threads, move || {
        run_in_dir(&s, &source, opts_ref, None)
    })?
    .map_err(RunError::from)
}

/// As `run_to_dir`, on the current rayon pool. `treated_area`: measure spread
/// outside this scenario's treated area instead of the run's own (a paired
/// control is measured on its treated arm's area).
pub fn run_in_dir(
    s: &Scenario,
    source: &str,
    opts: &RunOptions,
    treated_area: Option<&Scenario>,
) -> Result<Summary, OutputError> {
    let dir = &opts.out;
    std::fs::create_dir_all(dir).map_err(OutputError::io(dir))?;
    let started = Instant::now();
    let started_unix_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut outputs = vec!["timeseries.csv", "summary.json"];
    if opts.snapshots {
        outputs.push("snapshots/");
    }
    if opts.plots {
        outputs.push("plots/");
    }
    let manifest = |completed: bool, steps_done: u64| Manifest {
        senesim_version: env!("CARGO_PKG_VERSION"),
        scenario_source: source,
        seed: s.run.seed,
        threads: opts.threads,
        started_unix_s,
        wall_time_s: started.elapsed().as_secs_f64(),
        completed,
        steps_done,
        steps_total: s.steps(),
        outputs: outputs.clone(),
        sweep: opts.job.as_ref(),
        scenario: s,
    };
    // Mark the folder incomplete first, then clear an earlier run's outputs.
    write_json(&dir.join("manifest.json"), &manifest(false, 0))?;
    for stale in RUN_FILES {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    clear(&dir.join("snapshots"), &["vti"]);
    clear(&dir.join("plots"), &["png", "svg", "gif"]);
    if opts.snapshots {
        std::fs::create_dir_all(dir.join("snapshots")).map_err(OutputError::io(dir))?;
    }

    let bar = progress_bar(opts.progress, s.steps(), "h-steps");
    let mut sink = DirSink {
        dir: dir.clone(),
        ts: Some(TimeseriesWriter::create(dir)?),
        bar,
        snapshots: opts.snapshots,
    };
    let mut w = World::new(s.clone());
    let rows = drive(&mut w, &mut sink)?;
    if let Some(b) = &sink.bar {
        b.finish_and_clear();
    }
    if let Some(t) = sink.ts.take() {
        t.finish()?;
    }
    let mask = treated_mask(treated_area.unwrap_or(s), &w.grid);
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
    write_json(&dir.join("manifest.json"), &manifest(true, w.step))?;
    Ok(summary)
}
