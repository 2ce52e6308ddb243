use backsolve_macros::differentiable;

#[differentiable(fast)]
fn f(x: f64) -> f64 {
    x * x
}

fn main() {}
