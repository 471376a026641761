//! Criterion benchmarks with a grid-size axis (128² … 2048²):
//!
//! - `step/N`: one agent step of the all-fields tissue (benches/all_fields.toml:
//!   aged skin, daily EVs and conditioned medium, an MSC graft; every field
//!   solved every step), 2 threads. Throughput is in sites, so criterion's
//!   "elements/s" is site-steps per second.
//! - `spectral/{steady,advance,advance_source}/N`: the field solves alone
//!   (no-flux; `periodic_*` at 512²): the SASP steady solve, an EV step
//!   without and with a source.
//!
//! - `fast/{multigrid_warm,kernel}/N`: the solvers the engine uses by
//!   default (docs/model.md §4): the `sasp` steady solve by warm-started f32
//!   multigrid (from the previous solution, 0.5% of the sources changed),
//!   and the f32 heat-kernel EV step.
//!
//! Run: `cargo bench --bench engine` (about 6 minutes on 2 cores; one group:
//! `cargo bench --bench engine -- spectral`). Recorded figures: README,
//! Performance. The whole-run, memory and sweep figures: benches/scale.rs.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use senesim::model::geometry::{Boundary, Grid};
use senesim::model::spectral::Spectral;
use senesim::model::world::World;
use senesim::scenario::load;
use std::hint::black_box;
use std::path::Path;

const SIZES: [usize; 5] = [128, 256, 512, 1024, 2048];

fn world(n: usize) -> World {
    let sets = vec![format!("grid.nx={n}"), format!("grid.ny={n}")];
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/all_fields.toml");
    let s = load(Some(Path::new(file)), &sets)
        .expect("benches/all_fields.toml")
        .scenario;
    let mut w = World::new(s);
    // Past the first doses, so every field is active and cells carry cargo.
    for _ in 0..3 {
        w.step();
    }
    w
}

fn pool() -> rayon::ThreadPool {
    senesim::run::pool(2).expect("thread pool")
}

fn step(c: &mut Criterion) {
    let pool = pool();
    let mut g = c.benchmark_group("step");
    g.sample_size(10);
    for n in SIZES {
        let mut w = pool.install(|| world(n));
        g.throughput(Throughput::Elements((n * n) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| pool.install(|| w.step()))
        });
    }
    g.finish();
}

fn spectral(c: &mut Criterion) {
    let pool = pool();
    let mut g = c.benchmark_group("spectral");
    g.sample_size(10);
    let cases = SIZES.iter().map(|&n| (n, Boundary::NoFlux, "")).chain([(
        512,
        Boundary::Periodic,
        "periodic_",
    )]);
    for (n, boundary, prefix) in cases {
        let mut sp = Spectral::new(Grid::new(n, n, boundary));
        let src: Vec<f64> = (0..n * n).map(|i| (i % 97) as f64).collect();
        g.throughput(Throughput::Elements((n * n) as u64));
        let mut c = src.clone();
        g.bench_with_input(
            BenchmarkId::new(format!("{prefix}steady"), n),
            &n,
            |b, _| {
                b.iter(|| {
                    c.copy_from_slice(&src);
                    pool.install(|| sp.steady(black_box(&mut c), 3600.0, 16.0))
                })
            },
        );
        let mut c = src.clone();
        g.bench_with_input(
            BenchmarkId::new(format!("{prefix}advance"), n),
            &n,
            |b, _| {
                b.iter(|| pool.install(|| sp.advance(black_box(&mut c), None, 10.0, 0.0289, 1.0)))
            },
        );
        let mut c = src.clone();
        let mut s = src.clone();
        g.bench_with_input(
            BenchmarkId::new(format!("{prefix}advance_source"), n),
            &n,
            |b, _| {
                b.iter(|| {
                    s.copy_from_slice(&src);
                    pool.install(|| sp.advance(black_box(&mut c), Some(&mut s), 10.0, 0.0289, 1.0))
                })
            },
        );
    }
    g.finish();
}

fn fast(c: &mut Criterion) {
    let pool = pool();
    let mut g = c.benchmark_group("fast");
    g.sample_size(10);
    for n in SIZES {
        let grid = Grid::new(n, n, Boundary::NoFlux);
        g.throughput(Throughput::Elements((n * n) as u64));
        let mut mg = senesim::model::multigrid::Multigrid::new(grid).expect("a power of two");
        for (i, s) in mg.source.iter_mut().enumerate() {
            *s = if i % 17 == 0 { 16.0 } else { 0.0 };
        }
        let mut u = vec![0f32; n * n];
        pool.install(|| mg.solve(&mut u, 3600.0, 16.0));
        let mut k = 0usize;
        g.bench_with_input(BenchmarkId::new("multigrid_warm", n), &n, |b, _| {
            b.iter(|| {
                // A step's worth of change: 1 source in 200 switches.
                k += 1;
                for i in (k % 200..n * n).step_by(200) {
                    mg.source[i] = if mg.source[i] > 0.0 { 0.0 } else { 16.0 };
                }
                pool.install(|| mg.solve(black_box(&mut u), 3600.0, 16.0))
            })
        });
        let step = senesim::model::kernel::KernelStep::new(grid, 10.0, 1.0).expect("narrow");
        let mut c: Vec<f32> = (0..n * n).map(|i| (i % 97) as f32).collect();
        g.bench_with_input(BenchmarkId::new("kernel", n), &n, |b, _| {
            b.iter(|| pool.install(|| step.apply(black_box(&mut c), 0.97)))
        });
    }
    g.finish();
}

criterion_group!(benches, spectral, fast, step);
criterion_main!(benches);
