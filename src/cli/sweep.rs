//! `senesim sweep` and `senesim merge`.

use super::{signals, threads_or_default, Stopped, Usage};
use crate::cancel::Cancel;
use crate::error::{RunError, SweepError};
use crate::study::sweep::slurm::{check_values, script, SlurmOptions};
use crate::study::sweep::{self, Shard, SweepOptions};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// Sweep file (TOML): base scenario, axes, replicates (see docs/sweeps.md).
    pub sweep: PathBuf,
    /// Sweep folder [default: runs/<sweep file name>-sweep].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a key of the base scenario at every point (repeatable;
    /// after the sweep file's own `set`, before the point's values).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Run only the K-th of N disjoint slices of the runs (K = 1..N),
    /// e.g. --shard $SLURM_ARRAY_TASK_ID/16; then `senesim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::study::sweep::Shard>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Use a folder made for a different sweep (runs whose scenario and
    /// seed are unchanged are kept), or a non-empty non-sweep folder.
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Write DIR/submit.sbatch, a Slurm job-array script for this sweep, and exit.
    #[arg(long)]
    pub emit_slurm: bool,
    /// Array tasks of the Slurm script [default: 8, at most one per run].
    #[arg(long, requires = "emit_slurm")]
    pub tasks: Option<u64>,
    /// Slurm --time of each task (e.g. 04:00:00).
    #[arg(long, requires = "emit_slurm")]
    pub slurm_time: Option<String>,
    /// Slurm partition.
    #[arg(long, requires = "emit_slurm")]
    pub partition: Option<String>,
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `runs/<sweep file name>-sweep`.
pub fn default_out(sweep: &Path) -> PathBuf {
    let stem = sweep
        .file_stem()
        .map_or("sweep".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("runs").join(format!("{stem}-sweep"))
}

pub fn run_sweep(a: SweepArgs) -> anyhow::Result<i32> {
    let cancel = Cancel::new();
    signals::install(&cancel);
    let threads = threads_or_default(a.threads)?;
    let plan = sweep::plan_with(&a.sweep, &a.sets)?;
    let rec = &plan.record;
    let out = a.out.unwrap_or_else(|| default_out(&a.sweep));
    if a.emit_slurm {
        let tasks = a.tasks.unwrap_or(8).min(rec.runs()).max(1);
        if a.tasks == Some(0) {
            return Err(Usage("--tasks 0: must be ≥ 1".into()).into());
        }
        let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("senesim"));
        let so = SlurmOptions {
            tasks,
            cpus_per_task: a.threads.unwrap_or(1),
            time: a.slurm_time.as_deref(),
            partition: a.partition.as_deref(),
        };
        let (sweep_abs, out_abs) = (absolute(&a.sweep), absolute(&out));
        check_values(&exe, &sweep_abs, &out_abs, &so).map_err(Usage)?;
        sweep::prepare_folder(&plan, &out, a.force)?;
        let text = script(&plan, &exe, &sweep_abs, &out_abs, &so);
        let path = out.join("submit.sbatch");
        std::fs::create_dir_all(out.join("slurm"))
            .map_err(crate::error::OutputError::io(out.join("slurm")))
            .and_then(|_| crate::io::output::write_atomic(&path, text.as_bytes()))?;
        eprintln!(
            "wrote {} ({} runs in {tasks} array tasks)\nsubmit: sbatch {}\nthen:   senesim merge {}",
            crate::text::printable(&path.display().to_string()),
            rec.runs(),
            crate::text::shell_word(&path),
            crate::text::shell_word(&out)
        );
        return Ok(0);
    }
    let shard = a.shard.unwrap_or(Shard::ALL);
    eprintln!(
        "senesim sweep: {} — {} points × {} arms × {} replicates = {} runs{} on {} thread(s) → {}",
        crate::text::printable(&rec.name),
        rec.points.len(),
        rec.arms.len(),
        rec.replicates,
        rec.runs(),
        if shard == Shard::ALL {
            String::new()
        } else {
            format!(" (shard {}/{})", shard.k, shard.n)
        },
        threads,
        out.display()
    );
    let opts = SweepOptions {
        out: out.clone(),
        shard,
        threads,
        force: a.force,
        progress: !a.quiet,
        cancel,
        plotter: Some(&crate::plot::run::RUN_PLOTS),
    };
    match sweep::sweep(&plan, &opts) {
        Ok(o) => {
            eprintln!(
                "done: {} runs in this {}, {} already complete, {} run now{}",
                o.runs_in_shard,
                if shard == Shard::ALL {
                    "sweep"
                } else {
                    "shard"
                },
                o.runs_reused,
                o.runs_done,
                if o.runs_continued > 0 {
                    format!(" ({} continued from checkpoints)", o.runs_continued)
                } else {
                    String::new()
                }
            );
            if o.tables {
                eprintln!(
                    "outputs: {}/{{results.csv, points.csv, sweep.json, runs/}}",
                    out.display()
                );
            } else {
                eprintln!("when every shard is done: senesim merge {}", out.display());
            }
            Ok(0)
        }
        Err(SweepError::Run { run_id, source }) if matches!(*source, RunError::Interrupted { .. }) => {
            Err(Stopped(format!(
                "run {run_id}: {source}; the same command continues the sweep (completed runs are kept)"
            ))
            .into())
        }
        Err(e) => Err(e.into()),
    }
}

pub fn run_merge(dirs: Vec<PathBuf>, out: Option<PathBuf>) -> anyhow::Result<i32> {
    let out = match (out, dirs.as_slice()) {
        (Some(o), _) => o,
        (None, [one]) => one.clone(),
        (None, _) => {
            return Err(
                Usage("merging several folders needs --out DIR for the tables".into()).into(),
            )
        }
    };
    let rec = sweep::merge(&dirs, &out)?;
    eprintln!(
        "merged {} runs of \"{}\" → {}/{{results.csv, points.csv}}",
        rec.runs(),
        crate::text::printable(&rec.name),
        out.display()
    );
    Ok(0)
}
