//! The one source of every parameter's documentation: the comments of
//! `defaults.toml`, each `[unit; allowed range] meaning; source`. From it
//! come the range checks of `validate` (with the unit in their messages)
//! and the key tables of docs/scenario-reference.md (`markdown`, kept in
//! step by a test), and `presets.toml` gives the preset tables.

use std::sync::OnceLock;

/// The range a numeric key must lie in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// `> 0`
    Positive,
    /// `≥ 0`
    NonNegative,
    /// `[0, 1]`
    Fraction,
    /// `≥ N`
    AtLeast(f64),
}

impl Rule {
    fn parse(text: &str) -> Option<Rule> {
        match text {
            "> 0" => Some(Rule::Positive),
            "≥ 0" => Some(Rule::NonNegative),
            "[0, 1]" => Some(Rule::Fraction),
            _ => text.strip_prefix("≥ ")?.parse().ok().map(Rule::AtLeast),
        }
    }

    /// Whether `v` obeys the rule (never for NaN or an infinity).
    pub fn holds(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Rule::Positive => v > 0.0,
                Rule::NonNegative => v >= 0.0,
                Rule::Fraction => (0.0..=1.0).contains(&v),
                Rule::AtLeast(n) => v >= n,
            }
    }

    /// As written in the table and in messages ("≥ 0").
    pub fn text(self) -> String {
        match self {
            Rule::Positive => "> 0".into(),
            Rule::NonNegative => "≥ 0".into(),
            Rule::Fraction => "[0, 1]".into(),
            Rule::AtLeast(n) => format!("≥ {n}"),
        }
    }
}

/// One key of the defaults.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its path (`cells.onset_hill`).
    pub key: String,
    /// Its table (`cells`, `fields.sasp`; empty at the top level).
    pub table: String,
    /// Its default, as written in defaults.toml.
    pub default: String,
    /// Its unit (`1/h`), or what it takes (`text`, `young | aged`).
    pub unit: String,
    pub rule: Option<Rule>,
    /// Meaning and source.
    pub text: String,
}

const DEFAULTS: &str = include_str!("defaults.toml");
const PRESETS: &str = include_str!("presets.toml");

/// Every key of defaults.toml, in its order.
pub fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| parse(DEFAULTS).unwrap_or_else(|e| panic!("defaults.toml: {e}")))
}

/// Parses `key = value  # [unit; rule] text` lines under `[table]` headers.
/// Every key must carry its bracket, and every rule must be one `Rule`
/// reads: the build's own tests parse the shipped file.
fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    let mut table = String::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(t) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            table = t.to_string();
            continue;
        }
        let at = |what: &str| format!("line {}: {what}: {line}", n + 1);
        let (assign, comment) = line.split_once(" #").ok_or_else(|| at("no comment"))?;
        let (name, value) = assign
            .split_once('=')
            .ok_or_else(|| at("not `key = value`"))?;
        let comment = comment.trim();
        let head = comment
            .strip_prefix('[')
            .and_then(|c| c.split_once("] "))
            .ok_or_else(|| at("the comment does not start with `[unit; range] `"))?;
        let (unit, rule) = match head.0.split_once("; ") {
            Some((u, r)) => (u, Some(Rule::parse(r).ok_or_else(|| at("unknown range"))?)),
            None => (head.0, None),
        };
        let name = name.trim();
        out.push(Entry {
            key: if table.is_empty() {
                name.to_string()
            } else {
                format!("{table}.{name}")
            },
            table: table.clone(),
            default: value.trim().to_string(),
            unit: unit.to_string(),
            rule,
            text: head.1.trim().to_string(),
        });
    }
    Ok(out)
}

/// The key table of `prefix` as Markdown: the keys of that table and of
/// the tables under it (`fields` gives all five fields); `top` gives the
/// top-level keys.
pub fn markdown(prefix: &str) -> String {
    let mut s = String::from(
        "| key | default | unit | range | meaning and source |\n|---|---|---|---|---|\n",
    );
    let under = |t: &str| match prefix {
        "top" => t.is_empty(),
        p => t == p || t.strip_prefix(p).is_some_and(|r| r.starts_with('.')),
    };
    for e in entries().iter().filter(|e| under(&e.table)) {
        s += &format!(
            "| `{}` | `{}` | {} | {} | {} |\n",
            e.key,
            e.default,
            e.unit.replace('|', "\\|"),
            e.rule.map_or("—".into(), Rule::text),
            e.text.replace('|', "\\|")
        );
    }
    s
}

const BEGIN: &str = "<!-- generated from ";
const END: &str = "<!-- end generated -->";

/// `doc` with every generated block (`<!-- generated from defaults.toml:
/// keys cells -->` … `<!-- end generated -->`, or `presets.toml: presets
/// age`) filled from the tables; an error names a block it cannot fill.
pub fn regenerate(doc: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = doc;
    while let Some(i) = rest.find(BEGIN) {
        let head_end = rest[i..].find("-->").ok_or("an unclosed block marker")? + i + 3;
        let head = &rest[i..head_end];
        let what = head[BEGIN.len()..head.len() - 3].trim();
        let body = match what.split_once(": ") {
            Some(("defaults.toml", w)) => w.strip_prefix("keys ").map(markdown),
            Some(("presets.toml", w)) => w.strip_prefix("presets ").map(presets_markdown),
            _ => None,
        }
        .ok_or_else(|| format!("unknown block `{what}`"))?;
        let end = rest[head_end..]
            .find(END)
            .ok_or_else(|| format!("block `{what}` has no end marker"))?
            + head_end;
        out += &rest[..head_end];
        out += "\n";
        out += &body;
        out += END;
        rest = &rest[end + END.len()..];
    }
    out += rest;
    Ok(out)
}

/// The presets of `group` (`age`, `cell_type`) as a Markdown table: one row
/// per key they set, one column per preset.
pub fn presets_markdown(group: &str) -> String {
    let presets: toml::Table = PRESETS.parse().unwrap_or_default();
    let Some(toml::Value::Table(g)) = presets.get(group) else {
        return String::new();
    };
    let names: Vec<&String> = g.keys().collect();
    let mut keys: Vec<&String> = Vec::new();
    for p in g.values().filter_map(|v| v.as_table()) {
        for k in p.keys() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let mut s = format!(
        "| key | {} |\n|---|{}\n",
        names
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(names.len())
    );
    for k in keys {
        let row: Vec<String> = names
            .iter()
            .map(|n| g[*n].get(k.as_str()).map_or("—".into(), |v| v.to_string()))
            .collect();
        s += &format!("| `{k}` | {} |\n", row.join(" | "));
    }
    s
}

/// The value at a dotted `key` of a scenario as TOML, as a number.
pub fn number_at(root: &toml::Value, key: &str) -> Option<f64> {
    let v = key.split('.').try_fold(root, |v, k| v.get(k))?;
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_carries_a_unit_and_every_number_a_range() {
        let e = entries();
        assert!(e.len() > 60);
        let defaults = toml::Value::Table(DEFAULTS.parse().unwrap());
        for x in e {
            assert!(!x.unit.is_empty() && !x.text.is_empty(), "{}", x.key);
            let v = x
                .key
                .split('.')
                .try_fold(&defaults, |v, k| v.get(k))
                .unwrap_or_else(|| panic!("{} is not in defaults.toml", x.key));
            if v.is_float() || (v.is_integer() && x.key != "run.seed") {
                let rule = x.rule.unwrap_or_else(|| panic!("{} has no range", x.key));
                let n = v
                    .as_float()
                    .unwrap_or_else(|| v.as_integer().unwrap() as f64);
                assert!(rule.holds(n), "{}'s default breaks its own range", x.key);
            }
        }
    }

    #[test]
    fn a_line_without_its_bracket_or_with_an_unknown_range_is_refused() {
        assert!(parse("[a]\nb = 1.0  # meaning\n").is_err());
        assert!(parse("[a]\nb = 1.0  # [1/h; < 3] meaning\n").is_err());
        let e = parse("[a]\nb = 1.0  # [1/h; ≥ 4] meaning; source\n").unwrap();
        assert_eq!(e[0].key, "a.b");
        assert_eq!(e[0].rule, Some(Rule::AtLeast(4.0)));
        assert_eq!(e[0].text, "meaning; source");
    }
}
