use backsolve_macros::differentiable;

// An option the attribute does not have. The same error in reverse, forward and nested mode.

#[differentiable(fast)]
fn f_reverse(x: f64) -> f64 {
    x * x
}

#[differentiable(forward, fast)]
fn f_forward(x: f64) -> f64 {
    x * x
}

#[differentiable(nested, fast)]
fn f_nested(x: f64) -> f64 {
    x * x
}

fn main() {}
