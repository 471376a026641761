//! `senesim sweep` and `merge`: sharding, resuming after a kill, seeds,
//! changed sweep files, the Slurm script, bad sweep files.

mod common;
use common::*;
use senesim::math;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// 3 × 2 points, 2 replicates, paired: 24 runs.
const SWEEP: &str = r#"
scenario = "base.toml"
replicates = 2
paired = true
[[axes]]
key = "products.ev.passage"
values = [2, 8, 14]
[[axes]]
key = "treatments.0.delivery.au_per_site"
range = { from = 1.0, to = 4.0, count = 2, scale = "log" }
"#;

fn setup(sweep: &str) -> (Temp, PathBuf) {
    let t = Temp::new();
    t.write("base.toml", SWEEP_BASE);
    let s = t.write("sweep.toml", sweep);
    (t, s)
}

fn run(args: &[&str]) -> std::process::Output {
    let o = senesim(args);
    assert!(o.status.success(), "senesim {args:?}: {}", stderr(&o));
    o
}

fn sweep_into(sweep: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut a = vec![
        "sweep",
        sweep.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    a.extend_from_slice(extra);
    run(&a)
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn tables(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        read(&dir.join("results.csv")),
        read(&dir.join("points.csv")),
    )
}

#[test]
fn sharded_then_merged_tables_equal_the_unsharded_ones_byte_for_byte() {
    let (t, s) = setup(SWEEP);
    let whole = t.path().join("whole");
    sweep_into(&s, &whole, &["--threads", "2"]);
    let (results, points) = tables(&whole);
    let text = String::from_utf8(results.clone()).unwrap();
    assert_eq!(text.lines().count(), 1 + 24, "header + one row per run");
    assert!(text.starts_with("run_id,point,replicate,arm,seed,products.ev.passage,treatments.0.delivery.au_per_site,final_senescent_fraction,"));
    assert_eq!(
        String::from_utf8(points.clone()).unwrap().lines().count(),
        1 + 6 * 2,
        "one row per point and arm"
    );

    // Shards in separate folders (GNU parallel on several machines), each on one thread.
    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| t.path().join(format!("shard{k}")))
        .collect();
    for (k, d) in shards.iter().enumerate() {
        let o = sweep_into(
            &s,
            d,
            &["--shard", &format!("{}/3", k + 1), "--threads", "1"],
        );
        assert!(
            stderr(&o).contains("8 runs in this shard"),
            "{}",
            stderr(&o)
        );
        assert!(!d.join("results.csv").exists(), "a shard writes no tables");
    }
    let merged = t.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--out", merged.to_str().unwrap()]);
    run(&args);
    assert_eq!(tables(&merged), (results.clone(), points.clone()));

    // Shards sharing one folder (a Slurm array on a shared file system).
    let shared = t.path().join("shared");
    for k in 1..=4 {
        sweep_into(
            &s,
            &shared,
            &["--shard", &format!("{k}/4"), "--threads", "1"],
        );
    }
    run(&["merge", shared.to_str().unwrap()]);
    assert_eq!(tables(&shared), (results, points));
}

#[test]
fn merge_refuses_missing_shards_and_other_sweeps() {
    let (t, s) = setup(SWEEP);
    let d1 = t.path().join("s1");
    sweep_into(&s, &d1, &["--shard", "1/2"]);
    let o = senesim(&["merge", d1.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("12 of 24 runs are not complete"),
        "{}",
        stderr(&o)
    );
    assert!(!d1.join("results.csv").exists());

    let other = t.write("other.toml", &SWEEP.replace("[2, 8, 14]", "[2, 8]"));
    let d2 = t.path().join("s2");
    sweep_into(&other, &d2, &["--shard", "2/2"]);
    let o = senesim(&[
        "merge",
        d1.to_str().unwrap(),
        d2.to_str().unwrap(),
        "--out",
        t.path().join("m").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds a different sweep"),
        "{}",
        stderr(&o)
    );
}

/// Longer runs so that a kill lands midway.
const SLOW: &str = r#"
scenario = "base.toml"
replicates = 3
set = ["run.days=20.0", "grid.nx=48", "grid.ny=48"]
[[axes]]
key = "products.ev.passage"
values = [2, 5, 8, 11, 14, 17]
"#;

#[test]
fn a_sweep_killed_midway_and_rerun_gives_the_uninterrupted_tables() {
    let (t, s) = setup(SLOW);
    let whole = t.path().join("whole");
    sweep_into(&s, &whole, &[]);

    let killed = t.path().join("killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_senesim"))
        .args([
            "sweep",
            s.to_str().unwrap(),
            "--out",
            killed.to_str().unwrap(),
            "--quiet",
            "--threads",
            "1",
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while completed_runs(&killed) < 3 && t0.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let done = completed_runs(&killed);
    assert!(
        (3..18).contains(&done),
        "killed midway: {done} of 18 runs complete"
    );
    assert!(!killed.join("results.csv").exists() && !killed.join("points.csv").exists());
    let m = std::fs::read_to_string(killed.join("manifest.json")).unwrap();
    assert!(
        m.contains("\"completed\": false"),
        "the sweep is marked incomplete"
    );

    let o = sweep_into(&s, &killed, &[]);
    let err = stderr(&o);
    let reused: usize = err
        .split(", ")
        .find_map(|p| p.strip_suffix(" already complete"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        reused >= done && reused < 18,
        "completed runs are kept, the rest redone: {err}"
    );
    assert_eq!(tables(&killed), tables(&whole));

    // A third invocation runs nothing and rewrites the same tables.
    let o = sweep_into(&s, &killed, &[]);
    assert!(
        stderr(&o).contains("18 already complete, 0 run now"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tables(&killed), tables(&whole));
}

#[test]
fn a_run_in_a_sweep_equals_the_same_run_alone() {
    // Seeds come from (base seed, replicate): a run does not depend on the
    // other runs of the sweep, nor on their order or threads.
    let (t, s) = setup(SWEEP);
    let d = t.path().join("sw");
    sweep_into(&s, &d, &[]);
    let run_dir = d.join("runs/p00003-r001-treated");
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(&run_dir.join("manifest.json"))).unwrap();
    let seed: u64 = manifest["seed"].as_str().unwrap().parse().unwrap();
    // Point 3 is passage 8, 4 au per site.
    let alone = t.path().join("alone");
    run(&[
        "run",
        t.path().join("base.toml").to_str().unwrap(),
        "--out",
        alone.to_str().unwrap(),
        "--seed",
        &seed.to_string(),
        "--set",
        "products.ev.passage=8",
        "--set",
        "treatments.0.delivery.au_per_site=4.0",
        "--threads",
        "1",
        "--quiet",
    ]);
    assert_eq!(
        read(&alone.join("timeseries.csv")),
        read(&run_dir.join("timeseries.csv"))
    );
    assert_eq!(
        read(&alone.join("summary.json")),
        read(&run_dir.join("summary.json"))
    );
    // Replicates have distinct seeds, the same at every point (common random
    // numbers across points); arms of one replicate share theirs.
    let results = String::from_utf8(read(&d.join("results.csv"))).unwrap();
    let seeds: Vec<&str> = results
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    let mut distinct = seeds.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 2, "2 replicates, the same at 6 points");
    assert_eq!(seeds.len(), 24);
    assert!(
        seeds.chunks(2).all(|c| c[0] == c[1]),
        "control and treated share a seed"
    );
}

#[test]
fn a_changed_sweep_is_refused_unless_forced_and_then_keeps_unchanged_runs() {
    let (t, s) = setup(SWEEP);
    let d = t.path().join("sw");
    sweep_into(&s, &d, &[]);
    let before = tables(&d);
    // Add a passage value at the end of the first axis: points 0-5 keep their index.
    std::fs::write(&s, SWEEP.replace("[2, 8, 14]", "[2, 8, 14, 20]")).unwrap();
    let o = senesim(&[
        "sweep",
        s.to_str().unwrap(),
        "--out",
        d.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(tables(&d), before, "nothing touched");
    let o = sweep_into(&s, &d, &["--force"]);
    assert!(
        stderr(&o).contains("32 runs in this sweep, 24 already complete, 8 run now"),
        "{}",
        stderr(&o)
    );
    let after = String::from_utf8(read(&d.join("results.csv"))).unwrap();
    let old = String::from_utf8(before.0).unwrap();
    assert!(after.starts_with(&old), "the first 24 rows are unchanged");
}

#[test]
fn a_folder_that_is_not_a_sweep_is_refused() {
    let (t, s) = setup(SWEEP);
    let d = t.path().join("busy");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("notes.txt"), "mine").unwrap();
    let o = senesim(&["sweep", s.to_str().unwrap(), "--out", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not made by senesim"), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1, "nothing written");
}

#[test]
fn bad_sweep_files_are_refused_before_work_with_file_key_value_and_rule() {
    let cases: [(&str, &str, &[&str]); 7] = [
        ("replicates = 2\nscenario = \"base.toml\"\nbogus = 1\n[[axes]]\nkey = \"grid.nx\"\nvalues = [32]", "bogus", &["unknown field"]),
        ("scenario = \"base.toml\"\n[[axes]]\nkey = \"grid.nx\"\nvalues = []", "axes[0].values", &["at least one value"]),
        ("scenario = \"base.toml\"\n[[axes]]\nkey = \"tissue.clearance_beta_per_day\"\nrange = { from = 0.0, to = 1.0, count = 3, scale = \"log\" }", "axes[0].range.from", &["log range"]),
        ("scenario = \"base.toml\"\n[[axes]]\nkey = \"grid.nx\"\nrange = { from = 1, to = 2, count = 200000 }", "axes[0].range.count", &["between 1 and"]),
        // A point whose scenario is invalid: named by its values, its key and the rule.
        ("scenario = \"base.toml\"\n[[axes]]\nkey = \"fields.sasp.decay\"\nvalues = [12.0, -1.0]", "point 1 (fields.sasp.decay=-1)", &["--set: fields.sasp.decay = -1", "must be ≥ 0"]),
        ("scenario = \"missing.toml\"\n[[axes]]\nkey = \"grid.nx\"\nvalues = [32]", "missing.toml", &["cannot read"]),
        ("scenario = \"base.toml\"\nreplicates = 1\npaired = true\n[[axes]]\nkey = \"grid.nx\"\nvalues = [32]", "replicates = 1", &["at least 2"]),
    ];
    for (text, key, rules) in cases {
        let (t, s) = setup(text);
        let out = t.path().join("out");
        let o = senesim(&["sweep", s.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{text}\n{err}");
        assert!(
            err.contains("sweep.toml") && err.contains(key),
            "{key}: {err}"
        );
        for r in rules {
            assert!(err.contains(r), "{r}: {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists(), "no output for a refused sweep");
    }
}

#[test]
fn the_emitted_slurm_script_runs_each_array_task_as_a_shard() {
    // The script is run here with bash and SLURM_ARRAY_TASK_ID set, as Slurm
    // would; .ci/slurm submits it to a real single-node Slurm.
    let (t, s) = setup(SWEEP);
    let d = t.path().join("slurm");
    let o = run(&[
        "sweep",
        s.to_str().unwrap(),
        "--out",
        d.to_str().unwrap(),
        "--emit-slurm",
        "--tasks",
        "3",
        "--threads",
        "1",
    ]);
    assert!(stderr(&o).contains("sbatch"), "{}", stderr(&o));
    let script = std::fs::read_to_string(d.join("submit.sbatch")).unwrap();
    for line in [
        "#SBATCH --array=1-3",
        "#SBATCH --cpus-per-task=1",
        "--shard \"${SLURM_ARRAY_TASK_ID}/3\"",
    ] {
        assert!(script.contains(line), "{line}:\n{script}");
    }
    assert!(
        d.join("slurm").is_dir(),
        "the log folder exists before submission"
    );
    for k in 1..=3 {
        let st = Command::new("bash")
            .arg(d.join("submit.sbatch"))
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .env("SLURM_CPUS_PER_TASK", "1")
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
    }
    run(&["merge", d.to_str().unwrap()]);
    let whole = t.path().join("whole");
    sweep_into(&s, &whole, &[]);
    assert_eq!(tables(&d), tables(&whole));
}

#[test]
fn latin_hypercube_points_cross_the_factorial_and_stay_in_range() {
    let (t, s) = setup(
        r#"
scenario = "base.toml"
set = ["run.days=2.0", "grid.nx=16", "grid.ny=16"]
[[axes]]
key = "products.ev.passage"
values = [2, 12]
[latin_hypercube]
samples = 5
axes = [{ key = "tissue.clearance_beta_per_day", from = 0.005, to = 0.05, scale = "log" }]
"#,
    );
    let d = t.path().join("lhs");
    sweep_into(&s, &d, &[]);
    let points = String::from_utf8(read(&d.join("points.csv"))).unwrap();
    let rows: Vec<Vec<&str>> = points
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 10, "2 values × 5 samples");
    let beta: Vec<f64> = rows.iter().map(|r| r[3].parse().unwrap()).collect();
    assert!(beta.iter().all(|b| (0.005..0.05).contains(b)));
    assert_eq!(beta[..5], beta[5..], "the same design at each passage");
    let mut strata: Vec<usize> = beta[..5]
        .iter()
        .map(|b| (math::log10(b / 0.005) * 5.0) as usize)
        .collect();
    strata.sort();
    assert_eq!(strata, [0, 1, 2, 3, 4], "one sample per log stratum");
}

/// An integer key (passage) sampled by a Latin hypercube with
/// `integer = true` takes whole values in its range; without it the
/// fractional samples are refused before any run.
#[test]
fn latin_hypercube_samples_integer_keys_when_asked() {
    let axis = |integer: &str| {
        format!(
            r#"
scenario = "base.toml"
set = ["run.days=1.0", "grid.nx=12", "grid.ny=12"]
[latin_hypercube]
samples = 6
axes = [{{ key = "products.ev.passage", from = 2, to = 20{integer} }}]
"#
        )
    };
    let (t, s) = setup(&axis(", integer = true"));
    let d = t.path().join("lhs_int");
    sweep_into(&s, &d, &[]);
    let points = String::from_utf8(read(&d.join("points.csv"))).unwrap();
    let passages: Vec<i64> = points
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(2)
                .unwrap()
                .parse()
                .expect("a whole number")
        })
        .collect();
    assert!(!passages.is_empty());
    assert!(
        passages.iter().all(|p| (2..=20).contains(p)),
        "{passages:?}"
    );
    let (t, s) = setup(&axis(""));
    let o = senesim(&[
        "sweep",
        s.to_str().unwrap(),
        "--out",
        t.path().join("x").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("products.ev.passage"), "{}", stderr(&o));
}

#[test]
fn the_example_sweeps_resolve_to_their_stated_sizes() {
    for (file, points, arms) in [
        ("passage_vs_dose.toml", 15, 2),
        ("qc_threshold.toml", 15, 2),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/sweeps")
            .join(file);
        let plan = senesim::study::sweep::plan(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(plan.record.points.len(), points, "{file}");
        assert_eq!(plan.record.arms.len(), arms, "{file}");
        assert_eq!(plan.record.runs(), (points * arms * 4) as u64, "{file}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(&format!("{} runs", plan.record.runs())),
            "{file} states its run count"
        );
    }
}

/// `--set` overrides the base scenario at every point (a wound scenario's
/// grid, its region given relative to the grid), is recorded in sweep.json
/// and passed on by the emitted Slurm script; and every point runs the same
/// replicate seeds, so a one-axis sweep of a treatment key has the same
/// untreated control at every point.
#[test]
fn sweep_set_overrides_every_point_and_points_share_their_seeds() {
    let t = Temp::new();
    let base = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/wound_aged_young_ev.toml"
    );
    let sweep = t.write(
        "dose.toml",
        &format!(
            "scenario = \"{base}\"\nreplicates = 2\npaired = true\nset = [\"arms=[]\"]\n\
             [[axes]]\nkey = \"treatments.0.delivery.au_per_site\"\nvalues = [1.0, 4.0, 8.0]\n"
        ),
    );
    let out = t.path().join("s");
    let sets = [
        "--set",
        "grid.nx=24",
        "--set",
        "grid.ny=20",
        "--set",
        "run.days=2",
    ];
    sweep_into(&sweep, &out, &sets);
    let rec: serde_json::Value = serde_json::from_slice(&read(&out.join("sweep.json"))).unwrap();
    assert_eq!(
        rec["command_line_sets"],
        serde_json::json!(["grid.nx=24", "grid.ny=20", "run.days=2"])
    );
    let results = String::from_utf8(read(&out.join("results.csv"))).unwrap();
    let mut lines = results.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let (arm, seed, rep) = (col("arm"), col("seed"), col("replicate"));
    let key = col("treatments.0.delivery.au_per_site");
    // Control rows, by replicate: the same seed and the same results at
    // every point (every column but the run id, point and key value).
    let mut control: std::collections::BTreeMap<String, Vec<Vec<String>>> = Default::default();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        if f[arm] == "control" {
            let rest: Vec<String> = (0..f.len())
                .filter(|&k| k != key && head[k] != "run_id" && head[k] != "point")
                .map(|k| f[k].to_string())
                .collect();
            control.entry(f[rep].to_string()).or_default().push(rest);
            assert!(!f[seed].is_empty());
        }
    }
    assert_eq!(control.len(), 2);
    for (r, rows) in &control {
        assert_eq!(rows.len(), 3, "replicate {r}");
        assert!(
            rows.iter().all(|x| x == &rows[0]),
            "replicate {r}: {rows:?}"
        );
    }
    // The Slurm script's tasks rerun the same sweep.
    let slurm = t.path().join("slurm");
    sweep_into(&sweep, &slurm, &[&sets[..], &["--emit-slurm"]].concat());
    let script = String::from_utf8(read(&slurm.join("submit.sbatch"))).unwrap();
    assert!(
        script.contains("--set 'grid.nx=24' --set 'grid.ny=20' --set 'run.days=2'"),
        "{script}"
    );
}
