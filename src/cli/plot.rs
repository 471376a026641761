//! `senesim plot`.

use super::Usage;
use std::path::{Path, PathBuf};

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

pub fn plot(
    dir: PathBuf,
    metric: Option<String>,
    arm: Option<String>,
    svg: bool,
) -> anyhow::Result<i32> {
    use crate::error::PlotError;
    use crate::io::folder::Kind;
    use crate::plot::figure::Format;
    use crate::plot::sweep::{plot_sweep, SweepPlotOptions};
    use crate::plot::{compare::plot_compare, run::plot_run};
    let format = if svg { Format::Svg } else { Format::Png };
    let kind = crate::io::folder::kind(&dir);
    if kind != Some(Kind::Sweep) && (metric.is_some() || arm.is_some()) {
        return Err(Usage(format!(
            "{}: --metric and --arm apply to sweep folders (with sweep.json) only",
            dir.display()
        ))
        .into());
    }
    let what =
        |rule: String| -> anyhow::Error { Usage(format!("{}: {rule}", dir.display())).into() };
    let Some(kind) = kind else {
        return Err(what(
            "not a senesim folder: expected a run (manifest.json), a comparison \
             (comparison.json) or a sweep (sweep.json)"
                .into(),
        ));
    };
    if kind == Kind::Validate {
        return Err(what(format!(
            "holds a validation report; its plots are drawn with it, in {} (see report.md); \
             `senesim plot` draws run, compare and sweep folders",
            dir.join("plots").display()
        )));
    }
    // Plots are written into the folder: one writer at a time (a sweep's
    // shards hold it shared, so a sweep still running is refused too).
    let _lock = crate::io::folder::lock(
        &dir,
        crate::io::folder::LOCK,
        crate::io::folder::Access::Exclusive,
    )?;
    let result = match kind {
        Kind::Sweep => plot_sweep(
            &dir,
            &SweepPlotOptions {
                metric,
                arm,
                format,
            },
        ),
        Kind::Compare => plot_compare(&dir, format),
        Kind::Run | Kind::Validate => {
            plot_run(&dir, format).inspect(|paths| own_plots(&dir, paths))
        }
    };
    match result {
        Ok(paths) => {
            for p in paths {
                eprintln!("wrote {}", p.display());
            }
            Ok(0)
        }
        Err(PlotError::Input { dir, rule }) => {
            Err(Usage(format!("{}: {rule}", dir.display())).into())
        }
        Err(e) => Err(e.into()),
    }
}
