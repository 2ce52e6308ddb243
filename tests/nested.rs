//! Nested derivatives from `#[differentiable(nested)]`.

use backsolve::prelude::*;

#[differentiable(nested)]
fn cubic(x: f64, k: f64) -> f64 {
    let y = k * x * x * x + x.sin();
    y
}

#[test]
fn second_derivative_of_a_scalar_function() {
    let (x, k) = (0.7, 1.3);
    // Forward over forward along x twice: (f, f'), (f', f'').
    let ((y, dy), (dy2, d2y)) = cubic_jvp_jvp(x, k, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0);
    assert_eq!(y, cubic(x, k));
    let fp = 3.0 * k * x * x + x.cos();
    let fpp = 6.0 * k * x - x.sin();
    assert!((dy - fp).abs() < 1e-14 && (dy2 - fp).abs() < 1e-14, "{dy} {dy2}");
    assert!((d2y - fpp).abs() < 1e-13, "{d2y} against {fpp}");
    // Reverse over forward: the gradient of f'(x) v is H v.
    let (mut hx, mut hk, mut gx, mut gk) = (0.0, 0.0, 0.0, 0.0);
    let _ = cubic_jvp_pullback(x, k, 1.0, 0.0, (0.0, 1.0), &mut hx, &mut hk, &mut gx, &mut gk);
    assert!((hx - fpp).abs() < 1e-13, "{hx}");
    assert!((hk - 3.0 * x * x).abs() < 1e-13, "{hk}");
    assert!((gx - fp).abs() < 1e-14, "{gx}");
}
