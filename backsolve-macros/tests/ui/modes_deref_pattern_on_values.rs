use backsolve_macros::differentiable;

// `.copied()` elements are values: no `&` in the pattern. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64, v: &[f64]) -> f64 {
    let mut s = x;
    for &t in v.iter().copied() {
        s += t * x;
    }
    s
}

#[differentiable(forward)]
fn f_forward(x: f64, v: &[f64]) -> f64 {
    let mut s = x;
    for &t in v.iter().copied() {
        s += t * x;
    }
    s
}

#[differentiable(nested)]
fn f_nested(x: f64, v: &[f64]) -> f64 {
    let mut s = x;
    for &t in v.iter().copied() {
        s += t * x;
    }
    s
}

fn main() {}
