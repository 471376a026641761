//! Benchmarks with a grid-size axis: one agent step of the default aged,
//! EV-treated tissue (all fields active), and the spectral solves alone.
//!
//! Run: `cargo bench --bench engine`. Recorded figures: README, Performance.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use senesim::geometry::{Boundary, Grid};
use senesim::scenario::load;
use senesim::sim::World;
use senesim::spectral::Spectral;
use std::hint::black_box;

fn world(n: usize) -> World {
    let sets = vec![
        format!("grid.nx={n}"),
        format!("grid.ny={n}"),
        "treatments.0.start_h=0".to_string(),
    ];
    let s = load(None, &sets).expect("default scenario").scenario;
    let mut w = World::new(s);
    // Past the first dose, so the EV fields are active and cells carry cargo.
    for _ in 0..30 {
        w.step();
    }
    w
}

fn step(c: &mut Criterion) {
    let mut g = c.benchmark_group("step");
    g.sample_size(20);
    for n in [64usize, 128, 256] {
        let mut w = world(n);
        g.throughput(Throughput::Elements((n * n) as u64));
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{n}x{n}")),
            &n,
            |b, _| b.iter(|| w.step()),
        );
    }
    g.finish();
}

fn spectral(c: &mut Criterion) {
    let mut g = c.benchmark_group("spectral");
    for n in [64usize, 128, 256, 512] {
        for boundary in [Boundary::NoFlux, Boundary::Periodic] {
            let mut sp = Spectral::new(Grid::new(n, n, boundary));
            let src: Vec<f64> = (0..n * n).map(|i| (i % 97) as f64).collect();
            g.throughput(Throughput::Elements((n * n) as u64));
            g.bench_with_input(
                BenchmarkId::new(format!("steady_{boundary:?}"), n),
                &n,
                |b, _| {
                    b.iter(|| {
                        let mut c = black_box(src.clone());
                        sp.steady(&mut c, 3600.0, 16.0)
                    })
                },
            );
            let mut c0 = src.clone();
            g.bench_with_input(
                BenchmarkId::new(format!("advance_{boundary:?}"), n),
                &n,
                |b, _| b.iter(|| sp.advance(&mut c0, None, 10.0, 0.03, 1.0)),
            );
        }
    }
    g.finish();
}

criterion_group!(benches, step, spectral);
criterion_main!(benches);
