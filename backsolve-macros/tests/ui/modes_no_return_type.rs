use backsolve_macros::differentiable;

// A differentiable function returns a value. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) {
    let _ = x * x;
}

#[differentiable(forward)]
fn f_forward(x: f64) {
    let _ = x * x;
}

#[differentiable(nested)]
fn f_nested(x: f64) {
    let _ = x * x;
}

fn main() {}
