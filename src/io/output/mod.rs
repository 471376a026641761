//! Writing a run's outputs so that an interrupted run never leaves a file
//! that looks complete but is not.
//!
//! * whole files (summary, manifest, snapshots, plots) are written to a
//!   hidden `.STEM.PID.senesim-partial.EXT` (`temp_path`) and renamed into place
//!   only when complete;
//! * the time series is streamed to `timeseries.csv.partial` and renamed to
//!   `timeseries.csv` when the run ends;
//! * `manifest.json` is written first with `"completed": false` and rewritten
//!   with `true` last.
//!
//! The serializers themselves are pure: they take data and write to a `Write`.

pub mod finite;
pub mod snapshot;

use crate::error::OutputError;
use crate::model::observe::Row;
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The hidden temporary file a whole file is written to before it is
/// renamed to `path`: `.STEM.PID.senesim-partial.EXT`. The process id keeps
/// concurrent writers of one file (shards of a sweep sharing a folder) apart;
/// the extension stays last, for writers that choose a format by it (plots).
pub fn temp_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{stem}.{}.senesim-partial{ext}",
        std::process::id()
    ))
}

/// Whether `name` is a temporary of `temp_path`
/// (`.STEM.PID.senesim-partial.EXT`): only those are ever cleared.
pub(crate) fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".senesim-partial")
}

/// Removes the temporaries (`temp_path`) that writers killed mid-write
/// (SIGKILL, power loss) left in `dir`, if any. Call it only on a folder no
/// other process is writing: a run folder when its run starts or resumes.
pub fn remove_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if is_temp_name(&e.file_name().to_string_lossy()) && e.path().is_file() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Writes `bytes` to `path` atomically (temporary file, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_atomic_with(path, |f| f.write_all(bytes).map_err(OutputError::io(path)))
}

/// `write_atomic` for content streamed by `fill` (large outputs are never
/// held in memory whole): `fill` writes into the temporary file, which is
/// synced and renamed only if it succeeds.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    let tmp = temp_path(path);
    let done = (|| {
        let mut f = File::create(&tmp).map_err(OutputError::io(&tmp))?;
        fill(&mut f)?;
        f.sync_all().map_err(OutputError::io(&tmp))
    })();
    if let Err(e) = done {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(OutputError::io(path))
}

/// Serialises `value` as pretty JSON, atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), OutputError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| OutputError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Writes time-series rows as CSV (header first) to any writer.
pub fn write_rows<W: Write>(w: W, rows: &[Row]) -> Result<(), csv::Error> {
    let mut c = csv::Writer::from_writer(w);
    for r in rows {
        c.serialize(r)?;
    }
    c.flush()?;
    Ok(())
}

/// Writes the dosed fields' totals at every step (`fields.csv`) whole.
pub fn write_field_trace(
    path: &Path,
    trace: &[crate::model::observe::FieldSample],
) -> Result<(), OutputError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let enc = |e: &dyn std::fmt::Display| OutputError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    for t in trace {
        w.serialize(t).map_err(|e| enc(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| enc(&e))?;
    write_atomic(path, &bytes)
}

/// Reads `fields.csv` back.
pub fn read_field_trace(path: &Path) -> Result<Vec<crate::model::observe::FieldSample>, String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
    r.deserialize()
        .map(|x| x.map_err(|e| e.to_string()))
        .collect()
}

/// The time series, streamed row by row while the run goes on.
pub struct TimeseriesWriter {
    partial: PathBuf,
    done: PathBuf,
    csv: csv::Writer<BufWriter<File>>,
}

impl TimeseriesWriter {
    pub fn create(dir: &Path) -> Result<Self, OutputError> {
        let partial = dir.join(crate::io::folder::TIMESERIES_PARTIAL);
        let f = File::create(&partial).map_err(OutputError::io(&partial))?;
        Ok(TimeseriesWriter {
            csv: csv::Writer::from_writer(BufWriter::new(f)),
            done: dir.join(crate::io::folder::TIMESERIES),
            partial,
        })
    }
    pub fn push(&mut self, row: &Row) -> Result<(), OutputError> {
        let enc = |e: csv::Error| OutputError::Encode {
            path: self.partial.clone(),
            message: e.to_string(),
        };
        self.csv.serialize(row).map_err(enc)?;
        self.csv.flush().map_err(OutputError::io(&self.partial))
    }
    /// Flushes, syncs and renames to `timeseries.csv`.
    pub fn finish(self) -> Result<(), OutputError> {
        let TimeseriesWriter { partial, done, csv } = self;
        let buf = csv.into_inner().map_err(|e| OutputError::Io {
            path: partial.clone(),
            source: e.into_error(),
        })?;
        let f = buf.into_inner().map_err(|e| OutputError::Io {
            path: partial.clone(),
            source: e.into_error(),
        })?;
        f.sync_all().map_err(OutputError::io(&partial))?;
        std::fs::rename(&partial, &done).map_err(OutputError::io(&done))
    }
}
