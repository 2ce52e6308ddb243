use backsolve_macros::differentiable;

// `.enumerate()` yields `(index, element)` pairs. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64, v: &[f64]) -> f64 {
    let mut s = x;
    for p in v.iter().enumerate() {
        s += x;
    }
    s
}

#[differentiable(forward)]
fn f_forward(x: f64, v: &[f64]) -> f64 {
    let mut s = x;
    for p in v.iter().enumerate() {
        s += x;
    }
    s
}

#[differentiable(nested)]
fn f_nested(x: f64, v: &[f64]) -> f64 {
    let mut s = x;
    for p in v.iter().enumerate() {
        s += x;
    }
    s
}

fn main() {}
