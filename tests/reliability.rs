//! Interruption, checkpoints and the numerical guard: a run stopped by
//! SIGINT or SIGTERM, or killed after a checkpoint, resumes to outputs equal
//! to an uninterrupted run's, byte for byte; a sweep stopped by SIGTERM
//! resumes to the same tables; a checkpoint seeds new treatments; a field
//! that goes bad stops the run and says where.

mod common;
use common::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A run long enough (≈ 3-5 s) for a signal to land midway.
const LONG: &str = r#"
name = "long"
[run]
days = 50.0
output_every_h = 24.0
snapshot_every_h = 240.0
[grid]
nx = 48
ny = 48
[tissue]
age = "aged"
[products.ev]
source = "bone_marrow"
donor_age_years = 60.0
passage = 10
batch_cv = 0.3
[[treatments]]
product = "ev"
start_h = 12.0
every_h = 96.0
delivery = { mode = "uniform", au_per_site = 3.0 }
"#;

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_senesim"))
        .args(args)
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: &str) {
    // The shell's built-in kill: no procps needed.
    let ok = Command::new("sh")
        .args(["-c", &format!("kill {sig} {}", child.id())])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Lines of the partial time series (rows so far + header).
fn rows_so_far(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("timeseries.csv.partial")).map_or(0, |t| t.lines().count())
}

fn wait_until(what: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !what() && t0.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every output file of a run folder but the manifest (wall time differs).
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for sub in ["", "snapshots", "plots"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut names: Vec<_> = entries
            .flatten()
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "manifest.json" && n != "checkpoint.bin" && n != ".senesim.lock")
            .collect();
        names.sort();
        for n in names {
            let p = dir.join(sub).join(&n);
            files.push((format!("{sub}/{n}"), std::fs::read(p).unwrap()));
        }
    }
    files
}

#[test]
fn sigint_stops_a_run_cleanly_and_resume_matches_the_uninterrupted_run() {
    let t = Temp::new();
    let s = t.write("long.toml", LONG);
    let whole = t.path().join("whole");
    let o = senesim(&[
        "run",
        s.to_str().unwrap(),
        "--out",
        whole.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    let cut = t.path().join("cut");
    let mut child = spawn(&[
        "run",
        s.to_str().unwrap(),
        "--out",
        cut.to_str().unwrap(),
        "--quiet",
        "--threads",
        "2",
    ]);
    wait_until(|| rows_so_far(&cut) >= 8);
    signal(&child, "-INT");
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "exit status of an interrupted run"
    );
    // Stopped midway, data kept, nothing that looks complete.
    let m = manifest(&cut);
    assert_eq!(m["completed"], false);
    let done = m["steps_done"].as_u64().unwrap();
    assert!(done > 0 && done < 1200, "stopped midway: step {done}");
    assert!(m["stopped"].as_str().unwrap().contains("interrupted"));
    assert!(!cut.join("timeseries.csv").exists() && !cut.join("summary.json").exists());
    assert!(rows_so_far(&cut) >= 8, "rows so far are kept");
    assert!(cut.join("checkpoint.bin").is_file());
    assert!(
        !cut.join("plots").exists() || std::fs::read_dir(cut.join("plots")).unwrap().count() == 0
    );

    // Resumed on another thread count: the same bytes as the whole run.
    let o = senesim(&["resume", cut.to_str().unwrap(), "--quiet", "--threads", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(manifest(&cut)["completed"], true);
    assert_eq!(manifest(&cut)["resumed_from_step"], done);
    let (a, b) = (outputs(&whole), outputs(&cut));
    assert_eq!(
        a.iter().map(|f| &f.0).collect::<Vec<_>>(),
        b.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (x, y) in a.iter().zip(&b) {
        assert!(x.1 == y.1, "{} differs after resume", x.0);
    }
    assert!(
        !cut.join("checkpoint.bin").exists(),
        "a finished run drops its checkpoint"
    );
    // Nothing left to resume: a clear refusal.
    let o = senesim(&["resume", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing to resume"), "{}", stderr(&o));
}

#[test]
fn a_run_killed_after_a_checkpoint_resumes_to_the_same_outputs() {
    let t = Temp::new();
    let s = t.write("long.toml", LONG);
    let whole = t.path().join("whole");
    let o = run_quiet(&s, &whole, &[]);
    assert!(o.status.success(), "{}", stderr(&o));

    let cut = t.path().join("cut");
    let mut child = spawn(&[
        "run",
        s.to_str().unwrap(),
        "--out",
        cut.to_str().unwrap(),
        "--quiet",
        "--no-plots",
        "--checkpoint-every",
        "72",
    ]);
    wait_until(|| cut.join("checkpoint.bin").is_file() && rows_so_far(&cut) >= 10);
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert_eq!(manifest(&cut)["completed"], false);
    // A kill in the middle of writing a file leaves its temporary (planted
    // here, as the kill's timing is not under the test's control).
    std::fs::create_dir_all(cut.join("snapshots")).unwrap();
    std::fs::write(cut.join(".checkpoint.4000000.senesim-partial.bin"), b"half").unwrap();
    std::fs::write(
        cut.join("snapshots/.state.4000000.senesim-partial.vti"),
        b"half",
    )
    .unwrap();
    // The killed run had got further than its checkpoint: resume rewrites
    // those rows and snapshots, identically, and removes the temporaries.
    let o = senesim(&["resume", cut.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (outputs(&whole), outputs(&cut));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));
    for (x, y) in a.iter().zip(&b) {
        assert!(x.1 == y.1, "{} differs after resume", x.0);
    }
    // With --checkpoint-every the final state is kept, to seed new arms.
    assert!(cut.join("checkpoint.bin").is_file());
}

#[test]
fn a_checkpoint_seeds_new_treatments_on_the_saved_tissue() {
    let t = Temp::new();
    let aged = t.write(
        "aged.toml",
        "name = \"aging\"\n[run]\ndays = 4.0\nsnapshot_every_h = 0.0\n[grid]\nnx = 32\nny = 32\n[tissue]\nage = \"aged\"\ninitial_senescent_fraction = 0.3\n",
    );
    let saved = t.path().join("aged");
    let o = senesim(&[
        "run",
        aged.to_str().unwrap(),
        "--out",
        saved.to_str().unwrap(),
        "--quiet",
        "--no-plots",
        "--checkpoint-every",
        "24",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let last_of = |dir: &Path, at_end: bool| -> Vec<String> {
        let mut r = csv::Reader::from_path(dir.join("timeseries.csv")).unwrap();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let row = if at_end { rows.last() } else { rows.first() }.unwrap();
        // tissue_cells .. senescent counts (columns 1-4).
        (1..5).map(|k| row[k].to_string()).collect()
    };
    // A young-EV arm on that tissue: t = 0 is the saved tissue, not a fresh one.
    let young = t.write(
        "young.toml",
        "name = \"young EVs on aged tissue\"\n[run]\ndays = 2.0\nsnapshot_every_h = 0.0\n[grid]\nnx = 32\nny = 32\n[tissue]\nage = \"aged\"\n[products.y]\nsource = \"umbilical_cord\"\ndonor_age_years = 25.0\npassage = 3\n[[treatments]]\nproduct = \"y\"\nstart_h = 1.0\ndelivery = { mode = \"uniform\", au_per_site = 4.0 }\n",
    );
    let arm = t.path().join("arm");
    let ckpt = saved.join("checkpoint.bin");
    let o = senesim(&[
        "run",
        young.to_str().unwrap(),
        "--out",
        arm.to_str().unwrap(),
        "--quiet",
        "--no-plots",
        "--from-checkpoint",
        ckpt.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(last_of(&arm, false), last_of(&saved, true));
    let fresh = t.path().join("fresh");
    let o = senesim(&[
        "run",
        young.to_str().unwrap(),
        "--out",
        fresh.to_str().unwrap(),
        "--quiet",
        "--no-plots",
    ]);
    assert!(o.status.success());
    assert_ne!(
        last_of(&fresh, false),
        last_of(&saved, true),
        "a fresh run starts elsewhere"
    );
    let ev: f64 = csv::Reader::from_path(arm.join("timeseries.csv"))
        .unwrap()
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|r| r.unwrap()["ev_delivered"].parse::<f64>().unwrap())
        .fold(0.0, f64::max);
    assert!(ev > 0.0, "the new arm's treatment is given");

    // A grid that does not match is refused before any work.
    let other = t.path().join("other");
    let o = senesim(&[
        "run",
        young.to_str().unwrap(),
        "--out",
        other.to_str().unwrap(),
        "--set",
        "grid.nx=40",
        "--from-checkpoint",
        ckpt.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("grid.nx") && err.contains("32×32"), "{err}");
    assert!(!other.exists());
    // Not a checkpoint at all.
    let o = senesim(&[
        "run",
        young.to_str().unwrap(),
        "--out",
        other.to_str().unwrap(),
        "--from-checkpoint",
        young.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a senesim checkpoint"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn sigterm_stops_a_sweep_and_the_same_command_finishes_it() {
    let t = Temp::new();
    t.write("base.toml", SWEEP_BASE);
    let s = t.write(
        "s.toml",
        "scenario = \"base.toml\"\nreplicates = 2\nset = [\"run.days=20.0\", \"grid.nx=48\", \"grid.ny=48\"]\n[[axes]]\nkey = \"products.ev.passage\"\nvalues = [2, 6, 10, 14, 18, 22]\n",
    );
    let run = |out: &Path| {
        senesim(&[
            "sweep",
            s.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--threads",
            "1",
        ])
    };
    let whole = t.path().join("whole");
    assert!(run(&whole).status.success());

    let cut = t.path().join("cut");
    let mut child = spawn(&[
        "sweep",
        s.to_str().unwrap(),
        "--out",
        cut.to_str().unwrap(),
        "--quiet",
        "--threads",
        "1",
    ]);
    wait_until(|| completed_runs(&cut) >= 2);
    signal(&child, "-TERM");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let done = completed_runs(&cut);
    assert!(done < 12, "stopped midway: {done} of 12");
    assert!(!cut.join("results.csv").exists() && !cut.join("points.csv").exists());
    assert!(std::fs::read_to_string(cut.join("manifest.json"))
        .unwrap()
        .contains("\"completed\": false"));

    let o = run(&cut);
    assert!(o.status.success(), "{}", stderr(&o));
    // The run the signal interrupted continues from its checkpoint.
    assert!(
        stderr(&o).contains("(1 continued from checkpoints)"),
        "{}",
        stderr(&o)
    );
    for f in ["results.csv", "points.csv"] {
        assert_eq!(
            std::fs::read(cut.join(f)).unwrap(),
            std::fs::read(whole.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn a_field_that_goes_bad_stops_the_run_naming_field_step_and_site() {
    use senesim::run::{drive, DriveError, Sink};
    struct Quiet;
    impl Sink for Quiet {}
    let t = Temp::new();
    let path = t.write("full.toml", FULL);
    let s = senesim::scenario::resolve(Some(&path), &[])
        .unwrap()
        .scenario;
    for (bad, site) in [(f64::NAN, 7usize), (-1e3, 48 * 20 + 24)] {
        let mut w = senesim::model::world::World::new(s.clone());
        // Past the first young-EV dose (24 h), so the field is being solved.
        for _ in 0..30 {
            w.step();
        }
        w.check_fields().unwrap();
        w.fields[senesim::model::fields::FieldId::EvYoung].c[site] = bad as f32;
        let mut rows = Vec::new();
        match drive(&mut w, &mut rows, &mut Quiet, &Default::default()) {
            // A NaN makes the step's row non-finite (its EV total): the
            // row guard stops the run before the row is kept.
            Err(DriveError::NonFinite(e)) if bad.is_nan() => {
                assert_eq!(e.step, 30, "{e}");
                assert!(e.quantity.contains("ev_young_total"), "{e}");
                assert!(e.value.is_nan());
            }
            Err(DriveError::Numerical(e)) => {
                assert_eq!(e.field, "ev_young");
                assert_eq!(e.step, 31, "stopped at the first step after the defect");
                if bad.is_nan() {
                    // A NaN spreads through the transform: reported at the first site.
                    assert!(e.value.is_nan());
                } else {
                    // A negative spike away from the edges (where no-flux
                    // reflections would add up) stays most negative where it was put.
                    assert!(e.value < -1.0, "{e}");
                    assert_eq!((e.x, e.y), (site % 48, site / 48));
                }
                assert!(e.to_string().contains("ev_young"), "{e}");
            }
            other => panic!(
                "expected a numerical failure, got {:?}",
                other.map(|_| rows.len())
            ),
        }
        // Nothing after the defect was reported as if valid.
        assert!(rows.iter().all(|r| r.time_h <= 30.0));
        assert!(rows.iter().all(|r| r.ev_young_total.is_finite()));
    }
}

#[test]
fn a_cell_whose_damage_goes_non_finite_stops_the_run_before_it_is_written() {
    use senesim::run::{drive, DriveError, Sink};
    struct Count(usize);
    impl Sink for Count {
        fn snapshot(
            &mut self,
            _w: &senesim::model::world::World,
        ) -> Result<(), senesim::error::OutputError> {
            self.0 += 1;
            Ok(())
        }
    }
    let t = Temp::new();
    let path = t.write("full.toml", FULL);
    let s = senesim::scenario::resolve(Some(&path), &["run.snapshot_every_h=24".into()])
        .unwrap()
        .scenario;
    let mut w = senesim::model::world::World::new(s);
    let i = w.cells.iter().position(|c| c.is_occupied()).unwrap();
    w.cells[i].cargo_young = f32::INFINITY;
    let mut rows = Vec::new();
    let mut sink = Count(0);
    match drive(&mut w, &mut rows, &mut sink, &Default::default()) {
        Err(DriveError::NonFinite(e)) => {
            assert_eq!(e.step, 0, "{e}");
            assert!(e.to_string().contains("cargo"), "{e}");
        }
        other => panic!(
            "expected a non-finite failure, got {:?}",
            other.map(|_| rows.len())
        ),
    }
    assert_eq!(sink.0, 0, "no snapshot written with the infinite cargo");
}
