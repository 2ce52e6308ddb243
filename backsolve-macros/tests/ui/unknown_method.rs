use backsolve_macros::differentiable;

#[differentiable]
fn f(v: &[f64]) -> f64 {
    let s: f64 = v.iter().sum();
    let m = v.to_vec().first_or_zero();
    s * m
}

fn main() {}
