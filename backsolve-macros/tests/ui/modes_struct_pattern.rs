use backsolve_macros::differentiable;

// Only `let x` and `let (a, b)` bind differentiable values. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let [a, b] = [x, x * 2.0];
    a * b
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let [a, b] = [x, x * 2.0];
    a * b
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let [a, b] = [x, x * 2.0];
    a * b
}

fn main() {}
