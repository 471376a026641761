//! Tests of the world's bookkeeping between its phases (world.rs).

use super::*;

/// The rules pass skips looking for young cargo only while none can be
/// held: at every step where the world's record says none is, no cell
/// holds any and no young CM is about. Young EVs dosed from day 1: the
/// skip is taken before the first dose and the search after it.
#[test]
fn young_cargo_is_looked_for_whenever_a_cell_may_hold_it() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/aged_skin_young_ev.toml");
    let sets = ["grid.nx=32", "grid.ny=24", "run.days=3"].map(String::from);
    let s = crate::scenario::resolve(Some(&path), &sets)
        .unwrap()
        .scenario;
    let mut w = World::new(s);
    let (mut skipped, mut searched) = (0, 0);
    while !w.is_done() {
        w.step();
        let none_held = w.cells.iter().all(|c| c.cargo_young == 0.0);
        let no_cm = matches!(w.fields[FieldId::CmYoung].view(), View::Uniform(v) if v == 0.0);
        match w.scratch.no_young_cargo {
            Some(taken) => {
                assert!(
                    none_held && no_cm,
                    "step {}: cargo held, none recorded",
                    w.step
                );
                assert_eq!(taken, w.fields[FieldId::EvYoung].balance.taken_up);
                skipped += 1;
            }
            None => {
                assert!(
                    !none_held || !no_cm,
                    "step {}: recorded held, none is",
                    w.step
                );
                searched += 1;
            }
        }
    }
    assert!(
        skipped >= 20 && searched >= 20,
        "{skipped} skipped, {searched} searched"
    );
}
