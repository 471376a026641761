//! senesim as a library: a scenario with typed overrides, run in memory
//! through the public API, its time series read back.
//!
//! cargo run --release --example library

use senesim::{simulate, Builder, Cancel, Observer, Options, Row};

/// Counts the steps as they go (a progress bar would do the same).
struct Progress {
    last: u64,
}

impl Observer for Progress {
    fn step(&mut self, step: u64, total: u64) {
        if step * 4 / total != self.last * 4 / total {
            eprintln!("{step}/{total} steps");
        }
        self.last = step;
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The built-in default scenario (aged skin, weekly young-MSC EVs), shorter
    // and smaller, and the same treated with EVs of a 70-year-old donor.
    let young = Builder::builtin()
        .set("run.days", 14.0)
        .set("grid.nx", 64)
        .set("grid.ny", 64)
        .seed(7)
        .build()?;
    let old = Builder::builtin()
        .set("run.days", 14.0)
        .set("grid.nx", 64)
        .set("grid.ny", 64)
        .set("products.young_uc_ev.donor_age_years", 70.0)
        .set("products.young_uc_ev.passage", 14)
        .seed(7)
        .build()?;
    for (name, s) in [("young donor", &young), ("old donor, passage 14", &old)] {
        let out = simulate(
            s,
            Options {
                threads: Some(2),
                cancel: Cancel::new(),
                observer: Some(Box::new(Progress { last: 0 })),
            },
        )?;
        let last: &Row = out.rows.last().expect("a run reports t = 0 at least");
        println!(
            "{name}: senescent fraction {:.3} at day {:.0} (AUC {:.3} fraction·days), {} rows",
            last.senescent_fraction,
            last.time_h / 24.0,
            out.summary.auc_senescent_fraction_days,
            out.rows.len()
        );
    }
    // Bad input is an error value, never a panic.
    let err = Builder::builtin()
        .set("run.days", -1.0)
        .build()
        .unwrap_err();
    println!("refused: {err}");
    Ok(())
}
