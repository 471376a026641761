//! Running a sweep into its folder: resumable, and sliced into shards.
//!
//! ```text
//!   DIR/sweep.json                 the sweep as resolved (points, seeds, fingerprints)
//!   DIR/runs/<run-id>/             one folder per run, as `senesim run` writes it
//!   DIR/manifest.json              this invocation (or manifest-shard-K-of-N.json)
//!   DIR/results.csv, points.csv    the tables (unsharded runs, and `merge`)
//! ```
//!
//! A run is done when its `manifest.json` says completed, carries this run's
//! id and scenario hash and this senesim version, and its `summary.json`
//! reads back. Anything else is run (again). Because a run folder is written
//! atomically file by file and its manifest last, a sweep killed at any
//! moment resumes with the same command.

use super::plan::{Job, Plan, SweepRecord};
use super::tables::write_tables;
use crate::error::{OutputError, SweepError};
use crate::io::output::write_json;
use crate::model::observe::Summary;
use crate::run::folder::{checkpoint_of, resume_in_dir};
use crate::run::{progress_bar, run_in_dir, JobLabel, ManifestRecord, RunOptions};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Instant;

/// The K-th (1-based) of N disjoint slices of a sweep's runs: runs whose
/// index i (point-major order) has i mod N = K − 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

impl Shard {
    pub const ALL: Shard = Shard { k: 1, n: 1 };
    pub fn contains(&self, job: &Job) -> bool {
        job.index as u64 % self.n == self.k - 1
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let rule = || format!("--shard {s}: expected K/N with 1 ≤ K ≤ N (e.g. 3/8)");
        let (k, n) = s.split_once('/').ok_or_else(rule)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| rule())?,
            n.trim().parse().map_err(|_| rule())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(rule());
        }
        Ok(Shard { k, n })
    }
}

pub struct SweepOptions {
    pub out: PathBuf,
    pub shard: Shard,
    pub threads: usize,
    pub force: bool,
    pub progress: bool,
    /// Stops the sweep (its runs at the end of a step) when cancelled.
    pub cancel: crate::cancel::Cancel,
    /// Draws each run's plots when the sweep file asks for them
    /// (`run_plots = true`).
    pub plotter: Option<&'static dyn crate::run::folder::Plotter>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Outcome {
    pub runs_in_shard: usize,
    pub runs_reused: usize,
    pub runs_done: usize,
    /// Of the runs done, those continued from the checkpoint of an
    /// interrupted attempt.
    pub runs_continued: usize,
    /// Whether results.csv and points.csv were written (unsharded sweeps).
    pub tables: bool,
}

#[derive(Serialize)]
struct SweepManifest<'a> {
    senesim_version: &'static str,
    sweep_file: &'a str,
    fingerprint: &'a str,
    shard: String,
    threads: usize,
    started_unix_s: u64,
    wall_time_s: f64,
    completed: bool,
    outcome: Option<Outcome>,
}

pub fn read_record(dir: &Path) -> Result<Option<SweepRecord>, SweepError> {
    let path = dir.join(crate::io::folder::SWEEP_RECORD);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| SweepError::Folder {
                dir: dir.to_path_buf(),
                rule: format!("sweep.json is not a sweep record ({e})"),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(OutputError::io(path)(e).into()),
    }
}

/// Makes `dir` this sweep's folder, or refuses a folder that holds another
/// sweep (unless `force`) or something that is not a sweep. Shards started
/// together on a fresh folder set it up one at a time (the `setup` lock),
/// so each finds either nothing or the complete sweep.json of the first.
pub fn prepare_folder(plan: &Plan, dir: &Path, force: bool) -> Result<(), SweepError> {
    crate::io::folder::check_kind(dir, crate::io::folder::Kind::Sweep, force)?;
    let _setup = crate::io::folder::lock_blocking(dir, crate::io::folder::SETUP_LOCK)?;
    let rec = &plan.record;
    match read_record(dir)? {
        Some(old) if old.fingerprint == rec.fingerprint => {}
        Some(old) if !force => {
            return Err(SweepError::Folder {
                dir: dir.to_path_buf(),
                rule: format!(
                    "holds sweep \"{}\" ({} points × {} replicates, fingerprint {}), but {} now resolves to a different sweep ({} points × {} replicates, fingerprint {}): \
                     its values, scenario or seeds changed. Use another --out, or --force to rerun it here (runs whose scenario and seed are unchanged are kept)",
                    old.name, old.points.len(), old.replicates, old.fingerprint,
                    plan.path.display(), rec.points.len(), rec.replicates, rec.fingerprint
                ),
            })
        }
        existing => {
            let occupied = !crate::io::folder::is_empty(dir);
            if occupied && !force && existing.is_none() {
                return Err(SweepError::Folder {
                    dir: dir.to_path_buf(),
                    rule: "is not empty and is not a sweep folder (no sweep.json); choose another --out, or --force to use it".into(),
                });
            }
            std::fs::create_dir_all(dir).map_err(OutputError::io(dir))?;
            write_json(&dir.join(crate::io::folder::SWEEP_RECORD), rec)?;
        }
    }
    std::fs::create_dir_all(dir.join("runs")).map_err(OutputError::io(dir.join("runs")))?;
    Ok(())
}

/// The summary of a completed run of `label` in `dir/runs`, if there is one.
pub fn completed(dir: &Path, label: &JobLabel) -> Option<Summary> {
    let run = dir.join("runs").join(&label.run_id);
    let m: ManifestRecord =
        serde_json::from_slice(&std::fs::read(run.join(crate::io::folder::MANIFEST)).ok()?).ok()?;
    let ok = m.completed
        && m.senesim_version == env!("CARGO_PKG_VERSION")
        && m.sweep.as_ref() == Some(label);
    if !ok {
        return None;
    }
    serde_json::from_slice(&std::fs::read(run.join(crate::io::folder::SUMMARY)).ok()?).ok()
}

/// Runs the shard's runs that are not yet done, in parallel; then, for an
/// unsharded sweep, writes the tables.
pub fn sweep(plan: &Plan, opts: &SweepOptions) -> Result<Outcome, SweepError> {
    let started = Instant::now();
    let started_unix_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let dir = &opts.out;
    // An unsharded sweep holds its folder alone; a shard holds it shared
    // with the other shards, and its own slice alone.
    crate::io::folder::check_kind(dir, crate::io::folder::Kind::Sweep, opts.force)?;
    use crate::io::folder::{lock, Access, LOCK};
    let _locks = if opts.shard == Shard::ALL {
        vec![lock(dir, LOCK, Access::Exclusive)?]
    } else {
        let mine = format!(".senesim-shard-{}-of-{}.lock", opts.shard.k, opts.shard.n);
        vec![
            lock(dir, LOCK, Access::Shared)?,
            lock(dir, &mine, Access::Exclusive)?,
        ]
    };
    prepare_folder(plan, dir, opts.force)?;
    let rec = &plan.record;
    let manifest_name = if opts.shard == Shard::ALL {
        crate::io::folder::MANIFEST.to_string()
    } else {
        format!("manifest-shard-{}-of-{}.json", opts.shard.k, opts.shard.n)
    };
    let manifest = |completed: bool, outcome: Option<Outcome>| SweepManifest {
        senesim_version: env!("CARGO_PKG_VERSION"),
        sweep_file: &rec.sweep_file,
        fingerprint: &rec.fingerprint,
        shard: format!("{}/{}", opts.shard.k, opts.shard.n),
        threads: opts.threads,
        started_unix_s,
        wall_time_s: started.elapsed().as_secs_f64(),
        completed,
        outcome,
    };
    write_json(&dir.join(&manifest_name), &manifest(false, None))?;

    let mine: Vec<Job> = rec
        .jobs()
        .into_iter()
        .filter(|j| opts.shard.contains(j))
        .collect();
    let todo: Vec<&Job> = mine
        .iter()
        .filter(|j| completed(dir, &j.label).is_none())
        .collect();
    let bar = progress_bar(opts.progress, todo.len() as u64, "runs");
    let pool_of = |threads: usize| crate::run::pool(threads).map_err(SweepError::Threads);
    // With at least as many runs as threads, each of `threads` workers takes
    // runs one at a time and runs each single-threaded (on its own one-thread
    // pool): the parallel loops inside a run then cost no hand-offs, and
    // exactly `threads` runs are in flight. (Runs started from inside a rayon
    // pool would not do: a worker waiting on another pool steals the next run
    // meanwhile, so every run starts at once and they oversubscribe the
    // cores.) Fewer runs than threads run one after another, each on all
    // threads.
    let solo = todo.len() >= opts.threads && opts.threads > 1;
    let (workers, per_run) = if solo {
        (opts.threads, 1)
    } else {
        (1, opts.threads)
    };
    let continued = AtomicUsize::new(0);
    let one = |job: &Job| -> Result<(), SweepError> {
        let s = plan.scenario(job);
        let run_opts = RunOptions {
            out: dir.join("runs").join(&job.label.run_id),
            threads: per_run,
            progress: false,
            plotter: opts.plotter.filter(|_| plan.run_plots),
            snapshots: plan.snapshots,
            checkpoint_every_h: None,
            job: Some(job.label.clone()),
            // The sweep's own run folders: a run of a changed point is replaced.
            force: true,
            cancel: opts.cancel.clone(),
        };
        let area = plan.treated_area(job);
        let source = &rec.base_scenario;
        // A run interrupted by a signal (e.g. a Slurm time limit) continues
        // from its checkpoint; anything else starts afresh.
        let ran = match checkpoint_of(&run_opts.out, &s) {
            Some(c) => {
                continued.fetch_add(1, Relaxed);
                resume_in_dir(c, &run_opts)
            }
            None => run_in_dir(&s, source, &run_opts, area),
        };
        ran.map_err(|e| SweepError::Run {
            run_id: job.label.run_id.clone(),
            source: Box::new(e),
        })?;
        if let Some(b) = &bar {
            b.inc(1);
        }
        Ok(())
    };
    let next = AtomicUsize::new(0);
    // The first error by run order, so the one reported does not depend on timing.
    let failed: Mutex<Option<(usize, SweepError)>> = Mutex::new(None);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let pool = match pool_of(per_run) {
                    Ok(p) => p,
                    Err(e) => {
                        stop.store(true, Relaxed);
                        let mut f = failed.lock().unwrap_or_else(|p| p.into_inner());
                        f.get_or_insert((0, e));
                        return;
                    }
                };
                while !stop.load(Relaxed) {
                    let i = next.fetch_add(1, Relaxed);
                    let Some(job) = todo.get(i) else { break };
                    if let Err(e) = pool.install(|| one(job)) {
                        stop.store(true, Relaxed);
                        let mut f = failed.lock().unwrap_or_else(|p| p.into_inner());
                        if f.as_ref().is_none_or(|(j, _)| i < *j) {
                            *f = Some((i, e));
                        }
                    }
                }
            });
        }
    });
    if let Some((_, e)) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let tables = opts.shard == Shard::ALL;
    crate::cancel::test_hold("tables", &opts.cancel);
    if tables {
        write_tables(rec, std::slice::from_ref(dir), dir)?;
    }
    let outcome = Outcome {
        runs_in_shard: mine.len(),
        runs_reused: mine.len() - todo.len(),
        runs_done: todo.len(),
        runs_continued: continued.into_inner(),
        tables,
    };
    write_json(&dir.join(&manifest_name), &manifest(true, Some(outcome)))?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_the_runs() {
        assert_eq!("3/8".parse::<Shard>().unwrap(), Shard { k: 3, n: 8 });
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let n = 4;
        let mut seen = [0; 23];
        for k in 1..=n {
            let s = Shard { k, n };
            for (i, c) in seen.iter_mut().enumerate() {
                let job = Job {
                    index: i,
                    point: 0,
                    replicate: 0,
                    arm: 0,
                    seed: 0,
                    label: JobLabel {
                        run_id: String::new(),
                        point: 0,
                        replicate: 0,
                        arm: String::new(),
                        scenario_hash: String::new(),
                    },
                };
                *c += s.contains(&job) as u32;
            }
        }
        assert!(
            seen.iter().all(|&c| c == 1),
            "every run in exactly one shard"
        );
    }
}
