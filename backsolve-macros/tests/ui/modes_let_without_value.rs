use backsolve_macros::differentiable;

// A differentiable variable is declared with its value. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let y: f64;
    y = x * x;
    y
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let y: f64;
    y = x * x;
    y
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let y: f64;
    y = x * x;
    y
}

fn main() {}
