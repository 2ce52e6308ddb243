use backsolve_macros::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut y = x;
    y += 1.0;
    let x2 = x;
    y * x2
}

#[differentiable]
fn g(v: &[f64], x: f64) -> f64 {
    x = x * 2.0;
    x
}

fn main() {}
