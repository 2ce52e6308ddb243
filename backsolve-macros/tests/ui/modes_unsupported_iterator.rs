use backsolve_macros::differentiable;

// A `for` loop over an iterator the macro cannot index: the same error in each mode.
#[differentiable]
fn f_reverse(x: f64, v: &[f64]) -> f64 {
    let mut s = x;
    for t in v.chunks(2) {
        s += t[0] * x;
    }
    s
}

#[differentiable(forward)]
fn f_forward(x: f64, v: &[f64]) -> f64 {
    let mut s = x;
    for t in v.chunks(2) {
        s += t[0] * x;
    }
    s
}

#[differentiable(nested)]
fn f_nested(x: f64, v: &[f64]) -> f64 {
    let mut s = x;
    for t in v.chunks(2) {
        s += t[0] * x;
    }
    s
}

fn main() {}
