//! The lattice cost at the demo's default (120 atoms, P = 64, σ = 0.25, `ln(1 + |F|²)`):
//! forward, value + gradient through the generated code, and 100 reverse Monte Carlo moves
//! (rank-one image update + one FFT each). `cargo bench -p backsolve-models --bench lattice`.

use backsolve_core::inverse::Objective;
use backsolve_core::SplitMix64;
use backsolve_models::lattice::fit::{reverse_monte_carlo, Constraints, ImageFit, RmcOptions};
use backsolve_models::lattice::render::momentum_image;
use backsolve_models::lattice::structure::{displaced, triangular};
use backsolve_models::lattice::Geometry;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::time::Duration;

fn lattice(c: &mut Criterion) {
    let mut g = c.benchmark_group("lattice_120_atoms_64px");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let geometry = Geometry::default();
    let base = triangular(10, 12, geometry.side).unwrap();
    let truth = displaced(&base, 0.12, geometry.side, &mut SplitMix64(1));
    let start = displaced(&base, 0.03, geometry.side, &mut SplitMix64(2));
    let target = momentum_image(&geometry, &truth).unwrap();
    let mut fit = ImageFit::new(geometry, target, Constraints::default()).unwrap();
    g.bench_function("forward", |b| {
        b.iter(|| fit.clone().value(black_box(&start)))
    });
    g.bench_function("value_and_gradient", |b| {
        b.iter(|| fit.value_and_gradient(black_box(&start)))
    });
    let opts = RmcOptions {
        step: 0.05,
        temperature: 0.0,
        seed: 3,
        max_moves: 100,
        max_seconds: f64::INFINITY,
    };
    g.bench_function("rmc_100_moves", |b| {
        b.iter(|| reverse_monte_carlo(&fit, black_box(&start), &opts).unwrap())
    });
    g.finish();
}

criterion_group!(benches, lattice);
criterion_main!(benches);
