//! Nested derivatives from `#[differentiable(nested)]`: Hessians of thirteen kernels by reverse over
//! forward (`NAME_jvp_pullback`, Hessian-vector products) and by forward over forward
//! (`NAME_jvp_jvp`), against Richardson-extrapolated central differences of the first
//! derivatives and against each other, symmetric; and the weight gradient of a loss containing
//! the second derivative `u_xx` of a tanh network in its input.

// The kernels spell their loops out, as simulators do.
#![allow(clippy::needless_range_loop, clippy::manual_memcpy)]

use backsolve::linalg;
use backsolve::prelude::*;

// ------------------------------------------------------------------ kernels, x: &[f64] -> f64

/// A tanh network `R² -> R`: inputs `x[0..2]`, then `W1` (3x2), `b1` (3), `w2` (3).
#[differentiable(nested)]
fn tanh_mlp(x: &[f64]) -> f64 {
    let mut out = 0.0;
    for j in 0..3 {
        let mut a = x[8 + j];
        for i in 0..2 {
            a += x[2 + 2 * j + i] * x[i];
        }
        out += x[11 + j] * a.tanh();
    }
    out
}

/// Damped pendulum, ten RK4 steps; `x = [θ0, ω0, g, γ]`.
#[differentiable(nested)]
fn rk4_pendulum(x: &[f64]) -> f64 {
    let dt = 0.05;
    let (g, gamma) = (x[2], x[3]);
    let mut th = x[0];
    let mut om = x[1];
    for _ in 0..10 {
        let k1a = om;
        let k1b = -g * th.sin() - gamma * om;
        let (t2, o2) = (th + 0.5 * dt * k1a, om + 0.5 * dt * k1b);
        let k2a = o2;
        let k2b = -g * t2.sin() - gamma * o2;
        let (t3, o3) = (th + 0.5 * dt * k2a, om + 0.5 * dt * k2b);
        let k3a = o3;
        let k3b = -g * t3.sin() - gamma * o3;
        let (t4, o4) = (th + dt * k3a, om + dt * k3b);
        let k4a = o4;
        let k4b = -g * t4.sin() - gamma * o4;
        th += dt / 6.0 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a);
        om += dt / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b);
    }
    th * th + om
}

/// The pendulum's right-hand side, called by [`rk4_with_calls`]: nested mode goes through calls
/// to functions that are `nested` themselves.
#[differentiable(nested)]
fn pendulum_rhs(th: f64, om: f64, g: f64, gamma: f64) -> (f64, f64) {
    (om, -g * th.sin() - gamma * om)
}

/// [`rk4_pendulum`] with its stages through calls.
#[differentiable(nested)]
fn rk4_with_calls(x: &[f64]) -> f64 {
    let dt = 0.05;
    let (g, gamma) = (x[2], x[3]);
    let mut th = x[0];
    let mut om = x[1];
    for _ in 0..10 {
        let (k1a, k1b) = pendulum_rhs(th, om, g, gamma);
        let (k2a, k2b) = pendulum_rhs(th + 0.5 * dt * k1a, om + 0.5 * dt * k1b, g, gamma);
        let (k3a, k3b) = pendulum_rhs(th + 0.5 * dt * k2a, om + 0.5 * dt * k2b, g, gamma);
        let (k4a, k4b) = pendulum_rhs(th + dt * k3a, om + dt * k3b, g, 0.3);
        th += dt / 6.0 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a);
        om += dt / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b);
    }
    th * th + om
}

/// A product of complex 2x2 transfer matrices of a chain with on-site potentials `x`, at energy
/// `0.4 + 0.05i`; the squared modulus of the final amplitude.
#[differentiable(nested)]
fn transfer_matrix_product(x: &[f64]) -> f64 {
    let e = c64::new(0.4, 0.05);
    let mut a = c64::new(1.0, 0.0);
    let mut b = c64::new(0.0, 0.0);
    for k in 0..x.len() {
        let m11 = e - x[k];
        let na = m11 * a - b;
        b = a;
        a = na;
    }
    a.norm_sqr() + (a * b.conj()).re
}

/// Newton's iteration for `y³ = a` in a `while` loop with a data-dependent trip count.
#[differentiable(nested)]
fn newton_cube_root(x: &[f64]) -> f64 {
    let a = x[0];
    let mut y = 1.0 + a / 3.0;
    let mut step: f64 = 1.0;
    while step.abs() > 1e-15 * y.abs() {
        step = (y * y * y - a) / (3.0 * y * y);
        y -= step;
    }
    y * x[1]
}

/// Explicit heat equation with two in-place buffers; `x = [u0.., α]`.
#[differentiable(nested)]
fn heat_equation(x: &[f64]) -> f64 {
    let n = x.len() - 1;
    let alpha = x[n];
    let mut u = vec![0.0; n];
    for i in 0..n {
        u[i] = x[i];
    }
    let mut next = vec![0.0; n];
    for _step in 0..8 {
        for i in 1..n - 1 {
            next[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        }
        for i in 1..n - 1 {
            u[i] = next[i];
        }
    }
    let mut e = 0.0;
    for i in 0..n {
        e += u[i] * u[i] * (1.0 + 0.1 * i as f64);
    }
    e
}

/// Velocity Verlet for a chain of anharmonic springs; `x` the initial positions.
#[differentiable(nested)]
fn verlet_chain(x: &[f64]) -> f64 {
    let n = x.len();
    let dt = 0.1;
    let mut q = x.to_vec();
    let mut v = vec![0.0; n];
    let mut f = vec![0.0; n];
    for _ in 0..6 {
        for i in 0..n {
            f[i] = 0.0;
        }
        for i in 1..n {
            let s = q[i] - q[i - 1] - 1.0;
            let t = s + 0.3 * s * s * s;
            f[i] -= t;
            f[i - 1] += t;
        }
        for i in 0..n {
            v[i] += 0.5 * dt * f[i];
            q[i] += dt * v[i];
        }
        for i in 0..n {
            v[i] += 0.5 * dt * f[i];
        }
    }
    let mut e = 0.0;
    for i in 0..n {
        e += v[i] * v[i] + q[i] * 0.1;
    }
    e
}

/// `|p(z)|²` of a complex polynomial by Horner: coefficients `(x[2k], x[2k+1])`, `z` last.
#[differentiable(nested)]
fn complex_horner(x: &[f64]) -> f64 {
    let m = x.len() / 2 - 1;
    let z = c64::new(x[2 * m], x[2 * m + 1]);
    let mut p = c64::new(0.0, 0.0);
    for k in 0..m {
        p = p * z + c64::new(x[2 * k], x[2 * k + 1]);
    }
    p.norm_sqr()
}

/// A numerically stable softplus sum: a branch on each active value.
#[differentiable(nested)]
fn softplus_sum(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let v = x[i] * (1.0 + 0.2 * i as f64);
        if v > 20.0 {
            s += v;
        } else {
            s += (1.0 + v.exp()).ln();
        }
    }
    s * s
}

/// Elementary functions of two and three arguments together.
#[differentiable(nested)]
fn elementary(x: &[f64]) -> f64 {
    let (a, b, c) = (x[0], x[1], x[2]);
    let u = a.exp() * b.sin() + (a * a + 1.0).sqrt() * c.cos();
    let w = b.atan2(a) + a.hypot(c) + b.powf(c) + a.powi(3) / (1.0 + b * b);
    u * w.tanh() + (c * c + 2.0).ln() + b.cbrt() * a.atan()
}

/// Early returns, a `max` and a `min`: piecewise smooth.
#[differentiable(nested)]
fn piecewise(x: &[f64]) -> f64 {
    let r2 = x[0] * x[0] + x[1] * x[1];
    if r2 > 4.0 {
        return r2.sqrt() * x[2];
    }
    let m = x[0].max(x[1]) * x[2].min(x[1] + 2.0);
    m * m + r2 * x[2]
}

/// A transfer-matrix sweep as the transport code runs it: complex 3x3 layer matrices from the
/// on-site potentials `x`, multiplied in a loop, QR every two layers with `ln R_ii`
/// accumulated and `Q` carried on, then a solve against a fixed right-hand side.
#[differentiable(nested)]
fn qr_stabilized_product(x: &[f64]) -> f64 {
    let n = 3;
    let rhs = Mat::<c64>::from_fn(n, 2, |i, j| c64::new(1.0 + i as f64, 0.5 * j as f64 - 0.2));
    let mut p = Mat::<c64>::identity(n, n);
    let mut logs = 0.0;
    for layer in 0..x.len() {
        let mut m = Mat::<c64>::zeros(n, n);
        for i in 0..n {
            m[(i, i)] = c64::new(x[layer] - 1.0 * i as f64, 0.1);
            if i + 1 < n {
                m[(i, i + 1)] = c64::new(1.0, 0.0);
                m[(i + 1, i)] = c64::new(1.0, 0.0);
            }
        }
        p = linalg::matmul(&m, &p);
        if (layer + 1) % 2 == 0 {
            let (q, r) = linalg::qr(&p);
            for i in 0..n {
                logs += r[(i, i)].re.ln();
            }
            p = q;
        }
    }
    let y = linalg::solve(&p, &rhs);
    logs + linalg::frob2(&y)
}

/// A Cholesky solve with the matrix and the right-hand side built from `x` (`x[0..3]` the
/// matrix, `x[3..6]` the right-hand side): `bᵀ A⁻¹ b`, `log det A` and `‖A⁻¹‖²`.
#[differentiable(nested)]
fn cholesky_energy(x: &[f64]) -> f64 {
    let n = 3;
    let mut a = Mat::<f64>::zeros(n, n);
    let mut b = Mat::<f64>::zeros(n, 1);
    for i in 0..n {
        a[(i, i)] = 3.0 + x[i] * x[i];
        b[(i, 0)] = x[i + 3].sin();
        for j in 0..i {
            a[(i, j)] = 0.3 * x[i] * x[j];
            a[(j, i)] = 0.3 * x[i] * x[j];
        }
    }
    let y = linalg::cholesky_solve(&a, &b);
    let w = linalg::matmul_adj_lhs(&b, &y);
    let inv = linalg::inverse(&a);
    w[(0, 0)] + linalg::logdet(&a) + linalg::frob2(&inv) * 0.1
}

// ------------------------------------------------------------------ the check

type Primal = fn(&[f64]) -> f64;
type Jvp = fn(&[f64], &[f64]) -> (f64, f64);
type JvpPullback = fn(&[f64], &[f64], (f64, f64), &mut [f64], &mut [f64]) -> (f64, f64);
type JvpJvp = fn(&[f64], &[f64], &[f64], &[f64]) -> ((f64, f64), (f64, f64));

fn unit(n: usize, i: usize) -> Vec<f64> {
    let mut e = vec![0.0; n];
    e[i] = 1.0;
    e
}

/// Column `j` of the Hessian by reverse over forward: the gradient of `∇f · e_j`.
fn hessian_reverse_over_forward(f: JvpPullback, x: &[f64]) -> Vec<Vec<f64>> {
    let n = x.len();
    (0..n)
        .map(|j| {
            let (mut hx, mut gv) = (vec![0.0; n], vec![0.0; n]);
            f(x, &unit(n, j), (0.0, 1.0), &mut hx, &mut gv);
            hx
        })
        .collect()
}

/// `H[j][i] = e_iᵀ H e_j` by forward over forward.
fn hessian_forward_over_forward(f: JvpJvp, x: &[f64]) -> Vec<Vec<f64>> {
    let n = x.len();
    let zero = vec![0.0; n];
    (0..n)
        .map(|j| {
            (0..n)
                .map(|i| f(x, &unit(n, j), &unit(n, i), &zero).1 .1)
                .collect()
        })
        .collect()
}

/// Richardson-extrapolated central differences of the first derivatives `∇f · e_j`.
fn hessian_by_differences(f: Jvp, x: &[f64]) -> Vec<Vec<f64>> {
    let n = x.len();
    let h = 1e-3 * x.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let first = |j: usize, i: usize, t: f64| {
        let mut p = x.to_vec();
        p[i] += t;
        f(&p, &unit(n, j)).1
    };
    (0..n)
        .map(|j| {
            (0..n)
                .map(|i| {
                    let d1 = (first(j, i, h) - first(j, i, -h)) / (2.0 * h);
                    let d2 = (first(j, i, h / 2.0) - first(j, i, -h / 2.0)) / h;
                    (4.0 * d2 - d1) / 3.0
                })
                .collect()
        })
        .collect()
}

fn largest(h: &[Vec<f64>]) -> f64 {
    h.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()))
}

fn distance(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
}

fn asymmetry(h: &[Vec<f64>]) -> f64 {
    let n = h.len();
    (0..n)
        .flat_map(|i| (0..n).map(move |j| (h[i][j] - h[j][i]).abs()))
        .fold(0.0, f64::max)
}

#[track_caller]
fn check_second_derivatives(name: &str, x: &[f64], fs: (Primal, Jvp, JvpPullback, JvpJvp)) {
    let (f, jvp, jvp_pullback, jvp_jvp) = fs;
    let n = x.len();
    let zero = vec![0.0; n];
    assert_eq!(jvp(x, &zero).0, f(x), "{name}: the jvp's value");
    assert_eq!(
        jvp_jvp(x, &zero, &zero, &zero).0 .0,
        f(x),
        "{name}: the value at second order"
    );
    let rf = hessian_reverse_over_forward(jvp_pullback, x);
    let ff = hessian_forward_over_forward(jvp_jvp, x);
    let fd = hessian_by_differences(jvp, x);
    let scale = largest(&fd);
    assert!(
        scale > 0.0,
        "{name}: the Hessian is zero, the check would be vacuous"
    );
    let (e_rf, e_ff) = (distance(&rf, &fd) / scale, distance(&ff, &fd) / scale);
    assert!(e_rf <= 1e-6, "{name}: reverse over forward off by {e_rf:e}");
    assert!(e_ff <= 1e-6, "{name}: forward over forward off by {e_ff:e}");
    let between = distance(&rf, &ff) / scale;
    assert!(
        between <= 1e-12,
        "{name}: the two orders differ by {between:e}"
    );
    for (order, h) in [("reverse over forward", &rf), ("forward over forward", &ff)] {
        let a = asymmetry(h) / scale;
        assert!(a <= 1e-10, "{name}: {order} Hessian asymmetric by {a:e}");
    }
}

macro_rules! second {
    ($test:ident, $f:ident, $jvp:ident, $pb:ident, $jj:ident, $x:expr) => {
        #[test]
        fn $test() {
            check_second_derivatives(stringify!($f), &$x, ($f, $jvp, $pb, $jj));
        }
    };
}

second!(
    hessian_of_a_qr_stabilized_product,
    qr_stabilized_product,
    qr_stabilized_product_jvp,
    qr_stabilized_product_jvp_pullback,
    qr_stabilized_product_jvp_jvp,
    [0.3, -0.5, 0.8, 0.1, -0.2, 0.6]
);
second!(
    hessian_of_a_cholesky_solve,
    cholesky_energy,
    cholesky_energy_jvp,
    cholesky_energy_jvp_pullback,
    cholesky_energy_jvp_jvp,
    [0.4, -0.8, 0.6, 0.3, -0.5, 1.1]
);
second!(
    hessian_of_a_tanh_network,
    tanh_mlp,
    tanh_mlp_jvp,
    tanh_mlp_jvp_pullback,
    tanh_mlp_jvp_jvp,
    [0.3, -0.7, 0.5, -0.2, 0.8, 0.1, -0.6, 0.4, 0.05, -0.1, 0.2, 0.9, -0.5, 0.3]
);
second!(
    hessian_of_rk4,
    rk4_pendulum,
    rk4_pendulum_jvp,
    rk4_pendulum_jvp_pullback,
    rk4_pendulum_jvp_jvp,
    [0.8, -0.2, 9.81, 0.3]
);
second!(
    hessian_through_calls,
    rk4_with_calls,
    rk4_with_calls_jvp,
    rk4_with_calls_jvp_pullback,
    rk4_with_calls_jvp_jvp,
    [0.8, -0.2, 9.81, 0.3]
);
second!(
    hessian_of_a_complex_transfer_matrix_product,
    transfer_matrix_product,
    transfer_matrix_product_jvp,
    transfer_matrix_product_jvp_pullback,
    transfer_matrix_product_jvp_jvp,
    [0.3, -0.5, 0.8, 0.1, -0.2]
);
second!(
    hessian_of_a_newton_iteration_in_a_while,
    newton_cube_root,
    newton_cube_root_jvp,
    newton_cube_root_jvp_pullback,
    newton_cube_root_jvp_jvp,
    [5.0, 1.3]
);
second!(
    hessian_of_the_heat_equation,
    heat_equation,
    heat_equation_jvp,
    heat_equation_jvp_pullback,
    heat_equation_jvp_jvp,
    [0.0, 1.0, 0.5, -0.3, 0.8, 0.0, 0.2]
);
second!(
    hessian_of_velocity_verlet,
    verlet_chain,
    verlet_chain_jvp,
    verlet_chain_jvp_pullback,
    verlet_chain_jvp_jvp,
    [0.0, 1.1, 1.9, 3.2]
);
second!(
    hessian_of_complex_horner,
    complex_horner,
    complex_horner_jvp,
    complex_horner_jvp_pullback,
    complex_horner_jvp_jvp,
    [1.0, 0.5, -0.3, 0.2, 0.7, -0.1, 0.6, 0.4]
);
second!(
    hessian_of_a_branchy_softplus,
    softplus_sum,
    softplus_sum_jvp,
    softplus_sum_jvp_pullback,
    softplus_sum_jvp_jvp,
    [0.3, 25.0, -1.0, 0.7]
);
second!(
    hessian_of_elementary_functions,
    elementary,
    elementary_jvp,
    elementary_jvp_pullback,
    elementary_jvp_jvp,
    [0.6, 1.4, 0.8]
);
second!(
    hessian_inside_an_early_return,
    piecewise,
    piecewise_jvp,
    piecewise_jvp_pullback,
    piecewise_jvp_jvp,
    [2.5, 1.0, 0.4]
);
second!(
    hessian_past_max_and_min,
    piecewise,
    piecewise_jvp,
    piecewise_jvp_pullback,
    piecewise_jvp_jvp,
    [0.3, -0.6, 0.9]
);

// ------------------------------------------------------------------ a loss containing u_xx

/// `u(x; w) = Σ_j w[8+j] tanh(w[j] x + w[4+j])`, four hidden units.
#[differentiable(nested, wrt(x, w))]
fn network(x: f64, w: &[f64]) -> f64 {
    let mut u = 0.0;
    for j in 0..4 {
        u += w[8 + j] * (w[j] * x + w[4 + j]).tanh();
    }
    u
}

/// The residual of `u'' = -sin(x)` at collocation points: `Σ_k (u_xx(x_k) + sin x_k)²`, with
/// `u_xx` by forward over forward.
#[differentiable(check, wrt(w))]
fn poisson_residual(w: &[f64], points: &[f64]) -> f64 {
    let still = vec![0.0; w.len()];
    let mut loss = 0.0;
    for k in 0..points.len() {
        let x = points[k];
        let (_, second) = network_jvp_jvp(x, w, 1.0, &still, 1.0, &still, 0.0, &still);
        let r = second.1 + x.sin();
        loss += r * r;
    }
    loss
}

#[test]
fn the_second_derivative_in_the_input_is_the_analytic_one() {
    let w = [
        0.7, -1.1, 0.4, 0.9, 0.1, -0.3, 0.5, 0.2, 1.2, -0.8, 0.6, 0.3,
    ];
    let x = 0.35;
    let still = [0.0; 12];
    let ((u, ux), (_, uxx)) = network_jvp_jvp(x, &w, 1.0, &still, 1.0, &still, 0.0, &still);
    let (mut e, mut e1, mut e2) = (0.0, 0.0, 0.0);
    for j in 0..4 {
        let t = (w[j] * x + w[4 + j]).tanh();
        e += w[8 + j] * t;
        e1 += w[8 + j] * w[j] * (1.0 - t * t);
        e2 += w[8 + j] * w[j] * w[j] * (-2.0 * t * (1.0 - t * t));
    }
    assert_eq!(u, network(x, &w));
    assert!((u - e).abs() < 1e-15 && (ux - e1).abs() < 1e-14, "{u} {ux}");
    assert!((uxx - e2).abs() < 1e-13, "u_xx {uxx} against {e2}");
}

#[test]
fn the_weight_gradient_of_a_loss_containing_u_xx_matches_differences() {
    let w = [
        0.7, -1.1, 0.4, 0.9, 0.1, -0.3, 0.5, 0.2, 1.2, -0.8, 0.6, 0.3,
    ];
    let points = [-1.0, -0.3, 0.2, 0.9, 1.5];
    poisson_residual_gradcheck(&w, &points).assert_close(1e-6);
}
