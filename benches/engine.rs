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

criterion_group!(benches, spectral, step);
criterion_main!(benches);
