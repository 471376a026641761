//! The command line: parsing with clap, then calls into the library.

pub mod signals;
pub mod sweep;
pub mod validate;

use crate::error::ScenarioError;
use crate::run::{run_to_dir, RunOptions};
use crate::scenario::{resolve, Loaded};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

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

/// Exit status for errors in the user's input (scenario or arguments).
pub const EXIT_INPUT: i32 = 2;
/// Exit status for failures while running (e.g. an output folder not writable).
pub const EXIT_RUN: i32 = 1;
/// Exit status of a run stopped by SIGINT or SIGTERM (128 + SIGINT).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Reports how a run folder's run ended; returns the exit status.
fn report_run(
    out: &Path,
    result: Result<crate::model::observe::Summary, crate::run::RunError>,
    plots: bool,
) -> i32 {
    use crate::run::RunError;
    match result {
        Ok(s) => {
            eprintln!(
                "done: final senescent (SA-β-gal+) {:.1}%, deep senescent {:.1}%, transformed {}{}",
                100.0 * s.final_senescent_fraction,
                100.0 * s.final_deep_senescent_fraction,
                s.final_transformed,
                s.wound_closure_90_h.map_or(String::new(), |t| format!(
                    ", 90% wound closure at day {:.1}",
                    t / 24.0
                ))
            );
            eprintln!(
                "outputs: {}/{{timeseries.csv, summary.json, manifest.json, snapshots/{}}}",
                out.display(),
                if plots { ", plots/" } else { "" }
            );
            0
        }
        Err(e @ RunError::Interrupted { .. }) => {
            eprintln!("stopped: {e}");
            EXIT_INTERRUPTED
        }
        Err(RunError::Folder(e)) if e.is_input() => {
            eprintln!("error: {e}");
            EXIT_INPUT
        }
        Err(e @ RunError::Checkpoint(_)) => {
            eprintln!("error: {e}");
            EXIT_INPUT
        }
        Err(e) => {
            eprintln!("error: run into {} failed: {e}", out.display());
            EXIT_RUN
        }
    }
}

fn load(path: Option<&Path>, sets: &[String]) -> Result<Loaded, ScenarioError> {
    resolve(path, sets)
}

/// `load`, then `--seed` (which overrides `run.seed` of the file and of `--set`).
fn load_seeded(
    path: Option<&Path>,
    sets: &[String],
    seed: Option<u64>,
) -> Result<Loaded, ScenarioError> {
    let mut l = resolve(path, sets)?;
    if let Some(s) = seed {
        l.scenario.run.seed = s;
    }
    Ok(l)
}

fn default_out(path: Option<&Path>) -> PathBuf {
    let stem = path.and_then(|p| p.file_stem()).map_or_else(
        || "default".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    PathBuf::from("runs").join(stem)
}

/// Most worker threads a command takes (`--threads`): beyond the cores
/// they only cost memory (a stack each) and start-up time.
pub const MAX_THREADS: usize = 1024;

fn threads_or_default(threads: Option<usize>) -> Result<usize, i32> {
    match threads {
        Some(t) if !(1..=MAX_THREADS).contains(&t) => {
            eprintln!("error: --threads {t}: must be between 1 and {MAX_THREADS} (rule: worker threads; results do not depend on their number)");
            Err(EXIT_INPUT)
        }
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Replicates per arm (≥ 2 for a confidence interval).
    #[arg(long, default_value_t = 8)]
    replicates: u64,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output folder [default: runs/<scenario file name>-compare].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override a key in every arm (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Skip the plots (plots/); `senesim plot DIR` draws them later.
    #[arg(long)]
    no_plots: bool,
    /// Overwrite an output folder that holds another comparison, a run or a sweep.
    #[arg(long)]
    force: bool,
}

fn run_compare(a: CompareArgs) -> i32 {
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
    use crate::study::compare::{arms_of, compare, table, CompareOptions};
    if !(2..=100_000).contains(&replicates) {
        eprintln!("error: --replicates {replicates}: must be between 2 and 100000 (a confidence interval needs at least 2)");
        return EXIT_INPUT;
    }
    let threads = match threads_or_default(threads) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let arms = match load(Some(&scenario), &sets)
        .and_then(|l| arms_of(Some(&scenario), &sets, &l).map(|a| (l, a)))
    {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
    };
    let (loaded, arms) = arms;
    let out = out.unwrap_or_else(|| {
        let mut d = default_out(Some(&scenario)).into_os_string();
        d.push("-compare");
        PathBuf::from(d)
    });
    eprintln!(
        "senesim compare: {} — {} arms × {} replicates on {} threads → {}",
        crate::text::printable(&loaded.scenario.name),
        arms.len(),
        replicates,
        threads,
        out.display()
    );
    let opts = CompareOptions {
        replicates,
        threads,
        out: out.clone(),
        progress: !quiet,
        force,
        plots,
    };
    signals::install();
    let report = match compare(&loaded, &arms, &opts) {
        Ok(r) => r,
        Err(crate::run::RunError::Interrupted { .. }) => {
            eprintln!(
                "stopped: the comparison in {} is marked incomplete; finished replicates are saved: \
                 rerun the same command to continue",
                out.display()
            );
            return EXIT_INTERRUPTED;
        }
        Err(crate::run::RunError::Folder(e)) if e.is_input() => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_RUN;
        }
    };
    print!("{}", table(&report));
    eprintln!(
        "outputs: {}/{{comparison.json, runs.csv, timeseries.csv, table.txt{}}}",
        out.display(),
        if plots { ", plots/" } else { "" }
    );
    0
}

/// Runs a parsed command line; returns the exit status and prints errors.
pub fn main_with(cli: Cli) -> i32 {
    match cli.command {
        Command::Sweep(args) => sweep::run_sweep(args),
        Command::Merge { dirs, out } => sweep::run_merge(dirs, out),
        Command::Plot {
            dir,
            metric,
            arm,
            svg,
        } => sweep::run_plot(dir, metric, arm, svg),
        Command::Compare(args) => run_compare(args),
        Command::Validate(args) => validate::run_validate(args),
        Command::Check { scenario, sets } => match load(Some(&scenario), &sets) {
            Ok(l) => match toml::to_string_pretty(&l.scenario) {
                Ok(t) => {
                    println!("# {} resolved: valid\n{t}", l.source);
                    0
                }
                Err(e) => {
                    eprintln!("error: cannot print the resolved scenario: {e}");
                    EXIT_RUN
                }
            },
            Err(e) => {
                eprintln!("error: {e}");
                EXIT_INPUT
            }
        },
        Command::Resume {
            dir,
            threads,
            quiet,
        } => {
            let threads = match threads_or_default(threads) {
                Ok(t) => t,
                Err(code) => return code,
            };
            signals::install();
            eprintln!("senesim: resuming {} on {threads} threads", dir.display());
            let plots =
                crate::run::ManifestRecord::read(&dir).is_none_or(|m| m.scenario.is_object());
            report_run(&dir, crate::run::resume_dir(&dir, threads, !quiet), plots)
        }
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
        } => {
            let loaded = match load_seeded(scenario.as_deref(), &sets, seed) {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("error: {e}");
                    return EXIT_INPUT;
                }
            };
            let threads = match threads_or_default(threads) {
                Ok(t) => t,
                Err(code) => return code,
            };
            if let Some(h) = checkpoint_every {
                if !(h.is_finite() && h > 0.0) {
                    eprintln!("error: --checkpoint-every {h}: must be a positive number of hours");
                    return EXIT_INPUT;
                }
            }
            let from = match from_checkpoint
                .as_deref()
                .map(crate::io::checkpoint::read)
                .transpose()
            {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: --from-checkpoint {e}");
                    return EXIT_INPUT;
                }
            };
            if let (Some(c), Some(path)) = (&from, &from_checkpoint) {
                let g = &loaded.scenario.grid;
                match c.head.scenario() {
                    Ok(saved)
                        if (saved.grid.nx, saved.grid.ny, saved.grid.site_um)
                            == (g.nx, g.ny, g.site_um) => {}
                    Ok(saved) => {
                        eprintln!(
                            "error: --from-checkpoint {}: its tissue is {}×{} sites of {} µm; {} has grid {}×{} of {} µm (rule: grid.nx, grid.ny and grid.site_um must match the checkpoint's)",
                            path.display(), saved.grid.nx, saved.grid.ny, saved.grid.site_um,
                            loaded.source, g.nx, g.ny, g.site_um
                        );
                        return EXIT_INPUT;
                    }
                    Err(e) => {
                        eprintln!("error: --from-checkpoint {}: {e}", path.display());
                        return EXIT_INPUT;
                    }
                }
            }
            let out = out.unwrap_or_else(|| default_out(scenario.as_deref()));
            let mut opts = RunOptions::single(out.clone(), threads, !quiet);
            opts.plots = !no_plots;
            opts.force = force;
            opts.checkpoint_every_h = checkpoint_every;
            eprintln!(
                "senesim: {} — {} days on {}×{} sites, seed {}, {} threads → {}",
                crate::text::printable(&loaded.scenario.name),
                loaded.scenario.run.days,
                loaded.scenario.grid.nx,
                loaded.scenario.grid.ny,
                loaded.scenario.run.seed,
                threads,
                out.display()
            );
            signals::install();
            let result = match &from {
                Some(c) => crate::run::folder::run_seeded(&loaded, c, &opts),
                None => run_to_dir(&loaded, &opts),
            };
            report_run(&out, result, !no_plots)
        }
    }
}
