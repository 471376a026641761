//! Python values as scenario overrides: `set={"tissue.age": "young",
//! "treatments.0.every_h": 72}` becomes the `--set` arguments
//! `tissue.age="young"` and `treatments.0.every_h=72`, validated by the
//! same code as the command line's.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// A Python value as a TOML value: bool, int, float, str, list or tuple
/// (an array), dict (a table).
fn toml_value(key: &str, v: &Bound<'_, PyAny>) -> PyResult<toml::Value> {
    let bad = |what: String| {
        PyTypeError::new_err(format!(
            "set[{key:?}]: {what} (rule: a value is a bool, int, float, str, or a list or dict of them)"
        ))
    };
    if v.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() {
        return match v.extract::<i64>() {
            Ok(i) => Ok(toml::Value::Integer(i)),
            Err(_) => Err(bad(format!("{v} does not fit in 64 bits"))),
        };
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(v.extract()?));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(v.extract()?));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = v.extract()?;
        return items
            .iter()
            .map(|x| toml_value(key, x))
            .collect::<PyResult<Vec<_>>>()
            .map(toml::Value::Array);
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut t = toml::map::Map::new();
        for (k, x) in d.iter() {
            let k: String = k
                .extract()
                .map_err(|_| bad("a table's keys must be str".into()))?;
            t.insert(k, toml_value(key, &x)?);
        }
        return Ok(toml::Value::Table(t));
    }
    let type_name = v
        .get_type()
        .name()
        .map_or("?".to_string(), |n| n.to_string());
    Err(bad(format!("a value of type {type_name}")))
}

/// `set` as `--set` arguments (`key=value`, value as TOML), in the dict's order.
pub fn overrides(set: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<String>> {
    let Some(d) = set else {
        return Ok(Vec::new());
    };
    d.iter()
        .map(|(k, v)| {
            let key: String = k.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "set: key {k} is not a str (rule: keys are dotted paths, e.g. \"tissue.age\")"
                ))
            })?;
            let value = toml_value(&key, &v)?;
            Ok(format!("{key}={value}"))
        })
        .collect()
}
