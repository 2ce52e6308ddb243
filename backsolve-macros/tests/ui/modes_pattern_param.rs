use backsolve_macros::differentiable;

// Parameters are plain names, not patterns. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse((x, y): (f64, f64)) -> f64 {
    x * y
}

#[differentiable(forward)]
fn f_forward((x, y): (f64, f64)) -> f64 {
    x * y
}

#[differentiable(nested)]
fn f_nested((x, y): (f64, f64)) -> f64 {
    x * y
}

fn main() {}
