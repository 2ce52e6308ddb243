//! Primitives at the sizes the models use: forward, and the pullback given the forward's
//! residual (what the reverse sweep pays). `cargo bench --bench linalg`.
//!
//! Also: whether scalar code slows down right after faer calls (the upper-AVX-state transition
//! penalty measured on these machines with other builds), by timing a scalar kernel alone, a
//! faer product alone, and both back to back.

use backsolve::c64;
use backsolve::faer::Mat;
use backsolve::linalg::{self, QrAlgorithm};
use backsolve::SplitMix64;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;

fn cmat(m: usize, n: usize, seed: u64) -> Mat<c64> {
    let mut rng = SplitMix64(seed);
    Mat::from_fn(m, n, |_, _| {
        c64::new(rng.range(-1.0, 1.0), rng.range(-1.0, 1.0))
    })
}

fn diag_dominant(n: usize, seed: u64) -> Mat<c64> {
    let mut a = cmat(n, n, seed);
    for i in 0..n {
        a[(i, i)] += c64::new(n as f64, 0.0);
    }
    a
}

fn products_and_factorizations(c: &mut Criterion) {
    let mut g = c.benchmark_group("linalg");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for &m in &[10usize, 20, 40] {
        let tall = cmat(2 * m, m, 1);
        let sq = cmat(m, m, 2);
        let label = format!("{}x{}", 2 * m, m);
        g.bench_with_input(BenchmarkId::new("matmul/forward", &label), &m, |b, _| {
            b.iter(|| linalg::matmul(black_box(&tall), black_box(&sq)))
        });
        let d = cmat(2 * m, m, 3);
        g.bench_with_input(BenchmarkId::new("matmul/pullback", &label), &m, |b, _| {
            b.iter(|| linalg::__reverse_matmul(black_box(&tall), &sq, (), d.clone()))
        });
        for (name, alg) in [
            ("householder", QrAlgorithm::Householder),
            ("gram_schmidt", QrAlgorithm::GramSchmidt),
        ] {
            g.bench_with_input(
                BenchmarkId::new(format!("qr_{name}/forward"), &label),
                &m,
                |b, _| b.iter(|| linalg::try_qr_with(black_box(&tall), alg).unwrap()),
            );
        }
        let (q, r) = linalg::qr(&tall);
        let (dq, dr) = (cmat(2 * m, m, 4), cmat(m, m, 5));
        g.bench_with_input(BenchmarkId::new("qr/pullback", &label), &m, |b, _| {
            b.iter(|| linalg::qr_adjoint(black_box(&q), &r, dq.clone(), dr.clone()))
        });
        let a = diag_dominant(2 * m, 6);
        let label_s = format!("{}x{}\\{}x{}", 2 * m, 2 * m, 2 * m, m);
        g.bench_with_input(BenchmarkId::new("solve/forward", &label_s), &m, |b, _| {
            b.iter(|| linalg::solve(black_box(&a), black_box(&tall)))
        });
        let (_, residual) = linalg::__forward_solve(&a, &tall);
        g.bench_with_input(BenchmarkId::new("solve/pullback", &label_s), &m, |b, _| {
            b.iter(|| {
                let res = (residual.0.clone(), residual.1.clone());
                linalg::__reverse_solve(black_box(&a), &tall, res, d.clone())
            })
        });
    }
    for &n in &[64usize, 128] {
        let x: Vec<c64> = cmat(n, n, 7)
            .col_iter()
            .flat_map(|c| c.iter().copied().collect::<Vec<_>>())
            .collect();
        let label = format!("{n}x{n}");
        g.bench_with_input(BenchmarkId::new("fft2/forward", &label), &n, |b, _| {
            b.iter(|| linalg::fft2(black_box(&x), n, n))
        });
        g.bench_with_input(BenchmarkId::new("fft2/pullback", &label), &n, |b, _| {
            b.iter(|| linalg::__reverse_fft2(black_box(&x), n, n, (), x.clone()))
        });
    }
    g.finish();
}

/// A scalar kernel of the kind that follows faer calls in a simulator.
fn scalar_kernel(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, x) in v.iter().enumerate() {
        s += (x * x + i as f64).sqrt() / (1.0 + x.abs());
    }
    s
}

fn avx_transition(c: &mut Criterion) {
    let mut g = c.benchmark_group("avx_transition");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let a = cmat(20, 20, 8);
    let v: Vec<f64> = (0..4000).map(|i| (i as f64 * 0.3).sin()).collect();
    g.bench_function("scalar_alone", |b| b.iter(|| scalar_kernel(black_box(&v))));
    g.bench_function("faer_matmul_alone", |b| {
        b.iter(|| black_box(&a) * black_box(&a))
    });
    g.bench_function("faer_then_scalar", |b| {
        b.iter(|| {
            let p = black_box(&a) * black_box(&a);
            black_box(p);
            scalar_kernel(black_box(&v))
        })
    });
    g.finish();
}

criterion_group!(benches, products_and_factorizations, avx_transition);
criterion_main!(benches);
