//! Conductance maps on the paper's 31 (phi) x 21 (E) grid, q = 4: the forward map and the
//! value + gradient of the misfit, at Lx x Ly = 20 x 10 and 40 x 20.
//! `cargo bench -p backsolve-models --bench transport`.

use backsolve_core::SplitMix64;
use backsolve_models::transport::{
    misfit_and_gradient, simulate_map, Grid, Lattice, Model, WireLead,
};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;

fn potential(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64(seed);
    (0..n).map(|_| rng.range(-1.0, 1.0)).collect()
}

fn maps(c: &mut Criterion) {
    let mut g = c.benchmark_group("transport_map_31x21");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    let grid = Grid::linspace((0.0, 0.1, 31), (-1.0, 1.0, 21));
    let model = Model::Wires(WireLead::Wavenumber(1.0));
    for &(lx, ly) in &[(20usize, 10usize), (40, 20)] {
        let lattice = Lattice { lx, ly };
        let truth = potential(lx * ly, 1);
        let target = simulate_map(&model, lattice, 4, &truth, None, &grid, &|| ()).unwrap();
        let v = potential(lx * ly, 2);
        let label = format!("{lx}x{ly}");
        g.bench_with_input(BenchmarkId::new("forward", &label), &v, |b, v| {
            b.iter(|| simulate_map(&model, lattice, 4, black_box(v), None, &grid, &|| ()).unwrap())
        });
        g.bench_with_input(
            BenchmarkId::new("value_and_gradient", &label),
            &v,
            |b, v| {
                b.iter(|| {
                    misfit_and_gradient(
                        &model,
                        lattice,
                        4,
                        black_box(v),
                        None,
                        &grid,
                        &target,
                        None,
                    )
                    .unwrap()
                })
            },
        );
    }
    g.finish();
}

/// The other two systems the sweep consumes: square-lattice leads in the field, and the
/// spinful conductor with spin-polarized wire leads (20 x 10, the same grid).
fn other_systems(c: &mut Criterion) {
    let mut g = c.benchmark_group("transport_systems_31x21");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    let grid = Grid::linspace((0.0, 0.1, 31), (-1.0, 1.0, 21));
    let lattice = Lattice { lx: 20, ly: 10 };
    let n = lattice.lx * lattice.ly;
    let m: Vec<f64> = potential(3 * n, 3);
    let models = [
        ("square", Model::Square, None),
        (
            "spinful",
            Model::Spinful {
                j: 0.3,
                k_up: 1.0,
                k_down: 1.4,
            },
            Some(m.as_slice()),
        ),
    ];
    for (name, model, m) in &models {
        let truth = potential(n, 1);
        let target = simulate_map(model, lattice, 4, &truth, *m, &grid, &|| ()).unwrap();
        let v = potential(n, 2);
        g.bench_with_input(BenchmarkId::new("forward", name), &v, |b, v| {
            b.iter(|| simulate_map(model, lattice, 4, black_box(v), *m, &grid, &|| ()).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("value_and_gradient", name), &v, |b, v| {
            b.iter(|| {
                misfit_and_gradient(model, lattice, 4, black_box(v), *m, &grid, &target, None)
                    .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, maps, other_systems);
criterion_main!(benches);
