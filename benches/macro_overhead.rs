//! Generated gradient versus a hand-written adjoint of the same looped kernel.
//!
//! `cargo bench --bench macro_overhead`. The kernel is explicit heat-equation stepping with two
//! in-place buffers (n points, s steps) and a weighted energy at the end; the hand-written
//! adjoint stores the field once per step, as one would by hand. Forward mode (`jvp`) and the
//! Hessian-vector product (`hvp`, reverse over forward) of the same kernels beside them.

#![allow(clippy::needless_range_loop, clippy::manual_memcpy)]

use backsolve::prelude::*;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};

#[differentiable(nested)]
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

/// A chain of complex 2x2 transfer matrices (a 1D tight-binding wire), |t|^2 at the end.
#[differentiable(forward, reverse)]
fn chain_transmission(v: &[f64], e: c64) -> f64 {
    let mut m00 = c64::new(1.0, 0.0);
    let mut m01 = c64::new(0.0, 0.0);
    let mut m10 = c64::new(0.0, 0.0);
    let mut m11 = c64::new(1.0, 0.0);
    for x in 0..v.len() {
        let a = e - v[x];
        let n00 = a * m00 - m10;
        let n01 = a * m01 - m11;
        m10 = m00;
        m11 = m01;
        m00 = n00;
        m01 = n01;
    }
    let t = c64::new(1.0, 0.0) / (m00 + m11 + c64::new(0.0, 1.0) * (m01 - m10));
    t.norm_sqr()
}

/// Damped pendulum, RK4, 200 steps.
#[differentiable(forward, reverse)]
fn pendulum_rhs(th: f64, om: f64, g: f64, gamma: f64) -> (f64, f64) {
    (om, -g * th.sin() - gamma * om)
}

#[differentiable(forward, reverse)]
fn pendulum(th0: f64, g: f64, gamma: f64) -> f64 {
    let dt = 0.01;
    let mut th = th0;
    let mut om = 0.0;
    for _ in 0..200 {
        let (k1a, k1b) = pendulum_rhs(th, om, g, gamma);
        let (k2a, k2b) = pendulum_rhs(th + 0.5 * dt * k1a, om + 0.5 * dt * k1b, g, gamma);
        let (k3a, k3b) = pendulum_rhs(th + 0.5 * dt * k2a, om + 0.5 * dt * k2b, g, gamma);
        let (k4a, k4b) = pendulum_rhs(th + dt * k3a, om + dt * k3b, g, gamma);
        th += dt / 6.0 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a);
        om += dt / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b);
    }
    th * th + om * om
}

fn bench_other_kernels(c: &mut Criterion) {
    let mut g = c.benchmark_group("kernels");
    let v: Vec<f64> = (0..400).map(|i| (i as f64 * 0.7).sin() * 0.5).collect();
    let e = c64::new(0.3, 1e-3);
    g.bench_function("chain400/forward", |b| {
        b.iter(|| chain_transmission(black_box(&v), e))
    });
    g.bench_function("chain400/gradient", |b| {
        b.iter(|| {
            let mut dv = vec![0.0; v.len()];
            let mut de = c64::new(0.0, 0.0);
            chain_transmission_pullback(black_box(&v), e, 1.0, &mut dv, &mut de)
        })
    });
    let dv: Vec<f64> = (0..400).map(|i| (i as f64 * 0.3).cos()).collect();
    g.bench_function("chain400/jvp", |b| {
        b.iter(|| chain_transmission_jvp(black_box(&v), e, &dv, c64::new(0.1, 0.0)))
    });
    g.bench_function("pendulum200/forward", |b| {
        b.iter(|| pendulum(black_box(0.8), 9.81, 0.3))
    });
    g.bench_function("pendulum200/gradient", |b| {
        b.iter(|| {
            let (mut a, mut bb, mut cc) = (0.0, 0.0, 0.0);
            pendulum_pullback(black_box(0.8), 9.81, 0.3, 1.0, &mut a, &mut bb, &mut cc)
        })
    });
    g.bench_function("pendulum200/jvp", |b| {
        b.iter(|| pendulum_jvp(black_box(0.8), 9.81, 0.3, 1.0, 0.5, -0.2))
    });
    g.finish();
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
        let v0: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).cos()).collect();
        g.bench_with_input(BenchmarkId::new("jvp", &label), &u0, |b, u0| {
            b.iter(|| heat_jvp(black_box(u0), 0.2, steps, &v0, 0.1))
        });
        g.bench_with_input(BenchmarkId::new("hvp", &label), &u0, |b, u0| {
            b.iter(|| {
                let (mut hu, mut ha) = (vec![0.0; n], 0.0);
                let (mut gu, mut ga) = (vec![0.0; n], 0.0);
                heat_jvp_pullback(
                    black_box(u0),
                    0.2,
                    steps,
                    &v0,
                    0.1,
                    (0.0, 1.0),
                    &mut hu,
                    &mut ha,
                    &mut gu,
                    &mut ga,
                )
            })
        });
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
    bench_other_kernels(c);
}

criterion_group!(group, benches);
criterion_main!(group);
