use backsolve_macros::differentiable;

// `.zip(..)` yields tuples. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64, v: &[f64], w: &[f64]) -> f64 {
    let mut s = x;
    for p in v.iter().zip(w.iter()) {
        s += x;
    }
    s
}

#[differentiable(forward)]
fn f_forward(x: f64, v: &[f64], w: &[f64]) -> f64 {
    let mut s = x;
    for p in v.iter().zip(w.iter()) {
        s += x;
    }
    s
}

#[differentiable(nested)]
fn f_nested(x: f64, v: &[f64], w: &[f64]) -> f64 {
    let mut s = x;
    for p in v.iter().zip(w.iter()) {
        s += x;
    }
    s
}

fn main() {}
