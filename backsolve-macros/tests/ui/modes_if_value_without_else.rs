use backsolve_macros::differentiable;

// An `if` used as a value has an `else`. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let y = if x > 0.0 { x * x };
    y
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let y = if x > 0.0 { x * x };
    y
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let y = if x > 0.0 { x * x };
    y
}

fn main() {}
