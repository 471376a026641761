//! Quick timings for comparing two builds side by side (README,
//! Performance): one agent step of `benches/all_fields.toml` and the three
//! kinds of field solve, on a square grid of the side given (default 512),
//! with 2 threads, and the floor the FFTs alone set for a solve. Run the old and the new build alternately: on a shared
//! machine the speed drifts from hour to hour, so only interleaved runs
//! compare.
//!
//! ```sh
//! cargo run --release --example step_timer -- 512
//! ```

use senesim::model::geometry::{Boundary, Grid};
use senesim::model::spectral::Spectral;
use senesim::model::world::World;
use senesim::scenario::load;
use std::path::Path;
use std::time::Instant;

/// Median and best of `reps` timings of `f`, in ms.
fn time(reps: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[reps / 2], t[0])
}

fn main() {
    let n: usize = match std::env::args().nth(1).map(|s| s.parse()) {
        None => 512,
        Some(Ok(n)) if n >= 8 => n,
        _ => {
            eprintln!("usage: step_timer [SIDE ≥ 8]");
            std::process::exit(2);
        }
    };
    let pool = senesim::run::pool(2).expect("thread pool");
    let sets = vec![format!("grid.nx={n}"), format!("grid.ny={n}")];
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/all_fields.toml");
    let scenario = match load(Some(Path::new(file)), &sets) {
        Ok(l) => l.scenario,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    pool.install(|| {
        let mut w = World::new(scenario);
        for _ in 0..3 {
            w.step();
        }
        let (med, best) = time(15, || w.step());
        println!("{n}²  one step, all fields: median {med:.2} ms, best {best:.2} ms (15 steps)");

        let mut sp = Spectral::new(Grid::new(n, n, Boundary::NoFlux));
        let mut c: Vec<f64> = (0..n * n).map(|i| (i % 13) as f64).collect();
        let mut s = vec![0.0; n * n];
        let (med, best) = time(30, || sp.steady(&mut c, 3600.0, 12.0));
        println!("{n}²  sasp steady solve:    median {med:.2} ms, best {best:.2} ms (30)");
        let (med, best) = time(30, || sp.advance(&mut c, None, 10.0, 0.0289, 1.0));
        println!("{n}²  EV step, 1 h:         median {med:.2} ms, best {best:.2} ms (30)");
        let (med, best) = time(30, || {
            s.iter_mut().enumerate().for_each(|(i, v)| *v = (i % 97) as f64);
            sp.advance(&mut c, Some(&mut s), 10.0, 0.0289, 1.0)
        });
        println!("{n}²  EV step with source (and its refill): median {med:.2} ms, best {best:.2} ms (30)");
    });

    // The floor under any spectral solve: the real FFTs alone of one 2D
    // transform pair (forward and inverse of every row, then of every
    // column: twice the row work), on one core, data in cache.
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    let (fwd, inv) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
    let mut x = vec![1.0; n * n];
    let mut spec = fwd.make_output_vec();
    let (mut s1, mut s2) = (fwd.make_scratch_vec(), inv.make_scratch_vec());
    let (med, best) = time(10, || {
        for row in x.chunks_mut(n) {
            fwd.process_with_scratch(row, &mut spec, &mut s1)
                .expect("sized by the plan");
            spec[0].im = 0.0;
            if n.is_multiple_of(2) {
                spec[n / 2].im = 0.0;
            }
            inv.process_with_scratch(&mut spec, row, &mut s2)
                .expect("sized by the plan");
        }
    });
    println!(
        "{n}²  FFT floor of one 2D transform pair: median {:.2} ms, best {:.2} ms of core time",
        2.0 * med,
        2.0 * best
    );
}
