//! The command line: parsing with clap, then one path into the library.
//!
//! `run` dispatches a command and returns its exit status or an error;
//! `main_with` prints the error chain once and maps it to an exit status
//! (`exit_code`). anyhow is used here only, at the binary's edge: the
//! library's errors are typed (`crate::error`).

pub mod compare;
mod plot;
pub mod run;
pub mod signals;
pub mod sweep;
pub mod validate;

use crate::error::{CheckpointError, FolderError, RunError, ScenarioError, SweepError};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "senesim",
    version,
    about = "Senescence spread, SASP and MSC secretome treatments in tissue: an agent-based simulator"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario and write its outputs and plots.
    Run {
        /// Scenario file (TOML). Without it, the built-in default scenario
        /// (scenarios/default.toml: aged skin treated with young-MSC EVs).
        scenario: Option<PathBuf>,
        /// Output folder [default: runs/<scenario file name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Base seed (same as --set run.seed=N): any seed senesim printed or wrote.
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads [default: all cores]. Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Override a key: --set fields.sasp.decay=8 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Skip the plots (plots/); `senesim plot DIR` draws them later.
        #[arg(long)]
        no_plots: bool,
        /// Save the full state to OUT/checkpoint.bin every HOURS of simulated
        /// time (an interrupted run saves one anyway); `senesim resume OUT`
        /// continues it.
        #[arg(long, value_name = "HOURS")]
        checkpoint_every: Option<f64>,
        /// Start from the tissue saved in a checkpoint (cells and EV/CM fields
        /// at its time, which becomes t = 0) and apply this scenario's
        /// treatments to it; the grid must match.
        #[arg(long, value_name = "FILE")]
        from_checkpoint: Option<PathBuf>,
        /// Replace a run of another scenario or seed in the output folder
        /// (only the files its manifest lists), or write into a non-empty
        /// folder senesim did not make (only senesim's own file names).
        #[arg(long)]
        force: bool,
    },
    /// Continue an interrupted run from DIR/checkpoint.bin; its outputs equal
    /// an uninterrupted run's, bit for bit.
    Resume {
        /// The run folder.
        dir: PathBuf,
        /// Worker threads [default: all cores]. Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Compare the treated arm (and any [[arms]]) with the untreated control
    /// over paired replicates; print the table, write comparison.json, every
    /// run's time series and plots/.
    Compare(CompareArgs),
    /// Run a parameter sweep (or one shard of it) into a folder; resumable.
    /// Writes runs/<run-id>/ per run, then results.csv and points.csv.
    Sweep(sweep::SweepArgs),
    /// Combine the shard folders of one sweep into results.csv and points.csv
    /// (identical to an unsharded run's).
    Merge {
        /// Sweep folders (one shared folder, or one per shard).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the tables [default: the folder, if only one].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Plot a run, compare or sweep folder into DIR/plots/. Run: time series,
    /// maps at each snapshot, phenotype.gif. Compare: arms over time with 95%
    /// bands, paired effects with CIs. Sweep: phase diagram and verdict map
    /// (two varied keys) or response curves with 95% bands (one); otherwise
    /// (Latin hypercube, more keys) the metric against each key.
    Plot {
        /// A folder written by `senesim run`, `compare` or `sweep`.
        dir: PathBuf,
        /// Sweeps only: metric of points.csv to plot, or `effect` (paired
        /// sweeps) [default: final_senescent_fraction].
        #[arg(long)]
        metric: Option<String>,
        /// Sweeps only: arm to plot [default: treated].
        #[arg(long)]
        arm: Option<String>,
        /// Write SVG instead of PNG.
        #[arg(long)]
        svg: bool,
    },
    /// Verify the numerics and the model: analytic field solutions,
    /// convergence, mass balance, boundaries, waiting-time distributions,
    /// the mean-field limit, saturating clearance, lesion containment and
    /// determinism. Writes OUT/report.md (pass/fail, tolerance, figure and
    /// plot per check); exits 3 if a check fails.
    Validate(validate::ValidateArgs),
    /// Validate a scenario and print it as resolved (every key, with defaults).
    Check {
        scenario: PathBuf,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
}

/// Exit status for errors in the user's input (scenario, arguments, a
/// folder that cannot be used).
pub const EXIT_INPUT: i32 = 2;
/// Exit status for failures while running (e.g. an output folder not writable).
pub const EXIT_RUN: i32 = 1;
/// Exit status of a run stopped by SIGINT or SIGTERM (128 + SIGINT).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Most worker threads a command takes (`--threads`): beyond the cores
/// they only cost memory (a stack each) and start-up time.
pub const MAX_THREADS: usize = 1024;

/// A command line that asks for something impossible (`--threads 0`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// A run stopped by a signal, as the command reports it (exit 130).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Stopped(pub String);

#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Replicates per arm (≥ 2 for a confidence interval).
    #[arg(long, default_value_t = 8)]
    pub replicates: u64,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder [default: runs/<scenario file name>-compare].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a key in every arm (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Skip the plots (plots/); `senesim plot DIR` draws them later.
    #[arg(long)]
    pub no_plots: bool,
    /// Overwrite an output folder that holds another comparison, a run or a sweep.
    #[arg(long)]
    pub force: bool,
}

/// Runs a parsed command line: its exit status, or the error that ended it.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Run {
            scenario,
            out,
            seed,
            threads,
            sets,
            quiet,
            no_plots,
            checkpoint_every,
            from_checkpoint,
            force,
        } => run::run(run::RunArgs {
            scenario,
            out,
            seed,
            threads,
            sets,
            quiet,
            no_plots,
            checkpoint_every,
            from_checkpoint,
            force,
        }),
        Command::Resume {
            dir,
            threads,
            quiet,
        } => run::resume(dir, threads, quiet),
        Command::Check { scenario, sets } => run::check(scenario, sets),
        Command::Compare(args) => compare::compare(args),
        Command::Sweep(args) => sweep::run_sweep(args),
        Command::Merge { dirs, out } => sweep::run_merge(dirs, out),
        Command::Plot {
            dir,
            metric,
            arm,
            svg,
        } => plot::plot(dir, metric, arm, svg),
        Command::Validate(args) => validate::run_validate(args),
    }
}

/// Runs a parsed command line; prints its error, if any, once (with its
/// chain) and returns the exit status.
pub fn main_with(cli: Cli) -> i32 {
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let code = exit_code(&e);
            let what = if code == EXIT_INTERRUPTED {
                "stopped"
            } else {
                "error"
            };
            eprintln!("{what}: {}", message(&e));
            code
        }
    }
}

/// An error and its causes, each cause once: most errors already quote
/// their source in their own message, which `{:#}` would repeat.
pub fn message(e: &anyhow::Error) -> String {
    let mut m = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !m.contains(&c) {
            m.push_str(": ");
            m.push_str(&c);
        }
    }
    m
}

/// The exit status an error ends the program with: 2 for what the user can
/// fix in their input (scenario, arguments, folder, checkpoint), 130 for a
/// stop by a signal, 1 for a failure while running.
pub fn exit_code(e: &anyhow::Error) -> i32 {
    for cause in e.chain() {
        if cause.is::<Stopped>() {
            return EXIT_INTERRUPTED;
        }
        if cause.is::<Usage>() || cause.is::<ScenarioError>() || cause.is::<CheckpointError>() {
            return EXIT_INPUT;
        }
        if let Some(f) = cause.downcast_ref::<FolderError>() {
            return if f.is_input() { EXIT_INPUT } else { EXIT_RUN };
        }
        if let Some(r) = cause.downcast_ref::<RunError>() {
            return match r {
                RunError::Interrupted { .. } => EXIT_INTERRUPTED,
                RunError::Folder(f) if f.is_input() => EXIT_INPUT,
                RunError::Checkpoint(_) => EXIT_INPUT,
                _ => EXIT_RUN,
            };
        }
        if let Some(s) = cause.downcast_ref::<SweepError>() {
            return match s {
                SweepError::Run { source, .. }
                    if matches!(**source, RunError::Interrupted { .. }) =>
                {
                    EXIT_INTERRUPTED
                }
                SweepError::Claim(f) if !f.is_input() => EXIT_RUN,
                SweepError::Output(_) | SweepError::Threads(_) | SweepError::Run { .. } => EXIT_RUN,
                _ => EXIT_INPUT,
            };
        }
    }
    EXIT_RUN
}

/// `--threads`, checked, or all cores.
pub fn threads_or_default(threads: Option<usize>) -> Result<usize, Usage> {
    match threads {
        Some(t) if !(1..=MAX_THREADS).contains(&t) => Err(Usage(format!(
            "--threads {t}: must be between 1 and {MAX_THREADS} (rule: worker threads; results do not depend on their number)"
        ))),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// `runs/<file stem>` (or `runs/default` for the built-in scenario).
pub fn default_out(path: Option<&std::path::Path>) -> PathBuf {
    let stem = path.and_then(|p| p.file_stem()).map_or_else(
        || "default".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    PathBuf::from("runs").join(stem)
}
