//! Custom rules with `#[adjoint(of = ..)]`, for functions of this crate and of other crates,
//! and proof that the gradient check catches a wrong rule.

#![allow(clippy::needless_range_loop, clippy::manual_memcpy)]

use backsolve::prelude::*;

mod special {
    /// A function backsolve cannot see into (think: a C library or a closed-form special function).
    pub fn softclip(x: f64) -> f64 {
        x / (1.0 + x.abs())
    }

    /// `log(1 + e^x)`, computed stably.
    pub fn softplus(x: f64) -> f64 {
        if x > 30.0 {
            x
        } else {
            x.exp().ln_1p()
        }
    }
}

use special::{softclip, softplus};

/// `softclip'(x) = 1 / (1 + |x|)^2`.
#[adjoint(of = softclip)]
fn softclip_rule(x: f64, d_ret: f64, d_x: &mut f64) -> f64 {
    let s = 1.0 + x.abs();
    *d_x += d_ret / (s * s);
    softclip(x)
}

/// A deliberately wrong rule (missing the square) that the gradient check must catch.
#[adjoint(of = softplus)]
fn softplus_wrong_rule(x: f64, d_ret: f64, d_x: &mut f64) -> f64 {
    *d_x += d_ret * 0.5;
    softplus(x)
}

#[differentiable(check)]
fn uses_softclip(x: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s += softclip(a * v) * v;
    }
    s
}

#[differentiable(check)]
fn uses_wrong_rule(x: f64) -> f64 {
    softplus(x * 2.0) + x
}

/// A rule with an integer parameter and a `wrt(..)` choice.
fn shifted_power(x: f64, n: i32, shift: f64) -> f64 {
    (x + shift).powi(n)
}

#[adjoint(of = shifted_power, wrt(x))]
fn shifted_power_rule(x: f64, n: i32, shift: f64, d_ret: f64, d_x: &mut f64) -> f64 {
    *d_x += d_ret * n as f64 * (x + shift).powi(n - 1);
    shifted_power(x, n, shift)
}

#[differentiable(check)]
fn uses_shifted_power(x: f64, y: f64) -> f64 {
    shifted_power(x * y, 3, 0.5) * y
}

#[test]
fn rule_of_a_function_from_another_module_is_used() {
    uses_softclip_gradcheck(&[0.5, -1.5, 2.0], 0.8).assert_close(1e-6);
}

#[test]
fn rule_with_integer_and_wrt_parameters() {
    uses_shifted_power_gradcheck(0.7, 1.3).assert_close(1e-6);
}

#[test]
fn a_wrong_rule_is_caught_by_the_gradient_check() {
    let report = uses_wrong_rule_gradcheck(0.3);
    assert!(
        report.max_rel_err() > 1e-2,
        "the check should expose the wrong rule:\n{report}"
    );
    let caught = std::panic::catch_unwind(|| report.assert_close(1e-6));
    assert!(caught.is_err());
}

// ------------------------------------------------------------------ tangent rules

/// Forward mode through the same opaque function: `d softclip = d_x / (1 + |x|)^2`.
#[tangent(of = softclip)]
fn softclip_tangent(x: f64, d_x: f64) -> (f64, f64) {
    let s = 1.0 + x.abs();
    (softclip(x), d_x / (s * s))
}

/// A tangent rule with an integer parameter and `wrt`: `d (x + shift)^n = n (x + shift)^(n-1) d_x`.
#[tangent(of = shifted_power, wrt(x))]
fn shifted_power_tangent(x: f64, n: i32, shift: f64, d_x: f64) -> (f64, f64) {
    (
        shifted_power(x, n, shift),
        n as f64 * (x + shift).powi(n - 1) * d_x,
    )
}

/// The same wrong derivative as `softplus_wrong_rule`, in forward mode.
#[tangent(of = softplus)]
fn softplus_wrong_tangent(x: f64, d_x: f64) -> (f64, f64) {
    (softplus(x), 0.5 * d_x)
}

#[differentiable(check, forward, reverse)]
fn uses_wrong_tangent(x: f64) -> f64 {
    softplus(2.0 * x) * x
}

/// Both rules, in both modes.
#[differentiable(check, forward, reverse)]
fn softclip_chain(x: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += softclip(a * x[i]) * x[i] + shifted_power(x[i], 3, 0.5);
    }
    s
}

#[test]
fn a_wrong_tangent_rule_is_caught_by_the_forward_check() {
    let tangent = uses_wrong_tangent_gradcheck(0.7)
        .tangent
        .expect("forward mode");
    assert!(tangent.worst_rel_err > 0.1, "{tangent}");
    let caught = std::panic::catch_unwind(|| tangent.assert_close(1e-8, 1e-12));
    assert!(caught.is_err());
}

#[test]
fn tangent_rules_are_used_by_forward_mode() {
    let report = softclip_chain_gradcheck(&[0.3, -1.2, 2.5], 0.8);
    report.assert_close(1e-6);
    report
        .tangent
        .expect("forward mode")
        .assert_close(1e-8, 1e-12);
}
