//! Region coordinates relative to the grid: a region's `cx`, `x0`, `x1`
//! (and `cy`, `y0`, `y1`) may be written as `"center"` or as a percentage
//! of the grid's width (height), `"25%"`, and a circle's `r` as a
//! percentage of the grid's shorter side, so that a scenario keeps its
//! wound or dose in place when `grid.nx` and `grid.ny` change (a sweep's or
//! a test's `--set grid.nx=32`). They are resolved to sites when the
//! scenario is loaded, so the scenario as resolved (the manifest) holds
//! numbers.

use crate::error::ScenarioError;
use crate::scenario::load::Origins;
use toml::{Table, Value};

/// The extent a coordinate key is relative to.
#[derive(Clone, Copy)]
enum Axis {
    X,
    Y,
    /// A radius: the shorter side.
    Short,
}

fn axis(key: &str) -> Option<Axis> {
    match key {
        "cx" | "x0" | "x1" => Some(Axis::X),
        "cy" | "y0" | "y1" => Some(Axis::Y),
        "r" => Some(Axis::Short),
        _ => None,
    }
}

const RULE: &str = "a region coordinate is a number of sites, \"center\", or a percentage of the grid such as \"25%\" (of its width for cx, x0, x1; of its height for cy, y0, y1; of its shorter side for r)";

/// The sites a relative coordinate `text` stands for on an axis of `extent`
/// sites, or None if it is not one.
fn sites(text: &str, extent: f64, radius: bool) -> Option<f64> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("center") || t.eq_ignore_ascii_case("centre") {
        return (!radius).then_some(extent / 2.0);
    }
    let p: f64 = t.strip_suffix('%')?.trim().parse().ok()?;
    (p.is_finite() && (0.0..=100.0).contains(&p)).then_some(p / 100.0 * extent)
}

/// Replaces every relative coordinate of every region in `t` (a table with
/// a `shape` key, anywhere) by its number of sites on the grid of `t`.
pub fn resolve(t: &mut Table, origins: &Origins) -> Result<(), ScenarioError> {
    let dim = |k: &str| {
        t.get("grid")
            .and_then(|g| g.get(k))
            .and_then(Value::as_integer)
            .filter(|&v| v > 0)
            .map(|v| v as f64)
    };
    // A malformed grid is refused by the scenario's own checks.
    let (Some(nx), Some(ny)) = (dim("nx"), dim("ny")) else {
        return Ok(());
    };
    walk_table(t, "", (nx, ny), origins)
}

fn walk_table(t: &mut Table, at: &str, grid: (f64, f64), o: &Origins) -> Result<(), ScenarioError> {
    let region = t.contains_key("shape");
    for (k, v) in t.iter_mut() {
        let path = if at.is_empty() {
            k.clone()
        } else {
            format!("{at}.{k}")
        };
        match v {
            Value::String(s) if region => {
                let Some(a) = axis(k) else { continue };
                let extent = match a {
                    Axis::X => grid.0,
                    Axis::Y => grid.1,
                    Axis::Short => grid.0.min(grid.1),
                };
                let n = sites(s, extent, matches!(a, Axis::Short)).ok_or_else(|| {
                    ScenarioError::Invalid {
                        origin: o.of(&path),
                        key: path.clone(),
                        value: format!("\"{}\"", crate::text::printable(s)),
                        rule: RULE.into(),
                    }
                })?;
                *v = Value::Float(n);
            }
            Value::Table(inner) => walk_table(inner, &path, grid, o)?,
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    if let Value::Table(inner) = item {
                        walk_table(inner, &format!("{path}[{i}]"), grid, o)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_coordinates_become_sites_of_the_grid() {
        assert_eq!(sites("center", 64.0, false), Some(32.0));
        assert_eq!(sites(" 25% ", 40.0, false), Some(10.0));
        assert_eq!(sites("100%", 40.0, true), Some(40.0));
        for bad in ["center", "-5%", "101%", "25", "x%", "NaN%", "inf%"] {
            assert_eq!(sites(bad, 40.0, true), None, "{bad}");
        }
        assert_eq!(sites("half", 40.0, false), None);
    }
}
