use backsolve_macros::differentiable;

#[differentiable]
fn f<T: Copy>(x: f64, t: T) -> f64 {
    let _ = t;
    x * x
}

fn main() {}
