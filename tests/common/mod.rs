//! Shared test harness: small scenarios written to temporary folders, and
//! running the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// A small scenario that exercises every mechanism: wound, stress pulse,
/// screened and unscreened products (EV and CM), uniform, region and
/// injection delivery, and an MSC graft that senesces.
pub const FULL: &str = r#"
name = "everything, small"
[run]
days = 8.0
output_every_h = 12.0
snapshot_every_h = 96.0
seed = 42
[grid]
nx = 48
ny = 40
[tissue]
age = "aged"
[wound]
region = { shape = "circle", cx = 24.0, cy = 20.0, r = 8.0 }
[[stress]]
kind = "uvb"
time_h = 5.0
damage = 1.0
duration_h = 3.0
region = { shape = "rect", x0 = 0.0, y0 = 0.0, x1 = 12.0, y1 = 40.0 }
[products.young]
source = "umbilical_cord"
donor_age_years = 25.0
passage = 3
batch_cv = 0.3
batch_senescent_cv = 0.3
[products.old_cm]
source = "bone_marrow"
donor_age_years = 70.0
passage = 12
cryo_cycles = 2
form = "cm"
batch_senescent_cv = 0.5
qc = { assay_sd = 0.05, release_threshold = 0.6 }
[[treatments]]
product = "young"
start_h = 0.0
every_h = 48.0
delivery = { mode = "injection", au_per_point = 300.0, radius = 3.0, points = [[10.0, 10.0], [38.0, 30.0]] }
[[treatments]]
product = "old_cm"
times_h = [24.0, 100.0]
delivery = { mode = "region", au_per_site = 3.0, region = { shape = "circle", cx = 24.0, cy = 20.0, r = 8.0 } }
[[treatments]]
product = "young"
times_h = [60.0]
delivery = { mode = "uniform", au_per_site = 1.0 }
[[grafts]]
product = "old_cm"
time_h = 12.0
region = { shape = "rect", x0 = 40.0, y0 = 0.0, x1 = 48.0, y1 = 8.0 }
fill = 0.5
senescence_per_day = 0.3
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

pub fn senesim(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_senesim"))
        .args(args)
        .output()
        .expect("run senesim")
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
pub fn cells_at(occupied: &[bool]) -> Vec<senesim::cell::Cell> {
    use senesim::cell::{Cell, Kind};
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
