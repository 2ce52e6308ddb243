use backsolve_macros::differentiable;

// Assignment needs a variable, field or element on the left. The same error in reverse, forward and nested mode.

fn slot(v: &mut [f64]) -> &mut f64 {
    &mut v[0]
}

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let mut v = vec![0.0; 2];
    *slot(&mut v) = x;
    v[0]
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let mut v = vec![0.0; 2];
    *slot(&mut v) = x;
    v[0]
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let mut v = vec![0.0; 2];
    *slot(&mut v) = x;
    v[0]
}

fn main() {}
