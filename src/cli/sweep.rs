//! `senesim sweep` and `senesim merge`.

use super::{threads_or_default, EXIT_INPUT, EXIT_RUN};
use crate::error::SweepError;
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

fn exit_for(e: &SweepError) -> i32 {
    match e {
        SweepError::Run { source, .. }
            if matches!(**source, crate::run::RunError::Interrupted { .. }) =>
        {
            super::EXIT_INTERRUPTED
        }
        SweepError::Claim(f) if !f.is_input() => EXIT_RUN,
        SweepError::Output(_) | SweepError::Threads(_) | SweepError::Run { .. } => EXIT_RUN,
        _ => EXIT_INPUT,
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

pub fn run_sweep(a: SweepArgs) -> i32 {
    super::signals::install();
    let threads = match threads_or_default(a.threads) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let plan = match sweep::plan(&a.sweep) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return exit_for(&e);
        }
    };
    let rec = &plan.record;
    let out = a.out.unwrap_or_else(|| {
        let stem = a
            .sweep
            .file_stem()
            .map_or("sweep".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("runs").join(format!("{stem}-sweep"))
    });
    if a.emit_slurm {
        let tasks = a.tasks.unwrap_or(8).min(rec.runs()).max(1);
        if a.tasks == Some(0) {
            eprintln!("error: --tasks 0: must be ≥ 1");
            return EXIT_INPUT;
        }
        let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("senesim"));
        let so = SlurmOptions {
            tasks,
            cpus_per_task: a.threads.unwrap_or(1),
            time: a.slurm_time.as_deref(),
            partition: a.partition.as_deref(),
        };
        let (sweep_abs, out_abs) = (absolute(&a.sweep), absolute(&out));
        if let Err(rule) = check_values(&exe, &sweep_abs, &out_abs, &so) {
            eprintln!("error: {rule}");
            return EXIT_INPUT;
        }
        if let Err(e) = sweep::prepare_folder(&plan, &out, a.force) {
            eprintln!("error: {e}");
            return exit_for(&e);
        }
        let text = script(&plan, &exe, &sweep_abs, &out_abs, &so);
        let path = out.join("submit.sbatch");
        let written = std::fs::create_dir_all(out.join("slurm"))
            .map_err(crate::error::OutputError::io(out.join("slurm")))
            .and_then(|_| crate::io::output::write_atomic(&path, text.as_bytes()));
        if let Err(e) = written {
            eprintln!("error: {e}");
            return EXIT_RUN;
        }
        eprintln!(
            "wrote {} ({} runs in {tasks} array tasks)\nsubmit: sbatch {}\nthen:   senesim merge {}",
            crate::text::printable(&path.display().to_string()),
            rec.runs(),
            crate::text::shell_word(&path),
            crate::text::shell_word(&out)
        );
        return 0;
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
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit_for(&e)
        }
    }
}

pub fn run_merge(dirs: Vec<PathBuf>, out: Option<PathBuf>) -> i32 {
    let out = match (out, dirs.as_slice()) {
        (Some(o), _) => o,
        (None, [one]) => one.clone(),
        (None, _) => {
            eprintln!("error: merging several folders needs --out DIR for the tables");
            return EXIT_INPUT;
        }
    };
    match sweep::merge(&dirs, &out) {
        Ok(rec) => {
            eprintln!(
                "merged {} runs of \"{}\" → {}/{{results.csv, points.csv}}",
                rec.runs(),
                rec.name,
                out.display()
            );
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit_for(&e)
        }
    }
}

/// Adds plots drawn later (`senesim plot DIR --svg`) to a run's manifest
/// `files`, so that a later run in the folder may replace them.
fn own_plots(dir: &Path, paths: &[PathBuf]) {
    let Some(mut m) = crate::io::folder::read_manifest(dir) else {
        return;
    };
    let mut files = crate::io::folder::owned_files(&m);
    files.extend(paths.iter().map(|p| crate::io::folder::relative(dir, p)));
    files.sort();
    files.dedup();
    m["files"] = serde_json::json!(files);
    let _ = crate::io::output::write_json(&dir.join(crate::io::folder::MANIFEST), &m);
}

pub fn run_plot(dir: PathBuf, metric: Option<String>, arm: Option<String>, svg: bool) -> i32 {
    use crate::error::PlotError;
    use crate::io::folder::Kind;
    use crate::plot::figure::Format;
    use crate::plot::sweep::{plot_sweep, SweepPlotOptions};
    use crate::plot::{compare::plot_compare, run::plot_run};
    let format = if svg { Format::Svg } else { Format::Png };
    let kind = crate::io::folder::kind(&dir);
    if kind != Some(Kind::Sweep) && (metric.is_some() || arm.is_some()) {
        eprintln!(
            "error: {}: --metric and --arm apply to sweep folders (with sweep.json) only",
            dir.display()
        );
        return EXIT_INPUT;
    }
    if kind == Some(Kind::Validate) {
        eprintln!(
            "error: {}: holds a validation report; its plots are drawn with it, in {} (see report.md); \
             `senesim plot` draws run, compare and sweep folders",
            dir.display(),
            dir.join("plots").display()
        );
        return EXIT_INPUT;
    }
    // Plots are written into the folder: one writer at a time (a sweep's
    // shards hold it shared, so a sweep still running is refused too).
    let _lock = match kind.map(|_| {
        crate::io::folder::lock(
            &dir,
            crate::io::folder::LOCK,
            crate::io::folder::Access::Exclusive,
        )
    }) {
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
        other => other,
    };
    let result = match kind {
        Some(Kind::Validate) => unreachable!("refused above"),
        Some(Kind::Sweep) => plot_sweep(
            &dir,
            &SweepPlotOptions {
                metric,
                arm,
                format,
            },
        ),
        Some(Kind::Compare) => plot_compare(&dir, format),
        Some(Kind::Run) => plot_run(&dir, format).inspect(|paths| own_plots(&dir, paths)),
        None => Err(PlotError::Input {
            dir: dir.clone(),
            rule: "not a senesim folder: expected a run (manifest.json), a comparison \
                   (comparison.json) or a sweep (sweep.json)"
                .into(),
        }),
    };
    match result {
        Ok(paths) => {
            for p in paths {
                eprintln!("wrote {}", p.display());
            }
            0
        }
        Err(e @ PlotError::Input { .. }) => {
            eprintln!("error: {e}");
            EXIT_INPUT
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_RUN
        }
    }
}
