use backsolve_macros::differentiable;

#[differentiable]
fn f(x: f64, y: f64) -> f64 {
    let r = x % y;
    r * 2.0
}

fn main() {}
