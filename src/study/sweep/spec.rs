//! The sweep file: which scenario, which keys to vary and how, and how many
//! replicates. Values are computed by index, never by repeated addition, so
//! the i-th value of a range is the same on every machine and in every shard.
//!
//! ```toml
//! scenario = "../aged_skin_young_ev.toml"   # relative to this file
//! replicates = 4
//! paired = true                  # run the untreated control beside each point
//! set = ["grid.nx=64"]           # fixed overrides for every point
//!
//! [[axes]]                       # explicit list
//! key = "products.young.passage"
//! values = [2, 8, 16]
//!
//! [[axes]]                       # range: count values, linear or log
//! key = "treatments.0.delivery.au_per_site"
//! range = { from = 0.5, to = 8.0, count = 5, scale = "log" }
//!
//! [latin_hypercube]              # space-filling samples of further keys
//! samples = 16
//! axes = [{ key = "tissue.clearance_beta_per_day", from = 0.005, to = 0.05, scale = "log" }]
//! ```
//!
//! List and range axes combine as a full factorial (the first axis varies
//! slowest); Latin hypercube samples, if any, are crossed with it.

use crate::error::SweepError;
use crate::math;
use crate::model::rng::{uniform, Purpose};
use crate::scenario::lookup;
use serde::Deserialize;
use std::path::Path;
use toml::Value;

/// Most points a sweep may have, and most runs (points × arms × replicates).
pub const MAX_POINTS: usize = 50_000;
pub const MAX_RUNS: u64 = 1_000_000;
pub const MAX_REPLICATES: u64 = 1_000;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// A name for titles and the Slurm job (default: the file name).
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    /// The base scenario, relative to the sweep file.
    pub scenario: String,
    #[serde(default = "one")]
    pub replicates: u64,
    /// Base seed [default: the scenario's run.seed]: an integer or a string.
    #[serde(default, with = "crate::model::rng::seed_text::option")]
    pub seed: Option<u64>,
    /// Run the untreated control (and the scenario's [[arms]]) beside each point.
    #[serde(default)]
    pub paired: bool,
    /// `key=value` overrides applied to every point, before the axes.
    #[serde(default)]
    pub set: Vec<String>,
    /// Write each run's VTI snapshots.
    #[serde(default)]
    pub snapshots: bool,
    /// Write each run's two PNG plots.
    #[serde(default)]
    pub run_plots: bool,
    #[serde(default)]
    pub axes: Vec<AxisSpec>,
    pub latin_hypercube: Option<LhsSpec>,
}

fn one() -> u64 {
    1
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisSpec {
    /// A scenario key as `--set` writes it: `treatments.0.every_h`.
    pub key: String,
    pub values: Option<Vec<Value>>,
    pub range: Option<RangeSpec>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    #[default]
    Linear,
    Log,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    pub from: Value,
    pub to: Value,
    /// Number of values, both ends included.
    pub count: Option<u64>,
    /// Spacing (linear only): from, from + step, … up to `to`.
    pub step: Option<Value>,
    #[serde(default)]
    pub scale: Scale,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LhsSpec {
    pub samples: u64,
    /// Seed of the design [default: the sweep's base seed].
    #[serde(default, with = "crate::model::rng::seed_text::option")]
    pub seed: Option<u64>,
    pub axes: Vec<LhsAxis>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LhsAxis {
    pub key: String,
    pub from: f64,
    pub to: f64,
    #[serde(default)]
    pub scale: Scale,
    /// Round each sample to the nearest whole number, for integer keys
    /// (`passage`, `cryo_cycles`, ...).
    #[serde(default)]
    pub integer: bool,
}

/// One point of the sweep: a value (as a TOML literal) for each varied key.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub index: usize,
    pub values: Vec<Value>,
}

/// Reads and parses a sweep file (no scenario is resolved yet).
pub fn read(path: &Path) -> Result<SweepFile, SweepError> {
    let text = crate::io::input::read_text(path).map_err(|e| match e {
        crate::io::input::ReadRefusal::Io(source) => SweepError::Read {
            path: path.to_path_buf(),
            source,
        },
        other => SweepError::Folder {
            dir: path.to_path_buf(),
            rule: other.to_string(),
        },
    })?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| SweepError::Syntax {
            path: path.to_path_buf(),
            message: crate::scenario::parse_message(&e),
        })?;
    let file: SweepFile =
        serde_path_to_error::deserialize(Value::Table(table.clone())).map_err(|e| {
            let key = e.path().to_string();
            let msg = e.inner().to_string();
            let msg = msg
                .split("\nin `")
                .next()
                .unwrap_or(&msg)
                .trim()
                .to_string();
            let value = lookup(&table, &key).map_or_else(|| "(missing)".into(), |v| v.to_string());
            SweepError::invalid(path, &key, value, &msg)
        })?;
    Ok(file)
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// The values of one list or range axis.
fn axis_values(path: &Path, i: usize, a: &AxisSpec) -> Result<Vec<Value>, SweepError> {
    let key = |k: &str| format!("axes[{i}].{k}");
    let bad = |k: &str, v: String, rule: &str| SweepError::invalid(path, &key(k), v, rule);
    match (&a.values, &a.range) {
        (Some(v), None) if v.is_empty() => Err(bad("values", "[]".into(), "needs at least one value")),
        (Some(v), None) => Ok(v.clone()),
        (None, Some(r)) => range_values(r).map_err(|(k, v, rule)| bad(&format!("range.{k}"), v, &rule)),
        _ => Err(bad(
            "key",
            format!("\"{}\"", a.key),
            "an axis has exactly one of `values` (a list) or `range` ({ from, to, count | step, scale })",
        )),
    }
}

type Refusal = (&'static str, String, String);

/// Values of a range by index: linear from + (to − from)·i/(n − 1), log
/// from·(to/from)^(i/(n − 1)); or from + i·step. Integers when every bound is
/// an integer and the values are whole.
fn range_values(r: &RangeSpec) -> Result<Vec<Value>, Refusal> {
    let finite = |k: &'static str, v: &Value| -> Result<f64, Refusal> {
        number(v).filter(|x| x.is_finite()).ok_or((
            k,
            v.to_string(),
            "must be a finite number".into(),
        ))
    };
    let (from, to) = (finite("from", &r.from)?, finite("to", &r.to)?);
    let ints = matches!((&r.from, &r.to), (Value::Integer(_), Value::Integer(_)));
    if r.scale == Scale::Log && (from <= 0.0 || to <= 0.0) {
        return Err((
            "from",
            format!("{from} .. {to}"),
            "a log range needs from > 0 and to > 0".into(),
        ));
    }
    match (r.count, &r.step) {
        (Some(n), None) => {
            if !(1..=MAX_POINTS as u64).contains(&n) {
                return Err((
                    "count",
                    n.to_string(),
                    format!("must be between 1 and {MAX_POINTS}"),
                ));
            }
            if n == 1 && from != to {
                return Err(("count", "1".into(), "one value needs from = to".into()));
            }
            let at = |i: u64| -> f64 {
                if i == 0 {
                    return from;
                }
                if i == n - 1 {
                    return to;
                }
                let f = i as f64 / (n - 1) as f64;
                match r.scale {
                    Scale::Linear => from + (to - from) * f,
                    Scale::Log => math::exp(math::ln(from) + (math::ln(to) - math::ln(from)) * f),
                }
            };
            if ints && r.scale == Scale::Linear && n > 1 {
                let (a, b) = (from as i64, to as i64);
                if (b - a) % (n as i64 - 1) != 0 {
                    return Err((
                        "count",
                        n.to_string(),
                        format!("integer bounds {a} .. {b} do not split into {n} whole values; write the bounds as floats (e.g. {a}.0) or use `step`"),
                    ));
                }
                let d = (b - a) / (n as i64 - 1);
                return Ok((0..n as i64).map(|i| Value::Integer(a + i * d)).collect());
            }
            Ok((0..n).map(|i| Value::Float(at(i))).collect())
        }
        (None, Some(step)) => {
            if r.scale == Scale::Log {
                return Err((
                    "step",
                    step.to_string(),
                    "a log range is given by `count`, not `step`".into(),
                ));
            }
            let s = finite("step", step)?;
            if s <= 0.0 || to < from {
                return Err((
                    "step",
                    step.to_string(),
                    "needs step > 0 and to ≥ from".into(),
                ));
            }
            // Counted in floating point first: (to − from)/step may be
            // beyond any integer (step = 1e-20).
            let nf = ((to - from) / s * (1.0 + 1e-12)).floor() + 1.0;
            if !(nf.is_finite() && nf <= MAX_POINTS as f64) {
                return Err((
                    "step",
                    step.to_string(),
                    format!(
                        "gives {} values, more than {MAX_POINTS}",
                        if nf.is_finite() {
                            format!("{nf:.3e}")
                        } else {
                            "infinitely many".into()
                        }
                    ),
                ));
            }
            let n = nf as u64;
            if let (true, Value::Integer(st)) = (ints, step) {
                let a = from as i64;
                return Ok((0..n as i64).map(|i| Value::Integer(a + i * st)).collect());
            }
            Ok((0..n).map(|i| Value::Float(from + i as f64 * s)).collect())
        }
        _ => Err((
            "count",
            "(both or neither)".into(),
            "give exactly one of `count` or `step`".into(),
        )),
    }
}

/// Latin hypercube: `n` samples; on each axis the n strata are permuted and
/// each sample takes a uniform point in its stratum. Keyed draws: the design
/// depends only on (seed, n, axes).
fn lhs_values(path: &Path, l: &LhsSpec, seed: u64) -> Result<Vec<Vec<Value>>, SweepError> {
    let n = l.samples;
    if !(1..=MAX_POINTS as u64).contains(&n) {
        return Err(SweepError::invalid(
            path,
            "latin_hypercube.samples",
            n.to_string(),
            &format!("must be between 1 and {MAX_POINTS}"),
        ));
    }
    if l.axes.is_empty() {
        return Err(SweepError::invalid(
            path,
            "latin_hypercube.axes",
            "[]".into(),
            "needs at least one axis",
        ));
    }
    let mut columns = Vec::new();
    for (d, a) in l.axes.iter().enumerate() {
        let k = |f: &str| format!("latin_hypercube.axes[{d}].{f}");
        if !a.from.is_finite() || !a.to.is_finite() || a.from == a.to {
            return Err(SweepError::invalid(
                path,
                &k("to"),
                format!("{} .. {}", a.from, a.to),
                "needs finite from ≠ to",
            ));
        }
        if a.scale == Scale::Log && (a.from <= 0.0 || a.to <= 0.0) {
            return Err(SweepError::invalid(
                path,
                &k("from"),
                format!("{} .. {}", a.from, a.to),
                "a log axis needs from > 0 and to > 0",
            ));
        }
        // Fisher-Yates with keyed uniforms: stratum of each sample.
        let mut perm: Vec<u64> = (0..n).collect();
        for i in (1..n).rev() {
            let j = (uniform(seed, d as u64, i, Purpose::LatinHypercube) * (i + 1) as f64) as u64;
            perm.swap(i as usize, j.min(i) as usize);
        }
        let col: Vec<Value> = (0..n)
            .map(|i| {
                let u = (perm[i as usize] as f64
                    + uniform(
                        seed,
                        crate::model::rng::key::lhs_offset(d),
                        i,
                        Purpose::LatinHypercube,
                    ))
                    / n as f64;
                let x = match a.scale {
                    Scale::Linear => a.from + (a.to - a.from) * u,
                    Scale::Log => {
                        math::exp(math::ln(a.from) + (math::ln(a.to) - math::ln(a.from)) * u)
                    }
                };
                if a.integer {
                    Value::Integer(x.round() as i64)
                } else {
                    Value::Float(x)
                }
            })
            .collect();
        columns.push(col);
    }
    Ok((0..n as usize)
        .map(|i| columns.iter().map(|c| c[i].clone()).collect())
        .collect())
}

/// The varied keys (in column order) and every point of the sweep.
pub fn expand(
    path: &Path,
    f: &SweepFile,
    seed: u64,
) -> Result<(Vec<String>, Vec<Point>), SweepError> {
    let mut keys: Vec<String> = f.axes.iter().map(|a| a.key.clone()).collect();
    if let Some(l) = &f.latin_hypercube {
        keys.extend(l.axes.iter().map(|a| a.key.clone()));
    }
    if keys.is_empty() {
        return Err(SweepError::invalid(
            path,
            "axes",
            "[]".into(),
            "a sweep needs at least one axis or a latin_hypercube",
        ));
    }
    for (i, k) in keys.iter().enumerate() {
        if k.trim().is_empty() || k.split('.').any(str::is_empty) {
            return Err(SweepError::invalid(
                path,
                "axes.key",
                format!("\"{k}\""),
                "a key path like `tissue.clearance_beta_per_day`",
            ));
        }
        if keys[..i].contains(k) {
            return Err(SweepError::invalid(
                path,
                "axes.key",
                format!("\"{k}\""),
                "each key may be varied by one axis only",
            ));
        }
    }
    let lists: Vec<Vec<Value>> = f
        .axes
        .iter()
        .enumerate()
        .map(|(i, a)| axis_values(path, i, a))
        .collect::<Result<_, _>>()?;
    let lhs = match &f.latin_hypercube {
        Some(l) => lhs_values(path, l, l.seed.unwrap_or(seed))?,
        None => vec![vec![]],
    };
    let total = lists.iter().map(|l| l.len() as u128).product::<u128>() * lhs.len() as u128;
    if total > MAX_POINTS as u128 {
        return Err(SweepError::invalid(
            path,
            "axes",
            format!("{total} points"),
            &format!("a sweep may have at most {MAX_POINTS} points; split it into several sweeps"),
        ));
    }
    let mut points = Vec::with_capacity(total as usize);
    let mut idx = vec![0usize; lists.len()];
    loop {
        for sample in &lhs {
            let mut values: Vec<Value> =
                idx.iter().zip(&lists).map(|(&i, l)| l[i].clone()).collect();
            values.extend(sample.iter().cloned());
            points.push(Point {
                index: points.len(),
                values,
            });
        }
        // Odometer: the last axis varies fastest.
        let mut d = lists.len();
        loop {
            if d == 0 {
                return Ok((keys, points));
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < lists[d].len() {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// A value as the CSV tables show it: strings without quotes.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Float(f) => f.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A range as the sweep file writes it: `{ from = 0.1, to = 0.7, count = 7 }`.
    fn range(inline: &str) -> Result<Vec<Value>, Refusal> {
        let spec: RangeSpec = toml::from_str::<toml::Table>(&format!("r = {inline}"))
            .unwrap()
            .remove("r")
            .unwrap()
            .try_into()
            .unwrap();
        range_values(&spec)
    }

    #[test]
    fn ranges_are_computed_by_index_and_hit_both_ends() {
        let v = range("{ from = 0.1, to = 0.7, count = 7 }").unwrap();
        assert_eq!(v.len(), 7);
        assert_eq!(v[0], Value::Float(0.1));
        assert_eq!(v[6], Value::Float(0.7));
        // By index: 0.1 + 0.6·3/6, not 0.1 + 0.1 + 0.1 + 0.1 (= 0.4000000000000001).
        assert_eq!(v[3], Value::Float(0.1 + 0.6 * 0.5));
        let l = range("{ from = 0.01, to = 100.0, count = 5, scale = \"log\" }").unwrap();
        let x: Vec<f64> = l.iter().map(|v| v.as_float().unwrap()).collect();
        for (a, b) in x.iter().zip([0.01, 0.1, 1.0, 10.0, 100.0]) {
            assert!((a / b - 1.0).abs() < 1e-12, "{a} vs {b}");
        }
        let i = range("{ from = 2, to = 20, step = 6 }").unwrap();
        assert_eq!(i, [2, 8, 14, 20].map(Value::Integer));
        let c = range("{ from = 0, to = 12, count = 4 }").unwrap();
        assert_eq!(c[1], Value::Integer(4));
    }

    #[test]
    fn bad_ranges_are_refused_with_the_rule() {
        let (key, _, rule) = range("{ from = 0, to = 10, count = 4 }").unwrap_err();
        assert_eq!(key, "count");
        assert!(rule.contains("whole values"), "{rule}");
        for bad in [
            "{ from = 0.0, to = 1.0, count = 3, scale = \"log\" }",
            "{ from = 0.0, to = 1.0 }",
            "{ from = 0.0, to = 1.0, count = 0 }",
            "{ from = 1.0, to = 0.0, step = 0.1 }",
            "{ from = \"a\", to = 1.0, count = 2 }",
        ] {
            assert!(range(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn latin_hypercube_puts_one_sample_in_each_stratum_of_each_axis() {
        let l = LhsSpec {
            samples: 20,
            seed: None,
            axes: vec![
                LhsAxis {
                    key: "a".into(),
                    from: 0.0,
                    to: 1.0,
                    scale: Scale::Linear,
                    integer: false,
                },
                LhsAxis {
                    key: "b".into(),
                    from: 1.0,
                    to: 1000.0,
                    scale: Scale::Log,
                    integer: false,
                },
            ],
        };
        let s = lhs_values(Path::new("x"), &l, 9).unwrap();
        assert_eq!(s.len(), 20);
        for (d, map) in [
            (0usize, (|x: f64| x) as fn(f64) -> f64),
            (1, |x: f64| math::log10(x) / 3.0),
        ] {
            let mut strata: Vec<usize> = s
                .iter()
                .map(|p| (map(p[d].as_float().unwrap()) * 20.0) as usize)
                .collect();
            strata.sort();
            assert_eq!(strata, (0..20).collect::<Vec<_>>(), "axis {d}");
        }
        assert_eq!(
            s,
            lhs_values(Path::new("x"), &l, 9).unwrap(),
            "same seed, same design"
        );
        assert_ne!(s, lhs_values(Path::new("x"), &l, 10).unwrap());
    }

    #[test]
    fn factorial_order_is_first_axis_slowest() {
        let f: SweepFile = toml::from_str(
            r#"scenario = "x.toml"
            [[axes]]
            key = "a"
            values = [1, 2]
            [[axes]]
            key = "b"
            values = ["p", "q", "r"]"#,
        )
        .unwrap();
        let (keys, pts) = expand(Path::new("s.toml"), &f, 1).unwrap();
        assert_eq!(keys, ["a", "b"]);
        let got: Vec<String> = pts
            .iter()
            .map(|p| format!("{}{}", cell_text(&p.values[0]), cell_text(&p.values[1])))
            .collect();
        assert_eq!(got, ["1p", "1q", "1r", "2p", "2q", "2r"]);
        assert!(pts.iter().enumerate().all(|(i, p)| p.index == i));
    }
}
