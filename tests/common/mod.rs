//! Shared test harness: small scenarios written to temporary folders, and
//! running the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// A small scenario that exercises every mechanism: wound, stress pulse,
/// screened and unscreened products (EV and CM), uniform, region and
/// injection delivery, and an MSC graft that senesces (shared with
/// `senesim validate`).
pub const FULL: &str = senesim::validate::scenarios::EVERYTHING;

/// A small treated scenario (24 × 24 sites, 3 days, daily EVs of a
/// 60-year-old donor), snapshots daily: a run of it takes well under a second.
pub const SMALL: &str = r#"
name = "small"
[run]
days = 3.0
output_every_h = 12.0
snapshot_every_h = 24.0
[grid]
nx = 24
ny = 24
[tissue]
age = "aged"
[products.ev]
source = "bone_marrow"
donor_age_years = 60.0
passage = 8
[[treatments]]
product = "ev"
start_h = 6.0
every_h = 24.0
delivery = { mode = "uniform", au_per_site = 2.0 }
"#;

pub struct Temp {
    pub dir: tempfile::TempDir,
}

impl Temp {
    pub fn new() -> Temp {
        Temp {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write scenario");
        p
    }
}

/// The scenario of `text` (written to a temporary file) with `sets`
/// applied, resolved as `senesim` resolves a file; panics on an error.
pub fn scenario_text(text: &str, sets: &[String]) -> senesim::scenario::Scenario {
    let t = Temp::new();
    let p = t.write("s.toml", text);
    senesim::scenario::resolve(Some(&p), sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

pub fn senesim(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_senesim"))
        .args(args)
        .output()
        .expect("run senesim")
}

/// The arguments `senesim run SCENARIO --out OUT --quiet --no-plots EXTRA…`.
pub fn run_args<'a>(scenario: &'a Path, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--no-plots",
    ];
    args.extend_from_slice(extra);
    args
}

/// Runs `senesim run SCENARIO --out OUT --quiet --no-plots EXTRA…`.
pub fn run_quiet(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    senesim(&run_args(scenario, out, extra))
}

/// A run folder's `manifest.json`.
pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Pixels of a PNG as RGB triples, with its size.
pub fn pixels(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let dec = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    let px = buf[..info.buffer_size()]
        .chunks(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, px)
}

/// Runs of a sweep folder whose manifest says they are complete.
pub fn completed_runs(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("runs")).map_or(0, |d| {
        d.flatten()
            .filter(|e| {
                std::fs::read_to_string(e.path().join("manifest.json"))
                    .is_ok_and(|m| m.contains("\"completed\": true"))
            })
            .count()
    })
}

/// The base scenario of the sweep tests (32², 6 days, EVs every 48 h); a
/// sweep file's `set` resizes it.
pub const SWEEP_BASE: &str = r#"
name = "sweep base"
[run]
days = 6.0
output_every_h = 24.0
snapshot_every_h = 0.0
seed = 5
[grid]
nx = 32
ny = 32
[tissue]
age = "aged"
[products.ev]
source = "bone_marrow"
donor_age_years = 45.0
passage = 4
[[treatments]]
product = "ev"
start_h = 12.0
every_h = 48.0
delivery = { mode = "uniform", au_per_site = 2.0 }
"#;

/// Tissue cells at the occupied sites, empty sites elsewhere (for field
/// tests whose uptake depends on occupancy).
pub fn cells_at(occupied: &[bool]) -> Vec<senesim::model::cell::Cell> {
    use senesim::model::cell::{Cell, Kind};
    occupied
        .iter()
        .map(|&o| {
            let mut c = Cell::EMPTY;
            if o {
                c.kind = Kind::Tissue;
            }
            c
        })
        .collect()
}

/// Starts senesim with `SENESIM_TEST_HOLD=hold` (see `run::test_hold`) and
/// waits until it says it holds there; returns the child and its stderr
/// read so far.
pub fn spawn_holding(args: &[&str], hold: &str) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_senesim"))
        .args(args)
        .env("SENESIM_TEST_HOLD", hold)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn senesim");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while err.read_line(&mut line).unwrap_or(0) > 0 {
        seen.push_str(&line);
        if line.starts_with("holding at") {
            // Drain the rest in the background so the child never blocks.
            std::thread::spawn(move || {
                let mut rest = String::new();
                while err.read_line(&mut rest).unwrap_or(0) > 0 {
                    rest.clear();
                }
            });
            return (child, seen);
        }
        line.clear();
    }
    let _ = child.wait();
    panic!("senesim ended without reaching `{hold}`: {seen}");
}

/// Sends `sig` (e.g. `-INT`) to a child, with the shell's built-in kill.
pub fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("sh")
        .args(["-c", &format!("kill {sig} {pid}")])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Every file under `dir` (relative path → bytes), but the manifests (they
/// record wall time and threads) and the lock file (its writer's PID).
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                stack.push(p);
            } else if !name.starts_with("manifest") && !name.starts_with(".senesim") {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Asserts two trees hold the same files with the same bytes.
pub fn assert_same_tree(a: &Path, b: &Path) {
    let (x, y) = (tree(a), tree(b));
    assert_eq!(
        x.keys().collect::<Vec<_>>(),
        y.keys().collect::<Vec<_>>(),
        "{} and {} hold different files",
        a.display(),
        b.display()
    );
    for (k, v) in &x {
        assert!(
            v == &y[k],
            "{k} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}
