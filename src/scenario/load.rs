//! Reading a scenario: layering, `extends`, `--set`, and where each key came from.
//!
//! A scenario is built from layers, later ones overriding earlier ones key by
//! key (tables merge, arrays and values replace):
//!
//! ```text
//!   defaults.toml  <  presets (tissue.age, tissue.cell_type)  <  extends chain
//!   (base first)   <  the scenario file  <  --set key.path=value
//! ```
//!
//! Each key remembers the layer that set it, so a validation error can name
//! the file. The merged table is then read by serde into `Scenario`, which
//! refuses unknown keys, and checked by `validate`.

use crate::error::ScenarioError;
use crate::model::params::Scenario;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

const DEFAULTS: &str = include_str!("defaults.toml");
const PRESETS: &str = include_str!("presets.toml");
/// The built-in default scenario, also shipped as scenarios/default.toml.
pub const BUILTIN: &str = include_str!("../../scenarios/default.toml");
pub const BUILTIN_NAME: &str = "<built-in default scenario>";

/// Where each dotted key path was set (`treatments[0].delivery.mode` form).
#[derive(Clone, Debug, Default)]
pub struct Origins {
    set: BTreeMap<String, String>,
    /// What set the keys no layer names (None: the built-in defaults).
    fallback: Option<String>,
}

impl Origins {
    /// Every key attributed to `name` (a scenario read back from a
    /// checkpoint or a manifest).
    pub fn labelled(name: &str) -> Origins {
        Origins {
            set: BTreeMap::new(),
            fallback: Some(name.to_string()),
        }
    }

    /// The layer that set `key` or its nearest enclosing table.
    pub fn of(&self, key: &str) -> String {
        let mut k = key.to_string();
        loop {
            if let Some(o) = self.set.get(&k) {
                return o.clone();
            }
            match k.rfind(['.', '[']) {
                Some(p) => k.truncate(p),
                None => {
                    return self
                        .fallback
                        .clone()
                        .unwrap_or_else(|| "built-in defaults".into())
                }
            }
        }
    }
    fn record(&mut self, prefix: &str, v: &Value, origin: &str) {
        self.set.insert(prefix.to_string(), origin.to_string());
        match v {
            Value::Table(t) => {
                for (k, v) in t {
                    self.record(&join(prefix, k), v, origin);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    self.record(&format!("{prefix}[{i}]"), v, origin);
                }
            }
            _ => {}
        }
    }
}

fn join(prefix: &str, k: &str) -> String {
    if prefix.is_empty() {
        k.to_string()
    } else {
        format!("{prefix}.{k}")
    }
}

/// A scenario as resolved, with the provenance of its keys.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    pub origins: Origins,
    /// Name of the top file (or the built-in default).
    pub source: String,
}

/// Longest `extends` chain (files): deeper is refused, not recursed into.
pub const MAX_EXTENDS_DEPTH: usize = 32;

/// A parser's message, cut to a readable length (a 100 000-bracket line
/// would otherwise be quoted whole) and safe for a terminal.
pub(crate) fn parse_message(e: &impl std::fmt::Display) -> String {
    let m = crate::text::clip(&e.to_string(), 600);
    crate::text::printable(m.trim_end()).replace("\\n", "\n  ")
}

fn parse(text: &str, path: &Path) -> Result<Table, ScenarioError> {
    text.parse::<Table>().map_err(|e| ScenarioError::Syntax {
        path: path.to_path_buf(),
        message: parse_message(&e),
    })
}

/// Reads a scenario file: a regular file of at most `input::MAX_TEXT_BYTES`.
fn read_file(path: &Path) -> Result<String, ScenarioError> {
    crate::io::input::read_text(path).map_err(|e| match e {
        crate::io::input::ReadRefusal::Io(source) => ScenarioError::Read {
            path: path.to_path_buf(),
            source,
        },
        other => ScenarioError::Refused {
            path: path.to_path_buf(),
            rule: other.to_string(),
        },
    })
}

/// Merges `over` into `base`, recording origins of what `over` sets.
fn merge(base: &mut Table, over: Table, prefix: &str, origin: &str, origins: &mut Origins) {
    for (k, v) in over {
        let path = join(prefix, &k);
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o, &path, origin, origins),
            (_, v) => {
                origins.record(&path, &v, origin);
                base.insert(k, v);
            }
        }
    }
}

/// Reads a file and its `extends` chain into one table (base first).
fn read_chain(
    path: &Path,
    stack: &mut Vec<PathBuf>,
    origins: &mut Origins,
) -> Result<Table, ScenarioError> {
    let canon = path.canonicalize().map_err(|source| ScenarioError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if stack.len() >= MAX_EXTENDS_DEPTH {
        return Err(ScenarioError::Refused {
            path: path.to_path_buf(),
            rule: format!(
                "an `extends` chain longer than {MAX_EXTENDS_DEPTH} files (rule: a scenario extends at most {MAX_EXTENDS_DEPTH} bases in a chain)"
            ),
        });
    }
    if let Some(pos) = stack.iter().position(|p| p == &canon) {
        let chain: Vec<String> = stack[pos..]
            .iter()
            .chain(std::iter::once(&canon))
            .map(|p| p.display().to_string())
            .collect();
        return Err(ScenarioError::ExtendsCycle {
            path: path.to_path_buf(),
            chain: chain.join(" -> "),
        });
    }
    let text = read_file(path)?;
    let mut table = parse(&text, path)?;
    if table.contains_key("axes") || table.contains_key("latin_hypercube") {
        return Err(ScenarioError::Refused {
            path: path.to_path_buf(),
            rule: format!(
                "is a sweep file (it has `axes` or `latin_hypercube`), not a scenario: run it with `senesim sweep {}`",
                crate::text::shell_word(path)
            ),
        });
    }
    stack.push(canon);
    let mut out = Table::new();
    match table.remove("extends") {
        None => {}
        Some(Value::String(base)) => {
            let base_path = path.parent().unwrap_or(Path::new(".")).join(&base);
            let refusal = match std::fs::metadata(&base_path) {
                Err(_) => Some(format!(
                    "no such base scenario file ({}); the path is relative to this file",
                    base_path.display()
                )),
                Ok(m) if !m.is_file() => crate::io::input::read_capped(&base_path, 0)
                    .err()
                    .map(|e| format!("the base {} {e}", base_path.display())),
                Ok(_) => None,
            };
            if let Some(rule) = refusal {
                return Err(ScenarioError::Invalid {
                    origin: path.display().to_string(),
                    key: "extends".into(),
                    value: format!("\"{}\"", crate::text::printable(&base)),
                    rule,
                });
            }
            out = read_chain(&base_path, stack, origins).map_err(|e| match e {
                // The base itself cannot be read: say so at the `extends` that names it.
                ScenarioError::Refused { path: p, rule } if p == base_path => {
                    ScenarioError::Invalid {
                        origin: path.display().to_string(),
                        key: "extends".into(),
                        value: format!("\"{}\"", crate::text::printable(&base)),
                        rule: format!("the base {} {rule}", p.display()),
                    }
                }
                other => other,
            })?;
        }
        Some(other) => {
            return Err(ScenarioError::Invalid {
                origin: path.display().to_string(),
                key: "extends".into(),
                value: other.to_string(),
                rule: "must be a path to a base scenario file, relative to this file".into(),
            })
        }
    }
    stack.pop();
    // A description describes its own file: a file that extends a base and
    // says nothing of itself does not inherit the base's (which would
    // describe other treatments).
    if !table.contains_key("description") {
        out.remove("description");
    }
    merge(&mut out, table, "", &path.display().to_string(), origins);
    Ok(out)
}

/// Applies one `--set key.path=value`. The value is read as TOML (number,
/// bool, string in quotes, array, inline table); a bare word is a string.
/// A numeric segment indexes an array of tables: `treatments.0.every_h=72`.
fn apply_set(table: &mut Table, arg: &str, origins: &mut Origins) -> Result<(), ScenarioError> {
    let bad = |rule: String| ScenarioError::Override {
        arg: arg.to_string(),
        rule,
    };
    let (key, raw) = arg
        .split_once('=')
        .ok_or_else(|| bad("expected key.path=value".into()))?;
    let (key, raw) = (key.trim(), raw.trim());
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(bad("the key path is empty or has an empty segment".into()));
    }
    let value = match format!("v = {raw}").parse::<Table>() {
        Ok(mut t) => t.remove("v").unwrap_or(Value::String(String::new())),
        // A whole number beyond a TOML integer (a seed ≥ 2⁶³) stays a
        // string of digits, which the keys that take one read.
        Err(_) if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) => {
            Value::String(raw.to_string())
        }
        // Something that reads as a number but that TOML refuses (1e400).
        Err(_) if looks_numeric(raw) => {
            return Err(bad(format!(
                "{raw} is not a number senesim can hold (a finite number, at most about 1.8e308, or a whole number below 2⁶³)"
            )))
        }
        Err(_)
            if !raw.is_empty()
                && raw
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_-./".contains(c)) =>
        {
            Value::String(raw.to_string())
        }
        Err(e) => {
            return Err(bad(format!(
                "value is not valid TOML: {}",
                crate::text::clip(&crate::text::printable(e.message()), 300)
            )))
        }
    };
    let segs: Vec<&str> = key.split('.').collect();
    let mut root = Value::Table(std::mem::take(table));
    let res = set_path(&mut root, &segs, "", value, origins).map_err(bad);
    if let Value::Table(t) = root {
        *table = t;
    }
    res
}

/// Whether `raw` is written as a number (digits, sign, point, exponent).
fn looks_numeric(raw: &str) -> bool {
    let t = raw.trim_start_matches(['+', '-']);
    t.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && t.chars()
            .all(|c| c.is_ascii_digit() || "._eE+-".contains(c))
}

fn set_path(
    cur: &mut Value,
    segs: &[&str],
    path: &str,
    value: Value,
    origins: &mut Origins,
) -> Result<(), String> {
    let (seg, rest) = (segs[0], &segs[1..]);
    let (slot, path) = match cur {
        Value::Table(t) => {
            let path = join(path, seg);
            let slot = t
                .entry(seg.to_string())
                .or_insert_with(|| Value::Table(Table::new()));
            (slot, path)
        }
        Value::Array(a) => {
            let i: usize = seg
                .parse()
                .map_err(|_| format!("`{path}` is an array: `{seg}` must be an index"))?;
            let len = a.len();
            let slot = a
                .get_mut(i)
                .ok_or_else(|| format!("index {i} is past the {len} entries of `{path}`"))?;
            (slot, format!("{path}[{i}]"))
        }
        _ => return Err(format!("`{path}` is a value, not a table")),
    };
    if rest.is_empty() {
        origins.record(&path, &value, "--set");
        *slot = value;
        Ok(())
    } else {
        set_path(slot, rest, &path, value, origins)
    }
}

fn preset_layer(presets: &Table, group: &str, name: Option<&str>) -> Option<Table> {
    let name = name?;
    presets.get(group)?.get(name)?.as_table().cloned()
}

/// Loads a scenario file (or the built-in default when `path` is None) with
/// `--set` overrides, and returns it resolved but not yet validated.
pub fn load(path: Option<&Path>, sets: &[String]) -> Result<Loaded, ScenarioError> {
    let mut origins = Origins::default();
    let (mut user, source) = match path {
        Some(p) => (
            read_chain(p, &mut Vec::new(), &mut origins)?,
            p.display().to_string(),
        ),
        None => {
            let mut t = parse(BUILTIN, Path::new(BUILTIN_NAME))?;
            t.remove("extends");
            let mut u = Table::new();
            merge(&mut u, t, "", BUILTIN_NAME, &mut origins);
            (u, BUILTIN_NAME.to_string())
        }
    };
    for s in sets {
        apply_set(&mut user, s, &mut origins)?;
    }

    let defaults = parse(DEFAULTS, Path::new("defaults.toml")).expect("built-in defaults parse");
    let presets = parse(PRESETS, Path::new("presets.toml")).expect("built-in presets parse");
    let pick = |key: &str| -> Option<String> {
        let from = |t: &Table| t.get("tissue")?.get(key)?.as_str().map(str::to_string);
        from(&user).or_else(|| from(&defaults))
    };
    let (cell_type, age) = (pick("cell_type"), pick("age"));
    let mut merged = defaults;
    let mut silent = Origins::default();
    if let Some(l) = preset_layer(&presets, "cell_type", cell_type.as_deref()) {
        let mut t = Table::new();
        t.insert("cells".into(), Value::Table(l));
        merge(&mut merged, t, "", "preset", &mut silent);
    }
    if let Some(l) = preset_layer(&presets, "age", age.as_deref()) {
        let mut t = Table::new();
        t.insert("tissue".into(), Value::Table(l));
        merge(&mut merged, t, "", "preset", &mut silent);
    }
    merge(&mut merged, user, "", "", &mut silent);
    crate::scenario::relative::resolve(&mut merged, &origins)?;

    let value = Value::Table(merged.clone());
    let scenario: Scenario = serde_path_to_error::deserialize(value).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner().to_string();
        let (key, rule) = describe_serde_error(&key, &inner);
        ScenarioError::Invalid {
            origin: origins.of(&key),
            value: lookup(&merged, &key).map_or_else(|| "(missing)".into(), |v| v.to_string()),
            key,
            rule,
        }
    })?;
    Ok(Loaded {
        scenario,
        origins,
        source,
    })
}

/// serde reports an unknown field at the enclosing path; name the field itself.
fn describe_serde_error(path: &str, msg: &str) -> (String, String) {
    // toml appends "\nin `path`" (the path we report already); drop it.
    let msg = msg.split("\nin `").next().unwrap_or(msg);
    let msg = msg
        .split(" at line")
        .next()
        .unwrap_or(msg)
        .trim()
        .to_string();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some((field, tail)) = rest.split_once('`') {
            let key = if path == "." || path.is_empty() {
                field.to_string()
            } else {
                // serde_path_to_error already appends the unknown field.
                if path.ends_with(field) {
                    path.to_string()
                } else {
                    join(path, field)
                }
            };
            let expected = tail.trim_start_matches(',').trim();
            return (key, format!("unknown key ({expected})"));
        }
    }
    let key = if path == "." {
        String::new()
    } else {
        path.to_string()
    };
    (key, plain_types(&msg))
}

/// Rust type names in serde's messages, in words a modeller reads.
fn plain_types(msg: &str) -> String {
    let mut m = msg.to_string();
    for (ty, words) in [
        ("expected usize", "expected a whole number ≥ 0 (an integer)"),
        ("expected u64", "expected a whole number ≥ 0 (an integer)"),
        ("expected u32", "expected a whole number ≥ 0 (an integer)"),
        (
            "expected u16",
            "expected a whole number from 0 to 65535 (an integer)",
        ),
        (
            "expected u8",
            "expected a whole number from 0 to 255 (an integer)",
        ),
        ("expected f64", "expected a number"),
    ] {
        if let Some(i) = m.find(ty) {
            if !m[i + ty.len()..].starts_with(|c: char| c.is_ascii_alphanumeric()) {
                m.replace_range(i..i + ty.len(), words);
            }
        }
    }
    m
}

/// The value at a dotted path with `[i]` indices, if present.
pub(crate) fn lookup<'a>(t: &'a Table, key: &str) -> Option<&'a Value> {
    let mut cur: Option<&Value> = None;
    for part in key.split('.') {
        let (name, idx) = match part.find('[') {
            Some(p) => (&part[..p], Some(&part[p..])),
            None => (part, None),
        };
        let mut v = match cur {
            None => t.get(name)?,
            Some(Value::Table(tt)) => tt.get(name)?,
            Some(_) => return None,
        };
        if let Some(idx) = idx {
            for i in idx.split(['[', ']']).filter(|s| !s.is_empty()) {
                v = v.as_array()?.get(i.parse::<usize>().ok()?)?;
            }
        }
        cur = Some(v);
    }
    cur
}
