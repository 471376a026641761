//! senesim's errors as Python sees them.
//!
//! Every failure leaves the extension as `_senesim.Failure(kind, message,
//! details)`, and `senesim/_errors.py` raises the public class for `kind`
//! (`ScenarioError`, `UsageError`, `FolderError`, `RunFailed`): the public
//! classes, their attributes and docstrings live in Python, where editors
//! and `help()` find them. `message` is what the command line prints after
//! `error:`; `details` holds a scenario error's `file`, `key`, `value` and
//! `rule`. An interrupted run raises `KeyboardInterrupt` itself.

use pyo3::exceptions::{PyException, PyKeyboardInterrupt};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use senesim::cli::{message, Stopped, Usage};
use senesim::error::{CheckpointError, FolderError, RunError, ScenarioError, SweepError};

pyo3::create_exception!(
    _senesim,
    Failure,
    PyException,
    "A senesim error, before senesim._errors gives it its public class."
);

/// The fields of a scenario error: where (file, or `--set`), which key,
/// the value and the rule it breaks. Whole-file errors have no key or value.
struct Fields {
    file: String,
    key: Option<String>,
    value: Option<String>,
    rule: String,
}

/// A whole file refused: no key, no value.
fn whole(path: &std::path::Path, rule: String) -> Fields {
    Fields {
        file: path.display().to_string(),
        key: None,
        value: None,
        rule,
    }
}

fn scenario_fields(e: &ScenarioError) -> Fields {
    match e {
        ScenarioError::Read { path, source } => {
            whole(path, format!("cannot read scenario: {source}"))
        }
        ScenarioError::Syntax { path, message } => {
            whole(path, format!("malformed TOML: {message}"))
        }
        ScenarioError::Refused { path, rule } => whole(path, rule.clone()),
        ScenarioError::ExtendsCycle { path, chain } => {
            whole(path, format!("`extends` cycle: {chain}"))
        }
        ScenarioError::Override { arg, rule } => {
            let (key, value) = arg.split_once('=').unwrap_or((arg.as_str(), ""));
            Fields {
                file: "--set".into(),
                key: Some(key.trim().to_string()),
                value: Some(value.trim().to_string()),
                rule: rule.clone(),
            }
        }
        ScenarioError::Arm { source, .. } => scenario_fields(source),
        ScenarioError::Invalid {
            origin,
            key,
            value,
            rule,
        } => Fields {
            file: origin.clone(),
            key: Some(key.clone()),
            value: Some(value.clone()),
            rule: rule.clone(),
        },
    }
}

fn sweep_fields(e: &SweepError) -> Option<Fields> {
    Some(match e {
        SweepError::Read { path, source } => {
            whole(path, format!("cannot read sweep file: {source}"))
        }
        SweepError::Syntax { path, message } => whole(path, format!("malformed TOML: {message}")),
        SweepError::Invalid {
            path,
            key,
            value,
            rule,
        } => Fields {
            file: path.display().to_string(),
            key: Some(key.clone()),
            value: Some(value.clone()),
            rule: rule.clone(),
        },
        SweepError::Scenario { source, .. } => scenario_fields(source),
        _ => return None,
    })
}

/// The public class of an error (see the module's doc), and its fields.
fn classify(e: &anyhow::Error) -> (&'static str, Option<Fields>) {
    for cause in e.chain() {
        if let Some(s) = cause.downcast_ref::<ScenarioError>() {
            return ("scenario", Some(scenario_fields(s)));
        }
        if let Some(s) = cause.downcast_ref::<SweepError>() {
            if let Some(f) = sweep_fields(s) {
                return ("scenario", Some(f));
            }
            match s {
                SweepError::Folder { .. } => return ("folder", None),
                SweepError::Claim(f) if f.is_input() => return ("folder", None),
                SweepError::Run { source, .. }
                    if matches!(**source, RunError::Interrupted { .. }) =>
                {
                    return ("interrupted", None)
                }
                _ => {}
            }
        }
        if cause.is::<Usage>() {
            return ("usage", None);
        }
        if cause.is::<Stopped>() {
            return ("interrupted", None);
        }
        if cause.is::<CheckpointError>() {
            return ("checkpoint", None);
        }
        if let Some(f) = cause.downcast_ref::<FolderError>() {
            if f.is_input() {
                return ("folder", None);
            }
        }
        if let Some(r) = cause.downcast_ref::<RunError>() {
            match r {
                RunError::Interrupted { .. } => return ("interrupted", None),
                RunError::Folder(f) if f.is_input() => return ("folder", None),
                RunError::Checkpoint(_) => return ("checkpoint", None),
                _ => {}
            }
        }
    }
    ("run", None)
}

/// The Python exception for a failure of the library.
pub fn to_py(py: Python<'_>, e: anyhow::Error) -> PyErr {
    let text = message(&e);
    let (kind, fields) = classify(&e);
    if kind == "interrupted" {
        // Say how to continue from Python too.
        let dir = e.chain().find_map(|c| match c.downcast_ref::<RunError>() {
            Some(RunError::Interrupted {
                checkpoint: Some(d),
                ..
            }) => Some(d.clone()),
            _ => None,
        });
        return PyKeyboardInterrupt::new_err(match dir {
            Some(d) => format!(
                "{text} (from Python: senesim.resume({:?}))",
                d.display().to_string()
            ),
            None => text,
        });
    }
    let details = PyDict::new(py);
    if let Some(f) = fields {
        let set = || -> PyResult<()> {
            details.set_item("file", f.file)?;
            details.set_item("key", f.key)?;
            details.set_item("value", f.value)?;
            details.set_item("rule", f.rule)
        };
        if let Err(err) = set() {
            return err;
        }
    }
    Failure::new_err((kind, text, details.unbind()))
}

/// A failure that is senesim's bug, not the user's input.
pub fn internal(text: String) -> PyErr {
    Python::attach(|py| Failure::new_err(("run", text, PyDict::new(py).unbind())))
}
