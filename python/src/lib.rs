//! `senesim._senesim`: the engine of the command line, called in-process
//! from Python. Each function does what its `senesim` command does and
//! writes the same folder, byte for byte; it returns the folder's path, and
//! the Python package (`python/senesim/`) reads the results from there, so
//! that a folder written by the command line (on a cluster, say) and one
//! written from Python are read by one code path (`senesim.load`).
//!
//! The work runs with the GIL released, and Ctrl-C stops it as SIGINT
//! stops the command (`background`). Errors become Python exceptions
//! (`errors`); `set` dicts become `--set` overrides (`values`).

mod background;
mod errors;
mod values;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use senesim::cli;
use senesim::run::RunOptions;
use senesim::Cancel;
use std::path::PathBuf;

/// `anyhow` to Python, for the checks done before the work starts.
fn checked<T>(py: Python<'_>, f: impl FnOnce() -> anyhow::Result<T>) -> PyResult<T> {
    f().map_err(|e| errors::to_py(py, e))
}

/// The run plots, as `senesim run` draws them (None: no plots).
fn plotter(plots: bool) -> Option<&'static dyn senesim::run::folder::Plotter> {
    plots.then_some(&senesim::plot::run::RUN_PLOTS as &dyn senesim::run::folder::Plotter)
}

/// Runs a scenario into a folder (`senesim run`); returns the folder.
#[pyfunction]
#[pyo3(signature = (scenario=None, set=None, seed=None, threads=None, out=None, plots=true, force=false, progress=false))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    scenario: Option<PathBuf>,
    set: Option<Bound<'_, PyDict>>,
    seed: Option<u64>,
    threads: Option<usize>,
    out: Option<PathBuf>,
    plots: bool,
    force: bool,
    progress: bool,
) -> PyResult<PathBuf> {
    let sets = values::overrides(set.as_ref())?;
    let (valid, threads) = checked(py, || {
        Ok((
            cli::run::load(scenario.as_deref(), &sets, seed)?,
            cli::threads_or_default(threads)?,
        ))
    })?;
    let out = out.unwrap_or_else(|| cli::default_out(scenario.as_deref()));
    let cancel = Cancel::new();
    let mut opts = RunOptions::single(out.clone(), threads, progress);
    opts.plotter = plotter(plots);
    opts.force = force;
    opts.cancel = cancel.clone();
    background::run(py, &cancel, move || {
        senesim::run::run_to_dir(valid.loaded(), &opts)?;
        Ok(out)
    })
}

/// Continues an interrupted run folder (`senesim resume`); returns it.
#[pyfunction]
#[pyo3(signature = (path, threads=None, progress=false))]
fn resume(
    py: Python<'_>,
    path: PathBuf,
    threads: Option<usize>,
    progress: bool,
) -> PyResult<PathBuf> {
    let threads = checked(py, || Ok(cli::threads_or_default(threads)?))?;
    let cancel = Cancel::new();
    let token = cancel.clone();
    background::run(py, &cancel, move || {
        senesim::run::resume_dir(&path, threads, progress, &token, plotter(true))?;
        Ok(path)
    })
}

/// Compares the arms of a scenario over paired replicates (`senesim
/// compare`); returns the folder.
#[pyfunction]
#[pyo3(signature = (scenario, set=None, replicates=8, threads=None, out=None, plots=true, force=false, progress=false))]
#[allow(clippy::too_many_arguments)]
fn compare(
    py: Python<'_>,
    scenario: PathBuf,
    set: Option<Bound<'_, PyDict>>,
    replicates: u64,
    threads: Option<usize>,
    out: Option<PathBuf>,
    plots: bool,
    force: bool,
    progress: bool,
) -> PyResult<PathBuf> {
    let sets = values::overrides(set.as_ref())?;
    let (threads, (valid, arms)) = checked(py, || {
        Ok((
            cli::threads_or_default(threads)?,
            cli::compare::prepare(&scenario, &sets, replicates)?,
        ))
    })?;
    let out = out.unwrap_or_else(|| cli::compare::default_compare_out(&scenario));
    let cancel = Cancel::new();
    let opts = senesim::study::compare::CompareOptions {
        replicates,
        threads,
        out: out.clone(),
        progress,
        force,
        plotter: if plots {
            Some(cli::compare::draw_compare)
        } else {
            None
        },
        cancel: cancel.clone(),
    };
    background::run(py, &cancel, move || {
        senesim::study::compare::compare(valid.loaded(), &arms, &opts)?;
        Ok(out)
    })
}

/// Runs a sweep, or one shard of it (`senesim sweep`); returns the folder.
#[pyfunction]
#[pyo3(signature = (sweep, set=None, threads=None, out=None, shard=None, plots=true, force=false, progress=false))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    sweep: PathBuf,
    set: Option<Bound<'_, PyDict>>,
    threads: Option<usize>,
    out: Option<PathBuf>,
    shard: Option<String>,
    plots: bool,
    force: bool,
    progress: bool,
) -> PyResult<PathBuf> {
    use senesim::study::sweep::{Shard, SweepOptions};
    let sets = values::overrides(set.as_ref())?;
    let (threads, plan, shard) = checked(py, || {
        let shard = match shard {
            Some(s) => s.parse::<Shard>().map_err(cli::Usage)?,
            None => Shard::ALL,
        };
        Ok((
            cli::threads_or_default(threads)?,
            senesim::study::sweep::plan_with(&sweep, &sets)?,
            shard,
        ))
    })?;
    let out = out.unwrap_or_else(|| cli::sweep::default_out(&sweep));
    let cancel = Cancel::new();
    let opts = SweepOptions {
        out: out.clone(),
        shard,
        threads,
        force,
        progress,
        cancel: cancel.clone(),
        plotter: plotter(plots),
    };
    background::run(py, &cancel, move || {
        senesim::study::sweep::sweep(&plan, &opts)?;
        Ok(out)
    })
}

/// The scenario as resolved and validated (`senesim check`), as JSON.
#[pyfunction]
#[pyo3(signature = (scenario=None, set=None, seed=None))]
fn check(
    py: Python<'_>,
    scenario: Option<PathBuf>,
    set: Option<Bound<'_, PyDict>>,
    seed: Option<u64>,
) -> PyResult<String> {
    let sets = values::overrides(set.as_ref())?;
    checked(py, || {
        let valid = cli::run::load(scenario.as_deref(), &sets, seed)?;
        Ok(serde_json::to_string(valid.scenario())?)
    })
}

#[pymodule]
fn _senesim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", senesim::VERSION)?;
    m.add("Failure", m.py().get_type::<errors::Failure>())?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(resume, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    Ok(())
}
