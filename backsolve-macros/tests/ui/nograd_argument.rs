use backsolve_macros::differentiable;

#[differentiable(wrt(x))]
fn g(x: f64, y: f64) -> f64 {
    x * y
}

#[differentiable]
fn f(x: f64, y: f64) -> f64 {
    g(x, y * 2.0) + y
}

fn main() {}
