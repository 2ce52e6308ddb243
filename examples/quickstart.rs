//! The README's first command: differentiate a small simulator, check the gradient against
//! finite differences, and use it to recover hidden parameters from a "measurement".
//!
//! The simulator is a damped, driven oscillator `x'' = -w² x - g x' + F cos(t)` integrated with
//! classical Runge-Kutta (Press et al., Numerical Recipes, eq. 17.1.3), written as plain Rust with
//! loops, tuple returns and calls. `#[differentiable]` generates its exact reverse-mode gradient.
//!
//! `cargo run --release --example quickstart`

#![allow(clippy::needless_range_loop, clippy::manual_memcpy)]

use backsolve::prelude::*;
use std::time::Instant;

/// Right-hand side of the first-order system (x, v).
#[differentiable]
fn rhs(x: f64, v: f64, t: f64, omega: f64, gamma: f64) -> (f64, f64) {
    (v, -omega * omega * x - gamma * v + 0.5 * t.cos())
}

/// Positions sampled every `every` RK4 steps of size `dt`.
#[differentiable(wrt(omega, gamma, x0))]
fn trajectory(omega: f64, gamma: f64, x0: f64, steps: usize, every: usize, dt: f64) -> Vec<f64> {
    let mut x = x0;
    let mut v = 0.0;
    let mut out = Vec::with_capacity(steps / every + 1);
    for n in 0..steps {
        let t = n as f64 * dt;
        let (k1x, k1v) = rhs(x, v, t, omega, gamma);
        let (k2x, k2v) = rhs(
            x + 0.5 * dt * k1x,
            v + 0.5 * dt * k1v,
            t + 0.5 * dt,
            omega,
            gamma,
        );
        let (k3x, k3v) = rhs(
            x + 0.5 * dt * k2x,
            v + 0.5 * dt * k2v,
            t + 0.5 * dt,
            omega,
            gamma,
        );
        let (k4x, k4v) = rhs(x + dt * k3x, v + dt * k3v, t + dt, omega, gamma);
        x += dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x);
        v += dt / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
        if n % every == 0 {
            out.push(x);
        }
    }
    out
}

/// Mean squared misfit between the simulated and the measured trajectory.
#[differentiable(check, wrt(omega, gamma, x0))]
fn misfit(omega: f64, gamma: f64, x0: f64, measured: &[f64]) -> f64 {
    let sim = trajectory(omega, gamma, x0, 400, 10, 0.05);
    let mut s = 0.0;
    for i in 0..measured.len() {
        let r = sim[i] - measured[i];
        s += r * r;
    }
    s / measured.len() as f64
}

fn main() {
    let truth = (1.3, 0.25, 0.8);
    let measured = trajectory(truth.0, truth.1, truth.2, 400, 10, 0.05);
    let start = (1.1, 0.4, 0.5);

    println!("backsolve quickstart: damped driven oscillator, RK4, 400 steps");
    let (mut dw, mut dg, mut dx) = (0.0, 0.0, 0.0);
    let t0 = Instant::now();
    let cost = misfit_pullback(
        start.0, start.1, start.2, &measured, 1.0, &mut dw, &mut dg, &mut dx,
    );
    let took = t0.elapsed();
    println!("misfit at the start guess  {cost:.6e}");
    println!("gradient (omega, gamma, x0) ({dw:+.6e}, {dg:+.6e}, {dx:+.6e})  in {took:.1?}");

    let report = misfit_gradcheck(start.0, start.1, start.2, &measured);
    println!("\nfinite-difference check of the generated pullback:\n{report}");
    report.assert_close(1e-6);

    // Recover the hidden parameters: gradient descent with the accept-or-halve step rule.
    let mut p = [start.0, start.1, start.2];
    let mut lr = 0.5;
    let mut c = cost;
    let t0 = Instant::now();
    let mut epochs = 0;
    while c > 1e-16 && epochs < 2000 {
        let mut g = [0.0; 3];
        let (a, b) = g.split_at_mut(1);
        let (b, d) = b.split_at_mut(1);
        misfit_pullback(
            p[0], p[1], p[2], &measured, 1.0, &mut a[0], &mut b[0], &mut d[0],
        );
        loop {
            let trial = [p[0] - lr * g[0], p[1] - lr * g[1], p[2] - lr * g[2]];
            let ct = misfit(trial[0], trial[1], trial[2], &measured);
            if ct < c {
                p = trial;
                c = ct;
                lr *= 1.2;
                break;
            }
            lr *= 0.5;
            if lr < 1e-14 {
                break;
            }
        }
        epochs += 1;
    }
    println!(
        "recovered (omega, gamma, x0) = ({:.8}, {:.8}, {:.8}); truth ({}, {}, {})",
        p[0], p[1], p[2], truth.0, truth.1, truth.2
    );
    println!(
        "final misfit {c:.3e} after {epochs} epochs in {:.2?}",
        t0.elapsed()
    );
}
