//! The whole-model figures of README, Performance, that criterion's
//! micro-benchmarks (benches/engine.rs) do not give:
//!
//! - a 30-day run of a 512² patch of the all-fields tissue
//!   (benches/all_fields.toml), wall time, median of 3;
//! - memory: peak heap bytes per site of a world of 1024², 2048² and 4096²
//!   sites through its first steps (doses, grafts, every field solved),
//!   counted by a global allocator, and the process's peak resident set;
//! - sweep throughput: runs per second of `senesim sweep` on a 32-run sweep
//!   (benches/sweep.toml) at --threads 1 and 2 (median of 5), and the speed-up;
//! - the throughput targets of issue 19 at 1024²: the default scenario (aged
//!   skin, weekly young EVs) and one without EV/CM fields (aged skin
//!   untreated), site-steps per second on 2 threads over a week (one dosing
//!   cycle), each with the fraction
//!   of the memory roofline it reaches: a triad (a = b + s·c on 3 × 64 MiB of
//!   f64) measured in the same bench run gives the bandwidth, and a step is
//!   taken to stream the bytes per site that a world holds (the `memory`
//!   part's figure) once;
//! - where a step's time goes (`step_timer`): ns per site-step of each
//!   phase of a step over the first week at 1024², 2 threads, for the same
//!   two scenarios, with the whole step's fraction of the roofline.
//!
//! Run: `cargo bench --bench scale` (about 6 minutes on 2 cores). Prints a
//! Markdown table. `SCALE_ONLY=run|memory|sweep|targets|step_timer` runs one part.

use senesim::model::world::World;
use senesim::run::{simulate_world, with_threads};
use senesim::scenario::load;
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// Counts live heap bytes and their peak.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new >= l.size() {
                let now = LIVE.fetch_add(new - l.size(), Relaxed) + new - l.size();
                PEAK.fetch_max(now, Relaxed);
            } else {
                LIVE.fetch_sub(l.size() - new, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const ALL_FIELDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/all_fields.toml");

fn world(n: usize, days: f64) -> World {
    let sets = vec![
        format!("grid.nx={n}"),
        format!("grid.ny={n}"),
        format!("run.days={days}"),
    ];
    let s = load(Some(Path::new(ALL_FIELDS)), &sets)
        .expect("benches/all_fields.toml")
        .scenario;
    World::new(s)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run_30_days() {
    println!("\n| 30-day run, 512² all-fields tissue, 2 threads | wall time (s) |");
    println!("|---|---|");
    let times: Vec<f64> = (0..3)
        .map(|_| {
            let mut w = world(512, 30.0);
            let t = Instant::now();
            with_threads(2, || {
                simulate_world(&mut w, None, &Default::default()).expect("run")
            })
            .expect("pool");
            t.elapsed().as_secs_f64()
        })
        .collect();
    let steps = 30.0 * 24.0;
    let m = median(times.clone());
    println!(
        "| median of 3 (runs: {}) | {m:.2} ({:.1} M site-steps/s) |",
        times
            .iter()
            .map(|t| format!("{t:.2}"))
            .collect::<Vec<_>>()
            .join(", "),
        512.0 * 512.0 * steps / m / 1e6
    );
}

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn memory() {
    println!("\n| grid | sites | peak heap | bytes per site | process peak RSS |");
    println!("|---|---|---|---|---|");
    for n in [1024usize, 2048, 4096] {
        let base = LIVE.load(Relaxed);
        PEAK.store(base, Relaxed);
        let t = Instant::now();
        {
            let mut w = world(n, 1.0);
            // Step 0 doses both treatments and places the graft: every field
            // and every workspace is in use by the end of step 2.
            with_threads(2, || {
                for _ in 0..3 {
                    w.step();
                }
            })
            .expect("pool");
        }
        let peak = PEAK.load(Relaxed) - base;
        let sites = (n * n) as f64;
        println!(
            "| {n}² | {:.1} M | {:.2} GiB | {:.0} | {:.2} GiB ({:.0} s) |",
            sites / 1e6,
            peak as f64 / (1u64 << 30) as f64,
            peak as f64 / sites,
            peak_rss_kib().unwrap_or(0) as f64 / (1u64 << 20) as f64,
            t.elapsed().as_secs_f64()
        );
    }
}

fn sweep() {
    let exe = env!("CARGO_BIN_EXE_senesim");
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/sweep.toml");
    let runs = 32.0;
    println!("\n| sweep, 32 runs of 64² × 14 days | wall time (s) | runs/s | speed-up |");
    println!("|---|---|---|---|");
    let mut first = None;
    for threads in [1usize, 2] {
        let times: Vec<f64> = (0..5)
            .map(|_| {
                let out = tempfile::tempdir().expect("temp dir");
                let t = Instant::now();
                let st = std::process::Command::new(exe)
                    .args(["sweep", file, "--quiet", "--threads", &threads.to_string()])
                    .arg("--out")
                    .arg(out.path())
                    .stdout(std::process::Stdio::null())
                    .status()
                    .expect("senesim sweep");
                assert!(st.success(), "senesim sweep failed");
                t.elapsed().as_secs_f64()
            })
            .collect();
        let m = median(times);
        let rate = runs / m;
        let base = *first.get_or_insert(rate);
        println!(
            "| --threads {threads} (median of 5) | {m:.2} | {rate:.2} | {:.2}× |",
            rate / base
        );
    }
}

/// Best of 10 triads a[i] = b[i] + s·c[i] over 3 × 64 MiB of f64 on
/// 2 threads: bytes moved per second (3 streams, 24 bytes per element).
fn triad_gb_per_s() -> f64 {
    use rayon::prelude::*;
    let n = 8 << 20;
    let (mut a, b, c) = (vec![0.0f64; n], vec![1.0f64; n], vec![2.0f64; n]);
    let best = with_threads(2, || {
        (0..10)
            .map(|k| {
                let s = 1.0 + k as f64 * 1e-3;
                let t = Instant::now();
                a.par_chunks_mut(1 << 16)
                    .zip(b.par_chunks(1 << 16).zip(c.par_chunks(1 << 16)))
                    .for_each(|(a, (b, c))| {
                        for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
                            *a = b + s * c;
                        }
                    });
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    })
    .expect("pool");
    std::hint::black_box(&a);
    24.0 * n as f64 / best / 1e9
}

/// The scenario `file` (relative to the crate) on 1024² sites for 7 days.
fn week_at_1024(file: &str) -> senesim::scenario::Scenario {
    week_at(file, 1024)
}

fn week_at(file: &str, n: usize) -> senesim::scenario::Scenario {
    let sets = vec![
        format!("grid.nx={n}"),
        format!("grid.ny={n}"),
        "run.days=7".to_string(),
    ];
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    load(Some(&path), &sets).expect("scenario").scenario
}

/// Site-steps per second of `file` at 1024² on 2 threads over its first
/// week (168 steps from t = 0: one dosing cycle of the default scenario,
/// its dose at 24 h, the EV fields solved until they fall dormant); the
/// median of three such weeks.
fn throughput(file: &str) -> f64 {
    let s = week_at_1024(file);
    let steps = s.steps();
    with_threads(2, || {
        let times: Vec<f64> = (0..3)
            .map(|_| {
                let mut w = World::new(s.clone());
                let t = Instant::now();
                for _ in 0..steps {
                    w.step();
                }
                t.elapsed().as_secs_f64()
            })
            .collect();
        1024.0 * 1024.0 * steps as f64 / median(times)
    })
    .expect("pool")
}

/// Bytes per site a world holds (the `memory` part at 4096², 2026-12-06,
/// after the 40-byte cell): a step that streamed them once would run at
/// bw / bytes site-steps per second.
const BYTES_PER_SITE: f64 = 63.0;

fn targets() {
    let bw = triad_gb_per_s();
    let bytes_per_site = BYTES_PER_SITE;
    let roof = bw * 1e9 / bytes_per_site;
    println!("\n| issue 19 target, 1024², 2 threads | site-steps/s | of the roofline |");
    println!("|---|---|---|");
    println!(
        "| triad, 2 threads | {bw:.1} GB/s (roofline {:.0} M site-steps/s at {bytes_per_site} B/site) | |",
        roof / 1e6
    );
    for (label, file) in [
        (
            "default scenario (aged skin, weekly young EVs)",
            "scenarios/default.toml",
        ),
        (
            "no EV/CM fields (aged skin, untreated)",
            "scenarios/aged_skin_baseline.toml",
        ),
    ] {
        let r = throughput(file);
        println!("| {label} | {:.1} M | {:.1}% |", r / 1e6, 100.0 * r / roof);
    }
}

/// Where a step's time goes: ns per site-step of each phase of
/// `World::step_with`, summed over the first week of `file` at 1024² on
/// 2 threads (one dosing cycle of the default scenario).
fn step_timer(file: &str, n: usize, roof: f64) {
    use senesim::model::world::Phase;
    let s = week_at(file, n);
    let steps = s.steps();
    let mut spent = [0.0f64; Phase::ALL.len()];
    with_threads(2, || {
        let mut w = World::new(s);
        for _ in 0..steps {
            let mut t = Instant::now();
            w.step_with(&mut |p, _| {
                spent[p as usize] += t.elapsed().as_secs_f64();
                t = Instant::now();
            });
        }
    })
    .expect("pool");
    let site_steps = (n * n) as f64 * steps as f64;
    let total: f64 = spent.iter().sum();
    println!("\n| step phase, {file}, {n}², 7 days, 2 threads | ns per site-step | share |");
    println!("|---|---|---|");
    for p in Phase::ALL {
        let t = spent[p as usize];
        println!(
            "| {} | {:.1} | {:.0}% |",
            p.name(),
            t / site_steps * 1e9,
            100.0 * t / total
        );
    }
    println!(
        "| whole step | {:.1} ({:.1} M site-steps/s, {:.1}% of the roofline) | |",
        total / site_steps * 1e9,
        site_steps / total / 1e6,
        100.0 * site_steps / total / roof
    );
}

fn main() {
    // `cargo bench` passes `--bench`; filters are not supported here.
    let only = std::env::var("SCALE_ONLY").unwrap_or_default();
    println!(
        "senesim scale benchmarks ({} cores available)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if only.is_empty() || only == "run" {
        run_30_days();
    }
    if only.is_empty() || only == "memory" {
        memory();
    }
    if only.is_empty() || only == "sweep" {
        sweep();
    }
    if only.is_empty() || only == "targets" {
        targets();
    }
    if only.is_empty() || only == "step_timer" {
        let bw = triad_gb_per_s();
        let roof = bw * 1e9 / BYTES_PER_SITE;
        println!(
            "\ntriad {bw:.1} GB/s: roofline {:.0} M site-steps/s at {BYTES_PER_SITE} B/site",
            roof / 1e6
        );
        step_timer("scenarios/default.toml", 1024, roof);
        step_timer("scenarios/aged_skin_baseline.toml", 1024, roof);
        step_timer("benches/all_fields.toml", 512, roof);
    }
}
