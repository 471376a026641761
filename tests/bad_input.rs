//! Hostile input: every file of `tests/bad_inputs/` is refused before any
//! work with exit 2, naming the file and what its `# expect:` line lists
//! (key, value, rule), and leaves no output; random TOML and random `--set`
//! values never make the loader panic, and what it accepts runs.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_bad_input_is_refused_with_file_key_value_and_rule() {
    let files = corpus();
    assert!(files.len() >= 31, "the corpus: {} files", files.len());
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let expect: Vec<&str> = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect:"))
            .unwrap_or_else(|| panic!("{}: first line must be `# expect: ...`", f.display()))
            .split('|')
            .map(str::trim)
            .collect();
        let t = Temp::new();
        let out = t.path().join("out");
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let t0 = std::time::Instant::now();
        let o = if name.ends_with(".sweep.toml") {
            senesim(&[
                "sweep",
                f.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ])
        } else {
            senesim(&[
                "run",
                f.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ])
        };
        let err = stderr(&o);
        assert!(
            t0.elapsed().as_secs() < 10,
            "{name}: refused in bounded time"
        );
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(
            err.contains(&name),
            "{name}: the error names the file: {err}"
        );
        for e in &expect {
            assert!(
                err.contains(e),
                "{name}: the error should mention `{e}`: {err}"
            );
        }
        assert!(!out.exists(), "{name}: no output before the input is valid");
    }
}

#[test]
fn an_unwritable_output_folder_and_a_folder_of_another_run_are_refused() {
    let t = Temp::new();
    let small = [
        "--set",
        "grid.nx=16",
        "--set",
        "grid.ny=16",
        "--set",
        "run.days=2",
        "--quiet",
        "--no-plots",
    ];
    // A file where the folder should be.
    let blocker = t.write("file", "x");
    let mut args = vec!["run", "--out", blocker.to_str().unwrap()];
    args.extend(small);
    let o = senesim(&args);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("error:") && !stderr(&o).contains("panicked"));
    assert_eq!(
        std::fs::read_to_string(&blocker).unwrap(),
        "x",
        "nothing overwritten"
    );

    // A folder holding a run of another seed: refused, untouched; --force overwrites.
    let out = t.path().join("run");
    let mut args = vec!["run", "--out", out.to_str().unwrap()];
    args.extend(small);
    assert!(senesim(&args).status.success());
    let before = std::fs::read(out.join("timeseries.csv")).unwrap();
    assert!(
        senesim(&args).status.success(),
        "the same run again is allowed"
    );
    let mut other = args.clone();
    other.extend(["--seed", "9"]);
    let o = senesim(&other);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds a run of") && stderr(&o).contains("--force"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(out.join("timeseries.csv")).unwrap(), before);
    other.push("--force");
    assert!(senesim(&other).status.success());
    assert_ne!(std::fs::read(out.join("timeseries.csv")).unwrap(), before);
}

/// xorshift64*: a fixed-seed stream for the random inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const VALUES: [&str; 22] = [
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "1",
    "0.5",
    "-0.0",
    "1e308",
    "-1e308",
    "4294967296",
    "18446744073709551616",
    "\"x\"",
    "\"\"",
    "true",
    "[]",
    "[1, 2]",
    "{}",
    "{ a = 1 }",
    "1e-320",
    "2.5",
    "100000",
];

/// Every key path of a TOML value (tables by name, arrays by index).
fn key_paths(v: &toml::Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                key_paths(x, &p, out);
            }
        }
        toml::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                key_paths(x, &format!("{prefix}.{i}"), out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

/// Runs a few steps of an accepted scenario, if it is small: what the loader
/// accepts must not make the engine panic either.
fn run_briefly(s: senesim::scenario::Scenario) {
    if s.grid.nx * s.grid.ny <= 64 * 64 {
        let mut w = senesim::model::world::World::new(s);
        for _ in 0..3 {
            if w.is_done() {
                break;
            }
            w.step();
        }
    }
}

#[test]
fn random_toml_and_random_overrides_never_panic_the_loader() {
    let t = Temp::new();
    // The small scenario with every mechanism (48 × 40 sites).
    let base = FULL.to_string();
    let resolved = senesim::scenario::resolve(None, &[]).unwrap().scenario;
    let mut keys = Vec::new();
    key_paths(&toml::Value::try_from(&resolved).unwrap(), "", &mut keys);
    keys.extend([
        "grid.nx".into(),
        "no.such.key".into(),
        "treatments.7.start_h".into(),
        "".into(),
    ]);
    let mut rng = Rng(0x5EED_0001);
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..600 {
        // A mutated scenario file: a value replaced, or bytes cut or doubled.
        let mut text = base.clone();
        match rng.below(3) {
            0 => {
                let lines: Vec<&str> = text.lines().collect();
                let k = rng.below(lines.len());
                let mut l = lines[k].to_string();
                if let Some((key, _)) = l.split_once('=') {
                    l = format!("{key}= {}", rng.pick(&VALUES));
                }
                let mut ls: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
                ls[k] = l;
                text = ls.join("\n");
            }
            1 => {
                let bytes = text.as_bytes();
                let (a, n) = (rng.below(bytes.len()), rng.below(20));
                let cut: Vec<u8> = bytes[..a]
                    .iter()
                    .chain(&bytes[(a + n).min(bytes.len())..])
                    .copied()
                    .collect();
                text = String::from_utf8_lossy(&cut).into_owned();
            }
            _ => {
                let a = rng.below(text.len());
                let a = (0..=a)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                let piece = text[a..].chars().take(rng.below(30)).collect::<String>();
                text.insert_str(a, &piece);
            }
        }
        let f = t.write(&format!("case{case}.toml"), &text);
        // Random overrides on top.
        let sets: Vec<String> = (0..rng.below(3))
            .map(|_| format!("{}={}", keys[rng.below(keys.len())], rng.pick(&VALUES)))
            .collect();
        let got = std::panic::catch_unwind(|| {
            senesim::scenario::resolve(Some(&f), &sets).map(|l| run_briefly(l.scenario))
        });
        match got {
            Ok(Ok(())) => accepted += 1,
            Ok(Err(e)) => {
                refused += 1;
                assert!(!e.to_string().is_empty());
            }
            Err(_) => panic!("case {case} panicked; sets {sets:?}; file:\n{text}"),
        }
    }
    // Both sides are exercised.
    assert!(
        accepted > 30 && refused > 100,
        "accepted {accepted}, refused {refused}"
    );
}

/// Runs senesim, asserting it refuses (exit 2) within `secs`, without a
/// panic, naming each of `expect`; returns its stderr.
fn refused_within(args: &[&str], secs: u64, expect: &[&str]) -> String {
    let t0 = std::time::Instant::now();
    let o = senesim(args);
    let e = stderr(&o);
    assert!(
        t0.elapsed().as_secs() < secs,
        "{args:?}: took {:?}",
        t0.elapsed()
    );
    assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
    assert!(!e.contains("panicked"), "{args:?}: {e}");
    for x in expect {
        assert!(e.contains(x), "{args:?}: should mention `{x}`: {e}");
    }
    e
}

#[test]
fn devices_fifos_and_huge_files_are_refused_wherever_a_file_is_read() {
    let t = Temp::new();
    let fifo = t.path().join("pipe.toml");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let huge = t.path().join("huge.toml");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(5 << 20).unwrap(); // 5 MiB, above the 4 MiB cap (sparse: no disk used)
                                 // A file far larger than memory as a checkpoint: refused from its header.
    let vast = t.path().join("vast.bin");
    std::fs::File::create(&vast)
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    refused_within(
        &[
            "run",
            "--from-checkpoint",
            vast.to_str().unwrap(),
            "--out",
            t.path().join("o").to_str().unwrap(),
            "--quiet",
        ],
        5,
        &["not a senesim checkpoint"],
    );
    let out = t.path().join("out");
    let out_s = out.to_str().unwrap();
    for (file, what) in [
        ("/dev/zero", "character device"),
        ("/dev/urandom", "character device"),
        (fifo.to_str().unwrap(), "FIFO"),
        (huge.to_str().unwrap(), "larger than 4 MiB"),
        (t.path().to_str().unwrap(), "folder"),
    ] {
        refused_within(&["run", file, "--out", out_s, "--quiet"], 5, &[file, what]);
        refused_within(
            &["sweep", file, "--out", out_s, "--quiet"],
            5,
            &[file, what],
        );
        refused_within(&["check", file], 5, &[file, what]);
        let base = t.write("child.toml", &format!("extends = \"{file}\"\n"));
        refused_within(
            &["run", base.to_str().unwrap(), "--out", out_s, "--quiet"],
            5,
            &["extends", what],
        );
        let ck_what = if what.starts_with("larger") {
            "not a senesim checkpoint"
        } else {
            what
        };
        refused_within(
            &["run", "--from-checkpoint", file, "--out", out_s, "--quiet"],
            5,
            &["--from-checkpoint", ck_what],
        );
        assert!(!out.exists(), "{file}: nothing written");
    }
    // A checkpoint that is a FIFO in a run folder.
    let dir = t.path().join("run");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("manifest.json"), "{\"kind\": \"run\"}").unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(dir.join("checkpoint.bin"))
        .status()
        .unwrap()
        .success());
    refused_within(&["resume", dir.to_str().unwrap(), "--quiet"], 5, &["FIFO"]);
}

#[test]
fn a_deep_extends_chain_and_too_many_threads_are_refused_with_the_limit() {
    let t = Temp::new();
    t.write("s0.toml", "name = \"root\"\n");
    for i in 1..=200 {
        t.write(
            &format!("s{i}.toml"),
            &format!("extends = \"s{}.toml\"\n", i - 1),
        );
    }
    let out = t.path().join("out");
    let top = t.path().join("s200.toml");
    refused_within(
        &[
            "run",
            top.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        5,
        &["extends", "32"],
    );
    // Within the limit it is read.
    let ok = t.path().join("s20.toml");
    let o = senesim(&["check", ok.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for n in ["100000", "0", "1025"] {
        refused_within(
            &[
                "run",
                "--threads",
                n,
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ],
            5,
            &["--threads", n, "1024"],
        );
    }
    assert!(!out.exists());
}

#[test]
fn errors_from_the_command_line_name_it_and_stay_short_and_printable() {
    let t = Temp::new();
    let base = t.write("base.toml", "[grid]\nnx = 64\nny = 64\n");
    let b = base.to_str().unwrap();
    let e = refused_within(
        &["check", b, "--set", "grid.nx=2147483648"],
        5,
        &["--set", "grid.nx"],
    );
    assert!(!e.contains("base.toml: grid"), "{e}");
    refused_within(
        &["check", b, "--set", "run.days=1e400"],
        5,
        &["--set run.days=1e400", "not a number"],
    );
    // A parse error of a file of 100 000 brackets is reported in a few lines.
    let deep = t.write("deep.toml", &format!("a = {}", "[".repeat(100_000)));
    let e = refused_within(&["check", deep.to_str().unwrap()], 5, &["deep.toml"]);
    assert!(e.len() < 2000, "{} bytes of message", e.len());
    // A checkpoint error: exit 2, the path once.
    let junk = t.write("junk.bin", "not a checkpoint");
    let e = refused_within(
        &[
            "run",
            "--from-checkpoint",
            junk.to_str().unwrap(),
            "--out",
            t.path().join("o").to_str().unwrap(),
            "--quiet",
        ],
        5,
        &["not a senesim checkpoint"],
    );
    assert_eq!(e.matches("junk.bin").count(), 1, "{e}");
}

#[test]
fn every_seed_senesim_writes_is_taken_back_and_reruns_its_replicate() {
    let t = Temp::new();
    let sc = t.write(
        "s.toml",
        "name = \"seeds\"\n[run]\ndays = 2.0\nsnapshot_every_h = 0.0\n[grid]\nnx = 16\nny = 16\n\
         [products.ev]\nsource = \"bone_marrow\"\ndonor_age_years = 50.0\npassage = 6\n\
         [[treatments]]\nproduct = \"ev\"\nstart_h = 6.0\ndelivery = { mode = \"uniform\", au_per_site = 1.0 }\n",
    );
    let cmp = t.path().join("cmp");
    let o = senesim(&[
        "compare",
        sc.to_str().unwrap(),
        "--replicates",
        "6",
        "--out",
        cmp.to_str().unwrap(),
        "--quiet",
        "--no-plots",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cmp.join("comparison.json")).unwrap()).unwrap();
    let seeds: Vec<String> = j["seeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().expect("seeds are strings in JSON").to_string())
        .collect();
    // Half of all seeds are ≥ 2⁶³; take the largest of these six.
    let big = seeds
        .iter()
        .max_by_key(|s| s.parse::<u64>().unwrap())
        .unwrap()
        .clone();
    let r = j["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["arm"] == "treated" && r["seed"] == big.as_str())
        .unwrap();
    let want = r["metrics"]["final_senescent_fraction"].as_f64().unwrap();
    let summary = |out: &std::path::Path| -> f64 {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        v["final_senescent_fraction"].as_f64().unwrap()
    };
    let a = t.path().join("a");
    let o = run_quiet(&sc, &a, &["--seed", &big]);
    assert!(o.status.success(), "--seed {big}: {}", stderr(&o));
    assert_eq!(summary(&a), want, "--seed reruns the replicate");
    let b = t.path().join("b");
    let o = run_quiet(&sc, &b, &["--set", &format!("run.seed={big}")]);
    assert!(o.status.success(), "--set run.seed={big}: {}", stderr(&o));
    assert_eq!(summary(&b), want);
    let f = t.write(
        "f.toml",
        &format!("extends = \"s.toml\"\n[run]\nseed = \"{big}\"\n"),
    );
    let c = t.path().join("c");
    let o = run_quiet(&f, &c, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(summary(&c), want);
    let m = manifest(&c);
    assert_eq!(m["seed"], big.as_str(), "written as a string, not rounded");
    assert_eq!(m["scenario"]["run"]["seed"], big.as_str());
    // And `check` prints it so that it reads back.
    let o = senesim(&["check", f.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(&format!("seed = \"{big}\"")), "{text}");
}
