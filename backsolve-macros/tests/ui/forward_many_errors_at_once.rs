use backsolve_macros::differentiable;

// Forward mode reports every error of a function together, as reverse mode does.
#[differentiable(forward)]
fn f(x: f64, v: &[f64]) -> f64 {
    let a = v.iter().map(|t| t * x).sum::<f64>();
    let b = x % 2.0;
    let c = unsafe { *v.as_ptr() } * x;
    a + b + c
}

fn main() {}
