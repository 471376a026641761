//! Output folders that cannot be corrupted: one writer at a time (a second
//! is refused naming the first's PID; shards of a sweep share a folder),
//! only files senesim wrote are ever deleted or replaced, and emitted Slurm
//! scripts work from any path and run no injected command.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn a_second_writer_is_refused_naming_the_first_and_the_survivor_equals_a_lone_run() {
    let t = Temp::new();
    let sc = t.write("small.toml", SMALL);
    let out = t.path().join("shared");
    // The first writer holds the folder (at its tables) while others try it.
    let (mut first, _) = spawn_holding(&run_args(&sc, &out, &[]), "tables:2500");
    let pid = first.id();
    let tries: [Vec<&str>; 4] = [
        run_args(&sc, &out, &["--seed", "9"]),
        run_args(&sc, &out, &["--seed", "9", "--force"]),
        vec!["resume", out.to_str().unwrap(), "--quiet"],
        vec![
            "compare",
            sc.to_str().unwrap(),
            "--replicates",
            "2",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--force",
        ],
    ];
    for args in &tries {
        let t0 = std::time::Instant::now();
        let o = senesim(args);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert!(
            t0.elapsed().as_secs() < 3,
            "refused at once, not after waiting"
        );
        // A compare is refused either because the folder is busy or because it holds a run.
        assert!(
            e.contains(&format!("PID {pid}")) || e.contains("holds a run"),
            "{args:?}: {e}"
        );
    }
    assert!(first.wait().unwrap().success());
    let lone = t.path().join("lone");
    assert!(senesim(&run_args(&sc, &lone, &[])).status.success());
    assert_same_tree(&out, &lone);
}

#[test]
fn a_folder_senesim_did_not_make_is_refused_and_forced_keeps_every_file_of_others() {
    let t = Temp::new();
    let sc = t.write("small.toml", SMALL);
    let d = t.path().join("mine");
    for (f, text) in [
        ("notes.txt", "my notes"),
        ("plots/figure1.png", "not senesim's"),
        ("snapshots/snapshot_0000999h.vti", "mine too"),
        ("timeseries.csv", "a,b\n1,2\n"),
    ] {
        std::fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
        std::fs::write(d.join(f), text).unwrap();
    }
    let before = tree(&d);
    let o = senesim(&run_args(&sc, &d, &[]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not made by senesim") && stderr(&o).contains("--force"));
    assert_eq!(tree(&d), before, "refused: nothing touched");
    assert!(
        !d.join(".senesim.lock").exists(),
        "not even a lock file added"
    );
    // With plots too: still nothing of the user's is deleted.
    let o = senesim(&[
        "run",
        sc.to_str().unwrap(),
        "--out",
        d.to_str().unwrap(),
        "--quiet",
        "--force",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let after = tree(&d);
    for f in [
        "notes.txt",
        "plots/figure1.png",
        "snapshots/snapshot_0000999h.vti",
    ] {
        assert_eq!(after[f], before[f], "{f} kept");
    }
    assert_ne!(
        after["timeseries.csv"], before["timeseries.csv"],
        "senesim's own file name is written"
    );

    // `--out /` and a comparison's folder are refused, the latter even with --force.
    let o = senesim(&run_args(&sc, Path::new("/"), &[]));
    assert_eq!(o.status.code(), Some(2));
    assert!(!Path::new("/timeseries.csv.partial").exists());
    let cmp = t.path().join("cmp");
    let o = senesim(&[
        "compare",
        sc.to_str().unwrap(),
        "--replicates",
        "2",
        "--out",
        cmp.to_str().unwrap(),
        "--quiet",
        "--no-plots",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = tree(&cmp);
    let o = senesim(&run_args(&sc, &cmp, &["--force"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("holds a comparison"), "{}", stderr(&o));
    assert_eq!(tree(&cmp), before, "the comparison is untouched");
}

#[test]
fn a_rerun_deletes_only_the_files_its_predecessor_listed() {
    let t = Temp::new();
    let sc = t.write("small.toml", SMALL);
    let d = t.path().join("run");
    // Snapshots every 12 h, then a forced run of another seed with daily ones.
    assert!(
        senesim(&run_args(&sc, &d, &["--set", "run.snapshot_every_h=12"]))
            .status
            .success()
    );
    assert!(d.join("snapshots/snapshot_0000012h.vti").is_file());
    std::fs::write(d.join("snapshots/my_own.vti"), "kept").unwrap();
    std::fs::write(d.join("analysis.ipynb"), "kept").unwrap();
    // (No snapshots after doses: those would fall at 12 h, 36 h, 60 h too.)
    let daily = ["--set", "run.snapshot_after_dose_h=0"];
    let o = senesim(&run_args(
        &sc,
        &d,
        &[&daily[..], &["--seed", "5", "--force"]].concat(),
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !d.join("snapshots/snapshot_0000012h.vti").exists(),
        "the earlier run's own snapshot is removed"
    );
    assert!(d.join("snapshots/snapshot_0000024h.vti").is_file());
    assert_eq!(
        std::fs::read_to_string(d.join("snapshots/my_own.vti")).unwrap(),
        "kept"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("analysis.ipynb")).unwrap(),
        "kept"
    );
    let lone = t.path().join("lone");
    assert!(senesim(&run_args(
        &sc,
        &lone,
        &[&daily[..], &["--seed", "5"]].concat()
    ))
    .status
    .success());
    let (a, b) = (tree(&d), tree(&lone));
    for (k, v) in &b {
        assert!(a.get(k) == Some(v), "{k} equals a lone run's");
    }
}

const BASE: &str = r#"
name = "shard base"
[run]
days = 2.0
snapshot_every_h = 0.0
[grid]
nx = 16
ny = 16
[products.ev]
source = "bone_marrow"
donor_age_years = 45.0
passage = 4
[[treatments]]
product = "ev"
start_h = 6.0
delivery = { mode = "uniform", au_per_site = 2.0 }
"#;

const SWEEP: &str = r#"
scenario = "../scenarios/base.toml"
replicates = 2
paired = true
[[axes]]
key = "products.ev.passage"
values = [2, 12]
"#;

/// A project folder: `scenarios/base.toml`, `sweeps/s.toml` (relative path to the base).
fn project(t: &Temp) -> PathBuf {
    let p = t.path().join("proj");
    std::fs::create_dir_all(p.join("scenarios")).unwrap();
    std::fs::create_dir_all(p.join("sweeps")).unwrap();
    std::fs::write(p.join("scenarios/base.toml"), BASE).unwrap();
    std::fs::write(p.join("sweeps/s.toml"), SWEEP).unwrap();
    p
}

fn tables(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(dir.join("results.csv")).unwrap(),
        std::fs::read(dir.join("points.csv")).unwrap(),
    )
}

fn whole_sweep(p: &Path, out: &Path) -> (Vec<u8>, Vec<u8>) {
    let o = senesim(&[
        "sweep",
        p.join("sweeps/s.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    tables(out)
}

#[test]
fn eight_shards_started_at_once_on_a_fresh_folder_all_succeed() {
    let t = Temp::new();
    let p = project(&t);
    let sweep = p.join("sweeps/s.toml");
    let out2 = t.path().join("together");
    let spawned: Vec<_> = (1..=8)
        .map(|k| {
            Command::new(env!("CARGO_BIN_EXE_senesim"))
                .args([
                    "sweep",
                    sweep.to_str().unwrap(),
                    "--out",
                    out2.to_str().unwrap(),
                    "--shard",
                    &format!("{k}/8"),
                    "--threads",
                    "1",
                    "--quiet",
                ])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (k, c) in spawned.into_iter().enumerate() {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "shard {}/8: {}", k + 1, stderr(&o));
    }
    let o = senesim(&["merge", out2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(tables(&out2) == whole_sweep(&p, &t.path().join("whole")));
}

#[test]
fn a_sweep_shard_shares_its_folder_only_with_other_shards() {
    let t = Temp::new();
    let p = project(&t);
    let sweep = p.join("sweeps/s.toml");
    let out = t.path().join("sw");
    let args = |shard: Option<&str>| -> Vec<String> {
        let mut a: Vec<String> = [
            "sweep",
            sweep.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]
        .map(String::from)
        .to_vec();
        if let Some(s) = shard {
            a.extend(["--shard".into(), s.into()]);
        }
        a
    };
    let a = args(Some("1/2"));
    let (mut first, _) = spawn_holding(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        "tables:2500",
    );
    let pid = first.id();
    // The same shard again, and the whole sweep, are refused at once.
    for other in [args(Some("1/2")), args(None)] {
        let o = senesim(&other.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(o.status.code(), Some(2), "{other:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("in use by"), "{}", stderr(&o));
        if other.len() > 5 {
            assert!(stderr(&o).contains(&format!("PID {pid}")), "{}", stderr(&o));
        }
    }
    // The other shard runs beside it.
    let o = senesim(
        &args(Some("2/2"))
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(first.wait().unwrap().success());
    let o = senesim(&["merge", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(tables(&out) == whole_sweep(&p, &t.path().join("whole")));
}

/// Runs the array tasks of an emitted script with bash, as Slurm would
/// (its task id in the environment), from `cwd`.
fn run_tasks(script: &Path, tasks: u32, cwd: &Path) {
    for k in 1..=tasks {
        let o = Command::new("bash")
            .arg(script)
            .current_dir(cwd)
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .env("SLURM_ARRAY_JOB_ID", "77")
            .env("SLURM_CPUS_PER_TASK", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "task {k}: {}", stderr(&o));
    }
}

#[test]
fn a_slurm_script_from_a_relative_sweep_path_runs_from_another_folder() {
    let t = Temp::new();
    let p = project(&t);
    let o = Command::new(env!("CARGO_BIN_EXE_senesim"))
        .args([
            "sweep",
            "sweeps/s.toml",
            "--emit-slurm",
            "--tasks",
            "3",
            "--out",
            "runs/s",
        ])
        .current_dir(&p)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let elsewhere = t.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    run_tasks(&p.join("runs/s/submit.sbatch"), 3, &elsewhere);
    let merged = Command::new(env!("CARGO_BIN_EXE_senesim"))
        .args(["merge", "../proj/runs/s"])
        .current_dir(&elsewhere)
        .output()
        .unwrap();
    assert!(merged.status.success(), "{}", stderr(&merged));
    assert!(tables(&p.join("runs/s")) == whole_sweep(&p, &t.path().join("whole")));
}

/// Files whose name starts with `INJ` anywhere under `dir`.
fn injected(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if e.file_name().to_string_lossy().starts_with("INJ") {
                found.push(p.clone());
            }
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    found
}

#[test]
fn hostile_values_in_a_slurm_script_run_no_command() {
    let t = Temp::new();
    let p = project(&t);
    let sweep = p.join("sweeps/s.toml");
    let emit = |out: &str, extra: &[&str]| {
        let mut a = vec![
            "sweep",
            sweep.to_str().unwrap(),
            "--emit-slurm",
            "--tasks",
            "2",
            "--out",
            out,
        ];
        a.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_senesim"))
            .args(&a)
            .current_dir(t.path())
            .output()
            .unwrap()
    };
    // Values that would break out of an #SBATCH directive, or of a comment
    // line, are refused before anything is written.
    for (out, extra) in [
        ("ok1", vec!["--partition", "debug$(touch INJ_partition)"]),
        ("ok2", vec!["--partition", "a b"]),
        ("ok3", vec!["--slurm-time", "1:00\n$(touch INJ_time)"]),
        ("ok4\n$(touch INJ_out)", vec![]),
    ] {
        let o = emit(out, &extra);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{out:?} {extra:?}: {}",
            stderr(&o)
        );
        assert!(!t.path().join(out).exists(), "nothing written for {out:?}");
    }
    // A folder name full of shell syntax: quoted everywhere.
    let out = "we'ird \"$(touch INJ1)\" `touch INJ2` $HOME;touch INJ3 x";
    let o = emit(
        out,
        &["--partition", "debug,short", "--slurm-time", "0-00:10:00"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = t.path().join(out);
    let script = dir.join("submit.sbatch");
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(
        text.contains("#SBATCH --partition=debug,short")
            && text.contains("#SBATCH --time=0-00:10:00")
    );
    let elsewhere = t.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    run_tasks(&script, 2, &elsewhere);
    // The merge command the script's header suggests, pasted into a shell.
    let merge = text
        .lines()
        .find_map(|l| l.strip_prefix("#   ").filter(|l| l.contains(" merge ")))
        .unwrap();
    let o = Command::new("bash")
        .args(["-c", merge])
        .current_dir(&elsewhere)
        .output()
        .unwrap();
    assert!(o.status.success(), "{merge}: {}", stderr(&o));
    assert!(
        dir.join("results.csv").is_file(),
        "the tasks ran into the folder named"
    );
    // The chained submission, with a stand-in sbatch that runs `--wrap`.
    let bin = t.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("sbatch");
    std::fs::write(
        &fake,
        "#!/bin/sh\nfor a; do last=$a; done\ncase \" $* \" in *' --wrap '*) exec sh -c \"$last\";; esac\necho 123\n",
    )
    .unwrap();
    Command::new("chmod")
        .args(["+x", fake.to_str().unwrap()])
        .status()
        .unwrap();
    let chain = text
        .lines()
        .find_map(|l| l.strip_prefix("#   jid="))
        .map(|l| format!("jid={l}"))
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .args(["-c", &chain])
        .current_dir(&elsewhere)
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{chain}: {}", stderr(&o));
    assert!(
        dir.join("slurm").read_dir().unwrap().count() == 2,
        "one log per task"
    );
    assert_eq!(injected(t.path()), Vec::<PathBuf>::new());
    assert!(!Path::new("INJ1").exists() && !Path::new("INJ3").exists());
}
