//! senesim: an agent-based simulator of senescence spread, SASP and MSC
//! secretome treatments in tissue. The model as implemented is described in
//! docs/model.md, the layout of this crate in docs/architecture.md, the
//! scenario keys in docs/scenario-reference.md.
//!
//! * `model`: the simulation itself (cells, lattice, fields, rules,
//!   division, treatments, products, the world and its step, observation);
//!   it does no IO.
//! * `scenario`: reading, layering and validating scenario files.
//! * `run`: the step loop and a run into a folder; `study`: what runs many
//!   models (paired comparisons, sweeps, their statistics).
//! * `io`: folders (their layout, locks and ownership), bounded input,
//!   atomic output, snapshots and checkpoints; `plot`: figures from folders.
//! * `validate`: the verification suite; `cli`: the command line; `math`:
//!   the elementary functions, the same bits on every machine.

pub mod cancel;
pub mod cli;
pub mod error;
pub mod io;
pub mod math;
pub mod model;
pub mod plot;
pub mod run;
pub mod scenario;
pub mod study;
pub mod text;
pub mod validate;

/// The version of this crate (and of the Python package built from it).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

// The public API: a scenario built with typed overrides and validated, a run
// in memory with a cancellation token and an observer, and what it gives.
pub use cancel::Cancel;
pub use error::{RunError, ScenarioError};
pub use model::observe::{Row, Summary};
pub use model::world::World;
pub use run::{simulate, Observer, Options, Outcome};
pub use scenario::{Builder, Scenario, Valid};

#[cfg(test)]
mod layout {
    //! The layering of docs/architecture.md, checked on the source: which
    //! top-level module uses which (`crate::X` outside test code), no cycle
    //! among them, and the leaves import nothing of the crate.

    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    fn uses() -> BTreeMap<String, BTreeSet<String>> {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![src.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                // A `tests.rs` is a test module (`#[cfg(test)] mod tests;`).
                if p.extension().is_none_or(|x| x != "rs")
                    || p.file_name().is_some_and(|n| n == "tests.rs")
                {
                    continue;
                }
                let rel = p.strip_prefix(&src).unwrap();
                let top = rel
                    .components()
                    .next()
                    .unwrap()
                    .as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_string();
                if top == "lib" || top == "main" {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                let entry = g.entry(top.clone()).or_default();
                for (i, _) in code.match_indices("crate::") {
                    let name: String = code[i + 7..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != top {
                        entry.insert(name);
                    }
                }
            }
        }
        g
    }

    #[test]
    fn the_leaves_import_nothing_and_no_module_depends_on_itself() {
        let g = uses();
        for leaf in ["error", "text", "cancel", "math"] {
            assert!(g[leaf].is_empty(), "{leaf} uses {:?}", g[leaf]);
        }
        // No cycle: a depth-first search finds no back edge.
        fn visit(
            n: &str,
            g: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) {
            if done.contains(n) {
                return;
            }
            if let Some(i) = path.iter().position(|x| x == n) {
                panic!("import cycle: {} -> {n}", path[i..].join(" -> "));
            }
            path.push(n.to_string());
            for m in g.get(n).into_iter().flatten() {
                visit(m, g, path, done);
            }
            path.pop();
            done.insert(n.to_string());
        }
        let mut done = BTreeSet::new();
        for n in g.keys() {
            visit(n, &g, &mut Vec::new(), &mut done);
        }
        // The model does no IO and knows nothing of files, runs or studies.
        let model: Vec<&String> = g["model"].iter().collect();
        assert!(
            model
                .iter()
                .all(|m| ["error", "text", "math"].contains(&m.as_str())),
            "model uses {model:?}"
        );
    }
}
