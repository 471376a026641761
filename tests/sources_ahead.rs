//! The next step's sources computed ahead by the rules pass (and patched
//! by division) against a pass over the cells at the start of each step
//! (src/model/sources.rs): two worlds of the same scenario run in lockstep,
//! one each way, and at every step the `sasp` sources, what each site
//! shows its neighbours, the solved field and, at the end, every cell are
//! the same bits. The scenarios make the sources change in every way a
//! run can: division and replicative arrest (young tissue), doses, grafts
//! placed and senescing, senolytics, a wound that contracts, periodic and
//! no-flux edges, a block of a single row.

use senesim::model::fields::FieldId;
use senesim::model::world::{Phase, World};
use std::path::Path;

fn world(file: &str, sets: &[&str]) -> World {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let s = senesim::scenario::resolve(Some(&path), &sets)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .scenario;
    World::new(s)
}

/// What the step's sources phase left, as bits.
fn sources(w: &World) -> (Vec<u32>, Vec<u32>, u64) {
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<u32>>();
    (
        bits(w.sasp.source()),
        bits(w.shown()),
        w.senescent_load().to_bits(),
    )
}

fn lockstep(file: &str, sets: &[&str]) -> usize {
    let mut ahead = world(file, sets);
    let mut pass = world(file, sets);
    pass.compute_sources_ahead(false);
    let mut steps = 0;
    while !ahead.is_done() {
        let (mut a, mut b) = (None, None);
        ahead.step_with(&mut |ph, w| {
            if ph == Phase::Sources {
                a = Some(sources(w));
            }
        });
        pass.step_with(&mut |ph, w| {
            if ph == Phase::Sources {
                b = Some(sources(w));
            }
        });
        assert!(a == b, "{file}: sources differ at step {steps}");
        let f = |w: &World| -> Vec<u32> {
            w.fields[FieldId::Sasp]
                .c
                .iter()
                .map(|x| x.to_bits())
                .collect()
        };
        assert!(
            f(&ahead) == f(&pass),
            "{file}: sasp differs at step {steps}"
        );
        steps += 1;
    }
    assert!(ahead.cells == pass.cells, "{file}: cells differ at the end");
    assert_eq!(ahead.events, pass.events, "{file}");
    assert_eq!(ahead.moves, pass.moves, "{file}");
    steps
}

#[test]
fn sources_computed_ahead_equal_a_pass_over_the_cells() {
    for (file, sets) in [
        // Young tissue with room: division, migration, replicative arrest
        // (with Δt = 0.3 h, an arrest's onset and the next step's time
        // differ in their last bits); 5 rows, so blocks of 4 rows and of 1.
        (
            "scenarios/young_skin_baseline.toml",
            &[
                "grid.nx=40",
                "grid.ny=5",
                "run.days=20",
                "run.dt_h=0.3",
                "tissue.density=0.6",
                "tissue.initial_divisions_mean=48.0",
            ][..],
        ),
        // Weekly doses into aged skin on a periodic lattice.
        (
            "scenarios/default.toml",
            &[
                "grid.nx=48",
                "grid.ny=36",
                "grid.boundary=periodic",
                "run.days=9",
            ][..],
        ),
        // A graft placed and senescing (its EV sources move with its cells).
        (
            "scenarios/msc_graft_drift.toml",
            &["grid.nx=48", "grid.ny=48", "run.days=8"][..],
        ),
        // A wound that contracts, cleared daily by a senolytic.
        (
            "scenarios/wound_transient_senescence.toml",
            &["grid.nx=64", "grid.ny=64", "run.days=8"][..],
        ),
        // A wound with young EVs on a lattice four rows high (one block).
        (
            "scenarios/wound_aged_young_ev.toml",
            &[
                "grid.nx=64",
                "grid.ny=4",
                "grid.boundary=periodic",
                "run.days=4",
            ][..],
        ),
    ] {
        let steps = lockstep(file, sets);
        assert!(steps > 0, "{file}");
    }
}
