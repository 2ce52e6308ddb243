use backsolve_macros::differentiable;

// A tuple pattern of differentiable values holds names and `_`. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let (a, (b, c)) = (x, (x * 2.0, x * 3.0));
    a + b + c
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let (a, (b, c)) = (x, (x * 2.0, x * 3.0));
    a + b + c
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let (a, (b, c)) = (x, (x * 2.0, x * 3.0));
    a + b + c
}

fn main() {}
