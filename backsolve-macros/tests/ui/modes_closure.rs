use backsolve_macros::differentiable;

// Closures over differentiable values are not differentiated. The same error in reverse, forward and nested mode.

#[differentiable]
fn f_reverse(x: f64) -> f64 {
    let g = |t: f64| t * x;
    g(2.0)
}

#[differentiable(forward)]
fn f_forward(x: f64) -> f64 {
    let g = |t: f64| t * x;
    g(2.0)
}

#[differentiable(nested)]
fn f_nested(x: f64) -> f64 {
    let g = |t: f64| t * x;
    g(2.0)
}

fn main() {}
