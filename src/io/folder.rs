//! Output folders: what a folder holds, one writer at a time, and which
//! files senesim may delete or replace.
//!
//! * **Kinds.** A folder is a run, a comparison, a sweep or a validation
//!   report, told by the file that marks it (`sweep.json`,
//!   `comparison.json`, `report.json`) or by its `manifest.json`'s `kind`.
//! * **One writer.** A writer holds an advisory lock (`flock`) on
//!   `DIR/.senesim.lock` for as long as it writes, and records its process
//!   id there; a second writer is refused at once, naming that process. The
//!   operating system releases the lock when the process ends, however it
//!   ends, so a killed writer never leaves a folder locked. Shards of one
//!   sweep share their folder: each holds a shared lock on it and an
//!   exclusive lock of its own shard, and they set the folder up one at a
//!   time under a third lock (`setup`).
//! * **Ownership.** A manifest lists, under `files`, every file its writer
//!   may create (relative paths); a later writer deletes or replaces only
//!   files listed there. A non-empty folder senesim did not make is refused
//!   unless `--force`, and even then nothing in it but senesim's own file
//!   names is touched.

use crate::error::{FolderError, OutputError};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Component, Path};

/// The files that mark and describe a folder, by kind (docs/outputs.md,
/// docs/sweeps.md): every module names them through these.
pub const MANIFEST: &str = "manifest.json";
/// A run's per-run metrics.
pub const SUMMARY: &str = "summary.json";
/// A run's (or a comparison's) time series, and its name while streamed.
pub const TIMESERIES: &str = "timeseries.csv";
pub const TIMESERIES_PARTIAL: &str = "timeseries.csv.partial";
/// A run's dosed-field totals at every step (with its snapshots).
pub const FIELDS: &str = "fields.csv";
/// A comparison's report and tables.
pub const COMPARISON: &str = "comparison.json";
pub const RUNS_TABLE: &str = "runs.csv";
pub const TABLE: &str = "table.txt";
/// A sweep's record, tables and merge record.
pub const SWEEP_RECORD: &str = "sweep.json";
pub const RESULTS: &str = "results.csv";
pub const POINTS: &str = "points.csv";
pub const MERGE: &str = "merge.json";
/// A validation report.
pub const REPORT_JSON: &str = "report.json";
pub const REPORT_MD: &str = "report.md";

/// The lock file of a folder's writer.
pub const LOCK: &str = ".senesim.lock";
/// The lock a sweep's shards take, one at a time, to set its folder up.
pub const SETUP_LOCK: &str = ".senesim-setup.lock";

/// What a senesim folder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Run,
    Compare,
    Sweep,
    Validate,
}

impl Kind {
    /// "a run", "a comparison", ...
    pub fn article(self) -> &'static str {
        match self {
            Kind::Run => "a run",
            Kind::Compare => "a comparison",
            Kind::Sweep => "a sweep",
            Kind::Validate => "a validation report",
        }
    }
    /// The `kind` a manifest of this folder records.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Compare => "compare",
            Kind::Sweep => "sweep",
            Kind::Validate => "validate",
        }
    }
}

/// What kind of senesim folder `dir` is, if any.
pub fn kind(dir: &Path) -> Option<Kind> {
    if dir.join(SWEEP_RECORD).is_file() {
        return Some(Kind::Sweep);
    }
    if dir.join(COMPARISON).is_file() {
        return Some(Kind::Compare);
    }
    if dir.join(REPORT_JSON).is_file() {
        return Some(Kind::Validate);
    }
    let m = read_manifest(dir)?;
    Some(match m.get("kind").and_then(|k| k.as_str()) {
        Some("compare") => Kind::Compare,
        Some("validate") => Kind::Validate,
        Some("sweep") => Kind::Sweep,
        _ if m.get("checks").is_some() => Kind::Validate,
        _ => Kind::Run,
    })
}

/// `dir/manifest.json` as JSON, if it reads as a JSON object (at most 64 MiB).
pub fn read_manifest(dir: &Path) -> Option<serde_json::Value> {
    let bytes = crate::io::input::read_capped(&dir.join(MANIFEST), 64 << 20).ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .filter(|v| v.is_object())
}

/// Whether `name` is one of senesim's own bookkeeping files (locks and the
/// temporaries of atomic writes), which do not make a folder non-empty.
fn is_bookkeeping(name: &str) -> bool {
    (name.starts_with(".senesim") && name.ends_with(".lock"))
        || crate::io::output::is_temp_name(name)
}

/// Whether `dir` is missing or holds nothing but senesim's bookkeeping files.
pub fn is_empty(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .all(|e| is_bookkeeping(&e.file_name().to_string_lossy())),
        Err(_) => true,
    }
}

/// An advisory lock on a folder, held until dropped (or the process ends).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Shared (shards of one sweep) or exclusive (everything else).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Exclusive,
    Shared,
}

fn open_lock(dir: &Path, name: &str) -> Result<File, FolderError> {
    std::fs::create_dir_all(dir).map_err(|e| FolderError::Output(OutputError::io(dir)(e)))?;
    let path = dir.join(name);
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| FolderError::Output(OutputError::io(&path)(e)))
}

/// What the holder of a lock wrote of itself ("PID 1234: senesim run ...").
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind();
    let _ = file.take(4096).read_to_string(&mut text);
    let text = crate::text::printable(text.trim());
    if text.is_empty() {
        "another senesim process (shards of a sweep, or one just starting)".into()
    } else {
        text
    }
}

/// Takes the lock `name` of `dir` (creating the folder if needed), or
/// refuses at once if another process holds it. An exclusive holder
/// records its process id and command line in the lock file.
pub fn lock(dir: &Path, name: &str, access: Access) -> Result<Lock, FolderError> {
    let mut file = open_lock(dir, name)?;
    let got = match access {
        Access::Exclusive => file.try_lock(),
        Access::Shared => file.try_lock_shared(),
    };
    match got {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(FolderError::Busy {
                dir: dir.to_path_buf(),
                holder: holder(&mut file),
            })
        }
        Err(TryLockError::Error(e)) => {
            return Err(FolderError::Output(OutputError::io(dir.join(name))(e)))
        }
    }
    if access == Access::Exclusive {
        let args: Vec<String> = std::env::args().collect();
        let me = format!("PID {}: {}", std::process::id(), args.join(" "));
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = file.write_all(me.chars().take(1000).collect::<String>().as_bytes());
        let _ = file.flush();
    }
    Ok(Lock { _file: file })
}

/// Waits for the lock `name` of `dir` (for short critical sections only:
/// a sweep folder's set-up).
pub fn lock_blocking(dir: &Path, name: &str) -> Result<Lock, FolderError> {
    let file = open_lock(dir, name)?;
    file.lock()
        .map_err(|e| FolderError::Output(OutputError::io(dir.join(name))(e)))?;
    Ok(Lock { _file: file })
}

/// Whether `rel` is a plain relative path inside a folder (no root, no
/// `..`): only such paths of a manifest's `files` are ever deleted.
fn is_inside(rel: &str) -> bool {
    let p = Path::new(rel);
    !rel.is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// The files a folder's manifest says its writer created (relative paths
/// inside the folder; anything else listed is ignored).
pub fn owned_files(manifest: &serde_json::Value) -> Vec<String> {
    manifest["files"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str())
                .filter(|f| is_inside(f))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Deletes the files of `dir` that its manifest lists as senesim's (and
/// only regular files: never a folder or a link's target).
pub fn remove_owned(dir: &Path, files: &[String]) {
    for f in files.iter().filter(|f| is_inside(f)) {
        let p = dir.join(f);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
            let _ = std::fs::remove_file(&p);
        }
    }
}

/// Refuses a folder that holds something other than `want`, or a non-empty
/// folder senesim did not make unless `force`. Returns the manifest found,
/// if any (the caller decides whether it is the same job).
pub fn check_kind(
    dir: &Path,
    want: Kind,
    force: bool,
) -> Result<Option<serde_json::Value>, FolderError> {
    // Emptiness is read before the kind: files only ever appear in a folder
    // being set up, and a folder's marking file (sweep.json, manifest.json)
    // is its first file that is not bookkeeping, so a folder seen non-empty
    // here already shows its kind below. The other order loses a race with
    // a sweep shard setting the folder up (kind read before sweep.json
    // appears, emptiness after `runs/` does).
    let empty = is_empty(dir);
    match kind(dir) {
        Some(k) if k == want => Ok(read_manifest(dir)),
        Some(k) => Err(FolderError::Refused {
            dir: dir.to_path_buf(),
            rule: format!(
                "holds {}; {} would mix its files with it (rule: each folder holds one run, comparison, sweep or report; choose another --out)",
                k.article(),
                want.article()
            ),
        }),
        None if !force && !empty => Err(FolderError::Refused {
            dir: dir.to_path_buf(),
            rule: format!(
                "is not empty and was not made by senesim (no manifest.json); {} here could replace files it did not write \
                 (rule: senesim writes only into an empty folder or one of its own; choose another --out, or --force to write senesim's own files into it: nothing else in it is touched)",
                want.article()
            ),
        }),
        None => Ok(None),
    }
}

/// Locks `dir` (creating it) for a writer of `want` and checks what it
/// holds (`check_kind`): first without the lock, so that a folder refused
/// is left exactly as it was (not even a lock file is added), then again
/// under the lock, which settles any race with another senesim process.
pub fn claim(
    dir: &Path,
    want: Kind,
    force: bool,
) -> Result<(Lock, Option<serde_json::Value>), FolderError> {
    check_kind(dir, want, force)?;
    let lock = lock(dir, LOCK, Access::Exclusive)?;
    let earlier = check_kind(dir, want, force)?;
    Ok((lock, earlier))
}

/// `path` relative to `dir`, with `/` separators, for a manifest's `files`.
pub fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_owned() {
        let m = serde_json::json!({"files": ["a.csv", "snapshots/s.vti", "../x", "/etc/passwd", "a/../../b", "", 3]});
        assert_eq!(owned_files(&m), ["a.csv", "snapshots/s.vti"]);
    }

    #[test]
    fn a_second_exclusive_lock_is_refused_naming_the_holder() {
        let t = std::env::temp_dir().join(format!("senesim-lock-{}", std::process::id()));
        let a = lock(&t, LOCK, Access::Exclusive).unwrap();
        let e = lock(&t, LOCK, Access::Exclusive).unwrap_err();
        assert!(
            e.to_string()
                .contains(&format!("PID {}", std::process::id())),
            "{e}"
        );
        assert!(lock(&t, LOCK, Access::Shared).is_err());
        drop(a);
        let s1 = lock(&t, LOCK, Access::Shared).unwrap();
        let _s2 = lock(&t, LOCK, Access::Shared).unwrap();
        assert!(lock(&t, LOCK, Access::Exclusive).is_err());
        drop(s1);
        let _ = std::fs::remove_dir_all(&t);
    }
}
