//! Forward mode: `#[differentiable(forward, reverse)]` functions' `NAME_jvp` against central
//! differences and against their pullbacks by the dot-product identity `<w, J v> = <Jᵀ w, v>`.

use backsolve::{c64, differentiable};

#[differentiable(forward, reverse)]
fn poly(x: f64, k: f64) -> f64 {
    let y = x * x * k + x.sin() / k;
    y.exp() - 3.0 * y
}

#[differentiable(forward, reverse)]
fn sum_sq(v: &[f64], scale: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..v.len() {
        s += scale * v[i] * v[i];
    }
    s
}

#[test]
fn smoke() {
    let (y, dy) = poly_jvp(0.7, 1.3, 1.0, 0.0);
    let h = 1e-6;
    let fd = (poly(0.7 + h, 1.3) - poly(0.7 - h, 1.3)) / (2.0 * h);
    assert!((dy - fd).abs() < 1e-7 * fd.abs().max(1.0), "{dy} {fd}");
    assert_eq!(y, poly(0.7, 1.3));
    let v = [1.0, 2.0, 3.0];
    let (_, d) = sum_sq_jvp(&v, 2.0, &[1.0, 0.0, 0.0], 0.5);
    assert!((d - (4.0 + 0.5 * 14.0)).abs() < 1e-12, "{d}");
    let _ = c64::new(0.0, 0.0);
}
