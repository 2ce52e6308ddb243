//! The test corpus of the `#[differentiable]` macro: one function per construct it promises to
//! handle, plus realistic kernels, each checked against Richardson-extrapolated central finite
//! differences (real and imaginary parts separately) at a relative tolerance of 1e-6.

// The corpus spells constructs out on purpose (`b = b * x` is a reassignment reading the old
// value, index loops are what simulators look like).
#![allow(
    clippy::needless_range_loop,
    clippy::manual_memcpy,
    clippy::assign_op_pattern,
    clippy::approx_constant,
    clippy::let_and_return,
    clippy::neg_multiply,
    clippy::useless_vec
)]

use backsolve::prelude::*;

const TOL: f64 = 1e-6;

fn c(re: f64, im: f64) -> c64 {
    c64::new(re, im)
}

// ------------------------------------------------------------------ bindings and arithmetic

#[differentiable(check, forward, reverse)]
fn let_and_shadowing(x: f64, y: f64) -> f64 {
    let a = x * y;
    let a = a + x; // shadowing
    let mut b = a * a;
    b = b - y; // reassignment reads the old value
    b = b * x;
    b
}

#[differentiable(check, forward, reverse)]
fn compound_assignments(x: f64, y: f64) -> f64 {
    let mut s = x;
    s += y * 2.0;
    s -= x * x;
    s *= y;
    s /= x + 3.0;
    s
}

#[differentiable(check, forward, reverse)]
fn unary_minus_and_parens(x: f64, y: f64) -> f64 {
    -(x - y) * (-x + 2.0 * y) / (1.0 + x * x)
}

#[differentiable(check, forward, reverse)]
fn elementary_set_one(x: f64) -> f64 {
    x.exp() + x.ln() + x.sin() * x.cos() + x.tan() + x.tanh() + x.sinh() - x.cosh() + x.sqrt()
}

#[differentiable(check, forward, reverse)]
fn elementary_set_two(x: f64, y: f64) -> f64 {
    x.powi(3) + x.powf(y) + (x - y).abs() + x.max(y) * x.min(y) + y.atan2(x) + x.hypot(y)
}

#[differentiable(check, forward, reverse)]
fn elementary_set_three(x: f64) -> f64 {
    x.recip() + x.atan() + (x * 0.5).asin() + (x * 0.5).acos() + x.cbrt() + x.log10() + x.exp2()
}

#[differentiable(check, forward, reverse)]
fn float_path_calls(x: f64, y: f64) -> f64 {
    f64::sin(x) * f64::max(x, y) + f64::sqrt(y)
}

#[differentiable(check, forward, reverse)]
fn casts_and_integer_arithmetic(x: &[f64], k: usize) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n {
        let w = (i as f64 + 1.0) / (n as f64);
        s += w * x[(i + k) % n];
    }
    s * (k as f64 + 0.5)
}

// ------------------------------------------------------------------ complex numbers

#[differentiable(check, forward, reverse)]
fn complex_arithmetic(z: c64, w: c64) -> c64 {
    let p = z * w + z / (w + c(2.0, 0.5));
    p - z.conj() * 0.5
}

#[differentiable(check, forward, reverse)]
fn complex_mixed_real(z: c64, x: f64) -> c64 {
    let a = z * x + x;
    let b = x * a - z / x;
    b + c64::new(x, x * x)
}

#[differentiable(check, forward, reverse)]
fn complex_elementary(z: c64) -> c64 {
    z.exp() + z.sin() * z.cos() + z.sqrt() + z.ln() + z.powi(3) + z.powf(1.5) + z.tanh()
}

#[differentiable(check, forward, reverse)]
fn complex_to_real(z: c64, w: c64) -> f64 {
    z.norm() + w.norm_sqr() + (z * w).re - (z - w).im + z.arg()
}

#[differentiable(check, forward, reverse)]
fn complex_fields_and_scale(z: c64, k: f64) -> c64 {
    let mut a = z.scale(k);
    a.re = a.re * a.im;
    a.im += k;
    a.unscale(k + 2.0)
}

// ------------------------------------------------------------------ slices and vectors

#[differentiable(check, forward, reverse)]
fn slice_indexing(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 1..n - 1 {
        s += x[i - 1] * x[i + 1] - x[i] * x[i];
    }
    s + x[0] * x[n - 1]
}

#[differentiable(check, forward, reverse)]
fn vec_splat_and_element_assignment(x: &[f64], a: f64) -> Vec<f64> {
    let n = x.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = a * x[i] * x[i];
    }
    for i in 1..n {
        y[i] += y[i - 1] * 0.5;
    }
    y
}

#[differentiable(check, forward, reverse)]
fn vec_splat_of_active(a: f64, n: usize) -> Vec<f64> {
    let mut v = vec![a * a; n];
    v[0] = v[0] * a;
    v
}

#[differentiable(check, forward, reverse)]
fn vec_literal(x: f64, y: f64) -> Vec<f64> {
    let v = vec![x, x * y, y.sin()];
    let w = vec![v[2], v[1] * v[0], 1.0];
    w
}

#[differentiable(check, forward, reverse)]
fn with_capacity_and_push(x: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len());
    for i in 0..x.len() {
        out.push(x[i].sin());
    }
    let last = out[out.len() - 1];
    out.push(last * 2.0);
    out
}

#[differentiable(check, forward, reverse)]
fn vec_param_by_value(v: Vec<f64>, s: f64) -> f64 {
    let mut t = 0.0;
    for x in v.iter() {
        t += *x * s;
    }
    t * t
}

#[differentiable(check, forward, reverse)]
fn arrays(x: f64, y: f64) -> f64 {
    let a = [x, y, x * y];
    a[0] * a[2] + a[1]
}

#[differentiable(check, forward, reverse)]
fn clone_and_to_vec(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let w = v.clone();
    v[0] = v[0] * w[1];
    v[0] + w[0] * v[1]
}

// ------------------------------------------------------------------ loops

#[differentiable(check, forward, reverse)]
fn nested_for_with_rev(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in (0..n).rev() {
        for j in 0..i {
            s += x[i] * x[j] / (1.0 + (i - j) as f64);
        }
    }
    s
}

#[differentiable(check, forward, reverse)]
fn for_over_slice_iterators(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for &a in x.iter() {
        s += a * a;
    }
    for (i, b) in y.iter().enumerate() {
        s += *b * (i as f64);
    }
    for (a, b) in x.iter().zip(y.iter()) {
        s += a * b;
    }
    for v in x {
        s += v.sin();
    }
    s
}

#[differentiable(check, forward, reverse)]
fn while_data_dependent(x: f64) -> f64 {
    // Halve until below one: the trip count depends on x.
    let mut y = x;
    let mut n = 0;
    while y > 1.0 {
        y = y * 0.5 + 0.01 * y * y;
        n += 1;
    }
    y * (n as f64 + 1.0)
}

#[differentiable(check, forward, reverse)]
fn loop_break_continue(x: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    loop {
        if i >= x.len() {
            break;
        }
        let v = x[i];
        i += 1;
        if v < 0.0 {
            continue;
        }
        s += a * v * v;
        if s > 10.0 {
            break;
        }
        s = s * 1.01;
    }
    s
}

#[differentiable(check, forward, reverse)]
fn for_with_break(x: &[f64]) -> f64 {
    let mut p = 1.0;
    for i in 0..x.len() {
        p *= x[i];
        if p.abs() > 5.0 {
            break;
        }
    }
    p
}

// ------------------------------------------------------------------ branches

#[differentiable(check, forward, reverse)]
fn if_else_chain_on_active(x: f64, y: f64) -> f64 {
    let mut r = 1.0;
    if x > y {
        r *= x * x;
    } else if x > 0.0 {
        r = r * x * y;
    } else {
        r = y.exp();
    }
    r + x
}

#[differentiable(check, forward, reverse)]
fn if_as_expression(x: f64, y: f64) -> f64 {
    let a = if x * y > 1.0 { x.sin() } else { y.cos() * x };
    let b = 2.0 * if a > 0.0 { a * a } else { -a };
    a + b
}

#[differentiable(check, forward, reverse)]
fn match_on_integer(x: f64, mode: usize) -> f64 {
    let y = match mode % 3 {
        0 => x * x,
        1 => x.sin(),
        _ => {
            let t = x + 1.0;
            t * t * t
        }
    };
    y + x
}

#[differentiable(check, forward, reverse)]
fn early_return(x: f64, y: f64) -> f64 {
    if x < 0.0 {
        return x * y;
    }
    let mut s = x;
    for _ in 0..3 {
        s = s * y + 1.0;
        if s > 100.0 {
            return s.sqrt();
        }
    }
    s
}

#[differentiable(check, forward, reverse)]
fn block_expression(x: f64) -> f64 {
    let y = {
        let t = x * 3.0;
        t.sin() + t
    };
    y * x
}

// ------------------------------------------------------------------ tuples and calls

#[differentiable(forward, reverse)]
fn polar(x: f64, y: f64) -> (f64, f64) {
    let r = (x * x + y * y).sqrt();
    (r, y.atan2(x))
}

#[differentiable(check, forward, reverse)]
fn tuple_return(x: f64, y: f64) -> (f64, f64) {
    (x * y, x - y.exp())
}

#[differentiable(check, forward, reverse)]
fn destructure_call_result(x: f64, y: f64) -> f64 {
    let (r, theta) = polar(x, y);
    r * theta.cos()
}

mod helpers {
    use backsolve::prelude::*;

    #[differentiable(forward, reverse)]
    pub fn weighted_norm(v: &[f64], w: f64) -> f64 {
        let mut s = 0.0;
        for x in v.iter() {
            s += w * x * x;
        }
        s.sqrt()
    }
}

#[differentiable(check, forward, reverse)]
fn call_through_module_path(x: &[f64], w: f64) -> f64 {
    let a = helpers::weighted_norm(x, w);
    let b = helpers::weighted_norm(x, w * w);
    a * b + x[0]
}

#[differentiable(forward, reverse)]
fn square(x: f64) -> f64 {
    x * x
}

#[differentiable(check, forward, reverse)]
fn call_with_temporaries(x: f64, y: f64) -> f64 {
    square(x * y) + square(square(x) - y)
}

#[differentiable(forward, reverse)]
fn scale_all(v: &[f64], k: f64) -> Vec<f64> {
    let mut out = vec![0.0; v.len()];
    for i in 0..v.len() {
        out[i] = v[i] * k;
    }
    out
}

#[differentiable(check, forward, reverse)]
fn call_returning_vec(x: &[f64], k: f64) -> f64 {
    let y = scale_all(x, k);
    let z = scale_all(&y, k);
    z[0] * y[1] + z[z.len() - 1]
}

// Split mode: the callees' forward sweeps run once and their tapes move into the reverse
// closures their callers keep (no recomputation in the reverse sweep).
mod split_helpers {
    use backsolve::prelude::*;

    #[differentiable(split, forward, reverse)]
    pub fn weighted_norm(v: &[f64], w: f64) -> f64 {
        let mut s = 0.0;
        for x in v.iter() {
            s += w * x * x;
        }
        s.sqrt()
    }
}

#[differentiable(split, forward, reverse)]
fn square_split(x: f64) -> f64 {
    x * x
}

#[differentiable(split, forward, reverse)]
fn scale_all_split(v: &[f64], k: f64) -> Vec<f64> {
    let mut out = vec![0.0; v.len()];
    for (i, x) in v.iter().enumerate() {
        out[i] = x * k;
    }
    out
}

#[differentiable(check, forward, reverse)]
fn split_mode_callees_in_a_loop(x: &[f64], w: f64) -> f64 {
    let mut acc = 0.0;
    for i in 0..3 {
        let y = scale_all_split(x, w + i as f64);
        acc += split_helpers::weighted_norm(&y, w) * square_split(square_split(y[0]) - w);
    }
    acc
}

struct Oscillator {
    omega: f64,
    damping: f64,
}

impl Oscillator {
    #[differentiable(forward, reverse)]
    fn force(&self, x: f64, v: f64) -> f64 {
        -self.omega * self.omega * x - self.damping * v
    }

    #[differentiable(check, forward, reverse)]
    fn energy_after(&self, x0: f64, v0: f64, dt: f64) -> f64 {
        let mut x = x0;
        let mut v = v0;
        for _ in 0..20 {
            let a = self.force(x, v);
            v = v + dt * a;
            x = x + dt * v;
        }
        0.5 * v * v + 0.5 * self.omega * self.omega * x * x
    }
}

#[differentiable(wrt(x), forward, reverse)]
fn wrt_restricts(x: f64, y: f64) -> f64 {
    x * y * y
}

#[differentiable(check, forward, reverse)]
fn calls_wrt_function(x: f64, y: f64) -> f64 {
    // The callee differentiates `x` only, so only constants go to its `y` (passing an active
    // value there is a compile error, see the UI tests).
    wrt_restricts(x * y, 2.0) + y
}

// ------------------------------------------------------------------ faer matrices

#[differentiable(check, forward, reverse)]
fn matrix_expressions(a: &Mat<f64>, b: &Mat<f64>, s: f64) -> Mat<f64> {
    let c = a * b;
    let d = &c + a;
    let e = &d - b;
    faer::Scale(s) * &e
}

#[differentiable(check, forward, reverse)]
fn complex_matrix_product_chain(a: &Mat<c64>, b: &Mat<c64>) -> Mat<c64> {
    let mut p = a * b;
    for _ in 0..3 {
        p = &p * a;
    }
    p
}

#[differentiable(check, forward, reverse)]
fn matrix_elements(m: &Mat<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            s += m[(i, j)] * m[(j, i)] * (1.0 + i as f64);
        }
    }
    s
}

// ------------------------------------------------------------------ realistic kernels

/// One classical Runge-Kutta step of the damped pendulum.
#[differentiable(forward, reverse)]
fn pendulum_rhs(theta: f64, omega: f64, g: f64, gamma: f64) -> (f64, f64) {
    (omega, -g * theta.sin() - gamma * omega)
}

#[differentiable(check, forward, reverse)]
fn rk4_pendulum(theta0: f64, omega0: f64, g: f64, gamma: f64) -> f64 {
    let dt = 0.05;
    let mut th = theta0;
    let mut om = omega0;
    for _ in 0..10 {
        let (k1a, k1b) = pendulum_rhs(th, om, g, gamma);
        let (k2a, k2b) = pendulum_rhs(th + 0.5 * dt * k1a, om + 0.5 * dt * k1b, g, gamma);
        let (k3a, k3b) = pendulum_rhs(th + 0.5 * dt * k2a, om + 0.5 * dt * k2b, g, gamma);
        let (k4a, k4b) = pendulum_rhs(th + dt * k3a, om + dt * k3b, g, gamma);
        th += dt / 6.0 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a);
        om += dt / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b);
    }
    th * th + om
}

/// Explicit heat-equation stepping with two in-place buffers.
#[differentiable(check, forward, reverse)]
fn heat_equation(u0: &[f64], alpha: f64) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = vec![0.0; n];
    for _step in 0..15 {
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

/// Product of complex 2x2 transfer matrices of a 1D chain, |t|^2 at the end.
#[differentiable(check, forward, reverse)]
fn transfer_matrix_2x2(v: &[f64], e: c64) -> f64 {
    let mut m00 = c(1.0, 0.0);
    let mut m01 = c(0.0, 0.0);
    let mut m10 = c(0.0, 0.0);
    let mut m11 = c(1.0, 0.0);
    for x in 0..v.len() {
        // Layer matrix [[e - v, -1], [1, 0]] applied on the left.
        let a = e - v[x];
        let n00 = a * m00 - m10;
        let n01 = a * m01 - m11;
        m10 = m00;
        m11 = m01;
        m00 = n00;
        m01 = n01;
    }
    let t = c(1.0, 0.0) / (m00 + m11 + c(0.0, 1.0) * (m01 - m10));
    t.norm_sqr()
}

/// A dense layer with tanh activation, as a struct of parameters.
#[derive(Clone, Debug, Differentiable)]
struct Layer {
    w: Vec<f64>,
    b: Vec<f64>,
    #[differentiable(skip)]
    n_in: usize,
}

#[differentiable(check, forward, reverse)]
fn mlp_layer(layer: &Layer, x: &[f64]) -> f64 {
    let n_out = layer.b.len();
    let mut loss = 0.0;
    for o in 0..n_out {
        let mut z = layer.b[o];
        for i in 0..layer.n_in {
            z += layer.w[o * layer.n_in + i] * x[i];
        }
        let h = z.tanh();
        loss += h * h;
    }
    loss
}

/// Newton iteration for x^3 = a in a `while`, converged to machine precision.
#[differentiable(check, forward, reverse)]
fn newton_cube_root(a: f64) -> f64 {
    let mut x = a;
    let mut step = 1.0f64;
    while step.abs() > 1e-15 * x.abs() {
        step = (x * x * x - a) / (3.0 * x * x);
        x = x - step;
    }
    x
}

/// Velocity-Verlet for a particle chain with nearest-neighbour springs.
#[differentiable(check, forward, reverse)]
fn verlet_chain(x0: &[f64], k: f64) -> f64 {
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut v = vec![0.0; n];
    let dt = 0.1;
    for _ in 0..8 {
        let mut f = vec![0.0; n];
        for i in 0..n - 1 {
            let s = x[i + 1] - x[i] - 1.0;
            f[i] += k * s;
            f[i + 1] -= k * s;
        }
        for i in 0..n {
            v[i] += dt * f[i];
            x[i] += dt * v[i];
        }
    }
    let mut e = 0.0;
    for i in 0..n {
        e += x[i] * v[i];
    }
    e
}

/// Horner evaluation of a polynomial with complex coefficients.
#[differentiable(check, forward, reverse)]
fn complex_horner(coef: &[c64], z: c64) -> f64 {
    let mut p = c(0.0, 0.0);
    for k in (0..coef.len()).rev() {
        p = p * z + coef[k];
    }
    p.norm_sqr()
}

/// Soft-plus sum with a branch inside the loop body (stable for large arguments).
#[differentiable(check, forward, reverse)]
fn softplus_sum(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        let sp = if v > 20.0 { v } else { (1.0 + v.exp()).ln() };
        s += sp;
    }
    s
}

// ================================================================== tests

fn xs() -> Vec<f64> {
    vec![0.3, -0.7, 1.1, 0.45, -0.2, 0.9]
}

fn mat(m: usize, n: usize, seed: f64) -> Mat<f64> {
    Mat::from_fn(m, n, |i, j| ((i * 7 + j * 3) as f64 * 0.37 + seed).sin())
}

fn cmat(m: usize, n: usize, seed: f64) -> Mat<c64> {
    Mat::from_fn(m, n, |i, j| {
        let t = (i * 5 + j * 2) as f64 * 0.41 + seed;
        c(t.sin() * 0.6, t.cos() * 0.5)
    })
}

/// Forward mode: the jvp against central differences and against the pullback (dot-product
/// identity), relative.
const TANGENT_TOL: (f64, f64) = (1e-8, 1e-12);

macro_rules! check {
    ($name:ident, $call:expr) => {
        #[test]
        fn $name() {
            let report = $call;
            report.assert_close(TOL);
            let tangent = report
                .tangent
                .expect("every corpus function has forward mode");
            tangent.assert_close(TANGENT_TOL.0, TANGENT_TOL.1);
        }
    };
}

check!(t_let_and_shadowing, let_and_shadowing_gradcheck(1.3, -0.4));
check!(
    t_compound_assignments,
    compound_assignments_gradcheck(0.8, 1.7)
);
check!(
    t_unary_minus_and_parens,
    unary_minus_and_parens_gradcheck(0.6, -1.2)
);
check!(t_elementary_set_one, elementary_set_one_gradcheck(0.7));
check!(t_elementary_set_two, elementary_set_two_gradcheck(1.4, 0.6));
check!(t_elementary_set_three, elementary_set_three_gradcheck(0.8));
check!(t_float_path_calls, float_path_calls_gradcheck(0.4, 1.9));
check!(
    t_casts_and_integer_arithmetic,
    casts_and_integer_arithmetic_gradcheck(&xs(), 2)
);
check!(
    t_complex_arithmetic,
    complex_arithmetic_gradcheck(c(0.4, -1.1), c(0.9, 0.3))
);
check!(
    t_complex_mixed_real,
    complex_mixed_real_gradcheck(c(0.4, -1.1), 1.3)
);
check!(
    t_complex_elementary,
    complex_elementary_gradcheck(c(0.7, 0.4))
);
check!(
    t_complex_to_real,
    complex_to_real_gradcheck(c(0.7, 0.4), c(-0.2, 1.5))
);
check!(
    t_complex_fields_and_scale,
    complex_fields_and_scale_gradcheck(c(0.7, 0.4), 1.6)
);
check!(t_slice_indexing, slice_indexing_gradcheck(&xs()));
check!(
    t_vec_splat_and_element_assignment,
    vec_splat_and_element_assignment_gradcheck(&xs(), 1.3)
);
check!(t_vec_splat_of_active, vec_splat_of_active_gradcheck(0.7, 4));
check!(t_vec_literal, vec_literal_gradcheck(0.7, -1.3));
check!(
    t_with_capacity_and_push,
    with_capacity_and_push_gradcheck(&xs())
);
check!(
    t_vec_param_by_value,
    vec_param_by_value_gradcheck(xs(), 0.8)
);
check!(t_arrays, arrays_gradcheck(0.5, 2.0));
check!(t_clone_and_to_vec, clone_and_to_vec_gradcheck(&xs()));
check!(t_nested_for_with_rev, nested_for_with_rev_gradcheck(&xs()));
check!(
    t_for_over_slice_iterators,
    for_over_slice_iterators_gradcheck(&xs(), &[0.2, 0.5, -0.3, 0.8])
);
check!(t_while_data_dependent, while_data_dependent_gradcheck(13.7));
check!(
    t_loop_break_continue,
    loop_break_continue_gradcheck(&xs(), 1.7)
);
check!(
    t_loop_break_continue_early_stop,
    loop_break_continue_gradcheck(&[2.0, -1.0, 2.5, 1.0], 1.0)
);
check!(
    t_for_with_break,
    for_with_break_gradcheck(&[1.5, -2.0, 3.0, 0.5])
);
check!(
    t_if_else_chain_first,
    if_else_chain_on_active_gradcheck(1.5, 0.3)
);
check!(
    t_if_else_chain_second,
    if_else_chain_on_active_gradcheck(0.5, 0.9)
);
check!(
    t_if_else_chain_third,
    if_else_chain_on_active_gradcheck(-0.5, 0.9)
);
check!(t_if_as_expression, if_as_expression_gradcheck(1.2, 1.5));
check!(
    t_if_as_expression_other,
    if_as_expression_gradcheck(0.2, 1.5)
);
check!(t_match_arm_0, match_on_integer_gradcheck(0.7, 3));
check!(t_match_arm_1, match_on_integer_gradcheck(0.7, 4));
check!(t_match_arm_2, match_on_integer_gradcheck(0.7, 5));
check!(t_early_return_negative, early_return_gradcheck(-0.5, 2.0));
check!(t_early_return_loop, early_return_gradcheck(3.0, 6.0));
check!(t_early_return_fallthrough, early_return_gradcheck(0.5, 1.5));
check!(t_block_expression, block_expression_gradcheck(0.9));
check!(t_tuple_return, tuple_return_gradcheck(0.9, -0.4));
check!(
    t_destructure_call_result,
    destructure_call_result_gradcheck(0.9, 1.4)
);
check!(
    t_call_through_module_path,
    call_through_module_path_gradcheck(&xs(), 0.7)
);
check!(
    t_call_with_temporaries,
    call_with_temporaries_gradcheck(0.9, 0.3)
);
check!(
    t_call_returning_vec,
    call_returning_vec_gradcheck(&xs(), 1.1)
);
check!(
    t_split_mode_callees_in_a_loop,
    split_mode_callees_in_a_loop_gradcheck(&xs(), 0.7)
);
check!(
    t_method_calls,
    Oscillator {
        omega: 1.3,
        damping: 0.2
    }
    .energy_after_gradcheck(0.5, -0.3, 0.05)
);
check!(t_calls_wrt_function, calls_wrt_function_gradcheck(0.8, 1.1));
check!(
    t_matrix_expressions,
    matrix_expressions_gradcheck(&mat(3, 3, 0.1), &mat(3, 3, 0.7), 1.4)
);
check!(
    t_matrix_expressions_1x1,
    matrix_expressions_gradcheck(&mat(1, 1, 0.1), &mat(1, 1, 0.7), 0.6)
);
check!(
    t_complex_matrix_product_chain,
    complex_matrix_product_chain_gradcheck(&cmat(3, 3, 0.2), &cmat(3, 3, 0.9))
);
check!(
    t_matrix_elements,
    matrix_elements_gradcheck(&mat(4, 4, 0.3))
);
check!(t_rk4_pendulum, rk4_pendulum_gradcheck(0.8, -0.2, 9.81, 0.3));
check!(
    t_heat_equation,
    heat_equation_gradcheck(&[0.0, 1.0, 0.5, -0.3, 0.8, 0.0], 0.2)
);
check!(
    t_transfer_matrix_2x2,
    transfer_matrix_2x2_gradcheck(&[0.3, -0.5, 0.8, 0.1, -0.2], c(0.4, 0.05))
);
check!(
    t_mlp_layer,
    mlp_layer_gradcheck(
        &Layer {
            w: vec![0.1, -0.3, 0.5, 0.2, 0.7, -0.6],
            b: vec![0.05, -0.1],
            n_in: 3
        },
        &[0.4, -1.2, 0.9]
    )
);
check!(t_newton_cube_root, newton_cube_root_gradcheck(5.0));
check!(
    t_verlet_chain,
    verlet_chain_gradcheck(&[0.0, 1.1, 1.9, 3.2], 1.5)
);
check!(
    t_complex_horner,
    complex_horner_gradcheck(&[c(1.0, 0.5), c(-0.3, 0.2), c(0.7, -0.1)], c(0.6, 0.4))
);
check!(t_softplus_sum, softplus_sum_gradcheck(&[0.3, 25.0, -1.0]));

#[test]
fn newton_gradient_matches_the_analytic_derivative() {
    // x = a^(1/3): dx/da = 1 / (3 a^(2/3)).
    let a = 5.0;
    let mut da = 0.0;
    let x = newton_cube_root_pullback(a, 1.0, &mut da);
    assert!((x - a.cbrt()).abs() < 1e-14);
    assert!(
        (da - 1.0 / (3.0 * a.powf(2.0 / 3.0))).abs() < 1e-12,
        "da = {da}"
    );
}

#[test]
fn pullbacks_accumulate_into_adjoints() {
    let x = xs();
    let mut d1 = vec![0.0; x.len()];
    let mut w1 = 0.0;
    call_through_module_path_pullback(&x, 0.7, 1.0, &mut d1, &mut w1);
    // Start from non-zero adjoints and call twice: the result is prior + 2 * gradient.
    let prior: Vec<f64> = (0..x.len()).map(|i| i as f64).collect();
    let mut d2 = prior.clone();
    let mut w2 = 10.0;
    call_through_module_path_pullback(&x, 0.7, 1.0, &mut d2, &mut w2);
    call_through_module_path_pullback(&x, 0.7, 1.0, &mut d2, &mut w2);
    for i in 0..x.len() {
        assert!((d2[i] - (prior[i] + 2.0 * d1[i])).abs() < 1e-12);
    }
    assert!((w2 - (10.0 + 2.0 * w1)).abs() < 1e-12);
    assert!(w1.abs() > 1e-3, "the gradient is not trivially zero");
}

#[test]
fn pullback_returns_the_primal_value() {
    let (mut dx, mut dy) = (0.0, 0.0);
    let v = early_return_pullback(3.0, 6.0, 1.0, &mut dx, &mut dy);
    assert_eq!(v, early_return(3.0, 6.0));
    let mut d = vec![0.0; 6];
    let mut dk = 0.0;
    let y = vec_splat_and_element_assignment_pullback(&xs(), 1.3, &[1.0; 6], &mut d, &mut dk);
    assert_eq!(y, vec_splat_and_element_assignment(&xs(), 1.3));
}

#[test]
fn complex_convention_is_dl_dre_plus_i_dl_dim() {
    // L = |z|^2 at z = 3 + 4i: the adjoint is 2z = 6 + 8i (PyTorch/ChainRules convention).
    #[differentiable(forward, reverse)]
    #[allow(dead_code)]
    fn abs2(z: c64) -> f64 {
        z.norm_sqr()
    }
    let mut dz = c(0.0, 0.0);
    abs2_pullback(c(3.0, 4.0), 1.0, &mut dz);
    assert_eq!(dz, c(6.0, 8.0));
}

#[test]
fn wrt_leaves_other_arguments_out() {
    let mut dx = 0.0;
    let v = wrt_restricts_pullback(2.0, 3.0, 1.0, &mut dx);
    assert_eq!(v, 18.0);
    assert_eq!(dx, 9.0);
}

#[test]
fn struct_adjoint_has_the_parameter_shape() {
    let layer = Layer {
        w: vec![0.1, -0.3, 0.5, 0.2, 0.7, -0.6],
        b: vec![0.05, -0.1],
        n_in: 3,
    };
    let mut d = layer.zeros_like();
    mlp_layer_pullback(&layer, &[0.4, -1.2, 0.9], 1.0, &mut d, &mut [0.0; 3]);
    assert_eq!(d.w.len(), 6);
    assert_eq!(d.n_in, 3);
    assert!(d.b.iter().all(|g| g.abs() > 1e-6));
}

/// A time loop with a fixed step: the end time only decides the trip count.
#[differentiable(check, forward, reverse)]
fn fixed_step_decay(x0: f64, t_end: f64) -> f64 {
    let dt = 0.01;
    let mut t = 0.0;
    let mut x = x0;
    while t < t_end {
        x = x - dt * x;
        t += dt;
    }
    x
}

#[test]
fn a_gradient_check_says_when_its_differences_cross_a_trip_count_change() {
    // 50 steps to t = 0.5; the check's steps (1e-3) cross 0.5 from t_end = 0.5000001, where
    // the difference quotient in t_end jumps by a whole step's change.
    let crossing = fixed_step_decay_gradcheck(1.0, 0.500_000_1);
    let (at, perturbed) = crossing
        .trip_count_change
        .clone()
        .expect("the trip count changes across the differences");
    assert_ne!(at, perturbed);
    assert!(at == vec![51] || at == vec![50], "{at:?}");
    assert!(crossing.max_rel_err() > 1e-3, "the two programs disagree");
    let said = crossing.to_string();
    assert!(said.contains("trip count"), "{said}");
    // Away from a multiple of the step the count is the same on both sides, and the check
    // passes (the derivative in t_end is 0 there, as the function is flat in it).
    let inside = fixed_step_decay_gradcheck(1.0, 0.455);
    assert_eq!(inside.trip_count_change, None, "{inside}");
    inside.assert_close(TOL);
    let halving = while_data_dependent_gradcheck(13.7);
    assert_eq!(halving.trip_count_change, None);
}
