use backsolve_macros::differentiable;

// `while let` is not supported. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64, v: &[f64]) -> f64 {
    let mut y = x;
    let mut it = v.iter();
    while let Some(t) = it.next() {
        y += t;
    }
    y
}

#[differentiable(forward)]
fn f_forward(x: f64, v: &[f64]) -> f64 {
    let mut y = x;
    let mut it = v.iter();
    while let Some(t) = it.next() {
        y += t;
    }
    y
}

#[differentiable(nested)]
fn f_nested(x: f64, v: &[f64]) -> f64 {
    let mut y = x;
    let mut it = v.iter();
    while let Some(t) = it.next() {
        y += t;
    }
    y
}

fn main() {}
