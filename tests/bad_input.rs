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
    assert!(files.len() >= 18, "the corpus: {} files", files.len());
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
        let mut w = senesim::sim::World::new(s);
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
