use backsolve_macros::differentiable;

// Slice elements are bound to a name. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64, v: &[(f64, f64)]) -> f64 {
    let mut s = x;
    for (a, b) in v.iter() {
        s += x;
    }
    s
}

#[differentiable(forward)]
fn f_forward(x: f64, v: &[(f64, f64)]) -> f64 {
    let mut s = x;
    for (a, b) in v.iter() {
        s += x;
    }
    s
}

#[differentiable(nested)]
fn f_nested(x: f64, v: &[(f64, f64)]) -> f64 {
    let mut s = x;
    for (a, b) in v.iter() {
        s += x;
    }
    s
}

fn main() {}
