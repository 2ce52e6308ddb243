use backsolve_macros::differentiable;

// A method without a known rule on a differentiable value. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(v: &[f64]) -> f64 {
    let m = v.to_vec().first_or_zero();
    m
}

#[differentiable(forward)]
fn f_forward(v: &[f64]) -> f64 {
    let m = v.to_vec().first_or_zero();
    m
}

#[differentiable(nested)]
fn f_nested(v: &[f64]) -> f64 {
    let m = v.to_vec().first_or_zero();
    m
}

fn main() {}
