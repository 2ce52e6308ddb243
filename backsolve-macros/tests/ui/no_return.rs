extern crate backsolve_core as backsolve;
use backsolve_macros::differentiable;

#[differentiable]
fn f(x: f64) {
    let _ = x * x;
}

fn main() {}
