//! The guard on what senesim writes: no CSV, JSON or VTI value may be NaN
//! or infinite (serde_json would write `null`, csv `NaN`).

use serde::Serialize;

/// The first non-finite number in `value` (a row, a summary), as (key
/// path, value); None when every number is finite. Absent options are
/// skipped.
pub fn first_non_finite<T: Serialize>(value: &T) -> Option<(String, f64)> {
    // TOML keeps NaN and infinities as floats, where JSON would turn them
    // into nulls indistinguishable from absent values.
    let v = toml::Value::try_from(value).ok()?;
    find(&v, "")
}

fn find(v: &toml::Value, path: &str) -> Option<(String, f64)> {
    match v {
        toml::Value::Float(f) if !f.is_finite() => Some((path.to_string(), *f)),
        toml::Value::Table(t) => t.iter().find_map(|(k, x)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            find(x, &p)
        }),
        toml::Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| find(x, &format!("{path}[{i}]"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct R {
        a: f64,
        b: Option<f64>,
        c: Vec<f64>,
    }

    #[test]
    fn the_first_non_finite_value_is_named() {
        let ok = R {
            a: 1.0,
            b: None,
            c: vec![2.0],
        };
        assert_eq!(first_non_finite(&ok), None);
        let bad = R {
            a: 1.0,
            b: Some(f64::INFINITY),
            c: vec![f64::NAN],
        };
        assert_eq!(first_non_finite(&bad).unwrap().0, "b");
        let bad = R {
            a: 1.0,
            b: None,
            c: vec![0.0, f64::NAN],
        };
        assert_eq!(first_non_finite(&bad).unwrap().0, "c[1]");
    }
}
