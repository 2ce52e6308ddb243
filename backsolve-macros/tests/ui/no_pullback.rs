use backsolve_macros::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    plain_helper(x) * x
}

fn plain_helper(t: f64) -> f64 {
    t.sin()
}

fn main() {}
