//! Forward mode's public contract: `NAME_jvp(args, one tangent per active argument) ->
//! (value, tangent)`, tangents of the primal types, `forward` alone generating no pullback,
//! constants passed to a differentiable callee, and the jvp of every corpus construct (in
//! `tests/corpus.rs`, through `NAME_gradcheck`'s tangent report).

use backsolve::prelude::*;

/// Forward mode only: `spring_energy_jvp` exists, `spring_energy_pullback` does not (a call
/// to it would not compile; the trybuild suite holds such cases).
#[differentiable(forward)]
fn spring_energy(x: &[f64], k: f64) -> f64 {
    let mut e = 0.0;
    for i in 1..x.len() {
        let s = x[i] - x[i - 1];
        e += 0.5 * k * s * s;
    }
    e
}

#[test]
fn a_jvp_returns_the_value_and_the_directional_derivative() {
    let x = [0.0, 1.0, 3.0];
    // Along (1, 0, 0) and dk = 0.5: dE = k (x0 - x1) + 0.5 E/k = -2 + 0.5 * 2.5.
    let (e, de) = spring_energy_jvp(&x, 2.0, &[1.0, 0.0, 0.0], 0.5);
    assert_eq!(e, spring_energy(&x, 2.0));
    assert_eq!(de, -2.0 + 0.5 * 2.5);
}

#[differentiable(check, forward, reverse)]
fn rotate(z: c64, theta: f64) -> c64 {
    z * c64::new(theta.cos(), theta.sin())
}

#[test]
fn complex_tangents_follow_the_complex_derivative() {
    let z = c64::new(0.3, -0.8);
    // d(z e^{iθ}) = e^{iθ} dz + i z e^{iθ} dθ.
    let (dz, dtheta) = (c64::new(0.2, 0.5), -0.7);
    let (w, dw) = rotate_jvp(z, 1.1, dz, dtheta);
    let e = c64::new(1.1f64.cos(), 1.1f64.sin());
    let expected = e * dz + c64::new(0.0, 1.0) * z * e * dtheta;
    assert_eq!(w, rotate(z, 1.1));
    assert!((dw - expected).norm() < 1e-15, "{dw} against {expected}");
    rotate_gradcheck(z, 1.1)
        .tangent
        .unwrap()
        .assert_close(1e-8, 1e-12);
}

#[differentiable(forward, reverse)]
fn scaled_sum(v: &[f64], scale: f64) -> f64 {
    let mut s = 0.0;
    for x in v {
        s += scale * x;
    }
    s
}

/// A constant slice and a constant scale passed to a differentiable callee: the callee builds
/// their zero tangents itself.
#[differentiable(check, forward, reverse)]
fn with_constant_arguments(v: &[f64], w: f64) -> f64 {
    let fixed = vec![1.0, 2.0, 3.0];
    scaled_sum(v, 2.0) * scaled_sum(&fixed, w) + scaled_sum(&fixed, 0.5)
}

#[test]
fn constants_passed_to_a_callee_have_zero_tangents() {
    let v = [0.4, -0.2, 1.5];
    let (y, dy) = with_constant_arguments_jvp(&v, 0.3, &[1.0, 1.0, 1.0], 0.0);
    assert_eq!(y, with_constant_arguments(&v, 0.3));
    // d/dv_i of 2 Σv · 6w = 12 w for each i: 3 * 12 * 0.3.
    assert!((dy - 10.8).abs() < 1e-12, "{dy}");
    with_constant_arguments_gradcheck(&v, 0.3)
        .tangent
        .unwrap()
        .assert_close(1e-8, 1e-12);
}

#[differentiable(check, forward, reverse)]
fn first_crossing(x: &[f64], level: f64) -> f64 {
    for xi in x {
        if *xi > level {
            return xi * xi - level;
        }
    }
    level.exp()
}

#[test]
fn early_returns_carry_their_tangent() {
    let x = [0.1, 0.9, 2.0];
    let (y, dy) = first_crossing_jvp(&x, 0.5, &[0.0, 1.0, 0.0], 1.0);
    assert_eq!(y, 0.81 - 0.5);
    assert!((dy - (1.8 - 1.0)).abs() < 1e-15, "{dy}");
    let (y, dy) = first_crossing_jvp(&x, 3.0, &[1.0, 1.0, 1.0], 1.0);
    assert_eq!((y, dy), (3.0f64.exp(), 3.0f64.exp()));
    first_crossing_gradcheck(&x, 0.5)
        .tangent
        .unwrap()
        .assert_close(1e-8, 1e-12);
}

/// Model parameters as a struct, passed constant to a forward-mode callee.
#[derive(Clone, Differentiable)]
struct Spring {
    k: f64,
    rest: f64,
    #[differentiable(skip)]
    label: usize,
}

#[differentiable(forward, reverse)]
fn spring_force(s: &Spring, x: f64) -> f64 {
    -s.k * (x - s.rest)
}

#[differentiable(check, forward, reverse)]
fn with_a_constant_struct(x: f64, k: f64) -> f64 {
    let fixed = Spring {
        k: 2.0,
        rest: 0.5,
        label: 7,
    };
    spring_force(&fixed, x) * k
}

#[test]
fn a_constant_struct_argument_has_a_zero_tangent() {
    let (y, dy) = with_a_constant_struct_jvp(0.8, 1.5, 1.0, 0.0);
    assert_eq!(y, with_a_constant_struct(0.8, 1.5));
    assert_eq!(dy, -2.0 * 1.5);
    let s = Spring {
        k: 2.0,
        rest: 0.5,
        label: 3,
    };
    let ds = Spring {
        k: 1.0,
        rest: 0.0,
        label: 3,
    };
    let (_, df) = spring_force_jvp(&s, 0.8, &ds, 0.0);
    assert_eq!((df, s.label), (-(0.8 - 0.5), 3));
    with_a_constant_struct_gradcheck(0.8, 1.5)
        .tangent
        .unwrap()
        .assert_close(1e-8, 1e-12);
}
