//! Generated gradient versus a hand-written adjoint of the same looped kernel.
//!
//! `cargo bench --bench macro_overhead`. The kernel is explicit heat-equation stepping with two
//! in-place buffers (n points, s steps) and a weighted energy at the end; the hand-written
//! adjoint stores the field once per step, as one would by hand.

use backsolve::prelude::*;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};

#[differentiable]
fn heat(u0: &[f64], alpha: f64, steps: usize) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = vec![0.0; n];
    for _ in 0..steps {
        for i in 1..n - 1 {
            next[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        }
        for i in 1..n - 1 {
            u[i] = next[i];
        }
    }
    let mut e = 0.0;
    for i in 0..n {
        e += u[i] * u[i] * (i as f64 + 1.0);
    }
    e
}

/// The adjoint written by hand: the field is stored after every step.
fn heat_hand_adjoint(
    u0: &[f64],
    alpha: f64,
    steps: usize,
    du0: &mut [f64],
    dalpha: &mut f64,
) -> f64 {
    let n = u0.len();
    let mut history = Vec::with_capacity(steps * n);
    let mut u = u0.to_vec();
    let mut next = vec![0.0; n];
    for _ in 0..steps {
        history.extend_from_slice(&u);
        for i in 1..n - 1 {
            next[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        }
        u[1..n - 1].copy_from_slice(&next[1..n - 1]);
    }
    let mut e = 0.0;
    let mut du = vec![0.0; n];
    for i in 0..n {
        e += u[i] * u[i] * (i as f64 + 1.0);
        du[i] = 2.0 * u[i] * (i as f64 + 1.0);
    }
    let mut dnext = vec![0.0; n];
    for s in (0..steps).rev() {
        let up = &history[s * n..(s + 1) * n];
        for i in 1..n - 1 {
            dnext[i] = du[i];
            du[i] = 0.0;
        }
        for i in 1..n - 1 {
            let d = dnext[i];
            du[i] += d * (1.0 - 2.0 * alpha);
            du[i - 1] += d * alpha;
            du[i + 1] += d * alpha;
            *dalpha += d * (up[i - 1] - 2.0 * up[i] + up[i + 1]);
        }
    }
    for i in 0..n {
        du0[i] += du[i];
    }
    e
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("heat");
    for &(n, steps) in &[(64usize, 200usize), (256, 400)] {
        let u0: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).sin()).collect();
        let label = format!("n{n}_s{steps}");
        g.bench_with_input(BenchmarkId::new("forward", &label), &u0, |b, u0| {
            b.iter(|| heat(black_box(u0), 0.2, steps))
        });
        g.bench_with_input(
            BenchmarkId::new("generated_gradient", &label),
            &u0,
            |b, u0| {
                b.iter(|| {
                    let mut du = vec![0.0; n];
                    let mut da = 0.0;
                    heat_pullback(black_box(u0), 0.2, steps, 1.0, &mut du, &mut da)
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("hand_written_adjoint", &label),
            &u0,
            |b, u0| {
                b.iter(|| {
                    let mut du = vec![0.0; n];
                    let mut da = 0.0;
                    heat_hand_adjoint(black_box(u0), 0.2, steps, &mut du, &mut da)
                })
            },
        );
    }
    g.finish();
}

/// Both adjoints agree before anything is timed.
fn check_agreement() {
    let u0: Vec<f64> = (0..32).map(|i| (i as f64 * 0.3).sin()).collect();
    let (mut d1, mut a1) = (vec![0.0; 32], 0.0);
    let (mut d2, mut a2) = (vec![0.0; 32], 0.0);
    heat_pullback(&u0, 0.2, 50, 1.0, &mut d1, &mut a1);
    heat_hand_adjoint(&u0, 0.2, 50, &mut d2, &mut a2);
    let err = d1
        .iter()
        .zip(&d2)
        .map(|(a, b)| (a - b).abs())
        .fold((a1 - a2).abs(), f64::max);
    assert!(err < 1e-9 * a2.abs().max(1.0), "adjoints disagree by {err}");
}

fn benches(c: &mut Criterion) {
    check_agreement();
    bench(c);
}

criterion_group!(group, benches);
criterion_main!(group);
